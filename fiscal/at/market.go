package at

import (
	"crypto/rand"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/fiscald/fiscald/device"
	"github.com/fiscald/fiscald/fiscal"
	"github.com/fiscald/fiscald/fiscal/at/rksv"
)

// JournalDEP7 is the AT market's DEP7 export type, without country and
// version (pos-system-api-v2.md §10.3).
const JournalDEP7 uint64 = 1

// Options configure the market.
type Options struct {
	// Signers are the signature devices queues may name, by
	// Identity().Name.
	Signers []device.Signer
	// DeviceDeadline bounds each signature (default 2 s).
	DeviceDeadline time.Duration
	Log            *slog.Logger
	// Metrics, if set, receives the per-queue outage metrics.
	Metrics prometheus.Registerer
}

// Market is the Austrian market. It is safe for concurrent use.
type Market struct {
	signers  map[string]device.Signer
	deadline time.Duration
	log      *slog.Logger

	mu        sync.Mutex
	registers map[string]*register // by queue id, for the metrics
}

// New returns the AT market.
func New(o Options) *Market {
	m := &Market{signers: map[string]device.Signer{}, deadline: o.DeviceDeadline, log: o.Log, registers: map[string]*register{}}
	for _, s := range o.Signers {
		m.signers[s.Identity().Name] = s
	}
	if m.log == nil {
		m.log = slog.New(slog.DiscardHandler)
	}
	if o.Metrics != nil {
		o.Metrics.MustRegister(collector{m})
	}
	return m
}

// Country is AT.
func (m *Market) Country() fiscal.Country { return fiscal.AT }

// JournalTypes lists the DEP7 export.
func (m *Market) JournalTypes() []uint64 { return []uint64{JournalDEP7} }

// Params are the market parameters of a new AT queue (YAML "at:" block).
type Params struct {
	// KassenID is the register id registered in FinanzOnline (field 2).
	KassenID string `json:"kassenId"`
	// CounterLength is N of the encrypted turnover counter, 5–16
	// (default 8); fixed for the register's life.
	CounterLength int `json:"counterLength"`
	// Signer names the signature device.
	Signer string `json:"signer"`
	// Provider is the trust-service provider id of field 1 (default AT100
	// for the simulator, which has a test certificate).
	Provider string `json:"provider"`
	// ClosedSystemID makes the register a closed system (AT0): field 11 is
	// this company id + key id, e.g. "U:ATU12345678-K1".
	ClosedSystemID string `json:"closedSystemId"`
	// AutoSammelbeleg issues the Sammelbeleg automatically when the device
	// is back (default true; off only for tests that replay fixed runs).
	AutoSammelbeleg *bool `json:"autoSammelbeleg"`
}

// config is what a queue stores (it holds the AES key: a secret).
type config struct {
	KassenID        string                  `json:"kassenId"`
	AESKey          []byte                  `json:"aesKey"`
	CounterLength   int                     `json:"counterLength"`
	Signer          string                  `json:"signer"`
	Devices         map[string]deviceRecord `json:"devices"`
	AutoSammelbeleg bool                    `json:"autoSammelbeleg"`
}

// deviceRecord is a device's identity cached at provisioning.
type deviceRecord struct {
	Kind      string `json:"kind,omitempty"` // the driver: simulator, pkcs11
	Provider  string `json:"provider"`
	Serial    string `json:"serial"`
	Cert      []byte `json:"certificate,omitempty"`
	PublicKey []byte `json:"publicKey,omitempty"`
}

var (
	kassenIDPattern = regexp.MustCompile(`^[^_]{1,64}$`)
	providerPattern = regexp.MustCompile(`^(AT0|[A-Z]{2}[1-9][0-9]*)$`)
	closedIDPattern = regexp.MustCompile(`^(S:\d{9}|U:[A-Z0-9]+|G:\d{13})-[A-Za-z0-9]+$`)
)

