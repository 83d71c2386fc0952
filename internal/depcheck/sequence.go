package depcheck

import (
	"crypto/x509"
	"strings"
)

// verifier runs steps B–D over the receipts of one DEP in order, holding the
// §9.2 D state. A receipt's effects on the state and the counts are applied
// only once it has passed every check, so that after an error the state is
// the one a corrected continuation would start from.
type verifier struct {
	c       *Container
	roots   *x509.CertPool
	st      State
	started bool // the register's first receipt lies behind us
	res     Result
}

func newVerifier(c *Container, o Options) *verifier {
	v := &verifier{c: c, roots: o.TrustedCAs, res: Result{Kinds: newKinds()}}
	if o.Start != nil && o.Start.LastJWS != "" {
		v.st = copyState(o.Start)
		v.started = true
	} else {
		v.st = State{Seen: make(map[string]bool)}
	}
	return v
}

// result finishes the Result with the first error (nil when valid).
func (v *verifier) result(err *Finding) Result {
	v.res.Err = err
	v.res.Valid = err == nil
	v.res.State = v.st
	return v.res
}

// receipt checks one receipt at the given flattened index.
func (v *verifier) receipt(jws string, g *group, index int) *Finding {
	r, f := parseReceipt(jws, v.st.CounterLen) // B
	if f != nil {
		return f
	}
	var infos, warnings []Finding
	if r.failed { // C, failed receipt: nothing to verify
		infos = append(infos, Finding{Index: index, Code: CodeSignatureDeviceFailed,
			Detail: "receipt " + r.receiptID + " was made while the signature device was out"})
		if r.null() {
			warnings = append(warnings, Finding{Index: index, Code: CodeUnsignedNullReceipt,
				Detail: "null receipt " + r.receiptID + " is not signed; it cannot be a start, yearly or Sammelbeleg"})
		}
	} else if f := v.checkSignature(r, g); f != nil { // C
		return f
	}
	first := !v.started
	if f := v.checkChain(r, first); f != nil { // D1/D2
		return f
	}
	if f := v.checkConsistency(r, first); f != nil { // D3
		return f
	}
	needNull, f := v.checkOutage(r) // D4
	if f != nil {
		return f
	}
	counter, f := v.checkCounter(r) // D5
	if f != nil {
		return f
	}
	v.accept(r, first, needNull, counter)
	v.res.Infos = append(v.res.Infos, infos...)
	v.res.Warnings = append(v.res.Warnings, warnings...)
	return nil
}

// checkSignature is step C for a signed receipt, including the optional
// trust check (skipped for closed-system keys, which have no certificate).
func (v *verifier) checkSignature(r *receipt, g *group) *Finding {
	k, f := checkSigned(r, g.cert, v.c)
	if f != nil {
		return f
	}
	if v.roots == nil || k.cert == nil {
		return nil
	}
	if err := checkTrust(k.cert, g.cas, v.roots, r.date); err != nil {
		return finding(CodeUntrustedCert, "certificate %x does not chain to a trusted CA: %v", k.cert.SerialNumber, err)
	}
	return nil
}

// checkChain is D1 for the register's first receipt and D2 for the others.
// D1's "counter decrypts to 0" is left to D5: the start receipt's amounts are
// zero by then, and nothing between D1 and D5 can fail for a first receipt,
// so the reported error is the same.
func (v *verifier) checkChain(r *receipt, first bool) *Finding {
	startChain := chainValue(r.kassenID)
	if first {
		switch {
		case r.failed:
			return finding(CodeStartReceiptNotSigned, "start receipt %s is marked as failed", r.receiptID)
		case r.special != "":
			return finding(CodeStartReceiptType, "start receipt %s is a %s receipt", r.receiptID, r.special)
		case !r.zeroAmounts():
			return finding(CodeStartReceiptNonzero, "start receipt %s carries amounts", r.receiptID)
		case r.chain != startChain:
			return finding(CodeChain, "start receipt chain %s, want %s = hash(Kassen-ID)", r.chain, startChain)
		}
		return nil
	}
	if r.chain == startChain {
		return finding(CodeStartReceiptNotFirst, "receipt %s is chained to the Kassen-ID like a start receipt", r.receiptID)
	}
	if want := chainValue(v.st.LastJWS); r.chain != want {
		return finding(CodeChain, "chain %s, want %s = hash(previous JWS)", r.chain, want)
	}
	return nil
}

