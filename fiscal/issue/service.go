package issue

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/fiscald/fiscald/device"
	"github.com/fiscald/fiscald/fiscal"
	"github.com/fiscald/fiscald/httpapi/wire"
	"github.com/fiscald/fiscald/internal/receipt"
	"github.com/fiscald/fiscald/journal"
)

// Printer is a receipt printer a CashBox prints on.
type Printer struct {
	// Name identifies the printer (Options.Printer of /v2/issue).
	Name   string
	Device device.Printer
	// Columns is the paper's width in characters (48 for 80 mm, 32 for
	// 58 mm); default 48.
	Columns int
}

// DefaultCheckInterval is how often pending jobs are asked about.
const DefaultCheckInterval = 5 * time.Second

// Options configure a Service.
type Options struct {
	Fiscal *fiscal.Service
	DB     *journal.DB
	// Printers lists the printer of each CashBox (by id); a CashBox
	// without one hands receipts over by URL only.
	Printers map[string]*Printer
	// Encode turns a receipt's printer layout into job data (ESC/POS);
	// required with printers.
	Encode func([]receipt.Line) []byte
	// Kept, if set, receives every job's data before it is sent (the
	// demo keeps each job beside its rendering).
	Kept func(itemID string, data []byte)
	// PublicURL, if set, starts every DocumentURL (a reverse proxy's
	// address); otherwise Call.BaseURL does.
	PublicURL string
	// CheckInterval paces the questions about pending jobs; default
	// DefaultCheckInterval.
	CheckInterval time.Duration
	Registry      prometheus.Registerer
	Log           *slog.Logger
	// Now is the clock; default time.Now.
	Now func() time.Time
}

// Service hands receipts over. Build it with New, Start it after the
// fiscal service, Close it at shutdown.
type Service struct {
	fis      *fiscal.Service
	db       *journal.DB
	printers map[string]*Printer
	encode   func([]receipt.Line) []byte
	kept     func(string, []byte)
	public   string
	interval time.Duration
	tokens   *pageTokens
	log      *slog.Logger
	now      func() time.Time
	metrics  *metrics

	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
	// chainMu serialises the writers of each issue chain and the
	// delivery records.
	chainMu sync.Mutex
	// inFlight holds the jobs a request is printing: the follow-up
	// leaves them alone (chainMu).
	inFlight map[string]bool
}

