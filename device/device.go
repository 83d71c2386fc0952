// Package device is the hardware contract of fiscald: the small role
// interfaces the fiscal core depends on, the identity and health values
// drivers report, and the sentinel errors callers branch on.
//
// It imports nothing but the standard library, so drivers (which implement
// these interfaces) and the fiscal core (which consumes them) never see each
// other; cmd/fiscald joins them.
package device

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Sentinel errors. Drivers wrap them with %w so callers can use errors.Is.
var (
	// ErrUnavailable means the device cannot be reached right now (removed,
	// powered off, session lost). The caller may retry later.
	ErrUnavailable = errors.New("device: unavailable")
	// ErrTimeout means the device did not answer within the caller's deadline.
	ErrTimeout = errors.New("device: timeout")
	// ErrAuth means the device refused the credentials (wrong or locked PIN).
	// It is never retried automatically.
	ErrAuth = errors.New("device: authentication failed")
	// ErrOutcomeUnknown means a payment terminal had accepted a
	// transaction (money may have moved) when the link failed or the
	// caller gave up, and no final result was seen. It wraps
	// ErrUnavailable; PaymentTerminal.LastTransaction settles it.
	ErrOutcomeUnknown = fmt.Errorf("device: transaction outcome unknown: %w", ErrUnavailable)
	// ErrNoTransaction means a payment terminal has no booked transaction
	// to report (LastTransaction).
	ErrNoTransaction = errors.New("device: no booked transaction")
)

// Signer is a signature creation unit: a smart card, an HSM key or the
// simulator. It signs digests the host computed, so the device never sees
// receipt data.
//
// Implementations are safe for concurrent use.
type Signer interface {
	// Sign signs a SHA-256 digest with the device's ECDSA P-256 key and
	// returns the raw signature r‖s (64 bytes, each half big-endian and
	// left-padded), the form JWS uses. It honours ctx's deadline.
	Sign(ctx context.Context, digest []byte) ([]byte, error)
	// Identity describes the device. It is cached at provisioning, so it is
	// available while the device is unreachable.
	Identity() SignerIdentity
	// Health reports the device's state as its driver last saw it. It
	// never blocks on the device.
	Health() Health
}

// State is a device's condition as its supervisor sees it.
type State uint8

// Device states. A failed device is probed in the background until it
// signs again; callers need not retry it themselves.
const (
	StateUp State = iota
	StateFailed
)

func (s State) String() string {
	if s == StateFailed {
		return "failed"
	}
	return "up"
}

// Health is a snapshot of a device's condition.
type Health struct {
	State State
	// Since is when the device entered State.
	Since time.Time
	// LastError is why the device failed (nil while up).
	LastError error
	// Failures counts consecutive failed calls and reconnect attempts.
	Failures int
	// LastSuccess is the time of the last good operation (a signature, a
	// transaction) or probe.
	LastSuccess time.Time
	// Busy is the cumulative time the device spent working, divided by
	// the number of calls it can run at once: Busy over wall time is the
	// share of its capacity in use.
	Busy time.Duration
	// Changed is closed when State changes; call Health again then. It
	// lets the fiscal core react to a recovery without polling.
	Changed <-chan struct{}
}

// SignerIdentity is what a market needs to know about a signer without
// talking to it.
type SignerIdentity struct {
	// Name is the configured device name, unique within one daemon; it is
	// the value of the "device" label on metrics.
	Name string
	// Kind is the driver: "simulator" or "pkcs11".
	Kind string
	// CertificateDER is the device certificate (X.509, DER). Empty for a
	// key registered as a bare public key.
	CertificateDER []byte
	// PublicKeyDER is the SubjectPublicKeyInfo of the signing key.
	PublicKeyDER []byte
}