// checkConsistency is D3. The first receipt of a register defines Kassen-ID
// and system type, so only later receipts can change them.
func (v *verifier) checkConsistency(r *receipt, first bool) *Finding {
	if !first {
		if r.kassenID != v.st.KassenID {
			return finding(CodeCashboxIDChanged, "Kassen-ID %q, the register's is %q", r.kassenID, v.st.KassenID)
		}
		if r.closed != v.st.ClosedSystem {
			return finding(CodeSystemTypeChanged, "closed system %t, the register's is %t", r.closed, v.st.ClosedSystem)
		}
	}
	if v.st.Seen[r.receiptID] {
		return finding(CodeDuplicateReceiptID, "Belegnummer %q was used before", r.receiptID)
	}
	if r.date < v.st.LastDate { // fixed-width format: string order is time order
		return finding(CodeDateDecreasing, "date %s is before the previous %s", r.date, v.st.LastDate)
	}
	return nil
}

// checkOutage is D4 (§4.4 rule 3): after a failed receipt, the signed null
// receipt must be the first or second signed receipt. It returns the new
// need-null flag.
func (v *verifier) checkOutage(r *receipt) (bool, *Finding) {
	signedNull := !r.failed && r.null()
	signedNonNull := !r.failed && !r.null()
	if v.st.NeedNull && !signedNull {
		return false, finding(CodeNoSammelbelegAfterFailure,
			"receipt %s: a signed receipt followed a failure, so this one must be the signed null receipt", r.receiptID)
	}
	switch {
	case signedNull:
		return false, nil
	case signedNonNull && v.previousFailed():
		return true, nil
	}
	return v.st.NeedNull, nil
}

// previousFailed reads the failure marker from the last JWS, so that the
// state needs no extra field for it.
func (v *verifier) previousFailed() bool {
	i := strings.LastIndexByte(v.st.LastJWS, '.')
	return i >= 0 && isFailedSignature(v.st.LastJWS[i+1:])
}

// checkCounter is D5 and returns the new counter.
func (v *verifier) checkCounter(r *receipt) (int64, *Finding) {
	counter := v.st.Counter
	if !r.training() {
		var ok bool
		if counter, ok = addInt64(counter, r.sum); !ok {
			return 0, finding(CodeTurnoverCounter, "counter overflows 64 bits")
		}
	}
	if r.special != "" {
		return counter, nil
	}
	got, err := decryptCounter(v.c.AESKey, r.kassenID, r.receiptID, r.counter)
	if err != nil {
		return 0, finding(CodeTurnoverCounter, "%v", err)
	}
	if got != counter {
		return 0, finding(CodeTurnoverCounter, "counter decrypts to %d cents, the amounts add up to %d", got, counter)
	}
	return counter, nil
}

// accept applies a receipt that passed every check to state and counts.
func (v *verifier) accept(r *receipt, first, needNull bool, counter int64) {
	if first {
		v.st.KassenID = r.kassenID
		v.st.ClosedSystem = r.closed
		v.started = true
	}
	if v.st.CounterLen == 0 && r.counter != nil {
		v.st.CounterLen = len(r.counter)
	}
	v.st.LastJWS = r.jws
	v.st.Counter = counter
	v.st.NeedNull = needNull
	v.st.LastDate = r.date
	v.st.Seen[r.receiptID] = true
	v.st.Receipts++

	v.res.Receipts++
	if r.failed {
		v.res.Failed++
	} else {
		v.res.Signed++
	}
	if first {
		v.res.Kinds[KindStart]++
	} else {
		v.res.Kinds[r.kind()]++
	}
}
