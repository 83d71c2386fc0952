package httpapi

import (
	"compress/gzip"
	"errors"
	"io"
	"mime"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/fiscald/fiscald/fiscal"
	"github.com/fiscald/fiscald/httpapi/wire"
)

// call is an authenticated, parsed request.
type call struct {
	cashbox     *fiscal.CashBox
	posSystemID string
	opID        string
	raw         []byte
	doc         *wire.Value
	digest      [32]byte
}

// validOperationID checks §2's operation-id format: 1–128 characters of
// [A-Za-z0-9._:-] (by hand: it runs on every request).
func validOperationID(s string) bool {
	if len(s) == 0 || len(s) > 128 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == ':' || c == '-') {
			return false
		}
	}
	return true
}

const nilUUID = "00000000-0000-0000-0000-000000000000"

// accept runs the checks every POST shares, in the order of §2 rule 6: body
// size → headers → content type → JSON syntax. It answers the request itself
// and returns false on the first failure.
func (s *Server) accept(c *gin.Context) (*call, bool) {
	raw, err := readBody(c.Request)
	if err != nil {
		if errors.Is(err, errTooLarge) {
			s.problem(c, probTooLarge, "the request body is larger than 1 MiB", nil)
		} else {
			s.problem(c, probMalformedJSON, "the request body could not be read: "+err.Error(), nil)
		}
		return nil, false
	}
	h := c.Request.Header
	cashboxID, err1 := wire.ParseUUID(h.Get("x-cashbox-id"))
	posID, err2 := wire.ParseUUID(h.Get("x-possystem-id"))
	opID := h.Get("x-operation-id")
	switch {
	case err1 != nil:
		s.problem(c, probInvalidHeader, "x-cashbox-id: missing or not a UUID", nil)
		return nil, false
	case err2 != nil:
		s.problem(c, probInvalidHeader, "x-possystem-id: missing or not a UUID", nil)
		return nil, false
	case !validOperationID(opID):
		s.problem(c, probInvalidHeader, "x-operation-id: missing or not 1-128 characters of [A-Za-z0-9._:-]", nil)
		return nil, false
	}
	if u, err := wire.ParseUUID(opID); err == nil {
		opID = u // a UUID is one operation whatever its case (§2 rule 4)
	}
	ip := c.RemoteIP()
	if s.throttle.blocked(ip) {
		c.Header("Retry-After", s.throttle.retryAfter(ip))
		s.problem(c, probTooMany, "too many failed authentication attempts from this address; try again later", nil)
		return nil, false
	}
	token := h.Get("x-cashbox-accesstoken")
	cb, err := s.svc.Authenticate(cashboxID, token)
	if err != nil || !printableToken(token) {
		s.throttle.fail(ip)
		s.problem(c, probUnauthorized, "the CashBox id and access token do not match a CashBox", nil)
		return nil, false
	}
	if posID == nilUUID && !cb.Sandbox {
		s.problem(c, probInvalidHeader, "x-possystem-id: the nil UUID is accepted only by sandbox CashBoxes", nil)
		return nil, false
	}
	if ct := h.Get("Content-Type"); ct != "" {
		mt, params, err := mime.ParseMediaType(ct)
		cs, hasCS := params["charset"]
		if err != nil || mt != "application/json" || (hasCS && !strings.EqualFold(cs, "utf-8")) {
			s.problem(c, probMediaType, "the request body must be application/json in UTF-8", &opID)
			return nil, false
		}
	}
	doc, err := wire.Parse(raw)
	if err != nil {
		s.problem(c, probMalformedJSON, err.Error(), &opID)
		return nil, false
	}
	return &call{cashbox: cb, posSystemID: posID, opID: opID, raw: raw, doc: doc,
		digest: wire.Digest(c.Request.Method, c.Request.URL.Path, doc)}, true
}

// printableToken checks the token format of §2: 1–1024 printable ASCII.
func printableToken(t string) bool {
	if len(t) == 0 || len(t) > 1024 {
		return false
	}
	for i := 0; i < len(t); i++ {
		if t[i] < 0x20 || t[i] > 0x7e {
			return false
		}
	}
	return true
}

var errTooLarge = errors.New("body too large")

// readBody reads at most maxBody decoded bytes; gzip bodies are accepted.
func readBody(r *http.Request) ([]byte, error) {
	if r.ContentLength > maxBody && r.Header.Get("Content-Encoding") == "" {
		return nil, errTooLarge
	}
	var body io.Reader = r.Body
	switch enc := strings.ToLower(r.Header.Get("Content-Encoding")); enc {
	case "", "identity":
	case "gzip":
		zr, err := gzip.NewReader(r.Body)
		if err != nil {
			return nil, err
		}
		defer zr.Close()
		body = zr
	default:
		return nil, errors.New("unsupported Content-Encoding " + enc)
	}
	data, err := io.ReadAll(io.LimitReader(body, maxBody+1))
	if err != nil {
		return nil, err
	}
	if len(data) > maxBody {
		return nil, errTooLarge
	}
	return data, nil
}

// write sends an outcome (first answer or replay).
func write(c *gin.Context, out fiscal.Outcome, replay bool) {
	if replay {
		c.Header("x-idempotent-replay", "true")
	}
	ct := contentJSON
	if out.Problem {
		ct = contentProblem
	}
	c.Data(out.Status, ct, out.Body)
}

// storedProblem renders an error as an outcome kept with the operation.
func storedProblem(c *gin.Context, err error, opID string) fiscal.Outcome {
	k, detail, errs := problemFor(err)
	return fiscal.Outcome{Status: k.Status, Problem: true,
		Body: problemBody(k, detail, c.Request.URL.Path+"#op="+opID, correlation(c), errs)}
}
