package main

import (
	"context"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/fiscald/fiscald/device"
	"github.com/fiscald/fiscald/device/cryptoki"
	"github.com/fiscald/fiscald/fiscal/at/rksv"
	"github.com/fiscald/fiscald/internal/atomicfile"
)

// tokenFlags are the flags that select a key on a token.
type tokenFlags struct {
	module, token, key, keyID, pinFile string
}

func (f *tokenFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.module, "module", "", "PKCS#11 library (absolute path)")
	fs.StringVar(&f.token, "token", "", "token label")
	fs.StringVar(&f.key, "key", "", "key label")
	fs.StringVar(&f.keyID, "key-id", "", "key CKA_ID in hex (optional)")
	fs.StringVar(&f.pinFile, "pin-file", "", "file holding the user PIN")
}

func (f *tokenFlags) complete() bool {
	return f.module != "" && f.token != "" && (f.key != "" || f.keyID != "") && f.pinFile != ""
}

// selectors returns the token and key selectors and the PIN.
func (f *tokenFlags) selectors() (cryptoki.TokenSelector, cryptoki.KeySelector, string, error) {
	id, err := hex.DecodeString(f.keyID)
	if err != nil {
		return cryptoki.TokenSelector{}, cryptoki.KeySelector{}, "", fmt.Errorf("--key-id: %w", err)
	}
	pin, err := readPIN(f.pinFile)
	return cryptoki.TokenSelector{TokenLabel: f.token}, cryptoki.KeySelector{KeyLabel: f.key, KeyID: id}, pin, err
}

// openKey opens the key with one session and requires it to be reachable.
func openKey(m *cryptoki.Module, tok cryptoki.TokenSelector, key cryptoki.KeySelector, pin string) (*cryptoki.Signer, error) {
	s, err := m.Open(cryptoki.Config{Name: "fiscalctl", TokenSelector: tok, KeySelector: key, PIN: pin, Sessions: 1})
	if err != nil {
		return nil, err
	}
	if h := s.Health(); h.State != device.StateUp {
		s.Close()
		return nil, fmt.Errorf("token %s: %w", tok, h.LastError)
	}
	return s, nil
}

func readPIN(path string) (string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("PIN: %w", err)
	}
	pin := strings.TrimRight(string(b), "\r\n")
	if pin == "" {
		return "", fmt.Errorf("PIN file %s is empty", path)
	}
	return pin, nil
}