// New builds the service.
func New(o Options) (*Service, error) {
	tokens, err := loadPageTokens(o.DB)
	if err != nil {
		return nil, err
	}
	s := &Service{fis: o.Fiscal, db: o.DB, printers: map[string]*Printer{}, encode: o.Encode, kept: o.Kept, public: o.PublicURL,
		interval: o.CheckInterval, tokens: tokens, log: o.Log, now: o.Now, inFlight: map[string]bool{}}
	for id, p := range o.Printers {
		if p.Columns <= 0 {
			p.Columns = 48
		}
		s.printers[strings.ToLower(id)] = p
	}
	if len(s.printers) > 0 && s.encode == nil {
		return nil, errors.New("issue: printers need an encoder")
	}
	if s.interval <= 0 {
		s.interval = DefaultCheckInterval
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.now == nil {
		s.now = time.Now
	}
	s.metrics = newMetrics(o.Registry, s.printers, s.pendingJobs)
	s.ctx, s.cancel = context.WithCancel(context.Background())
	return s, nil
}

// pendingJobs counts the jobs on record as pending.
func (s *Service) pendingJobs() float64 {
	n := 0
	s.db.ScanRecords(nsJob, nil, func(_, _ []byte) error { n++; return nil })
	return float64(n)
}

// Start follows up the jobs left pending, also by a previous run.
func (s *Service) Start() { s.wg.Go(s.followPending) }

// Close stops following pending jobs.
func (s *Service) Close() {
	s.cancel()
	s.wg.Wait()
}

// Call is one /v2/issue request that passed the idempotency check.
type Call struct {
	// Op is the request's operation: a print job stores its answer with
	// the job's journal entries, so that a retry after a crash replays
	// the job instead of printing again.
	Op      *fiscal.Operation
	CashBox *fiscal.CashBox
	Request *wire.IssueRequest
	// BaseURL is where the POS reached fiscald ("http://host:port"): the
	// receipt page's URL starts with it.
	BaseURL string
}

// issueResponse is the body of a successful /v2/issue.
type issueResponse struct {
	QueueID     string     `json:"ftQueueID"`
	QueueItemID string     `json:"ftQueueItemID"`
	QueueRow    uint64     `json:"ftQueueRow"`
	DocumentURL string     `json:"DocumentURL"`
	Print       *printInfo `json:"Print,omitempty"`
}

type printInfo struct {
	State  string `json:"State"`
	JobID  string `json:"JobId"`
	Detail string `json:"Detail,omitempty"`
}

// Issue hands a signed receipt over: it checks that the receipt is this
// CashBox's and signed as the client says, returns the receipt page's
// URL, and prints it when asked or by default on the CashBox's printer.
func (s *Service) Issue(ctx context.Context, c Call) (fiscal.Outcome, error) {
	r, err := s.lookup(c.CashBox, c.Request.Response)
	if err != nil {
		return fiscal.Outcome{}, err
	}
	p := s.printers[c.CashBox.ID]
	channel := c.Request.Channel
	if channel == "" {
		channel = wire.ChannelURL
		if p != nil {
			channel = wire.ChannelPrint
		}
	}
	base := c.BaseURL
	if s.public != "" {
		base = s.public
	}
	resp := issueResponse{QueueID: r.QueueID, QueueItemID: r.QueueItemID, QueueRow: r.Row,
		DocumentURL: strings.TrimRight(base, "/") + PagePath(r.QueueItemID, s.tokens.token(r.QueueItemID))}
	switch channel {
	case wire.ChannelEmail:
		return fiscal.Outcome{}, &fiscal.Error{Code: fiscal.CodeUnsupportedValue, Detail: "Options.Channel email: no mail relay is configured; use url or print"}
	case wire.ChannelPrint:
		if p == nil || (c.Request.Printer != "" && c.Request.Printer != p.Name) {
			return fiscal.Outcome{}, &fiscal.Error{Code: fiscal.CodeUnsupportedValue, Detail: "Options.Channel print: this CashBox has no such printer"}
		}
		s.metrics.issued.WithLabelValues(channel).Inc()
		return s.print(ctx, c, p, r, resp)
	}
	s.metrics.issued.WithLabelValues(channel).Inc()
	body, _ := json.Marshal(&resp)
	return fiscal.Outcome{Status: 200, Body: body}, nil
}

// lookup finds the stored receipt the client names and checks that its
// signatures are the stored ones.
func (s *Service) lookup(cb *fiscal.CashBox, client *wire.ReceiptResponse) (*fiscal.StoredReceipt, error) {
	r, err := s.fis.Receipt(cb, client.QueueItemID)
	switch {
	case errors.Is(err, fiscal.ErrReceiptNotFound) || (err == nil && (r.QueueID != client.QueueID || !r.Receipt)):
		return nil, notFound("ReceiptResponse.ftQueueItemID", "receipt not found: no signed receipt with this ftQueueID and ftQueueItemID exists in this CashBox")
	case err != nil:
		return nil, err
	}
	stored, err := wire.DecodeReceiptResponse(r.Response)
	if err != nil {
		return nil, fmt.Errorf("issue: stored response of %s: %w", r.QueueItemID, err)
	}
	if !sameSignatures(stored.Signatures, client.Signatures) {
		return nil, notFound("ReceiptResponse.ftSignatures", "the signature items differ from the signed receipt's")
	}
	return r, nil
}

// notFound is the 422 of §9 for a receipt the CashBox did not sign.
func notFound(field, msg string) *fiscal.Error {
	return &fiscal.Error{Code: fiscal.CodeReceiptNotFound, Detail: field + ": " + msg,
		Errors: []wire.FieldError{{Field: field, Code: "not-found", Message: msg}}}
}

func sameSignatures(a, b []wire.SignatureItem) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].Format != b[i].Format || a[i].Type != b[i].Type || a[i].Caption != b[i].Caption || a[i].Data != b[i].Data {
			return false
		}
	}
	return true
}

// PagePath is the path of a receipt's page: the item id and its token,
// each a path segment of its own.
func PagePath(itemID, token string) string { return "/receipt/" + itemID + "/" + token }
