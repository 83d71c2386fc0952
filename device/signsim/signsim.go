// Package signsim is the simulated signature device: an ECDSA P-256 key with
// a self-signed test certificate, kept in a PEM file. The demo CashBoxes sign
// with it, and tests use it wherever a real card or HSM is not the subject.
//
// It behaves like a device from the outside (device.Signer: digest in, raw
// r‖s out, honouring the context) but holds its key in process memory, so it
// is for demonstration and testing only.
package signsim

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"runtime"
	"time"

	"github.com/fiscald/fiscald/device"
	"github.com/fiscald/fiscald/internal/atomicfile"
)

// Signer is a software signature device.
type Signer struct {
	key *ecdsa.PrivateKey
	id  device.SignerIdentity
	mon device.Monitor
}

// Open loads the device stored in path, creating a new key and certificate
// there (mode 0600) if the file does not exist.
func Open(name, path string) (*Signer, error) {
	raw, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return create(name, path)
	}
	if err != nil {
		return nil, fmt.Errorf("signsim %s: %w", name, err)
	}
	var key *ecdsa.PrivateKey
	var certDER []byte
	for block, rest := pem.Decode(raw); block != nil; block, rest = pem.Decode(rest) {
		switch block.Type {
		case "EC PRIVATE KEY":
			key, err = x509.ParseECPrivateKey(block.Bytes)
			if err != nil {
				return nil, fmt.Errorf("signsim %s: key: %w", name, err)
			}
		case "CERTIFICATE":
			certDER = block.Bytes
		}
	}
	if key == nil || certDER == nil {
		return nil, fmt.Errorf("signsim %s: %s holds no key and certificate", name, path)
	}
	return newSigner(name, key, certDER)
}

func create(name, path string) (*Signer, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	// A random 63-bit serial: positive, and often with fewer than 16 hex
	// digits, which exercises the "no leading zeros" rule of field 11.
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 63))
	if err != nil {
		return nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: "fiscald simulated signature device " + name, Organization: []string{"fiscald test"}},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().AddDate(20, 0, 0),
		KeyUsage:     x509.KeyUsageDigitalSignature,
	}
	certDER, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, err
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return nil, err
	}
	out := pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER})
	out = append(out, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: certDER})...)
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, err
	}
	// Synced, so a device does not vanish in a crash after its
	// certificate was registered with a queue.
	if err := atomicfile.Write(path, out, 0o600); err != nil {
		return nil, fmt.Errorf("signsim %s: %w", name, err)
	}
	return newSigner(name, key, certDER)
}

func newSigner(name string, key *ecdsa.PrivateKey, certDER []byte) (*Signer, error) {
	spki, err := x509.MarshalPKIXPublicKey(&key.PublicKey)
	if err != nil {
		return nil, err
	}
	s := &Signer{key: key, id: device.SignerIdentity{Name: name, Kind: "simulator", CertificateDER: certDER, PublicKeyDER: spki}}
	s.mon.Succeeded(time.Now()) // up from the start, like a driver after connecting
	return s, nil
}

// Sign signs a SHA-256 digest and returns r‖s.
func (s *Signer) Sign(ctx context.Context, digest []byte) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("signsim %s: %w: %w", s.id.Name, device.ErrTimeout, err)
	}
	if len(digest) != 32 {
		return nil, fmt.Errorf("signsim %s: digest must be 32 bytes, got %d", s.id.Name, len(digest))
	}
	start := time.Now()
	r, sv, err := ecdsa.Sign(rand.Reader, s.key, digest)
	if err != nil {
		return nil, fmt.Errorf("signsim %s: %w", s.id.Name, err)
	}
	end := time.Now()
	// One signature at a time per core is the simulator's capacity.
	s.mon.AddBusy(end.Sub(start) / time.Duration(runtime.NumCPU()))
	s.mon.Succeeded(end)
	sig := make([]byte, 64)
	r.FillBytes(sig[:32])
	sv.FillBytes(sig[32:])
	return sig, nil
}

// Identity describes the device.
func (s *Signer) Identity() device.SignerIdentity { return s.id }

// Health reports the simulator: always up, with its busy time.
func (s *Signer) Health() device.Health { return s.mon.Health() }
