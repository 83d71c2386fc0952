package at

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"time"

	"github.com/fiscald/fiscald/device"
	"github.com/fiscald/fiscald/fiscal/at/rksv"
)

// Kind is the RKSV type of a receipt (rksv.md §4.1).
type Kind int

// Receipt kinds.
const (
	KindStart Kind = iota + 1
	KindStandard
	KindStorno
	KindTraining
	KindNull
)

func (k Kind) String() string {
	switch k {
	case KindStart:
		return "start"
	case KindStandard:
		return "standard"
	case KindStorno:
		return "storno"
	case KindTraining:
		return "training"
	case KindNull:
		return "null"
	}
	return "unknown"
}

// Device is a signature device as a register knows it: the identity cached
// at provisioning, so that a failed receipt can be built while the device is
// gone, and the signer (nil if it is not attached).
type Device struct {
	Name     string
	Provider string // field 1 suffix: AT1, AT3, AT100 …
	Serial   string // field 11
	Cert     []byte // DER; nil for a closed system
	// PublicKey is the SubjectPublicKeyInfo registered for the device; a
	// signer that reports another key (a swapped card) is not used.
	PublicKey []byte
	Signer    device.Signer
}

// Builder makes the RKSV receipts of one register.
type Builder struct {
	KassenID   string
	AESKey     []byte
	CounterLen int
	// Deadline bounds each device call (default 2 s, rksv.md §4.5).
	Deadline time.Duration
}

// Chain is the register's running RKSV state: what the next receipt needs.
type Chain struct {
	Counter  int64  `json:"counter"`
	Chain    string `json:"chain"` // field 12 of the next receipt
	LastDate string `json:"lastDate"`
}

// Spec is one receipt to make.
type Spec struct {
	Kind    Kind
	Number  string // Belegnummer
	Date    string // field 4, Europe/Vienna wall clock
	Amounts rksv.Amounts
	Device  *Device
	// Failed makes a failed receipt without asking the device (the device
	// is known to be out).
	Failed bool
}

// Receipt is a made receipt.
type Receipt struct {
	Payload rksv.Payload
	JWS     string
	Signed  bool
	// SignErr is why the device gave no signature (nil when signed or when
	// the device was not asked).
	SignErr error
}

// Make builds a receipt on top of chain ch and returns it with the chain
// after it. It does not fail when the device does: the receipt is then a
// failed receipt with the failure text as its signature (rksv.md §1.4).
// Errors are for inputs that cannot form a receipt at all.
func (b *Builder) Make(ctx context.Context, ch Chain, s Spec) (Receipt, Chain, error) {
	if s.Device == nil {
		return Receipt{}, ch, errors.New("at: no signature device")
	}
	date := s.Date
	if date < ch.LastDate {
		// The clock went back (or the hour repeats at the end of summer
		// time): dates must not decrease within a register (§7.3).
		date = ch.LastDate
	}
	chainValue := ch.Chain
	if s.Kind == KindStart {
		chainValue = rksv.ChainValue(b.KassenID)
	}
	next := ch
	if s.Kind != KindTraining {
		// The counter must fit the register's N bytes, also for a storno
		// (which does not print it) and never by wrapping (rksv.md §2.2).
		counter, ok := ch.Counter, true
		for _, a := range s.Amounts {
			counter, ok = addChecked(counter, a, ok)
		}
		if !ok || !fits(counter, b.CounterLen) {
			return Receipt{}, ch, fmt.Errorf("at: receipt %s: the turnover counter would leave the range of %d bytes", s.Number, b.CounterLen)
		}
		next.Counter = counter
	}
	p := rksv.Payload{
		Provider: s.Device.Provider, KassenID: b.KassenID, Belegnummer: s.Number, Date: date,
		Amounts: s.Amounts, Serial: s.Device.Serial, Chain: chainValue,
	}
	switch s.Kind {
	case KindTraining:
		p.Counter = rksv.TrainingCounter
	case KindStorno:
		p.Counter = rksv.StornoCounter
	default:
		enc, err := rksv.EncryptCounter(b.AESKey, b.KassenID, s.Number, next.Counter, b.CounterLen)
		if err != nil {
			return Receipt{}, ch, fmt.Errorf("at: receipt %s: %w", s.Number, err)
		}
		p.Counter = enc
	}
	if err := p.Validate(); err != nil {
		return Receipt{}, ch, fmt.Errorf("at: receipt %s: %w", s.Number, err)
	}
	input := rksv.SigningInput(p.String())
	r := Receipt{Payload: p}
	if !s.Failed && s.Device.Signer != nil {
		sig, err := b.sign(ctx, s.Device, input)
		if err == nil {
			r.JWS, err = rksv.JWS(input, sig)
		}
		r.Signed, r.SignErr = err == nil, err
	} else if s.Device.Signer == nil && !s.Failed {
		r.SignErr = fmt.Errorf("at: device %s is not attached: %w", s.Device.Name, device.ErrUnavailable)
	}
	if !r.Signed {
		r.JWS = rksv.FailedJWS(input)
	}
	next.Chain = rksv.ChainValue(r.JWS)
	next.LastDate = date
	return r, next, nil
}

// sign asks the device for a signature over the JWS signing input, within
// the deadline.
func (b *Builder) sign(ctx context.Context, dev *Device, input string) ([]byte, error) {
	s := dev.Signer
	d := b.Deadline
	if d <= 0 {
		d = 2 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	digest := sha256.Sum256([]byte(input))
	sig, err := s.Sign(ctx, digest[:])
	if err != nil {
		if ctx.Err() != nil && !errors.Is(err, device.ErrTimeout) {
			err = fmt.Errorf("%w: %w", device.ErrTimeout, err)
		}
		return nil, err
	}
	if len(sig) != 64 {
		return nil, fmt.Errorf("at: device returned a %d-byte signature, want 64", len(sig))
	}
	// Checked after signing: a driver learns its key when it connects,
	// which may be during this very call.
	if pub := s.Identity().PublicKeyDER; len(dev.PublicKey) > 0 && !bytes.Equal(pub, dev.PublicKey) {
		return nil, fmt.Errorf("at: device %s holds another key than the one registered for this register: %w", dev.Name, device.ErrUnavailable)
	}
	return sig, nil
}

// addChecked adds b to a, reporting false once any addition overflowed.
func addChecked(a, b int64, ok bool) (int64, bool) {
	c := a + b
	if (b > 0 && c < a) || (b < 0 && c > a) {
		return c, false
	}
	return c, ok
}

// fits reports whether v is representable in n bytes of two's complement.
func fits(v int64, n int) bool {
	if n >= 8 {
		return true
	}
	limit := int64(1) << (8*n - 1)
	return v >= -limit && v < limit
}
