package cryptoki

import "errors"

// Errors callers branch on. Device conditions additionally wrap the device
// sentinels (device.ErrUnavailable, device.ErrAuth, device.ErrTimeout), so
// the fiscal core needs only those.
var (
	// ErrClosed is returned by a Signer after Close.
	ErrClosed = errors.New("cryptoki: signer closed")
	// ErrModuleClosed is returned for any call on a Module after Close.
	ErrModuleClosed = errors.New("cryptoki: module closed")
	// ErrTokenNotFound means no present token matches the selector.
	ErrTokenNotFound = errors.New("cryptoki: token not found")
	// ErrKeyNotFound means the token holds no EC private key matching the
	// selector, or no public key object next to it.
	ErrKeyNotFound = errors.New("cryptoki: key not found")
	// ErrAmbiguous means a selector matches more than one token or key;
	// fiscald never guesses which one signs receipts.
	ErrAmbiguous = errors.New("cryptoki: selector matches more than one object")
	// ErrKeyMismatch means the token now holds a different key pair than
	// the one the signer found at its first connect: someone inserted
	// another card. The signer stays failed until the original returns.
	ErrKeyMismatch = errors.New("cryptoki: token holds a different key than at the first connect")
	// ErrCertificateMismatch means the certificate stored with the key
	// certifies another public key.
	ErrCertificateMismatch = errors.New("cryptoki: certificate does not match the key")
	// ErrCertificateExists means WriteCertificate found a different
	// certificate already stored for the key; it never replaces one.
	ErrCertificateExists = errors.New("cryptoki: another certificate is already stored for the key")
)
