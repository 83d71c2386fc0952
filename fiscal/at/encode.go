package at

import (
	"strconv"
	"time"
)

// The register's journal records are written by hand: they are produced
// for every receipt, and reflection-based encoding showed up in the sign
// path's profile. encoding/json reads them back (tests check the round
// trip and, for plain values, equality with encoding/json's bytes).

// appendJSON writes an itemData object.
func (d itemData) appendJSON(b []byte) []byte {
	b = append(b, `{"kind":`...)
	b = appendJSONString(b, d.Kind)
	b = append(b, `,"number":`...)
	b = appendJSONString(b, d.Number)
	b = append(b, `,"jws":"`...)
	b = append(b, d.JWS...) // base64url and '.': nothing to escape
	b = append(b, `","signed":`...)
	b = strconv.AppendBool(b, d.Signed)
	b = append(b, `,"device":`...)
	b = appendJSONString(b, d.Device)
	return append(b, '}')
}

// appendJSON writes a state object; zero optional fields are left out as
// their omitempty/omitzero tags say.
func (st state) appendJSON(b []byte) []byte {
	b = append(b, `{"rksv":{"counter":`...)
	b = strconv.AppendInt(b, st.Chain.Counter, 10)
	b = append(b, `,"chain":`...)
	b = appendJSONString(b, st.Chain.Chain)
	b = append(b, `,"lastDate":`...)
	b = appendJSONString(b, st.Chain.LastDate)
	b = append(b, `},"numbers":`...)
	b = strconv.AppendUint(b, st.Numbers, 10)
	b = append(b, `,"failed":`...)
	b = strconv.AppendBool(b, st.Failed)
	if !st.FailedSince.IsZero() {
		b = append(b, `,"failedSince":"`...)
		b = st.FailedSince.UTC().AppendFormat(b, time.RFC3339Nano)
		b = append(b, '"')
	}
	if st.FirstFailed != "" {
		b = append(b, `,"firstFailed":`...)
		b = appendJSONString(b, st.FirstFailed)
	}
	if st.FailedCount != 0 {
		b = append(b, `,"failedCount":`...)
		b = strconv.AppendInt(b, int64(st.FailedCount), 10)
	}
	if st.LastFailed != "" {
		b = append(b, `,"lastFailed":`...)
		b = appendJSONString(b, st.LastFailed)
	}
	if st.FailedTotal != 0 {
		b = append(b, `,"failedTotal":`...)
		b = strconv.AppendUint(b, st.FailedTotal, 10)
	}
	if st.Reported48h {
		b = append(b, `,"reported48h":true`...)
	}
	if len(st.Notices) > 0 {
		b = append(b, `,"notices":`...)
		b = append(b, mustJSON(st.Notices)...) // rare: only after a Sammelbeleg fiscald made
	}
	if st.LastMonthly != "" {
		b = append(b, `,"lastMonthly":`...)
		b = appendJSONString(b, st.LastMonthly)
	}
	if st.LastYearly != 0 {
		b = append(b, `,"lastYearly":`...)
		b = strconv.AppendInt(b, int64(st.LastYearly), 10)
	}
	if st.DailyAnchor != "" {
		b = append(b, `,"dailyAnchor":`...)
		b = appendJSONString(b, st.DailyAnchor)
	}
	return append(b, '}')
}

// appendJSONString appends s as a JSON string. Kinds, numbers, dates and
// the chain value are ASCII without quotes; device names and receipt
// numbers come from configuration and requests, so everything that JSON
// requires is escaped.
func appendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"' || c == '\\':
			b = append(b, '\\', c)
		case c < 0x20:
			b = append(b, `\u00`...)
			b = append(b, hexDigits[c>>4], hexDigits[c&0xF])
		default:
			b = append(b, c)
		}
	}
	return append(b, '"')
}

const hexDigits = "0123456789abcdef"
