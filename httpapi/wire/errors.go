package wire

// The codes of a FieldError. They are part of the problem document
// (§4.2) and of stored outcomes, so they never change once released.
const (
	CodeRequired = "required" // a required field is missing or null
	CodeType     = "type"     // the JSON type is wrong (a decimal sent as a string …)
	CodeRange    = "range"    // the value lies outside what the field allows
	CodeFormat   = "format"   // the text or literal is malformed (UUID, moment, case value)
	CodeLength   = "length"   // a string or array is too long or empty
)

// maxFieldErrors caps the errors a decoder collects: every bad field is
// listed up to this many, so that a hostile request cannot make the stored,
// replayed outcome (§3.3) larger than the request itself.
const maxFieldErrors = 100

// FieldError names one bad field of a request. Field is a JSON path in the
// canonical spelling of the spec tables ("cbChargeItems[1].VATRate") however
// the client spelled it, so that clients and logs see one name per field.
// The JSON tags give the item shape of the problem document's "errors".
type FieldError struct {
	Field   string `json:"field"`
	Code    string `json:"code"`
	Message string `json:"message"`
}

// ValidationError lists the bad fields of a request; the HTTP layer answers
// it with 400 validation-error and stores it with the operation (§3.3).
type ValidationError struct {
	Errors []FieldError
}

// Error returns the first error as "field: message", the form the problem
// document's detail uses.
func (e *ValidationError) Error() string {
	if len(e.Errors) == 0 {
		return "validation failed"
	}
	f := e.Errors[0]
	if f.Field == "" {
		return f.Message
	}
	return f.Field + ": " + f.Message
}
