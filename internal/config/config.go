// Package config is fiscald's daemon configuration: one YAML file, decoded
// strictly (unknown keys are errors), defaults set in code, and validation
// that names every bad field with its line. It holds plain values;
// cmd/fiscald maps them onto constructor options.
package config

import (
	"bytes"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// Config is the whole configuration file.
type Config struct {
	// Listen is the API address, e.g. "192.168.1.10:8480". Required: fiscald
	// never listens on all interfaces unless told to.
	Listen string `yaml:"listen"`
	// MetricsListen, if set, serves /metrics on its own address instead of
	// the API listener.
	MetricsListen string `yaml:"metrics_listen"`
	// Data is the data directory (journal, devices).
	Data string `yaml:"data"`
	// LogLevel is debug, info, warn or error (default info).
	LogLevel string `yaml:"log_level"`
	// DeviceDeadline bounds each signature (default 2s).
	DeviceDeadline time.Duration `yaml:"device_deadline"`
	Auth           Auth          `yaml:"auth"`
	Signers        []Signer      `yaml:"signers"`
	CashBoxes      []CashBox     `yaml:"cashboxes"`
	// PaymentTerminals are the card terminals CashBoxes pay through
	// (/v2/pay); a CashBox lists the ones it uses by name.
	PaymentTerminals []PaymentTerminal `yaml:"payment_terminals"`
	// Printers are the receipt printers CashBoxes print on (/v2/issue).
	Printers []Printer `yaml:"printers"`
	// PaymentLimit is the longest a /v2/pay transaction may run (default
	// 600s; 10s to 1h).
	PaymentLimit time.Duration `yaml:"payment_limit"`
	// PublicURL, if set, is where customers reach the receipt pages
	// (http(s)://host[:port][/prefix], e.g. a reverse proxy); by default a
	// DocumentURL starts with the address the POS called.
	PublicURL string `yaml:"public_url"`
}

// Auth configures authentication throttling.
type Auth struct {
	Failures int           `yaml:"failures"`
	Window   time.Duration `yaml:"window"`
	Block    time.Duration `yaml:"block"`
}

// Signer is a signature device.
type Signer struct {
	Name string `yaml:"name"`
	// Kind is "simulator" (a software key in KeyFile) or "pkcs11" (a
	// smart card, HSM or SoftHSM token).
	Kind    string  `yaml:"kind"`
	KeyFile string  `yaml:"key_file"`
	PKCS11  *PKCS11 `yaml:"pkcs11"`
}

// PKCS11 selects a key on a PKCS#11 token. The PIN is read from a file,
// an environment variable or a systemd credential, never from this file.
type PKCS11 struct {
	// Module is the path of the PKCS#11 library.
	Module      string `yaml:"module"`
	TokenLabel  string `yaml:"token_label"`
	TokenSerial string `yaml:"token_serial"`
	KeyLabel    string `yaml:"key_label"`
	// KeyID is the key's CKA_ID in hex.
	KeyID         string `yaml:"key_id"`
	PINFile       string `yaml:"pin_file"`
	PINEnv        string `yaml:"pin_env"`
	PINCredential string `yaml:"pin_credential"`
	// Sessions is the session pool size (default 2; 1 for a smart card).
	Sessions int `yaml:"sessions"`
	// PIN exists only to refuse an inline PIN with a clear message.
	PIN string `yaml:"pin"`
}

// ReadPIN returns the user PIN from the configured source: a file (one
// trailing newline dropped), an environment variable, or a credential
// systemd passed in $CREDENTIALS_DIRECTORY (LoadCredential=).
func (p *PKCS11) ReadPIN() (string, error) {
	switch {
	case p.PINFile != "":
		return readSecretFile(p.PINFile)
	case p.PINEnv != "":
		v, ok := os.LookupEnv(p.PINEnv)
		if !ok || v == "" {
			return "", fmt.Errorf("config: PIN variable %s is not set", p.PINEnv)
		}
		return v, nil
	case p.PINCredential != "":
		dir := os.Getenv("CREDENTIALS_DIRECTORY")
		if dir == "" {
			return "", fmt.Errorf("config: PIN credential %s: CREDENTIALS_DIRECTORY is not set (start fiscald from systemd with LoadCredential=%s:…)", p.PINCredential, p.PINCredential)
		}
		return readSecretFile(filepath.Join(dir, p.PINCredential))
	}
	return "", errors.New("config: no PIN source")
}

func readSecretFile(path string) (string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("config: PIN: %w", err)
	}
	s := strings.TrimSuffix(strings.TrimSuffix(string(b), "\n"), "\r")
	if s == "" {
		return "", fmt.Errorf("config: PIN file %s is empty", path)
	}
	return s, nil
}

