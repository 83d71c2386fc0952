package rksv

import (
	"crypto/x509"
	"encoding/base64"
	"fmt"
)

// Device types of a crypto-material container entry.
const (
	deviceCertificate = "CERTIFICATE"
	devicePublicKey   = "PUBLIC_KEY"
)

// Container is the crypto-material container (cryptographicMaterialContainer.json,
// spec §6.2): the register's AES key and the keys of its signature devices.
// It stands in for FinanzOnline's registry so that auditors and tests can
// verify a DEP offline with the Prüftool or fiscald's own verifier. Marshal
// it with encoding/json; build it with NewContainer.
type Container struct {
	AESKey  string                     `json:"base64AESKey"`
	Devices map[string]ContainerDevice `json:"certificateOrPublicKeyMap"`
}

// ContainerDevice is one signature device in a Container, keyed by the id
// the device's receipts carry in field 11; verifiers look it up by that
// literal string.
type ContainerDevice struct {
	ID   string `json:"id"`
	Type string `json:"signatureDeviceType"`             // "CERTIFICATE" | "PUBLIC_KEY"
	Data string `json:"signatureCertificateOrPublicKey"` // standard Base64 of the DER certificate or SubjectPublicKeyInfo
}

// NewContainer returns a container for a register's 32-byte AES key with
// no devices yet (an empty map, so it marshals as {} rather than null).
func NewContainer(aesKey []byte) *Container {
	return &Container{
		AESKey:  base64.StdEncoding.EncodeToString(aesKey),
		Devices: map[string]ContainerDevice{},
	}
}

// AddCertificate adds an open-system device by its certificate, under the
// id its receipts carry in field 11: Serial of the certificate. Adding the
// same certificate twice is harmless; a different certificate with the same
// serial is an error, since a verifier could then not tell them apart.
func (c *Container) AddCertificate(certDER []byte) error {
	cert, err := x509.ParseCertificate(certDER)
	if err != nil {
		return fmt.Errorf("rksv: container certificate: %w", err)
	}
	id := Serial(cert)
	dev := ContainerDevice{ID: id, Type: deviceCertificate, Data: base64.StdEncoding.EncodeToString(certDER)}
	if old, ok := c.Devices[id]; ok && old != dev {
		return fmt.Errorf("rksv: container already holds a different device with id %q", id)
	}
	c.set(dev)
	return nil
}

// AddPublicKey adds a closed-system (AT0) device by its DER
// SubjectPublicKeyInfo under id, the company id + key id of field 11 (e.g.
// "U:ATU12345678-K1"). An existing entry with the same id is replaced.
func (c *Container) AddPublicKey(id string, spkiDER []byte) {
	c.set(ContainerDevice{ID: id, Type: devicePublicKey, Data: base64.StdEncoding.EncodeToString(spkiDER)})
}

func (c *Container) set(dev ContainerDevice) {
	if c.Devices == nil {
		c.Devices = map[string]ContainerDevice{}
	}
	c.Devices[dev.ID] = dev
}