// Provision checks the parameters, creates the AES key and caches the
// signer's identity.
func (m *Market) Provision(queueID string, raw []byte) ([]byte, error) {
	var p Params
	dec := json.NewDecoder(strings.NewReader(string(raw)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&p); err != nil {
		return nil, fmt.Errorf("at: parameters: %w", err)
	}
	if !kassenIDPattern.MatchString(p.KassenID) {
		return nil, errors.New("at: kassenId must be 1–64 characters without '_'")
	}
	if p.CounterLength == 0 {
		p.CounterLength = 8
	}
	if p.CounterLength < 5 || p.CounterLength > 16 {
		return nil, errors.New("at: counterLength must be between 5 and 16")
	}
	s := m.signers[p.Signer]
	if s == nil {
		return nil, fmt.Errorf("at: signer %q is not configured", p.Signer)
	}
	if len(s.Identity().PublicKeyDER) == 0 {
		// A new register must know its device's key; a driver learns it
		// when it first connects.
		return nil, fmt.Errorf("at: signer %s has not been reached, so its key is unknown (%v); fix the device and restart", p.Signer, s.Health().LastError)
	}
	rec, err := identify(s.Identity(), p)
	if err != nil {
		return nil, err
	}
	c := config{
		KassenID: p.KassenID, AESKey: make([]byte, 32), CounterLength: p.CounterLength, Signer: p.Signer,
		Devices: map[string]deviceRecord{p.Signer: rec}, AutoSammelbeleg: p.AutoSammelbeleg == nil || *p.AutoSammelbeleg,
	}
	if _, err := rand.Read(c.AESKey); err != nil {
		return nil, fmt.Errorf("at: AES key: %w", err)
	}
	return json.Marshal(&c)
}

// identify derives the field-1 provider and field-11 id of a device.
func identify(id device.SignerIdentity, p Params) (deviceRecord, error) {
	rec := deviceRecord{Kind: id.Kind, Provider: p.Provider, Cert: id.CertificateDER, PublicKey: id.PublicKeyDER}
	if p.ClosedSystemID != "" {
		if !closedIDPattern.MatchString(p.ClosedSystemID) {
			return rec, errors.New("at: closedSystemId must look like U:ATU12345678-K1")
		}
		rec.Provider, rec.Serial, rec.Cert = "AT0", p.ClosedSystemID, nil
		return rec, nil
	}
	if rec.Provider == "" {
		rec.Provider = "AT100"
	}
	if !providerPattern.MatchString(rec.Provider) || rec.Provider == "AT0" {
		return rec, fmt.Errorf("at: provider %q is not a valid trust-service provider id", rec.Provider)
	}
	cert, err := x509.ParseCertificate(id.CertificateDER)
	if err != nil {
		return rec, fmt.Errorf("at: signer %s has no usable certificate: %w", id.Name, err)
	}
	rec.Serial = rksv.Serial(cert)
	return rec, nil
}

// OpenRegister restores a queue's register. After an unclean stop it skips
// the receipt numbers that may have reached an external device without
// being committed (rksv.md §7.2: "recovered from the journal plus a
// margin"); the simulator signs inside the process, so nothing of it can
// have left.
func (m *Market) OpenRegister(queueID string, rawConfig, rawState []byte, clean bool) (fiscal.Register, error) {
	var c config
	if err := json.Unmarshal(rawConfig, &c); err != nil {
		return nil, fmt.Errorf("at: queue %s config: %w", queueID, err)
	}
	r := &register{
		m:   m,
		cfg: c,
		b:   Builder{KassenID: c.KassenID, AESKey: c.AESKey, CounterLen: c.CounterLength, Deadline: m.deadline},
	}
	rec, ok := c.Devices[c.Signer]
	if !ok {
		return nil, fmt.Errorf("at: queue %s: device %q has no cached identity", queueID, c.Signer)
	}
	r.dev = Device{Name: c.Signer, Provider: rec.Provider, Serial: rec.Serial, Cert: rec.Cert, PublicKey: rec.PublicKey, Signer: m.signers[c.Signer]}
	r.kind = rec.Kind
	if r.kind == "" && r.dev.Signer != nil { // provisioned before kinds were recorded
		r.kind = r.dev.Signer.Identity().Kind
	}
	if r.dev.Signer == nil {
		m.log.Warn("signature device not attached; receipts will be marked as failed", "queue", queueID, "device", c.Signer)
	}
	if len(rawState) > 0 {
		if err := json.Unmarshal(rawState, &r.st); err != nil {
			return nil, fmt.Errorf("at: queue %s state: %w", queueID, err)
		}
		if !clean && (r.dev.Signer == nil || r.dev.Signer.Identity().Kind != "simulator") {
			r.st.Numbers += fiscal.MaxPipeline
		}
	}
	r.publish()
	m.mu.Lock()
	m.registers[queueID] = r
	m.mu.Unlock()
	return r, nil
}

// Container builds the crypto-material container (rksv.md §6.2) of a queue
// from its stored configuration: the AES key and every device it used.
func Container(rawConfig []byte) (*rksv.Container, error) {
	var c config
	if err := json.Unmarshal(rawConfig, &c); err != nil {
		return nil, fmt.Errorf("at: config: %w", err)
	}
	out := rksv.NewContainer(c.AESKey)
	for _, d := range c.Devices {
		if len(d.Cert) > 0 {
			if err := out.AddCertificate(d.Cert); err != nil {
				return nil, err
			}
		} else {
			out.AddPublicKey(d.Serial, d.PublicKey)
		}
	}
	return out, nil
}
