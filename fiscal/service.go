package fiscal

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/fiscald/fiscald/httpapi/wire"
	"github.com/fiscald/fiscald/journal"
)

// Options configure a Service.
type Options struct {
	DB      *journal.DB
	Markets []Market
	Log     *slog.Logger
	Metrics *Metrics
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Version is the daemon's build version (echo's ServerVersion).
	Version string
	// QueueBacklog bounds the requests waiting per queue (default 1024).
	QueueBacklog int
}

// Service is the fiscal core as the API sees it. Build it with NewService,
// provision CashBoxes, call Start, and Close it after the HTTP server has
// drained.
type Service struct {
	db          *journal.DB
	markets     map[Country]Market
	cashboxes   map[string]*CashBox
	cashboxList []*CashBox
	decoy       tokenHash
	ops         *operations
	filter      *opFilter
	log         *slog.Logger
	metrics     *Metrics
	now         func() time.Time
	version     string
	backlog     int

	// payItems recognises pay items /v2/pay returned; nil: none.
	payItems PayItemLinker

	started bool
	// cleanStart reports that the previous run stopped with Close.
	cleanStart bool
	wg         sync.WaitGroup
}

// The run record tells a start whether the previous run ended cleanly.
var (
	runKey     = []byte("run")
	runRunning = []byte("running")
	runClean   = []byte("clean")
)

