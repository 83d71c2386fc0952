package httpapi

import (
	"errors"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/fiscald/fiscald/fiscal"
	"github.com/fiscald/fiscald/fiscal/issue"
	"github.com/fiscald/fiscald/httpapi/wire"
	"github.com/fiscald/fiscald/internal/receipt"
)

// issue serves POST /v2/issue.
func (s *Server) issue(c *gin.Context) {
	call, ok := s.accept(c)
	if !ok {
		return
	}
	if s.issues == nil {
		s.notImplemented(c)
		return
	}
	key := fiscal.OpKey{CashBox: call.cashbox.ID, ID: call.opID}
	out, replay, err := s.svc.Do(c.Request.Context(), key, call.digest, fiscal.Stored, func(op *fiscal.Operation) (fiscal.Outcome, error) {
		req, err := wire.DecodeIssueRequest(call.doc)
		if err != nil {
			return storedProblem(c, err, call.opID), nil
		}
		out, err := s.issues.Issue(c.Request.Context(), issue.Call{Op: op, CashBox: call.cashbox, Request: req, BaseURL: baseURL(c)})
		var fe *fiscal.Error
		if err != nil && errors.As(err, &fe) && fe.Stored() {
			return storedProblem(c, err, call.opID), nil
		}
		return out, err
	})
	if err != nil {
		s.fail(c, err, call.opID)
		return
	}
	write(c, out, replay)
}

// baseURL is where the client reached fiscald, the start of the receipt
// page URLs it is given.
func baseURL(c *gin.Context) string {
	scheme := "http"
	if c.Request.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + c.Request.Host
}

// delivered serves GET /v2/issue/{queue}/{item}/delivered: 200 with the
// delivery, 204 before it, 404 for a pair the CashBox does not have.
func (s *Server) delivered(c *gin.Context) {
	cb, ok := s.authenticateGet(c)
	if !ok {
		return
	}
	if s.issues == nil {
		s.notImplemented(c)
		return
	}
	queue, err1 := wire.ParseUUID(c.Param("queue"))
	item, err2 := wire.ParseUUID(c.Param("item"))
	if err1 != nil || err2 != nil {
		s.problem(c, probNotFound, "no receipt "+c.Param("queue")+"/"+c.Param("item")+" in this CashBox", nil)
		return
	}
	d, done, err := s.issues.Delivered(cb, queue, item)
	switch {
	case errors.Is(err, fiscal.ErrReceiptNotFound):
		s.problem(c, probNotFound, "no receipt "+queue+"/"+item+" in this CashBox", nil)
	case err != nil:
		s.fail(c, err, "")
	case !done:
		c.Status(http.StatusNoContent)
	default:
		c.JSON(http.StatusOK, gin.H{"message": d.Message(), "DeliveredAt": wire.FormatMoment(d.DeliveredAt), "DeliveryMethod": d.Method})
	}
}

// authenticateGet checks the CashBox headers of a GET (no body, no
// operation id) with the same throttling as every other request.
func (s *Server) authenticateGet(c *gin.Context) (*fiscal.CashBox, bool) {
	id, err := wire.ParseUUID(c.Request.Header.Get("x-cashbox-id"))
	if err != nil {
		s.problem(c, probInvalidHeader, "x-cashbox-id: missing or not a UUID", nil)
		return nil, false
	}
	ip := c.RemoteIP()
	if s.throttle.blocked(ip) {
		c.Header("Retry-After", s.throttle.retryAfter(ip))
		s.problem(c, probTooMany, "too many failed authentication attempts from this address; try again later", nil)
		return nil, false
	}
	token := c.Request.Header.Get("x-cashbox-accesstoken")
	cb, err := s.svc.Authenticate(id, token)
	if err != nil || !printableToken(token) {
		s.throttle.fail(ip)
		s.problem(c, probUnauthorized, "the CashBox id and access token do not match a CashBox", nil)
		return nil, false
	}
	return cb, true
}

// page serves a receipt's page behind its capability URL: HTML, or the
// PNG rendering of the same receipt for Accept: image/png. It needs no
// CashBox headers; a wrong token is 404 like an unknown receipt.
func (s *Server) page(c *gin.Context) {
	if s.issues == nil {
		s.problem(c, probNotFound, "no such receipt page", nil)
		return
	}
	item := strings.ToLower(c.Param("item"))
	doc, err := s.issues.Page(item, c.Param("token"))
	switch {
	case errors.Is(err, issue.ErrNoPage):
		s.problem(c, probNotFound, "no such receipt page", nil)
		return
	case err != nil:
		s.pageFailed(c, item, err)
		return
	}
	// The URL is the key: keep it out of caches and referrers.
	c.Header("Cache-Control", "no-store")
	c.Header("Referrer-Policy", "no-referrer")
	c.Header("X-Content-Type-Options", "nosniff")
	if strings.Contains(c.GetHeader("Accept"), "image/png") {
		img, err := receipt.PNG(doc)
		if err != nil {
			s.pageFailed(c, item, err)
			return
		}
		c.Data(http.StatusOK, "image/png", img)
		return
	}
	c.Header("Content-Security-Policy", "default-src 'none'; img-src data:; style-src 'unsafe-inline'")
	c.Data(http.StatusOK, "text/html; charset=utf-8", receipt.HTML(doc))
}

// pageFailed answers a receipt page that could not be made without
// writing its token (the page's key) to the log or the answer.
func (s *Server) pageFailed(c *gin.Context, item string, err error) {
	s.log.Error("receipt page failed", "correlation_id", correlation(c), "queue_item_id", item, "err", err)
	k := probInternal
	if errors.Is(err, fiscal.ErrClosed) {
		k = probStorage
	}
	c.Data(k.Status, contentProblem, problemBody(k, "the receipt page could not be made; the correlationId identifies it in the log", "/receipt/"+item, correlation(c), nil))
	c.Abort()
}
