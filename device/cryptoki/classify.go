package cryptoki

import (
	"errors"

	"github.com/miekg/pkcs11"
)

// class is what the driver does about an error (devices.md §4.8).
type class uint8

const (
	// classGone: the device or its token cannot be used; fail the signer,
	// drop its sessions and reconnect with backoff. Unknown codes land
	// here too: a fiscal signer that misbehaves in an unexplained way is
	// safer in failed mode, where the supervisor's probe decides whether
	// it is healthy, than signing on.
	classGone class = iota
	// classStale: a session or object handle is no longer valid; reopen
	// the sessions (re-login, re-find the key) and retry once.
	classStale
	// classAuth: the token refused the PIN; never retried automatically.
	classAuth
	// classBug: the call itself was wrong; report it, no failure, no retry.
	classBug
)

// classify maps an error from the API to its class.
func classify(err error) class {
	var code pkcs11.Error
	if !errors.As(err, &code) {
		return classGone
	}
	switch code {
	case pkcs11.CKR_SESSION_HANDLE_INVALID, pkcs11.CKR_SESSION_CLOSED,
		pkcs11.CKR_OBJECT_HANDLE_INVALID, pkcs11.CKR_KEY_HANDLE_INVALID,
		pkcs11.CKR_USER_NOT_LOGGED_IN:
		return classStale
	case pkcs11.CKR_PIN_INCORRECT, pkcs11.CKR_PIN_INVALID, pkcs11.CKR_PIN_LEN_RANGE,
		pkcs11.CKR_PIN_EXPIRED, pkcs11.CKR_PIN_LOCKED:
		return classAuth
	case pkcs11.CKR_MECHANISM_INVALID, pkcs11.CKR_MECHANISM_PARAM_INVALID,
		pkcs11.CKR_OPERATION_NOT_INITIALIZED, pkcs11.CKR_OPERATION_ACTIVE,
		pkcs11.CKR_ARGUMENTS_BAD, pkcs11.CKR_DATA_LEN_RANGE, pkcs11.CKR_DATA_INVALID,
		pkcs11.CKR_ATTRIBUTE_SENSITIVE, pkcs11.CKR_KEY_TYPE_INCONSISTENT,
		pkcs11.CKR_KEY_FUNCTION_NOT_PERMITTED, pkcs11.CKR_FUNCTION_NOT_SUPPORTED:
		return classBug
	}
	// CKR_DEVICE_REMOVED, CKR_TOKEN_NOT_PRESENT, CKR_DEVICE_ERROR,
	// CKR_TOKEN_NOT_RECOGNIZED, CKR_GENERAL_ERROR, CKR_SLOT_ID_INVALID,
	// CKR_CRYPTOKI_NOT_INITIALIZED and everything unknown.
	return classGone
}

// isCode reports whether err is the PKCS#11 return value code.
func isCode(err error, code uint) bool {
	var e pkcs11.Error
	return errors.As(err, &e) && uint(e) == code
}

// isPKCS11 reports whether err carries a PKCS#11 return value.
func isPKCS11(err error) bool {
	var e pkcs11.Error
	return errors.As(err, &e)
}
