package main

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"

	"github.com/fiscald/fiscald/device"
	"github.com/fiscald/fiscald/fiscal"
	"github.com/fiscald/fiscald/internal/atomicfile"
	"github.com/fiscald/fiscald/internal/config"
)

// demo is the demo's state in the data directory: a secret from which the
// access tokens derive (the journal stores only their hashes) and the list
// of demo CashBoxes.
type demo struct {
	dir     string
	secret  []byte
	entries []demoEntry
	// pkcs11, if set, is the token key every demo CashBox signs with
	// instead of its own simulator.
	pkcs11 *config.PKCS11
}

// demoTokenSigner names the demo's PKCS#11 signer.
const demoTokenSigner = "demo-pkcs11"

// demoEntry is one demo CashBox as listed in demo-credentials.json.
type demoEntry struct {
	Market      string `json:"market"`
	CashBoxID   string `json:"cashboxId"`
	PosSystemID string `json:"posSystemId"`
	QueueID     string `json:"queueId"`
	KassenID    string `json:"kassenId"`
	Signer      string `json:"signer"`
}

const (
	demoSecretFile   = "demo-secret"
	demoManifestFile = "demo-cashboxes.json"
	credentialsFile  = "demo-credentials.json"
)

// openDemo loads the demo state of dir, creating it (and CashBoxes up to n
// per market) as needed. Existing CashBoxes are always kept. With a token
// the CashBoxes sign through it; a data directory stays with the kind of
// device it was created with, because its registers are registered with
// that device's certificate.
func openDemo(dir string, n int, token *config.PKCS11) (*demo, error) {
	d := &demo{dir: dir, pkcs11: token}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	os.Remove(filepath.Join(dir, credentialsFile)) // never leave stale credentials behind
	secret, err := os.ReadFile(filepath.Join(dir, demoSecretFile))
	if errors.Is(err, os.ErrNotExist) {
		secret = make([]byte, 32)
		rand.Read(secret)
		err = atomicfile.Write(filepath.Join(dir, demoSecretFile), secret, 0o600)
	}
	if err != nil {
		return nil, fmt.Errorf("demo secret: %w", err)
	}
	d.secret = secret
	raw, err := os.ReadFile(filepath.Join(dir, demoManifestFile))
	switch {
	case errors.Is(err, os.ErrNotExist):
	case err != nil:
		return nil, err
	default:
		if err := json.Unmarshal(raw, &d.entries); err != nil {
			return nil, fmt.Errorf("%s: %w", demoManifestFile, err)
		}
	}
	for _, e := range d.entries {
		switch {
		case token != nil && e.Signer != demoTokenSigner:
			return nil, fmt.Errorf("demo data directory %s was created with simulated signature devices; a PKCS#11 token needs a fresh --data directory", dir)
		case token == nil && e.Signer == demoTokenSigner:
			return nil, fmt.Errorf("demo data directory %s signs through a PKCS#11 token: pass the --pkcs11-* flags again, or use a fresh --data directory", dir)
		}
	}
	added := false
	for i := d.count("AT"); i < n; i++ {
		signer := "demo-at-" + strconv.Itoa(i+1)
		if token != nil {
			signer = demoTokenSigner
		}
		d.entries = append(d.entries, demoEntry{
			Market: "AT", CashBoxID: fiscal.NewUUID(), PosSystemID: fiscal.NewUUID(), QueueID: fiscal.NewUUID(),
			KassenID: "fiscald-demo-AT-" + strconv.Itoa(i+1), Signer: signer,
		})
		added = true
	}
	if added {
		out, _ := json.MarshalIndent(d.entries, "", "  ")
		if err := atomicfile.Write(filepath.Join(dir, demoManifestFile), out, 0o600); err != nil {
			return nil, err
		}
	}
	return d, nil
}

func (d *demo) count(market string) int {
	n := 0
	for _, e := range d.entries {
		if e.Market == market {
			n++
		}
	}
	return n
}

// token derives a CashBox's access token from the demo secret.
func (d *demo) token(cashboxID string) string {
	m := hmac.New(sha256.New, d.secret)
	m.Write([]byte("fiscald demo access token\x00" + cashboxID))
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}

// signers are the demo's signature devices: the token, or one simulator
// per CashBox.
func (d *demo) signers() []config.Signer {
	if d.pkcs11 != nil {
		return []config.Signer{{Name: demoTokenSigner, Kind: "pkcs11", PKCS11: d.pkcs11}}
	}
	var out []config.Signer
	for _, e := range d.entries {
		out = append(out, config.Signer{Name: e.Signer, Kind: "simulator", KeyFile: filepath.Join(d.dir, "devices", e.Signer+".pem")})
	}
	return out
}

// demoClosedSystemID registers a demo token without a certificate as a
// closed system (rksv.md §5.1): field 11 names the key, not a certificate.
const demoClosedSystemID = "U:ATU00000000-K1"

// specs are the provisioning specs of the demo CashBoxes (sandbox). A
// token that holds a key but no certificate (made with other tools than
// fiscalctl) makes its registers closed systems.
func (d *demo) specs(signers []device.Signer) []fiscal.CashBoxSpec {
	certless := map[string]bool{}
	for _, s := range signers {
		id := s.Identity()
		certless[id.Name] = len(id.PublicKeyDER) > 0 && len(id.CertificateDER) == 0
	}
	var out []fiscal.CashBoxSpec
	for _, e := range d.entries {
		p := config.ATParams{KassenID: e.KassenID, Signer: e.Signer, Provider: "AT100"}
		if certless[e.Signer] {
			p.Provider, p.ClosedSystemID = "", demoClosedSystemID
		}
		params, _ := json.Marshal(p)
		out = append(out, fiscal.CashBoxSpec{
			ID: e.CashBoxID, TokenHash: fiscal.HashToken(d.token(e.CashBoxID)), Sandbox: true,
			Queues: []fiscal.QueueSpec{{ID: e.QueueID, Country: fiscal.AT, Params: params}},
		})
	}
	return out
}

// writeCredentials writes demo-credentials.json for the bound address and
// the payment terminals and returns its content.
func (d *demo) writeCredentials(addr *net.TCPAddr, pay demoPay) ([]byte, error) {
	host := addr.IP.String()
	if addr.IP.IsUnspecified() {
		host = "127.0.0.1"
	}
	type cred struct {
		Market      string `json:"market"`
		CashBoxID   string `json:"cashboxId"`
		AccessToken string `json:"accessToken"`
		PosSystemID string `json:"posSystemId"`
		QueueID     string `json:"queueId"`
	}
	out := struct {
		BaseURL   string `json:"baseUrl"`
		CashBoxes []cred `json:"cashboxes"`
		demoPay
	}{BaseURL: "http://" + net.JoinHostPort(host, strconv.Itoa(addr.Port)) + "/v2", demoPay: pay}
	for _, e := range d.entries {
		out.CashBoxes = append(out.CashBoxes, cred{Market: e.Market, CashBoxID: e.CashBoxID, AccessToken: d.token(e.CashBoxID), PosSystemID: e.PosSystemID, QueueID: e.QueueID})
	}
	b, err := json.MarshalIndent(&out, "", "  ")
	if err != nil {
		return nil, err
	}
	b = append(b, '\n')
	return b, atomicfile.Write(filepath.Join(d.dir, credentialsFile), b, 0o600)
}
