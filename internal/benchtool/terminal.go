package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"

	"github.com/fiscald/fiscald/fiscal"
)

// AT v2 case values (pos-system-api-v2.md; the same numbers as
// ../shared/contract/check_demo_contract.py).
const (
	caseInitialOperation uint64 = 0x4154_2000_0000_4001
	casePOSReceipt       uint64 = 0x4154_2000_0000_0001
	caseChargeItem       uint64 = 0x4154_2000_0000_0001
	casePayCash          uint64 = 0x4154_2000_0000_0001
	stateSuccess         uint64 = 0x4154_2000_0000_0000
)

const (
	requestTimeout   = 30 * time.Second
	maxResponseBytes = 1 << 20
	// errorPause slows a terminal down after a transport error, so that a
	// dead daemon is not hammered until the phase ends.
	errorPause = 20 * time.Millisecond
)

// terminal is one POS terminal of a CashBox: its own HTTP client and
// keep-alive connection, sending one receipt at a time. It is owned by one
// goroutine.
type terminal struct {
	url    string
	box    cashBox
	id     string
	client *http.Client
	seq    int
	buf    []byte
}

func newTerminal(baseURL string, box cashBox, id string) *terminal {
	tr := &http.Transport{
		Proxy:               nil, // loopback only, whatever HTTP_PROXY says
		DialContext:         (&net.Dialer{Timeout: 5 * time.Second}).DialContext,
		MaxIdleConns:        1,
		MaxIdleConnsPerHost: 1,
		IdleConnTimeout:     time.Minute,
		DisableCompression:  true,
	}
	return &terminal{url: baseURL + "/sign", box: box, id: id, client: &http.Client{Transport: tr, Timeout: requestTimeout}}
}

// close drops the terminal's idle connection.
func (t *terminal) close() { t.client.CloseIdleConnections() }

// signResult is the outcome of one /v2/sign call.
type signResult struct {
	status int    // HTTP status, 0 without a response
	state  uint64 // ftState of a 200 response
	err    error  // transport or decoding error
}

// ok reports a durable, successful receipt.
func (r signResult) ok() bool {
	return r.err == nil && r.status == http.StatusOK && r.state == stateSuccess
}

// sign posts one receipt body with a fresh operation id.
func (t *terminal) sign(ctx context.Context, body []byte) signResult {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, t.url, bytes.NewReader(body))
	if err != nil {
		return signResult{err: fmt.Errorf("request: %w", err)}
	}
	req.Header.Set("content-type", "application/json")
	req.Header.Set("x-cashbox-id", t.box.CashBoxID)
	req.Header.Set("x-cashbox-accesstoken", t.box.AccessToken)
	req.Header.Set("x-possystem-id", t.box.PosSystemID)
	req.Header.Set("x-operation-id", fiscal.NewUUID())
	resp, err := t.client.Do(req)
	if err != nil {
		// The transport may still read the body after a failed Do; the
		// next request gets a new buffer.
		t.buf = nil
		return signResult{err: err}
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseBytes))
	if err != nil {
		return signResult{status: resp.StatusCode, err: fmt.Errorf("read response: %w", err)}
	}
	if resp.StatusCode != http.StatusOK {
		return signResult{status: resp.StatusCode}
	}
	var out struct {
		State uint64 `json:"ftState"`
	}
	if err := json.Unmarshal(raw, &out); err != nil {
		return signResult{status: resp.StatusCode, err: fmt.Errorf("decode response: %w", err)}
	}
	return signResult{status: resp.StatusCode, state: out.State}
}

// initialOperation is the body that starts a queue (no items).
func (t *terminal) initialOperation(now time.Time) []byte {
	m := now.UTC().Format("2006-01-02T15:04:05.000Z")
	t.buf = fmt.Appendf(t.buf[:0], `{"cbReceiptReference":"bench-start-%s","cbReceiptMoment":"%s","cbChargeItems":[],"cbPayItems":[],"ftReceiptCase":%d}`,
		t.id, m, caseInitialOperation)
	return t.buf
}

// posReceipt is the body of the terminal's next POS receipt: one coffee,
// paid cash. The moment has whole seconds, so that the terminals of one
// CashBox rarely send moments out of order (which would add a note).
func (t *terminal) posReceipt(now time.Time) []byte {
	t.seq++
	m := now.UTC().Truncate(time.Second).Format("2006-01-02T15:04:05.000Z")
	t.buf = fmt.Appendf(t.buf[:0], `{"cbReceiptReference":"bench-%s-%d","cbReceiptMoment":"%s","cbTerminalID":"%s",`+
		`"cbChargeItems":[{"Quantity":1,"Description":"Coffee","Amount":3.2,"VATRate":10,"ftChargeItemCase":%d,"Moment":"%s"}],`+
		`"cbPayItems":[{"Quantity":1,"Description":"Cash","Amount":3.2,"ftPayItemCase":%d,"Moment":"%s"}],"ftReceiptCase":%d}`,
		t.id, t.seq, m, t.id, caseChargeItem, m, casePayCash, m, casePOSReceipt)
	return t.buf
}