// NewService loads every stored CashBox and restores its queues. It starts
// no goroutines.
func NewService(o Options) (*Service, error) {
	s := &Service{
		db:        o.DB,
		markets:   map[Country]Market{},
		cashboxes: map[string]*CashBox{},
		ops:       newOperations(),
		log:       o.Log,
		metrics:   o.Metrics,
		now:       o.Now,
		version:   o.Version,
		backlog:   o.QueueBacklog,
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.backlog <= 0 {
		s.backlog = 1024
	}
	for _, m := range o.Markets {
		s.markets[m.Country()] = m
	}
	s.decoy.sum = s.decoy.of("decoy") // unknown CashBoxes hash against this
	if err := s.loadFilter(); err != nil {
		return nil, err
	}
	if v, err := s.db.Get(nsState, runKey); err == nil {
		s.cleanStart = string(v) == string(runClean)
	} else if errors.Is(err, journal.ErrNotFound) {
		s.cleanStart = true // a new data directory: nothing was ever signed
	} else {
		return nil, err
	}
	err := s.db.ScanRecords(nsCashBox, nil, func(_, v []byte) error {
		var rec cashboxRecord
		if err := json.Unmarshal(v, &rec); err != nil {
			return fmt.Errorf("fiscal: cashbox record: %w", err)
		}
		return s.load(&rec)
	})
	if err != nil {
		return nil, err
	}
	if err := s.indexItems(); err != nil {
		return nil, err
	}
	return s, nil
}

// loadFilter puts every stored operation key into the filter, sized for
// twice the keys stored so far (one pass counts, one adds).
func (s *Service) loadFilter() error {
	n := 0
	err := s.db.ScanRecords(nsOperation, nil, func(_, _ []byte) error { n++; return nil })
	if err == nil {
		s.filter = newOpFilter(2 * n)
		err = s.db.ScanRecords(nsOperation, nil, func(k, _ []byte) error { s.filter.add(k); return nil })
	}
	if err != nil {
		return fmt.Errorf("fiscal: operation records: %w", err)
	}
	return nil
}

// load builds a CashBox and its queues from its record.
func (s *Service) load(rec *cashboxRecord) error {
	th, err := parseTokenHash(rec.TokenHash)
	if err != nil {
		return fmt.Errorf("fiscal: cashbox %s: %w", rec.ID, err)
	}
	cb := &CashBox{ID: rec.ID, Sandbox: rec.Sandbox, token: th}
	old := s.cashboxes[rec.ID]
	for _, qr := range rec.Queues {
		if q := old.queueByIDOrNil(qr.ID); q != nil {
			// Re-provisioning keeps restored queues: their registers are
			// open already.
			q.CashBox = cb
			cb.Queues = append(cb.Queues, q)
			continue
		}
		q, err := s.openQueue(cb, qr)
		if err != nil {
			return err
		}
		cb.Queues = append(cb.Queues, q)
	}
	if old != nil {
		for i, c := range s.cashboxList {
			if c == old {
				s.cashboxList = append(s.cashboxList[:i], s.cashboxList[i+1:]...)
				break
			}
		}
	}
	s.cashboxes[cb.ID] = cb
	s.cashboxList = append(s.cashboxList, cb)
	sort.Slice(s.cashboxList, func(i, j int) bool { return s.cashboxList[i].ID < s.cashboxList[j].ID })
	return nil
}

// Provision stores a CashBox that does not exist yet, or, for an existing
// one, updates its token hash and sandbox flag and adds queues it lacks.
// Existing queues are never changed: their configuration is fiscal state.
// Provision must be called before Start.
func (s *Service) Provision(spec CashBoxSpec) (*CashBox, bool, error) {
	if s.started {
		return nil, false, errors.New("fiscal: provision after start")
	}
	spec.ID = strings.ToLower(spec.ID)
	if err := spec.validate(); err != nil {
		return nil, false, err
	}
	var rec cashboxRecord
	created := false
	raw, err := s.db.Get(nsCashBox, []byte(spec.ID))
	switch {
	case errors.Is(err, journal.ErrNotFound):
		rec = cashboxRecord{Version: 1, ID: spec.ID}
		created = true
	case err != nil:
		return nil, false, err
	default:
		if err := json.Unmarshal(raw, &rec); err != nil {
			return nil, false, fmt.Errorf("fiscal: cashbox record %s: %w", spec.ID, err)
		}
	}
	rec.Sandbox, rec.TokenHash = spec.Sandbox, spec.TokenHash
	for _, qs := range spec.Queues {
		if hasQueue(rec.Queues, qs.Country) {
			continue
		}
		m := s.markets[qs.Country]
		if m == nil {
			return nil, false, fmt.Errorf("fiscal: cashbox %s: market %s is not available", spec.ID, qs.Country)
		}
		cfg, err := m.Provision(strings.ToLower(qs.ID), qs.Params)
		if err != nil {
			return nil, false, fmt.Errorf("fiscal: cashbox %s queue %s: %w", spec.ID, qs.ID, err)
		}
		rec.Queues = append(rec.Queues, queueRecord{ID: strings.ToLower(qs.ID), Country: qs.Country.String(), Config: cfg})
	}
	enc, err := json.Marshal(&rec)
	if err != nil {
		return nil, false, err
	}
	b := s.db.NewBatch()
	b.Set(nsCashBox, []byte(rec.ID), enc)
	if err := b.Commit(); err != nil {
		return nil, false, err
	}
	if err := s.load(&rec); err != nil {
		return nil, false, err
	}
	return s.cashboxes[rec.ID], created, nil
}

func hasQueue(qs []queueRecord, c Country) bool {
	for _, q := range qs {
		if q.Country == c.String() {
			return true
		}
	}
	return false
}

// openQueue restores a queue from its record and its last queue item.
func (s *Service) openQueue(cb *CashBox, qr queueRecord) (*Queue, error) {
	country, err := ParseCountry(qr.Country)
	if err != nil {
		return nil, err
	}
	m := s.markets[country]
	if m == nil {
		return nil, fmt.Errorf("fiscal: queue %s needs market %s, which this build does not provide", qr.ID, qr.Country)
	}
	chain, err := journal.ParseChainID(qr.ID)
	if err != nil {
		return nil, err
	}
	q := &Queue{ID: qr.ID, Country: country, CashBox: cb, chain: chain, svc: s}
	var marketState []byte
	if e, err := s.db.Last(chain, KindQueueItem); err == nil {
		var it storedItem
		if err := json.Unmarshal(e.Body, &it); err != nil {
			return nil, fmt.Errorf("fiscal: queue %s: last queue item: %w", qr.ID, err)
		}
		q.st = it.Queue
		marketState = it.MarketState
		if string(marketState) == "null" {
			marketState = nil
		}
	} else if !errors.Is(err, journal.ErrNotFound) {
		return nil, err
	}
	q.reg, err = m.OpenRegister(qr.ID, qr.Config, marketState, s.cleanStart)
	if err != nil {
		return nil, fmt.Errorf("fiscal: queue %s: %w", qr.ID, err)
	}
	q.publish()
	return q, nil
}

// Start starts one worker per queue. It first records that a run is in
// progress, so that a crash is recognised at the next start.
func (s *Service) Start() error {
	b := s.db.NewBatch()
	b.Set(nsState, runKey, runRunning)
	if err := b.Commit(); err != nil {
		return fmt.Errorf("fiscal: record run: %w", err)
	}
	s.started = true
	for _, cb := range s.cashboxList {
		for _, q := range cb.Queues {
			q.jobs = make(chan *job, s.backlog)
			q.unsynced = make(chan struct{}, MaxPipeline)
			s.wg.Go(q.run)
		}
	}
	return nil
}

// Close stops the queue workers after they finished every request already
// handed to them. Call it after the HTTP server stopped accepting requests.
func (s *Service) Close() {
	for _, cb := range s.cashboxList {
		for _, q := range cb.Queues {
			if q.jobs != nil {
				q.close()
			}
		}
	}
	s.wg.Wait()
	if s.started {
		b := s.db.NewBatch()
		b.Set(nsState, runKey, runClean)
		if err := b.Commit(); err != nil {
			s.log.Error("clean shutdown not recorded", "err", err)
		}
	}
}

// CashBoxes returns every CashBox, sorted by id.
func (s *Service) CashBoxes() []*CashBox { return append([]*CashBox(nil), s.cashboxList...) }

// PayItemLinker recognises the cbPayItems of a receipt that /v2/pay
// returned (pos-system-api-v2.md §8.1) and describes each link for the
// action journal.
type PayItemLinker interface {
	// LinkNotes returns one note per recognised item; it must not block.
	LinkNotes(cashboxID string, items []wire.PayItem) []string
}

// SetPayItems installs the linker /v2/sign consults; call it before Start.
func (s *Service) SetPayItems(l PayItemLinker) { s.payItems = l }

// Now returns the service clock's time.
func (s *Service) Now() time.Time { return s.now() }

// Version returns the daemon version.
func (s *Service) Version() string { return s.version }

// QueueConfig returns the stored market configuration of a queue, for the
// offline tools (fiscalctl at container). It includes secrets.
func (s *Service) QueueConfig(queueID string) ([]byte, error) {
	for _, cb := range s.cashboxList {
		raw, err := s.db.Get(nsCashBox, []byte(cb.ID))
		if err != nil {
			return nil, err
		}
		var rec cashboxRecord
		if err := json.Unmarshal(raw, &rec); err != nil {
			return nil, err
		}
		for _, q := range rec.Queues {
			if q.ID == queueID {
				return q.Config, nil
			}
		}
	}
	return nil, journal.ErrNotFound
}
