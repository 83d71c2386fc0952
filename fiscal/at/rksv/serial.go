package rksv

import "crypto/x509"

// Serial returns field 11 for an open system: the certificate's serial in
// lower-case hexadecimal without prefix or leading zeros ("0" for serial 0).
// FinanzOnline reads the field as hex, so a decimal serial would pass the
// Prüftool and still fail there (spec §5.1). It returns "" for a nil
// certificate or one without a serial, which Payload.Validate rejects.
func Serial(cert *x509.Certificate) string {
	if cert == nil || cert.SerialNumber == nil {
		return ""
	}
	return cert.SerialNumber.Text(16)
}
