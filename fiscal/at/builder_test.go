package at_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"math"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/fiscald/fiscald/device"
	"github.com/fiscald/fiscald/fiscal/at"
	"github.com/fiscald/fiscald/fiscal/at/rksv"
)

// funcSigner is a device.Signer whose behaviour a test chooses.
type funcSigner struct {
	sign  func(ctx context.Context, digest []byte) ([]byte, error)
	calls int
}

func (f *funcSigner) Sign(ctx context.Context, digest []byte) ([]byte, error) {
	f.calls++
	return f.sign(ctx, digest)
}

func (f *funcSigner) Identity() device.SignerIdentity {
	return device.SignerIdentity{Name: "func", Kind: "test"}
}

var builderKey = make([]byte, 32) // all zero: fine for tests of the builder

func TestBuilderSignerOutcomes(t *testing.T) {
	key := newKeySigner(t, "k", big.NewInt(0x1234))
	tests := []struct {
		name    string
		signer  func(ctx context.Context, digest []byte) ([]byte, error)
		nilDev  bool // Device.Signer nil (not attached)
		failed  bool // Spec.Failed
		signed  bool
		asked   bool
		wantErr error // errors.Is(SignErr, wantErr); nil = SignErr must be nil
		anyErr  bool  // SignErr must be non-nil, any value
	}{
		{name: "signs", signer: func(_ context.Context, d []byte) ([]byte, error) { return signRS(key.key, d) }, signed: true, asked: true},
		{name: "other device error", signer: func(context.Context, []byte) ([]byte, error) {
			return nil, errors.New("card: security status not satisfied")
		}, asked: true, anyErr: true},
		{name: "unavailable", signer: func(context.Context, []byte) ([]byte, error) {
			return nil, device.ErrUnavailable
		}, asked: true, wantErr: device.ErrUnavailable},
		{name: "hangs past the deadline", signer: func(ctx context.Context, _ []byte) ([]byte, error) {
			<-ctx.Done()
			return nil, ctx.Err()
		}, asked: true, wantErr: device.ErrTimeout},
		{name: "DER instead of r||s", signer: func(_ context.Context, d []byte) ([]byte, error) {
			return ecdsa.SignASN1(rand.Reader, key.key, d)
		}, asked: true, anyErr: true},
		{name: "known to be out", signer: func(context.Context, []byte) ([]byte, error) {
			t.Error("signer asked although Spec.Failed is set")
			return nil, nil
		}, failed: true},
		{name: "not attached", nilDev: true, wantErr: device.ErrUnavailable},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := at.Builder{KassenID: "K-1", AESKey: builderKey, CounterLen: 8, Deadline: 50 * time.Millisecond}
			fs := &funcSigner{sign: tt.signer}
			dev := &at.Device{Name: "d", Provider: "AT100", Serial: "1234", Signer: fs}
			if tt.nilDev {
				dev.Signer = nil
			}
			ch := at.Chain{Counter: 500, Chain: chainOf("previous"), LastDate: "2025-03-10T09:00:00"}
			spec := at.Spec{Kind: at.KindStandard, Number: "R-2", Date: "2025-03-10T09:01:00",
				Amounts: rksv.Amounts{100, 0, 0, 0, 0}, Device: dev, Failed: tt.failed}

			// The parent context only keeps a broken deadline from hanging
			// the test; the 50ms device deadline must end the call first.
			ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
			defer cancel()
			began := time.Now()
			rec, next, err := b.Make(ctx, ch, spec)
			if err != nil {
				t.Fatalf("Make: %v", err)
			}
			if d := time.Since(began); d > time.Second {
				t.Errorf("Make took %v with a 50ms device deadline", d)
			}
			if rec.Signed != tt.signed {
				t.Errorf("Signed %t, want %t (SignErr %v)", rec.Signed, tt.signed, rec.SignErr)
			}
			if (fs.calls > 0) != tt.asked {
				t.Errorf("signer asked %d times, want asked %t", fs.calls, tt.asked)
			}
			switch {
			case tt.wantErr != nil && !errors.Is(rec.SignErr, tt.wantErr):
				t.Errorf("SignErr %v, want one wrapping %v", rec.SignErr, tt.wantErr)
			case tt.anyErr && rec.SignErr == nil:
				t.Errorf("SignErr nil, want the device's error")
			case tt.wantErr == nil && !tt.anyErr && rec.SignErr != nil:
				t.Errorf("SignErr %v, want nil", rec.SignErr)
			}
			seg := signatureSegment(rec.JWS)
			if !tt.signed && seg != failedSegmentURL {
				t.Errorf("failed receipt signature segment %q, want %q", seg, failedSegmentURL)
			}
			if tt.signed && seg == failedSegmentURL {
				t.Errorf("signed receipt carries the failure segment")
			}
			// Signed or not, the receipt is complete and counted, and the
			// next receipt chains to exactly this JWS.
			if next.Counter != 600 || next.Chain != chainOf(rec.JWS) || next.LastDate != "2025-03-10T09:01:00" {
				t.Errorf("next chain %+v, want counter 600, chain %q, date 2025-03-10T09:01:00", next, chainOf(rec.JWS))
			}
			if got, want := signingInputOf(rec.JWS), rksv.SigningInput(rec.Payload.String()); got != want {
				t.Errorf("JWS signing input %q, want %q", got, want)
			}
			if rec.Payload.Chain != ch.Chain {
				t.Errorf("field 12 %q, want the chain handed in %q", rec.Payload.Chain, ch.Chain)
			}
		})
	}
}

