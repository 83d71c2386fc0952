package httpapi

import (
	"errors"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/fiscald/fiscald/fiscal"
	"github.com/fiscald/fiscald/fiscal/payment"
	"github.com/fiscald/fiscald/httpapi/wire"
)

// sign serves POST /v2/sign.
func (s *Server) sign(c *gin.Context) {
	call, ok := s.accept(c)
	if !ok {
		return
	}
	key := fiscal.OpKey{CashBox: call.cashbox.ID, ID: call.opID}
	out, replay, err := s.svc.Do(c.Request.Context(), key, call.digest, fiscal.Stored, func(op *fiscal.Operation) (fiscal.Outcome, error) {
		req, err := wire.DecodeReceiptRequest(call.doc)
		if err != nil {
			return storedProblem(c, err, call.opID), nil
		}
		out, err := s.svc.Sign(op, fiscal.SignRequest{CashBox: call.cashbox, PosSystemID: call.posSystemID, Request: req, Raw: call.raw})
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

// pay serves POST /v2/pay. The payment runs on its own: a request that
// ends (client timeout) leaves it running, and a retry with the same
// operation id waits for it (§8.3).
func (s *Server) pay(c *gin.Context) {
	call, ok := s.accept(c)
	if !ok {
		return
	}
	ctx := c.Request.Context()
	key := fiscal.OpKey{CashBox: call.cashbox.ID, ID: call.opID}
	joined := false
	out, replay, err := s.svc.Do(ctx, key, call.digest, fiscal.Stored, func(op *fiscal.Operation) (fiscal.Outcome, error) {
		req, err := wire.DecodePayRequest(call.doc)
		if err != nil {
			return storedProblem(c, err, call.opID), nil
		}
		if s.payments == nil {
			err = &fiscal.Error{Code: fiscal.CodeUnsupportedValue, Detail: "no payment terminal is configured for this CashBox"}
			return storedProblem(c, err, call.opID), nil
		}
		out, j, err := s.payments.Pay(ctx, payment.Call{Op: op, CashBox: call.cashbox, Request: req, Correlation: correlation(c)})
		joined = j
		var fe *fiscal.Error
		if err != nil && errors.As(err, &fe) && fe.Stored() {
			return storedProblem(c, err, call.opID), nil
		}
		return out, err
	})
	switch {
	case err != nil && ctx.Err() != nil:
		c.Abort() // the client left; the payment goes on
	case err != nil:
		s.fail(c, err, call.opID)
	default:
		write(c, out, replay || joined) // a retry's answer is a replay
	}
}

// echo serves POST /v2/echo.
func (s *Server) echo(c *gin.Context) {
	call, ok := s.accept(c)
	if !ok {
		return
	}
	key := fiscal.OpKey{CashBox: call.cashbox.ID, ID: call.opID}
	out, _, err := s.svc.Do(c.Request.Context(), key, call.digest, fiscal.Fresh, func(*fiscal.Operation) (fiscal.Outcome, error) {
		req, err := wire.DecodeEchoRequest(call.doc)
		if err != nil {
			return storedProblem(c, err, call.opID), nil
		}
		resp := s.echoResponse(call.cashbox, req.Message)
		return fiscal.Outcome{Status: http.StatusOK, Body: resp.AppendJSON(make([]byte, 0, 512))}, nil
	})
	if err != nil {
		s.fail(c, err, call.opID)
		return
	}
	write(c, out, false)
}

// echoResponse describes the server and the caller's CashBox (§5).
func (s *Server) echoResponse(cb *fiscal.CashBox, msg string) *wire.EchoResponse {
	now := s.svc.Now()
	r := &wire.EchoResponse{
		Message: msg, ApiVersion: APIVersion, ServerName: "fiscald", ServerVersion: s.svc.Version(),
		Deployment: "local", ServerMoment: now.UTC(),
		Capabilities: wire.Capabilities{
			Markets:      []string{},
			Endpoints:    []string{"echo", "sign"},
			PayProtocols: []string{},
			JournalTypes: s.svc.JournalTypes(cb),
			Queues:       []wire.QueueInfo{},
		},
	}
	if s.payments != nil {
		if ps := s.payments.Protocols(cb); len(ps) > 0 {
			r.Capabilities.Endpoints = append(r.Capabilities.Endpoints, "pay")
			r.Capabilities.PayProtocols = ps
		}
	}
	if s.issues != nil {
		r.Capabilities.Endpoints = append(r.Capabilities.Endpoints, "issue")
	}
	r.Capabilities.Endpoints = append(r.Capabilities.Endpoints, "journal")
	for _, q := range cb.Queues {
		r.Capabilities.Markets = append(r.Capabilities.Markets, q.Country.String())
		info := wire.QueueInfo{QueueID: q.ID, Country: q.Country.String(), State: q.State(now)}
		if extra := q.EchoInfo(now); extra != nil {
			if v, err := wire.Parse(extra); err == nil {
				info.Extra = v
			}
		}
		r.Capabilities.Queues = append(r.Capabilities.Queues, info)
	}
	return r
}
