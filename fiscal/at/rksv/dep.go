package rksv

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"strings"
)

// DEPWriter writes a DEP7 export (spec §6.1) as it goes: receipts are
// passed one at a time and written through a buffer, so an export of years
// of receipts needs constant memory. The output is
//
//	{"Belege-Gruppe":[
//	{"Signaturzertifikat":"<Base64 DER or empty>","Zertifizierungsstellen":[],"Belege-kompakt":[
//	"<JWS>",
//	…]}
//	]}
//
// with exactly these keys in this order, "" and [] rather than null, and one
// receipt per line. A DEPWriter is not safe for concurrent use.
type DEPWriter struct {
	w       *bufio.Writer
	cert    []byte // certificate of the open group (a private copy)
	scratch []byte // reused for the Base64 of a certificate
	started bool   // the document's opening has been written
	inGroup bool   // a group is open
	empty   bool   // the open group has no receipt yet
	closed  bool
	err     error // first write error; sticky
}

var errDEPClosed = errors.New("rksv: DEP writer is closed")

// NewDEPWriter returns a writer of one DEP to w. Nothing is written before
// the first Add or Close; Close must be called to finish the document and
// flush it. Closing w remains the caller's job.
func NewDEPWriter(w io.Writer) *DEPWriter {
	return &DEPWriter{w: bufio.NewWriter(w)}
}

// Add appends one receipt's JWS, exactly as stored. Whenever certDER differs
// from the certificate of the current group a new group begins, because a
// verifier checks each group against its one certificate; an empty certDER
// (closed system, or no certificate exported) is written as "". The
// Zertifizierungsstellen list is always empty. Add refuses a string that is
// not shaped like an R1 JWS, which also keeps the JSON valid without
// escaping; the DEP is unchanged in that case.
func (d *DEPWriter) Add(certDER []byte, jws string) error {
	if d.err != nil {
		return d.err
	}
	if d.closed {
		return errDEPClosed
	}
	if err := checkJWSShape(jws); err != nil {
		return err
	}
	if !d.started {
		d.w.WriteString(`{"Belege-Gruppe":[`)
		d.started = true
	}
	if !d.inGroup || !bytes.Equal(certDER, d.cert) {
		if d.inGroup {
			d.w.WriteString("]},")
		}
		d.scratch = base64.StdEncoding.AppendEncode(d.scratch[:0], certDER)
		d.w.WriteString("\n{\"Signaturzertifikat\":\"")
		d.w.Write(d.scratch)
		d.w.WriteString(`","Zertifizierungsstellen":[],"Belege-kompakt":[`)
		d.cert = append(d.cert[:0], certDER...)
		d.inGroup, d.empty = true, true
	}
	if !d.empty {
		d.w.WriteByte(',')
	}
	d.w.WriteString("\n\"")
	d.w.WriteString(jws)
	_, err := d.w.WriteString("\"")
	d.empty = false
	if err != nil {
		d.err = fmt.Errorf("rksv: write DEP: %w", err)
	}
	return d.err
}

// Close finishes the document and flushes it. A DEP without receipts (an
// empty range) is one empty group, {"Belege-Gruppe":[{"Signaturzertifikat":"",
// "Zertifizierungsstellen":[],"Belege-kompakt":[]}]}, because verifiers
// require at least one group (rksv.md §9.2 A). It does not close the
// underlying writer. Calling Close again returns the first result.
func (d *DEPWriter) Close() error {
	if d.closed {
		return d.err
	}
	d.closed = true
	if d.err != nil {
		return d.err
	}
	if !d.started {
		d.w.WriteString(`{"Belege-Gruppe":[` + "\n" + `{"Signaturzertifikat":"","Zertifizierungsstellen":[],"Belege-kompakt":[]}`)
	}
	if d.inGroup {
		d.w.WriteString("]}\n")
	}
	d.w.WriteString("]}\n")
	if err := d.w.Flush(); err != nil {
		d.err = fmt.Errorf("rksv: write DEP: %w", err)
	}
	return d.err
}

// checkJWSShape is a cheap structural check of a JWS for the DEP: header
// HeaderB64 and two base64url segments. It does not decode them.
func checkJWSShape(jws string) error {
	rest, ok := strings.CutPrefix(jws, HeaderB64+".")
	if !ok {
		return errJWSShape
	}
	p, s, ok := strings.Cut(rest, ".")
	if !ok || !isBase64URL(p) || !isBase64URL(s) {
		return errJWSShape
	}
	return nil
}