// TestBuilderSignsTheSigningInput checks what reaches the device: the
// SHA-256 digest of header.payload, nothing else.
func TestBuilderSignsTheSigningInput(t *testing.T) {
	var got []byte
	key := newKeySigner(t, "k", big.NewInt(7))
	fs := &funcSigner{sign: func(_ context.Context, d []byte) ([]byte, error) {
		got = append([]byte(nil), d...)
		return signRS(key.key, d)
	}}
	b := at.Builder{KassenID: "K-1", AESKey: builderKey, CounterLen: 8}
	rec, _, err := b.Make(context.Background(), at.Chain{}, at.Spec{Kind: at.KindStart, Number: "R-1",
		Date: "2025-03-10T09:00:00", Device: &at.Device{Name: "d", Provider: "AT100", Serial: "7", Signer: fs}})
	if err != nil {
		t.Fatalf("Make: %v", err)
	}
	want := sha256.Sum256([]byte(signingInputOf(rec.JWS)))
	if string(got) != string(want[:]) {
		t.Errorf("device got digest %x, want SHA-256(header.payload) %x", got, want)
	}
	if !strings.HasPrefix(rec.JWS, "eyJhbGciOiJFUzI1NiJ9.") || rec.Payload.Chain != chainOf("K-1") {
		t.Errorf("start receipt JWS %q chain %q; want the ES256 header and chain %q", rec.JWS, rec.Payload.Chain, chainOf("K-1"))
	}
}

func TestBuilderRefuses(t *testing.T) {
	dev := &at.Device{Name: "d", Provider: "AT100", Serial: "1234", Signer: &brokenSigner{name: "b"}}
	ch := at.Chain{Counter: 549755813887, Chain: chainOf("previous"), LastDate: "2025-03-10T09:00:00"} // 5-byte maximum
	tests := []struct {
		name string
		spec at.Spec
	}{
		{"no device", at.Spec{Kind: at.KindNull, Number: "R-2", Date: "2025-03-10T09:01:00"}},
		{"underscore in the Belegnummer", at.Spec{Kind: at.KindNull, Number: "R_2", Date: "2025-03-10T09:01:00", Device: dev}},
		{"empty Belegnummer", at.Spec{Kind: at.KindNull, Number: "", Date: "2025-03-10T09:01:00", Device: dev}},
		{"counter beyond 5 bytes", at.Spec{Kind: at.KindStandard, Number: "R-2", Date: "2025-03-10T09:01:00", Amounts: rksv.Amounts{1}, Device: dev}},
		// Field 10 of a storno receipt is STO, but the counter still moves
		// (§2.1), so it must still fit (§2.2).
		{"storno beyond 5 bytes", at.Spec{Kind: at.KindStorno, Number: "R-2", Date: "2025-03-10T09:01:00", Amounts: rksv.Amounts{1}, Device: dev}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := at.Builder{KassenID: "K-1", AESKey: builderKey, CounterLen: 5}
			rec, next, err := b.Make(context.Background(), ch, tt.spec)
			if err == nil {
				t.Errorf("Make(%s %q, amounts %v, counter %d, N=5) = receipt with field 10 %q and counter %d, nil; want an error",
					tt.spec.Kind, tt.spec.Number, tt.spec.Amounts, ch.Counter, rec.Payload.Counter, next.Counter)
			}
			if next != ch {
				t.Errorf("Make(%s %q) returned chain %+v, want it unchanged %+v", tt.spec.Kind, tt.spec.Number, next, ch)
			}
		})
	}
}