// CashBox is a CashBox to provision.
type CashBox struct {
	ID string `yaml:"id"`
	// AccessTokenHash is the stored form of the token ("sha256:…", made by
	// `fiscalctl cashbox hash-token`); the token itself never appears here.
	AccessTokenHash string  `yaml:"access_token_hash"`
	Sandbox         bool    `yaml:"sandbox"`
	Queues          []Queue `yaml:"queues"`
	// PaymentTerminals names the payment_terminals the CashBox pays
	// through, in the order Protocol use_first tries them.
	PaymentTerminals []string `yaml:"payment_terminals"`
	// Printer names the printer /v2/issue prints on ("": none; receipts
	// are handed over by URL).
	Printer string `yaml:"printer"`
}

// PaymentTerminal is a card payment terminal.
type PaymentTerminal struct {
	// Name identifies the terminal: /v2/pay's cbTerminalID selects it.
	Name string `yaml:"name"`
	// Protocol is what the terminal speaks: zvt.
	Protocol string `yaml:"protocol"`
	ZVT      *ZVT   `yaml:"zvt"`
}

// ZVT reaches a ZVT terminal over exactly one of TCP and a serial line.
type ZVT struct {
	// TCP is host:port; a bare host means port DefaultZVTPort.
	TCP    string     `yaml:"tcp"`
	Serial *ZVTSerial `yaml:"serial"`
	// Password is the terminal's six-digit password (default 123456).
	// It is not a cardholder secret, but fiscald does not log it.
	Password string `yaml:"password"`
	// T3 and T4 override the ZVT timeouts (0: the specification's 5s
	// and 180s).
	T3 time.Duration `yaml:"t3"`
	T4 time.Duration `yaml:"t4"`
	// ProbeInterval is the time between two status enquiries (default
	// 60s: the specification wants one at least every minute).
	ProbeInterval time.Duration `yaml:"probe_interval"`
}

// ZVTSerial selects the serial port of a terminal: a fixed path, or a
// USB-serial adapter by identity, found again on whatever port it gets
// when it is plugged back in.
type ZVTSerial struct {
	Path string `yaml:"path"`
	USB  *USBID `yaml:"usb"`
}

// USBID identifies a USB-serial adapter. VID and PID are hex ("0x0403"
// or "0403"); Serial is its USB serial number, needed only when two
// adapters share VID and PID.
type USBID struct {
	VID    string `yaml:"vid"`
	PID    string `yaml:"pid"`
	Serial string `yaml:"serial"`
}

// IDs returns the vendor and product IDs as numbers.
func (u *USBID) IDs() (vid, pid uint16, err error) {
	if vid, err = parseUSBID(u.VID); err != nil {
		return 0, 0, fmt.Errorf("vid: %w", err)
	}
	if pid, err = parseUSBID(u.PID); err != nil {
		return 0, 0, fmt.Errorf("pid: %w", err)
	}
	return vid, pid, nil
}

func parseUSBID(s string) (uint16, error) {
	h := strings.TrimPrefix(strings.TrimPrefix(s, "0x"), "0X")
	v, err := strconv.ParseUint(h, 16, 16)
	if err != nil || h == "" || v == 0 {
		return 0, fmt.Errorf("%q is not a non-zero 16-bit hex number", s)
	}
	return uint16(v), nil
}

// Payment defaults.
const (
	// DefaultZVTPort is the ZVT port of a terminal given as a bare host.
	DefaultZVTPort = "20007"
	// DefaultZVTPassword is the password terminals ship with.
	DefaultZVTPassword = "123456"
	// DefaultProbeInterval is the time between two status enquiries.
	DefaultProbeInterval = 60 * time.Second
	// DefaultPaymentLimit bounds a /v2/pay transaction.
	DefaultPaymentLimit = 600 * time.Second
)

// Queue is one queue of a CashBox.
type Queue struct {
	ID      string    `yaml:"id"`
	Country string    `yaml:"country"`
	AT      *ATParams `yaml:"at"`
}

