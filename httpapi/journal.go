package httpapi

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/fiscald/fiscald/fiscal"
	"github.com/fiscald/fiscald/httpapi/wire"
)

// journal serves POST /v2/journal: generic journals streamed as JSON arrays,
// market exports spooled and sent with Content-Length (§10.2).
func (s *Server) journal(c *gin.Context) {
	call, ok := s.accept(c)
	if !ok {
		return
	}
	var export *fiscal.Export
	key := fiscal.OpKey{CashBox: call.cashbox.ID, ID: call.opID}
	out, _, err := s.svc.Do(c.Request.Context(), key, call.digest, fiscal.Fresh, func(*fiscal.Operation) (fiscal.Outcome, error) {
		req, err := wire.DecodeJournalRequest(call.doc)
		if err == nil {
			export, err = s.svc.Export(call.cashbox, req)
		}
		if err != nil {
			// Refusals are answered as computed; read-only endpoints keep
			// only the (id, digest) pair, never the outcome.
			if k, _, _ := problemFor(err); k.Status < 500 || k == probNotImplemented {
				return storedProblem(c, err, call.opID), nil
			}
			return fiscal.Outcome{}, err
		}
		return fiscal.Outcome{Status: http.StatusOK}, nil
	})
	switch {
	case err != nil:
		s.fail(c, err, call.opID)
	case export == nil:
		write(c, out, false)
	case export.Streamed:
		s.stream(c, export, call.opID)
	default:
		s.spool(c, export, call.opID)
	}
}

// stream writes a generic journal while reading it. An error after the
// first byte can only cut the response short; clients treat a truncated
// array as a failure (§10.2).
func (s *Server) stream(c *gin.Context, e *fiscal.Export, opID string) {
	c.Header("Content-Type", e.ContentType)
	c.Status(http.StatusOK)
	if err := e.WriteTo(c.Request.Context(), c.Writer); err != nil {
		s.log.Error("journal stream broken off", "correlation_id", correlation(c), "operation_id", opID, "err", err)
		panic(http.ErrAbortHandler) // make the server drop the connection
	}
}

// spool builds a market export in a temporary file first, so that a failure
// is still a problem document and memory stays constant.
func (s *Server) spool(c *gin.Context, e *fiscal.Export, opID string) {
	f, err := os.CreateTemp(s.spoolDir, "fiscald-export-*")
	if err != nil {
		s.fail(c, &fiscal.Error{Code: fiscal.CodeStorage, Detail: "no room to build the export", Err: err}, opID)
		return
	}
	defer os.Remove(f.Name())
	defer f.Close()
	h := sha256.New()
	if err := e.WriteTo(c.Request.Context(), io.MultiWriter(f, h)); err != nil {
		s.fail(c, fmt.Errorf("build export: %w", err), opID)
		return
	}
	size, err := f.Seek(0, io.SeekCurrent)
	if err == nil {
		_, err = f.Seek(0, io.SeekStart)
	}
	if err != nil {
		s.fail(c, err, opID)
		return
	}
	c.Header("Content-Type", e.ContentType)
	c.Header("Content-Length", strconv.FormatInt(size, 10))
	c.Header("Content-Disposition", `attachment; filename="`+e.Filename+`"`)
	c.Header("x-content-sha256", hex.EncodeToString(h.Sum(nil)))
	c.Status(http.StatusOK)
	if _, err := io.Copy(c.Writer, f); err != nil {
		s.log.Warn("export not delivered", "correlation_id", correlation(c), "err", err)
	}
}
