package payment

import (
	"fmt"
	"strings"

	"github.com/fiscald/fiscald/fiscal"
	"github.com/fiscald/fiscald/httpapi/wire"
)

// route picks the terminal of a payment (§8.2): its name matches
// cbTerminalID (or none was given) and it speaks the protocol. use_auto
// and use_first leave the sandbox provider to explicit "test" requests
// unless the CashBox has nothing else; use_auto prefers a free terminal.
func (s *Service) route(cb *fiscal.CashBox, protocol string, terminalID *string) (*Terminal, error) {
	all := s.terms[cb.ID]
	if !contains(s.Protocols(cb), protocol) {
		return nil, &fiscal.Error{Code: fiscal.CodeUnsupportedValue, Detail: fmt.Sprintf(
			"Protocol %q is not offered by this CashBox; it offers %s", protocol, strings.Join(s.Protocols(cb), ", "))}
	}
	var match []*Terminal
	for _, t := range all {
		if terminalID != nil && *terminalID != t.Name {
			continue
		}
		switch protocol {
		case ProtocolAuto, ProtocolFirst:
			if t.Protocol == ProtocolTest {
				continue
			}
		default:
			if t.Protocol != protocol {
				continue
			}
		}
		match = append(match, t)
	}
	if len(match) == 0 && (protocol == ProtocolAuto || protocol == ProtocolFirst) {
		for _, t := range all {
			if t.Protocol == ProtocolTest && (terminalID == nil || *terminalID == t.Name) {
				match = append(match, t)
			}
		}
	}
	if len(match) == 0 {
		names := make([]string, len(all))
		for i, t := range all {
			names[i] = t.Name + " (" + t.Protocol + ")"
		}
		return nil, &fiscal.Error{Code: fiscal.CodeUnsupportedValue, Detail: fmt.Sprintf(
			"no payment terminal of this CashBox matches cbTerminalID %s and Protocol %q; its terminals: %s",
			quoteOrNone(terminalID), protocol, strings.Join(names, ", "))}
	}
	if protocol != ProtocolFirst {
		for _, t := range match {
			if t.free() {
				return t, nil
			}
		}
	}
	return match[0], nil
}

// routeUndo sends a refund or cancel to the terminal that took the
// payment: only it knows the transaction.
func (s *Service) routeUndo(cb *fiscal.CashBox, r *wire.PayRequest, it *item) (*Terminal, error) {
	for _, t := range s.terms[cb.ID] {
		if t.Name != it.Terminal {
			continue
		}
		switch {
		case r.TerminalID != nil && *r.TerminalID != t.Name:
			return nil, &fiscal.Error{Code: fiscal.CodeUnsupportedValue, Detail: fmt.Sprintf(
				"the payment was made on terminal %s; a %s runs there, not on %q", t.Name, r.Action, *r.TerminalID)}
		case r.Protocol != ProtocolAuto && r.Protocol != ProtocolFirst && r.Protocol != t.Protocol:
			return nil, &fiscal.Error{Code: fiscal.CodeUnsupportedValue, Detail: fmt.Sprintf(
				"the payment was made with protocol %s; a %s uses it too (or use_auto)", t.Protocol, r.Action)}
		}
		return t, nil
	}
	return nil, &fiscal.Error{Code: fiscal.CodeUnsupportedValue, Detail: fmt.Sprintf(
		"the payment was made on terminal %s, which is no longer configured for this CashBox", it.Terminal)}
}

// free reports whether the terminal could start a transaction now.
// Called with Service.mu held.
func (t *Terminal) free() bool { return t.owed == 0 && (t.busy == nil || len(t.busy) == 0) }

func quoteOrNone(s *string) string {
	if s == nil {
		return "(none)"
	}
	return fmt.Sprintf("%q", *s)
}
