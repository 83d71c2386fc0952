package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
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

// terminal is one POS terminal of a CashBox: one keep-alive HTTP/1.1
// connection, one receipt at a time. It writes requests and reads answers
// itself instead of going through net/http's client: on a 2-core box every
// microsecond the load generator spends is taken from the daemon, and the
// client's goroutines and header maps cost more than the request. It is
// owned by one goroutine.
type terminal struct {
	addr   string // host:port
	path   string // /v2/sign
	box    cashBox
	id     string
	seq    int
	buf    []byte
	req    []byte
	conn   net.Conn
	reader *bufio.Reader
}

func newTerminal(baseURL string, box cashBox, id string) *terminal {
	u, err := url.Parse(baseURL + "/sign")
	if err != nil {
		panic(err) // the daemon wrote the base URL; it is a URL
	}
	return &terminal{addr: u.Host, path: u.Path, box: box, id: id}
}

// close drops the terminal's connection.
func (t *terminal) close() {
	if t.conn != nil {
		t.conn.Close()
		t.conn = nil
	}
}

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
	if t.conn == nil {
		c, err := (&net.Dialer{Timeout: 5 * time.Second}).DialContext(ctx, "tcp", t.addr)
		if err != nil {
			return signResult{err: err}
		}
		t.conn, t.reader = c, bufio.NewReaderSize(c, 16<<10)
	}
	deadline := time.Now().Add(requestTimeout)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	t.conn.SetDeadline(deadline)
	t.req = append(t.req[:0], "POST "...)
	t.req = append(t.req, t.path...)
	t.req = append(t.req, " HTTP/1.1\r\nHost: "...)
	t.req = append(t.req, t.addr...)
	t.req = append(t.req, "\r\nContent-Type: application/json\r\nx-cashbox-id: "...)
	t.req = append(t.req, t.box.CashBoxID...)
	t.req = append(t.req, "\r\nx-cashbox-accesstoken: "...)
	t.req = append(t.req, t.box.AccessToken...)
	t.req = append(t.req, "\r\nx-possystem-id: "...)
	t.req = append(t.req, t.box.PosSystemID...)
	t.req = append(t.req, "\r\nx-operation-id: "...)
	t.req = append(t.req, fiscal.NewUUID()...)
	t.req = append(t.req, "\r\nContent-Length: "...)
	t.req = strconv.AppendInt(t.req, int64(len(body)), 10)
	t.req = append(t.req, "\r\n\r\n"...)
	t.req = append(t.req, body...)
	if _, err := t.conn.Write(t.req); err != nil {
		t.close()
		return signResult{err: err}
	}
	status, raw, err := t.readResponse()
	if err != nil {
		t.close()
		return signResult{status: status, err: err}
	}
	if status != http.StatusOK {
		return signResult{status: status}
	}
	state, err := responseState(raw)
	if err != nil {
		return signResult{status: status, err: err}
	}
	return signResult{status: status, state: state}
}

// readResponse reads one HTTP/1.1 response with a Content-Length body (what
// fiscald's /v2/sign sends) into t.buf.
func (t *terminal) readResponse() (int, []byte, error) {
	line, err := t.reader.ReadSlice('\n')
	if err != nil {
		return 0, nil, err
	}
	if len(line) < 12 || !bytes.HasPrefix(line, []byte("HTTP/1.1 ")) {
		return 0, nil, fmt.Errorf("bad status line %q", line)
	}
	status, err := strconv.Atoi(string(line[9:12]))
	if err != nil {
		return 0, nil, fmt.Errorf("bad status line %q", line)
	}
	length := -1
	for {
		h, err := t.reader.ReadSlice('\n')
		if err != nil {
			return status, nil, err
		}
		h = bytes.TrimRight(h, "\r\n")
		if len(h) == 0 {
			break
		}
		if name, value, ok := bytes.Cut(h, []byte(":")); ok && bytes.EqualFold(name, []byte("Content-Length")) {
			if length, err = strconv.Atoi(string(bytes.TrimSpace(value))); err != nil {
				return status, nil, fmt.Errorf("bad Content-Length %q", value)
			}
		}
	}
	if length < 0 || length > maxResponseBytes {
		return status, nil, fmt.Errorf("response without a usable Content-Length (%d)", length)
	}
	if cap(t.buf) < length {
		t.buf = make([]byte, length)
	}
	body := t.buf[:length]
	_, err = io.ReadFull(t.reader, body)
	return status, body, err
}

// stateKey introduces ftState in a ReceiptResponse.
var stateKey = []byte(`"ftState":`)

// responseState reads ftState from a ReceiptResponse without decoding the
// rest: on a 2-core box the load generator's CPU is taken from the daemon,
// and a full json.Unmarshal was a fifth of it. fiscald writes ftState once,
// at the top level (wire.AppendReceiptResponse), and the pattern cannot
// occur inside a JSON string, whose quotes are escaped.
func responseState(raw []byte) (uint64, error) {
	i := bytes.Index(raw, stateKey)
	if i < 0 {
		return 0, errors.New("response has no ftState")
	}
	rest := raw[i+len(stateKey):]
	n := 0
	for n < len(rest) && '0' <= rest[n] && rest[n] <= '9' {
		n++
	}
	state, err := strconv.ParseUint(string(rest[:n]), 10, 64)
	if err != nil {
		return 0, fmt.Errorf("response ftState: %w", err)
	}
	return state, nil
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