// ATParams are the Austrian register parameters.
type ATParams struct {
	KassenID        string `yaml:"kassen_id" json:"kassenId"`
	CounterLength   int    `yaml:"counter_length" json:"counterLength,omitempty"`
	Signer          string `yaml:"signer" json:"signer"`
	Provider        string `yaml:"provider" json:"provider,omitempty"`
	ClosedSystemID  string `yaml:"closed_system_id" json:"closedSystemId,omitempty"`
	AutoSammelbeleg *bool  `yaml:"auto_sammelbeleg" json:"autoSammelbeleg,omitempty"`
}

// Load reads, decodes and validates a configuration file.
func Load(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return Parse(data)
}

// Parse decodes and validates a configuration document.
func Parse(data []byte) (*Config, error) {
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	c := &Config{}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(c); err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	c.setDefaults()
	if err := c.validate(lines(&root)); err != nil {
		return nil, err
	}
	return c, nil
}

func (c *Config) setDefaults() {
	if c.LogLevel == "" {
		c.LogLevel = "info"
	}
	if c.DeviceDeadline == 0 {
		c.DeviceDeadline = 2 * time.Second
	}
	if c.PaymentLimit == 0 {
		c.PaymentLimit = DefaultPaymentLimit
	}
	c.printerDefaults()
	for _, t := range c.PaymentTerminals {
		if z := t.ZVT; z != nil {
			z.TCP = withPort(z.TCP, DefaultZVTPort)
			if z.Password == "" {
				z.Password = DefaultZVTPassword
			}
			if z.ProbeInterval == 0 {
				z.ProbeInterval = DefaultProbeInterval
			}
		}
	}
	for i := range c.CashBoxes {
		for j := range c.CashBoxes[i].Queues {
			if at := c.CashBoxes[i].Queues[j].AT; at != nil && at.CounterLength == 0 {
				at.CounterLength = 8
			}
		}
	}
}

// ValidationError lists every bad field.
type ValidationError struct{ Problems []string }

func (e *ValidationError) Error() string {
	return "config: " + strings.Join(e.Problems, "; ")
}

