package cryptoki

import (
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"time"
)

// Defaults for Config fields left zero (devices.md §7.5).
const (
	DefaultSessions     = 2
	DefaultDeadline     = 2 * time.Second
	DefaultMinBackoff   = 500 * time.Millisecond
	DefaultMaxBackoff   = 30 * time.Second
	DefaultPollInterval = 5 * time.Second
)

// TokenSelector names a token by its label or its serial number, exactly
// one of them. Slot IDs are never configured: modules renumber slots when a
// token is re-inserted or the module is re-initialised.
type TokenSelector struct {
	TokenLabel  string
	TokenSerial string
}

// Validate reports whether exactly one field is set.
func (t TokenSelector) Validate() error {
	if (t.TokenLabel == "") == (t.TokenSerial == "") {
		return errors.New("cryptoki: set exactly one of token label and token serial")
	}
	return nil
}

func (t TokenSelector) matches(label, serial string) bool {
	if t.TokenLabel != "" {
		return t.TokenLabel == label
	}
	return t.TokenSerial == serial
}

// String describes the selector for logs and errors.
func (t TokenSelector) String() string {
	if t.TokenLabel != "" {
		return "label " + strconv.Quote(t.TokenLabel)
	}
	return "serial " + strconv.Quote(t.TokenSerial)
}

// KeySelector names a key pair by CKA_LABEL, CKA_ID or both (then both must
// match).
type KeySelector struct {
	KeyLabel string
	KeyID    []byte
}

// Validate reports whether at least one field is set.
func (k KeySelector) Validate() error {
	if k.KeyLabel == "" && len(k.KeyID) == 0 {
		return errors.New("cryptoki: set a key label, a key id or both")
	}
	return nil
}

// String describes the selector for logs and errors.
func (k KeySelector) String() string {
	switch {
	case len(k.KeyID) == 0:
		return "label " + strconv.Quote(k.KeyLabel)
	case k.KeyLabel == "":
		return "id " + hex.EncodeToString(k.KeyID)
	}
	return "label " + strconv.Quote(k.KeyLabel) + " id " + hex.EncodeToString(k.KeyID)
}

// Config describes one signature device: which token and key, the PIN, and
// how hard to try.
type Config struct {
	// Name is the device name: Identity().Name and the metrics label.
	Name string
	TokenSelector
	KeySelector
	// PIN is the user PIN. The caller reads it from a file, the
	// environment or a systemd credential; the driver never logs it and
	// never retries it after the token refused it.
	PIN string
	// Sessions is the size of the session pool, one worker each: 1 for a
	// smart card, about the number of cores for SoftHSM, the vendor's
	// advice for an HSM. Default 2.
	Sessions int
	// Deadline bounds the supervisor's health-check probe and the
	// signatures of CryptoSigner. Sign itself is bounded by its caller's
	// context: when that deadline passes, the device is suspect (failed)
	// until a probe verifies. Default 2s.
	Deadline time.Duration
	// MinBackoff and MaxBackoff bound the reconnect backoff of a failed
	// device (jittered, doubling). Defaults 500ms and 30s.
	MinBackoff, MaxBackoff time.Duration
	// PollInterval is how often an idle, healthy device is asked for its
	// token info, to notice removal before a receipt does. Default 5s.
	PollInterval time.Duration
	// Log receives state changes; nil discards them.
	Log *slog.Logger
}

// LogValue keeps the PIN out of any log that prints a Config.
func (c Config) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("name", c.Name),
		slog.String("token", c.TokenSelector.String()),
		slog.String("key", c.KeySelector.String()),
		slog.Int("sessions", c.Sessions),
	)
}

// String describes c without the PIN, for fmt's %v.
func (c Config) String() string {
	return fmt.Sprintf("cryptoki device %q: token %s, key %s, %d sessions", c.Name, c.TokenSelector, c.KeySelector, c.Sessions)
}

// withDefaults validates c and fills zero fields.
func (c Config) withDefaults() (Config, error) {
	if c.Name == "" {
		return c, errors.New("cryptoki: config: name is empty")
	}
	if err := c.TokenSelector.Validate(); err != nil {
		return c, fmt.Errorf("config of %s: %w", c.Name, err)
	}
	if err := c.KeySelector.Validate(); err != nil {
		return c, fmt.Errorf("config of %s: %w", c.Name, err)
	}
	if c.Sessions < 0 || c.Deadline < 0 || c.MinBackoff < 0 || c.MaxBackoff < 0 || c.PollInterval < 0 {
		return c, fmt.Errorf("cryptoki %s: config: negative sessions or duration", c.Name)
	}
	def := func(v *time.Duration, d time.Duration) {
		if *v == 0 {
			*v = d
		}
	}
	if c.Sessions == 0 {
		c.Sessions = DefaultSessions
	}
	def(&c.Deadline, DefaultDeadline)
	def(&c.MinBackoff, DefaultMinBackoff)
	def(&c.MaxBackoff, DefaultMaxBackoff)
	def(&c.PollInterval, DefaultPollInterval)
	if c.MaxBackoff < c.MinBackoff {
		return c, fmt.Errorf("cryptoki %s: config: max backoff %v is below min backoff %v", c.Name, c.MaxBackoff, c.MinBackoff)
	}
	if c.Log == nil {
		c.Log = slog.New(slog.DiscardHandler)
	}
	c.Log = c.Log.With("device", c.Name)
	return c, nil
}

// SlotInfo describes one slot of a module and the token in it, as
// `fiscalctl device pkcs11 list` shows it.
type SlotInfo struct {
	// ID is the slot ID as the module numbers it now; it can change when a
	// token is re-inserted, so never configure it.
	ID           uint
	Description  string
	TokenPresent bool
	// The token fields are empty when no token is present.
	Label, Serial, Model, Manufacturer string
	// Initialized is false for a blank token (SoftHSM's free slot).
	Initialized bool
	// UserPINInitialized is false until the SO has set a user PIN.
	UserPINInitialized bool
	// UserPINLocked means the token refuses the user PIN after too many
	// wrong tries; only the SO can unlock it.
	UserPINLocked bool
}
