package httpapi

import (
	"errors"

	"github.com/fiscald/fiscald/fiscal"
	"github.com/fiscald/fiscald/fiscal/payment"
	"github.com/fiscald/fiscald/httpapi/wire"
)

// problemPrefix is the URN prefix of every problem type.
const problemPrefix = "urn:fiscald:problem:"

// problemKind is one documented problem type.
type problemKind struct {
	Suffix string
	Status int
	Title  string
}

// Problem types (pos-system-api-v2.md §4.3). Titles are fixed per type.
var (
	probInvalidHeader    = problemKind{"invalid-header", 400, "Invalid request header"}
	probMalformedJSON    = problemKind{"malformed-json", 400, "Malformed JSON body"}
	probValidation       = problemKind{"validation-error", 400, "Request validation failed"}
	probUnauthorized     = problemKind{"unauthorized", 401, "Unauthorized"}
	probNotFound         = problemKind{"not-found", 404, "Not found"}
	probMethod           = problemKind{"method-not-allowed", 405, "Method not allowed"}
	probConflict         = problemKind{"operation-conflict", 409, "Operation id conflict"}
	probTooLarge         = problemKind{"payload-too-large", 413, "Payload too large"}
	probMediaType        = problemKind{"unsupported-media-type", 415, "Unsupported media type"}
	probHeaderTooLarge   = problemKind{"header-too-large", 431, "Request header too large"}
	probUnknownCase      = problemKind{"unknown-case", 422, "Unknown case value"}
	probUnsupportedMkt   = problemKind{"unsupported-market", 422, "Unsupported market"}
	probUnsupportedValue = problemKind{"unsupported-value", 422, "Unsupported value"}
	probTooMany          = problemKind{"too-many-requests", 429, "Too many failed authentication attempts"}
	probInternal         = problemKind{"internal-error", 500, "Internal error"}
	probNotImplemented   = problemKind{"not-implemented", 501, "Not implemented"}
	probStorage          = problemKind{"storage-unavailable", 503, "Storage unavailable"}
	probPayDeclined      = problemKind{"payment-declined", 422, payment.Title(fiscal.CodePaymentDeclined)}
	probPayCancelled     = problemKind{"payment-cancelled", 422, payment.Title(fiscal.CodePaymentCancelled)}
	probPayTimeout       = problemKind{"payment-timeout", 504, payment.Title(fiscal.CodePaymentTimeout)}
	probPayUnknown       = problemKind{"payment-outcome-unknown", 503, "Payment outcome unknown"}
	// probNotSigned is §9's "422 validation-error": /v2/issue names a
	// receipt this CashBox did not sign. The type is validation-error's.
	probNotSigned = problemKind{"validation-error", 422, "Request validation failed"}
)

// ProblemTypes lists every problem type the API answers with, for the
// OpenAPI document and README.
func ProblemTypes() []problemKind {
	return []problemKind{probInvalidHeader, probMalformedJSON, probValidation, probUnauthorized, probNotFound, probMethod,
		probConflict, probTooLarge, probMediaType, probHeaderTooLarge, probUnknownCase, probUnsupportedMkt,
		probUnsupportedValue, probTooMany, probInternal, probNotImplemented, probStorage,
		probPayDeclined, probPayCancelled, probPayTimeout, probPayUnknown}
}

var kindByCode = map[fiscal.Code]problemKind{
	fiscal.CodeValidation:        probValidation,
	fiscal.CodeUnauthorized:      probUnauthorized,
	fiscal.CodeNotFound:          probNotFound,
	fiscal.CodeConflict:          probConflict,
	fiscal.CodeUnknownCase:       probUnknownCase,
	fiscal.CodeUnsupportedMarket: probUnsupportedMkt,
	fiscal.CodeUnsupportedValue:  probUnsupportedValue,
	fiscal.CodeNotImplemented:    probNotImplemented,
	fiscal.CodeStorage:           probStorage,
	fiscal.CodeInternal:          probInternal,
	fiscal.CodePaymentDeclined:   probPayDeclined,
	fiscal.CodePaymentCancelled:  probPayCancelled,
	fiscal.CodePaymentTimeout:    probPayTimeout,
	fiscal.CodePaymentUnknown:    probPayUnknown,
	fiscal.CodeReceiptNotFound:   probNotSigned,
}

// problemFor maps an error to its problem kind, detail and field errors.
// This is the one place where domain errors become HTTP answers.
func problemFor(err error) (problemKind, string, []wire.FieldError) {
	var fe *fiscal.Error
	var ve *wire.ValidationError
	switch {
	case errors.As(err, &ve):
		return probValidation, ve.Error(), ve.Errors
	case errors.As(err, &fe):
		k, ok := kindByCode[fe.Code]
		if !ok {
			k = probInternal
		}
		if k == probInternal {
			return k, "an internal error occurred; the correlationId identifies it in the log", nil
		}
		return k, fe.Detail, fe.Errors
	}
	return probInternal, "an internal error occurred; the correlationId identifies it in the log", nil
}

// problemBody renders a problem document.
func problemBody(k problemKind, detail, instance, correlationID string, errs []wire.FieldError) []byte {
	p := wire.Problem{Type: problemPrefix + k.Suffix, Title: k.Title, Status: k.Status, Detail: detail,
		Instance: instance, Errors: errs, CorrelationID: correlationID}
	return p.AppendJSON(make([]byte, 0, 256))
}

const (
	contentJSON    = "application/json; charset=utf-8"
	contentProblem = "application/problem+json; charset=utf-8"
)
