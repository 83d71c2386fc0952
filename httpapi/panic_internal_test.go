package httpapi

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"
)

// TestHandlerPanicIsA500WithLoggedID checks that a panic never reaches the
// client as a dropped connection or a stack trace: it becomes a 500
// problem whose correlation id is also in the log.
func TestHandlerPanicIsA500WithLoggedID(t *testing.T) {
	var log bytes.Buffer
	s := New(Options{Log: slog.New(slog.NewTextHandler(&log, nil))})
	s.engine.POST("/v2/boom", func(*gin.Context) { panic("kaboom") })
	w := httptest.NewRecorder()
	s.Handler().ServeHTTP(w, httptest.NewRequest(http.MethodPost, "/v2/boom", strings.NewReader(`{}`)))
	var p struct {
		Type, Detail  string
		Status        int
		CorrelationID string `json:"correlationId"`
	}
	if err := json.Unmarshal(w.Body.Bytes(), &p); err != nil {
		t.Fatalf("body is not a problem document: %s", w.Body)
	}
	if w.Code != 500 || p.Type != problemPrefix+"internal-error" || p.CorrelationID == "" || strings.Contains(w.Body.String(), "kaboom") {
		t.Fatalf("answer %d %s", w.Code, w.Body)
	}
	if w.Header().Get("x-correlation-id") != p.CorrelationID {
		t.Fatalf("header %q, body %q", w.Header().Get("x-correlation-id"), p.CorrelationID)
	}
	if !strings.Contains(log.String(), p.CorrelationID) || !strings.Contains(log.String(), "kaboom") {
		t.Fatalf("the log does not hold the id and the panic: %s", log.String())
	}
}