// TestBuilderRefusesInt64Overflow: with N = 8 every int64 fits, so only an
// overflow check can keep the counter from wrapping silently (§2.2).
func TestBuilderRefusesInt64Overflow(t *testing.T) {
	dev := &at.Device{Name: "d", Provider: "AT100", Serial: "1234", Signer: &brokenSigner{name: "b"}}
	tests := []struct {
		name    string
		counter int64
		amounts rksv.Amounts
	}{
		{"counter at the int64 maximum", math.MaxInt64, rksv.Amounts{1}},
		{"counter at the int64 minimum", math.MinInt64, rksv.Amounts{-1}},
		{"columns adding up beyond int64", 0, rksv.Amounts{math.MaxInt64, 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ch := at.Chain{Counter: tt.counter, Chain: chainOf("previous"), LastDate: "2025-03-10T09:00:00"}
			b := at.Builder{KassenID: "K-1", AESKey: builderKey, CounterLen: 8}
			spec := at.Spec{Kind: at.KindStandard, Number: "R-2", Date: "2025-03-10T09:01:00", Amounts: tt.amounts, Device: dev}
			rec, next, err := b.Make(context.Background(), ch, spec)
			if err == nil {
				t.Errorf("Make(counter %d, amounts %v) = counter %d, field 10 %q, nil; want an error (no silent wrap)",
					tt.counter, tt.amounts, next.Counter, rec.Payload.Counter)
			}
			if next != ch {
				t.Errorf("Make(counter %d, amounts %v) moved the chain: %+v, want %+v", tt.counter, tt.amounts, next, ch)
			}
		})
	}
}

// TestBuilderTrainingAtCounterLimit: a training receipt is not counted, so
// it is accepted however full the counter is.
func TestBuilderTrainingAtCounterLimit(t *testing.T) {
	dev := &at.Device{Name: "d", Provider: "AT100", Serial: "1234", Signer: &brokenSigner{name: "b"}}
	ch := at.Chain{Counter: 549755813887, Chain: chainOf("previous"), LastDate: "2025-03-10T09:00:00"}
	b := at.Builder{KassenID: "K-1", AESKey: builderKey, CounterLen: 5}
	rec, next, err := b.Make(context.Background(), ch, at.Spec{Kind: at.KindTraining, Number: "R-2",
		Date: "2025-03-10T09:01:00", Amounts: rksv.Amounts{100}, Device: dev})
	if err != nil {
		t.Fatalf("training receipt at the counter limit: %v", err)
	}
	if rec.Payload.Counter != "VFJB" || next.Counter != ch.Counter {
		t.Errorf("training receipt: field 10 %q, counter %d; want VFJB, %d", rec.Payload.Counter, next.Counter, ch.Counter)
	}
}

func TestBuilderDateNeverDecreases(t *testing.T) {
	dev := &at.Device{Name: "d", Provider: "AT100", Serial: "1234", Signer: &brokenSigner{name: "b"}}
	b := at.Builder{KassenID: "K-1", AESKey: builderKey, CounterLen: 8}
	tests := []struct{ last, date, want string }{
		{"2025-03-10T09:00:00", "2025-03-10T08:59:59", "2025-03-10T09:00:00"},
		{"2025-03-10T09:00:00", "2025-03-10T09:00:00", "2025-03-10T09:00:00"},
		{"2025-03-10T09:00:00", "2025-03-10T09:00:01", "2025-03-10T09:00:01"},
		{"2025-12-31T23:59:59", "2025-01-01T00:00:00", "2025-12-31T23:59:59"},
	}
	for _, tt := range tests {
		ch := at.Chain{Chain: chainOf("previous"), LastDate: tt.last}
		rec, next, err := b.Make(context.Background(), ch, at.Spec{Kind: at.KindNull, Number: "R-2", Date: tt.date, Device: dev})
		if err != nil {
			t.Fatalf("Make(date %s after %s): %v", tt.date, tt.last, err)
		}
		if rec.Payload.Date != tt.want || next.LastDate != tt.want {
			t.Errorf("date %s after %s: field 4 %q, next LastDate %q; want %q", tt.date, tt.last, rec.Payload.Date, next.LastDate, tt.want)
		}
	}
}

// Health: this test device never changes state.
func (*funcSigner) Health() device.Health { return device.Health{} }

// Health: this test device never changes state.
func (*brokenSigner) Health() device.Health { return device.Health{} }