// pkcs11List prints the slots and tokens of a PKCS#11 library.
func pkcs11List(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("device pkcs11 list", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	module := fs.String("module", "", "PKCS#11 library")
	if err := fs.Parse(args); err != nil || fs.NArg() > 0 || *module == "" {
		return errUsage
	}
	m, err := cryptoki.Load(*module, cryptoki.ModuleOptions{})
	if err != nil {
		return err
	}
	defer m.Close()
	slots, err := cryptoki.ListSlots(m)
	if err != nil {
		return err
	}
	w := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "SLOT\tTOKEN\tSERIAL\tMODEL\tMANUFACTURER\tSTATE")
	for _, s := range slots {
		state := "ready"
		switch {
		case !s.TokenPresent:
			state = "no token"
		case !s.Initialized:
			state = "not initialised"
		case !s.UserPINInitialized:
			state = "no user PIN"
		case s.UserPINLocked:
			state = "user PIN locked"
		}
		fmt.Fprintf(w, "%d\t%s\t%s\t%s\t%s\t%s\n", s.ID, dash(s.Label), dash(s.Serial), dash(s.Model), dash(s.Manufacturer), state)
	}
	return w.Flush()
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// pkcs11Init prepares a token for fiscald: it initialises the token if no
// token has the label yet, makes the P-256 key pair if the token has no key
// with the label, and stores a self-signed certificate (demo and closed
// systems) or writes a CSR for a real CA.
func pkcs11Init(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("device pkcs11 init", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	var tf tokenFlags
	tf.register(fs)
	soPINFile := fs.String("so-pin-file", "", "file holding the security officer PIN (to initialise a new token)")
	csr := fs.String("csr", "", "write a certificate signing request (PEM) here instead of storing a self-signed certificate")
	cn := fs.String("cn", "", "subject common name (default: fiscald signature device <token>/<key>)")
	if err := fs.Parse(args); err != nil || fs.NArg() > 0 || !tf.complete() {
		return errUsage
	}
	tok, key, pin, err := tf.selectors()
	if err != nil {
		return err
	}
	soPIN := pin
	if *soPINFile != "" {
		if soPIN, err = readPIN(*soPINFile); err != nil {
			return fmt.Errorf("SO %w", err)
		}
	}
	if *cn == "" {
		*cn = "fiscald signature device " + tf.token + "/" + tf.key
	}
	m, err := cryptoki.Load(tf.module, cryptoki.ModuleOptions{})
	if err != nil {
		return err
	}
	defer m.Close()
	created, err := cryptoki.InitToken(m, tf.token, soPIN, pin)
	if err != nil {
		return err
	}
	if created {
		fmt.Fprintf(stdout, "token %q initialised\n", tf.token)
		if *soPINFile == "" {
			fmt.Fprintln(stdout, "note: no --so-pin-file given, so the SO PIN is the user PIN; change it for production tokens")
		}
	}
	_, keyCreated, err := cryptoki.EnsureKey(m, tok, key, pin)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "key %s: %s\n", key, map[bool]string{true: "generated (EC P-256)", false: "already on the token"}[keyCreated])
	s, err := openKey(m, tok, key, pin)
	if err != nil {
		return err
	}
	defer s.Close()
	if *csr != "" {
		der, err := cryptoki.CertificateRequest(s.CryptoSigner(), *cn)
		if err != nil {
			return err
		}
		if err := atomicfile.Write(*csr, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: der}), 0o644); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "certificate signing request written to %s\n", *csr)
		return nil
	}
	if der := s.Identity().CertificateDER; len(der) > 0 {
		return printCertificate(stdout, "certificate already on the token", der)
	}
	der, err := cryptoki.SelfSignedCertificate(s.CryptoSigner(), *cn)
	if err != nil {
		return err
	}
	if err := cryptoki.WriteCertificate(m, tok, key, pin, der); err != nil {
		return err
	}
	return printCertificate(stdout, "self-signed certificate stored", der)
}

func printCertificate(w io.Writer, what string, der []byte) error {
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "%s: subject %q, serial (RKSV field 11) %s, valid until %s\n", what, cert.Subject.CommonName, rksv.Serial(cert), cert.NotAfter.Format("2006-01-02"))
	return nil
}

// pkcs11Selftest signs a fixed digest with the key, verifies the signature
// against the key's public half, and prints the latency.
func pkcs11Selftest(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("device pkcs11 selftest", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	var tf tokenFlags
	tf.register(fs)
	if err := fs.Parse(args); err != nil || fs.NArg() > 0 || !tf.complete() {
		return errUsage
	}
	tok, key, pin, err := tf.selectors()
	if err != nil {
		return err
	}
	m, err := cryptoki.Load(tf.module, cryptoki.ModuleOptions{})
	if err != nil {
		return err
	}
	defer m.Close()
	s, err := openKey(m, tok, key, pin)
	if err != nil {
		return err
	}
	defer s.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	latency, err := cryptoki.SelfTest(ctx, s)
	if err != nil {
		return fmt.Errorf("self-test failed: %w", err)
	}
	fmt.Fprintf(stdout, "self-test passed: ECDSA P-256 signature verified, latency %s\n", latency.Round(time.Microsecond))
	if der := s.Identity().CertificateDER; len(der) > 0 {
		return printCertificate(stdout, "certificate", der)
	}
	fmt.Fprintln(stdout, "no certificate on the token (closed system: register the public key)")
	return nil
}
