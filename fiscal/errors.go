package fiscal

import (
	"errors"
	"fmt"

	"github.com/fiscald/fiscald/httpapi/wire"
)

// Code is a stable error kind. Its string is the suffix of the problem type
// URN the API answers with (urn:fiscald:problem:<code>).
type Code string

// The codes of pos-system-api-v2.md §4.3 that the core produces.
const (
	CodeValidation        Code = "validation-error"
	CodeUnauthorized      Code = "unauthorized"
	CodeNotFound          Code = "not-found"
	CodeConflict          Code = "operation-conflict"
	CodeUnknownCase       Code = "unknown-case"
	CodeUnsupportedMarket Code = "unsupported-market"
	CodeUnsupportedValue  Code = "unsupported-value"
	CodeNotImplemented    Code = "not-implemented"
	CodeStorage           Code = "storage-unavailable"
	CodeInternal          Code = "internal-error"

	// Payment outcomes of /v2/pay (§8.4).
	CodePaymentDeclined  Code = "payment-declined"
	CodePaymentCancelled Code = "payment-cancelled"
	CodePaymentTimeout   Code = "payment-timeout"
	CodePaymentUnknown   Code = "payment-outcome-unknown"

	// CodeReceiptNotFound is /v2/issue's "receipt not found": the type
	// validation-error with status 422 (§9), unlike a malformed field's 400.
	CodeReceiptNotFound Code = "validation-error/422"
)

// Error is a request error with a stable code; the HTTP layer turns it into a
// problem document. Errors lists the offending fields for validation errors.
type Error struct {
	Code   Code
	Detail string
	Errors []wire.FieldError
	Err    error
}

func (e *Error) Error() string {
	if e.Err != nil {
		return string(e.Code) + ": " + e.Detail + ": " + e.Err.Error()
	}
	return string(e.Code) + ": " + e.Detail
}

func (e *Error) Unwrap() error { return e.Err }

// Stored reports whether the outcome of this error is kept with the
// operation record and replayed (spec §3.3): validation outcomes are, storage
// and internal failures are not.
func (e *Error) Stored() bool {
	switch e.Code {
	case CodeValidation, CodeUnknownCase, CodeUnsupportedMarket, CodeUnsupportedValue,
		CodePaymentDeclined, CodePaymentCancelled, CodePaymentTimeout, CodeReceiptNotFound:
		return true
	}
	return false
}

// fieldError builds a validation error naming one field.
func fieldError(field, code, format string, args ...any) *Error {
	msg := fmt.Sprintf(format, args...)
	return &Error{
		Code:   CodeValidation,
		Detail: field + ": " + msg,
		Errors: []wire.FieldError{{Field: field, Code: code, Message: msg}},
	}
}

// caseError builds a 422 error about a case value.
func caseError(code Code, field, format string, args ...any) *Error {
	msg := fmt.Sprintf(format, args...)
	return &Error{
		Code:   code,
		Detail: field + ": " + msg,
		Errors: []wire.FieldError{{Field: field, Code: "case", Message: msg}},
	}
}

// Sentinel errors callers branch on.
var (
	// ErrUnauthorized means the CashBox is unknown or the token is wrong;
	// the two are deliberately indistinguishable.
	ErrUnauthorized = &Error{Code: CodeUnauthorized, Detail: "the CashBox id and access token do not match a CashBox"}
	// ErrConflict means an operation id was reused with another request.
	ErrConflict = &Error{Code: CodeConflict, Detail: "the operation id was already used with a different request"}
	// ErrClosed means the service is shutting down.
	ErrClosed = errors.New("fiscal: service closed")
)