var (
	uuidPattern     = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)
	tokenHashRegexp = regexp.MustCompile(`^sha256:[A-Za-z0-9_-]{22}:[A-Za-z0-9_-]{43}$`)
	namePattern     = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{0,62}$`)
)

// validate checks every field and reports each problem as
// "path (line N): message".
func (c *Config) validate(line map[string]int) error {
	var probs []string
	bad := func(path, format string, args ...any) {
		at := ""
		if n, ok := line[path]; ok {
			at = " (line " + strconv.Itoa(n) + ")"
		}
		probs = append(probs, path+at+": "+fmt.Sprintf(format, args...))
	}
	if _, _, err := net.SplitHostPort(c.Listen); err != nil {
		bad("listen", "must be host:port (%v)", err)
	}
	if c.MetricsListen != "" {
		if _, _, err := net.SplitHostPort(c.MetricsListen); err != nil {
			bad("metrics_listen", "must be host:port (%v)", err)
		}
	}
	if c.Data == "" {
		bad("data", "is required")
	}
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		bad("log_level", "must be debug, info, warn or error")
	}
	if c.DeviceDeadline < 100*time.Millisecond || c.DeviceDeadline > time.Minute {
		bad("device_deadline", "must be between 100ms and 1m")
	}
	if c.Auth.Failures < 0 || c.Auth.Window < 0 || c.Auth.Block < 0 {
		bad("auth", "values must not be negative")
	}
	signers := map[string]bool{}
	for i, s := range c.Signers {
		p := fmt.Sprintf("signers[%d]", i)
		if !namePattern.MatchString(s.Name) {
			bad(p+".name", "must be 1-63 characters of [a-z0-9._-]")
		} else if signers[s.Name] {
			bad(p+".name", "%q is used twice", s.Name)
		}
		signers[s.Name] = true
		switch s.Kind {
		case "simulator":
			if s.KeyFile == "" {
				bad(p+".key_file", "is required for a simulator")
			}
			if s.PKCS11 != nil {
				bad(p+".pkcs11", "belongs to a signer of kind pkcs11")
			}
		case "pkcs11":
			validatePKCS11(p+".pkcs11", s.PKCS11, bad)
			if s.KeyFile != "" {
				bad(p+".key_file", "belongs to a simulator")
			}
		default:
			bad(p+".kind", "must be simulator or pkcs11")
		}
	}
	if len(c.CashBoxes) == 0 {
		bad("cashboxes", "at least one CashBox is required")
	}
	ids := map[string]string{}
	unique := func(path, id string) {
		id = strings.ToLower(id)
		if prev, ok := ids[id]; ok {
			bad(path, "id %s is already used by %s", id, prev)
		}
		ids[id] = path
	}
	if c.PaymentLimit < 10*time.Second || c.PaymentLimit > time.Hour {
		bad("payment_limit", "must be between 10s and 1h")
	}
	terminals := map[string]bool{}
	for i, t := range c.PaymentTerminals {
		p := fmt.Sprintf("payment_terminals[%d]", i)
		switch {
		case !namePattern.MatchString(t.Name):
			bad(p+".name", "must be 1-63 characters of [a-z0-9._-]")
		case t.Name == "sandbox":
			bad(p+".name", `"sandbox" is the name of the test provider of sandbox CashBoxes`)
		case terminals[t.Name]:
			bad(p+".name", "%q is used twice", t.Name)
		}
		terminals[t.Name] = true
		switch t.Protocol {
		case "zvt":
			validateZVT(p+".zvt", t.ZVT, bad)
		default:
			bad(p+".protocol", "must be zvt (the protocols this build speaks)")
		}
	}
	c.validatePrinters(bad)
	if c.PublicURL != "" {
		if u, err := url.Parse(c.PublicURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
			bad("public_url", "must be an absolute http or https URL without query or fragment, e.g. https://receipts.example.com")
		}
	}
	for i, cb := range c.CashBoxes {
		p := fmt.Sprintf("cashboxes[%d]", i)
		seen := map[string]bool{}
		for j, name := range cb.PaymentTerminals {
			tp := fmt.Sprintf("%s.payment_terminals[%d]", p, j)
			switch {
			case !terminals[name]:
				bad(tp, "%q is not a configured payment terminal", name)
			case seen[name]:
				bad(tp, "%q is listed twice", name)
			}
			seen[name] = true
		}
		if !uuidPattern.MatchString(cb.ID) {
			bad(p+".id", "must be a UUID")
		} else {
			unique(p+".id", cb.ID)
		}
		if !tokenHashRegexp.MatchString(cb.AccessTokenHash) {
			bad(p+".access_token_hash", `must be the output of "fiscalctl cashbox hash-token" (sha256:<salt>:<hash>)`)
		}
		if len(cb.Queues) == 0 {
			bad(p+".queues", "at least one queue is required")
		}
		for j, q := range cb.Queues {
			qp := fmt.Sprintf("%s.queues[%d]", p, j)
			if !uuidPattern.MatchString(q.ID) {
				bad(qp+".id", "must be a UUID")
			} else {
				unique(qp+".id", q.ID)
			}
			switch q.Country {
			case "AT":
				c.validateAT(qp+".at", q.AT, signers, bad)
			default:
				bad(qp+".country", "must be AT (the markets this build provides)")
			}
		}
	}
	if len(probs) > 0 {
		return &ValidationError{Problems: probs}
	}
	return nil
}

func validatePKCS11(p string, k *PKCS11, bad func(string, string, ...any)) {
	if k == nil {
		bad(p, "a pkcs11 signer needs its pkcs11: block")
		return
	}
	if !filepath.IsAbs(k.Module) {
		bad(p+".module", "must be the absolute path of the PKCS#11 library")
	}
	if (k.TokenLabel == "") == (k.TokenSerial == "") {
		bad(p+".token_label", "give exactly one of token_label and token_serial")
	}
	if k.KeyLabel == "" && k.KeyID == "" {
		bad(p+".key_label", "give key_label, key_id or both")
	}
	if _, err := hex.DecodeString(k.KeyID); err != nil {
		bad(p+".key_id", "must be hex (the key's CKA_ID)")
	}
	if k.PIN != "" {
		bad(p+".pin", "the PIN never goes into the configuration: use pin_file, pin_env or pin_credential")
	}
	n := 0
	for _, v := range []string{k.PINFile, k.PINEnv, k.PINCredential} {
		if v != "" {
			n++
		}
	}
	if n != 1 {
		bad(p+".pin_file", "give exactly one of pin_file, pin_env and pin_credential")
	}
	if k.Sessions < 0 || k.Sessions > 64 {
		bad(p+".sessions", "must be between 1 and 64 (0: the default)")
	}
}

func validateZVT(p string, z *ZVT, bad func(string, string, ...any)) {
	if z == nil {
		bad(p, "a zvt terminal needs its zvt: block")
		return
	}
	switch {
	case (z.TCP == "") == (z.Serial == nil):
		bad(p+".tcp", "give exactly one of tcp and serial")
	case z.TCP != "":
		validateHostPort(p+".tcp", z.TCP, DefaultZVTPort, bad)
	default:
		validateSerialPort(p+".serial", z.Serial.Path, z.Serial.USB, bad)
	}
	if len(z.Password) != 6 || strings.Trim(z.Password, "0123456789") != "" {
		bad(p+".password", "must be 6 digits")
	}
	if z.T3 != 0 && (z.T3 < time.Second || z.T3 > time.Minute) {
		bad(p+".t3", "must be between 1s and 1m (0: 5s)")
	}
	if z.T4 != 0 && (z.T4 < 10*time.Second || z.T4 > 10*time.Minute) {
		bad(p+".t4", "must be between 10s and 10m (0: 180s)")
	}
	if z.ProbeInterval < time.Second || z.ProbeInterval > time.Minute {
		bad(p+".probe_interval", "must be between 1s and 1m (the specification wants a status enquiry at least once a minute)")
	}
}

// validateHostPort checks a host:port (the port defaulted already).
func validateHostPort(p, addr, defaultPort string, bad func(string, string, ...any)) {
	host, port, err := net.SplitHostPort(addr)
	if n, perr := strconv.Atoi(port); err != nil || host == "" || perr != nil || n < 1 || n > 65535 {
		bad(p, "must be host or host:port (port %s when omitted; IPv6 in brackets)", defaultPort)
	}
}

// validateSerialPort checks a serial port given by exactly one of a path
// and a USB-serial adapter's identity.
func validateSerialPort(p, path string, usb *USBID, bad func(string, string, ...any)) {
	switch {
	case (path == "") == (usb == nil):
		bad(p, "give exactly one of path and usb")
	case path != "":
		if !filepath.IsAbs(path) {
			bad(p+".path", "must be an absolute path, e.g. /dev/serial/by-id/…")
		}
	default:
		if _, err := parseUSBID(usb.VID); err != nil {
			bad(p+".usb.vid", "the adapter's USB vendor ID in hex, e.g. 0x0403: %v", err)
		}
		if _, err := parseUSBID(usb.PID); err != nil {
			bad(p+".usb.pid", "the adapter's USB product ID in hex, e.g. 0x6001: %v", err)
		}
	}
}

// withPort adds port to a bare host name, IPv4 address or bracketed IPv6
// address; anything else is left for validation.
func withPort(addr, port string) string {
	switch {
	case addr == "":
		return ""
	case strings.HasPrefix(addr, "[") && strings.HasSuffix(addr, "]"):
		return addr + ":" + port
	case !strings.Contains(addr, ":"):
		return net.JoinHostPort(addr, port)
	}
	return addr
}

func (c *Config) validateAT(p string, at *ATParams, signers map[string]bool, bad func(string, string, ...any)) {
	if at == nil {
		bad(p, "an AT queue needs its at: block")
		return
	}
	if at.KassenID == "" || len(at.KassenID) > 64 || strings.Contains(at.KassenID, "_") {
		bad(p+".kassen_id", "must be 1-64 characters without '_'")
	}
	if at.CounterLength < 5 || at.CounterLength > 16 {
		bad(p+".counter_length", "must be between 5 and 16")
	}
	if !signers[at.Signer] {
		bad(p+".signer", "%q is not a configured signer", at.Signer)
	}
}

// lines maps field paths ("cashboxes[0].queues[1].at.kassen_id") to the
// line of their value in the document.
func lines(root *yaml.Node) map[string]int {
	out := map[string]int{}
	var walk func(n *yaml.Node, path string)
	walk = func(n *yaml.Node, path string) {
		if path != "" {
			out[path] = n.Line
		}
		switch n.Kind {
		case yaml.DocumentNode:
			for _, c := range n.Content {
				walk(c, path)
			}
		case yaml.MappingNode:
			for i := 0; i+1 < len(n.Content); i += 2 {
				k := n.Content[i].Value
				if path != "" {
					k = path + "." + k
				}
				walk(n.Content[i+1], k)
				out[k] = n.Content[i].Line
			}
		case yaml.SequenceNode:
			for i, c := range n.Content {
				walk(c, fmt.Sprintf("%s[%d]", path, i))
			}
		}
	}
	walk(root, "")
	return out
}

// ErrNoConfig is returned when neither a configuration nor the demo is
// requested.
var ErrNoConfig = errors.New("config: no configuration file given (use --config FILE, or --demo)")
