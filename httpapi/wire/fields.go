package wire

import (
	"strconv"
	"unicode/utf8"
)

// Limits of §1.5 (fiscald rules).
const (
	// MaxItems is the most elements an array of a request may have.
	MaxItems = 10000
	// MaxStringLength is the most characters (Unicode code points) a string
	// property may have, unless the field has a tighter limit.
	MaxStringLength = 4096
	// MaxReferenceLength bounds cbReceiptReference and cbTerminalID.
	MaxReferenceLength = 256
)

// fieldPath names a field for a FieldError without building the string
// unless an error is reported: name at the top level, or
// parent[index].name, or parent[index] when name is empty.
type fieldPath struct {
	parent string
	index  int
	name   string
}

func top(name string) fieldPath { return fieldPath{name: name} }

func elem(parent string, index int, name string) fieldPath {
	return fieldPath{parent: parent, index: index, name: name}
}

// member is the path of a nested object's members (parent.name); index -1
// marks it.
func member(parent string) fieldPath { return fieldPath{parent: parent, index: -1} }

// String renders the path as the problem document shows it.
func (p fieldPath) String() string {
	if p.parent == "" {
		return p.name
	}
	s := p.parent + "[" + strconv.Itoa(p.index) + "]"
	if p.index < 0 {
		s = p.parent
	}
	if p.name != "" {
		s += "." + p.name
	}
	return s
}

// decoder collects field errors while the typed decoders read a document.
// Its readers report problems and return ok=false, so a decoder reads every
// field and lists every bad one.
type decoder struct {
	prefix string // prepended to every field path (for nested documents)
	errs   []FieldError
}

func (d *decoder) fail(p fieldPath, code, msg string) {
	if len(d.errs) >= maxFieldErrors {
		return
	}
	d.errs = append(d.errs, FieldError{Field: d.prefix + p.String(), Code: code, Message: msg})
}

func (d *decoder) err() error {
	if len(d.errs) == 0 {
		return nil
	}
	return &ValidationError{Errors: d.errs}
}

// object checks that the whole document is an object.
func (d *decoder) object(v *Value) bool {
	if v == nil || v.Kind != Object {
		d.errs = append(d.errs, FieldError{Field: d.prefix, Code: CodeType, Message: "must be a JSON object"})
		return false
	}
	return true
}

// lookup sets got[k] to the value of the member named names[k], matching
// names case-insensitively (§1.4). Unknown members are ignored.
func lookup(obj *Value, names []string, got []*Value) {
	for i := range obj.Members {
		m := &obj.Members[i]
		if k := matchName(names, m.Name); k >= 0 {
			got[k] = &m.Value
		}
	}
}

// given reports whether a field carries a value and records a missing
// required one.
func (d *decoder) given(v *Value, p fieldPath, required bool) bool {
	if present(v) {
		return true
	}
	if required {
		d.fail(p, CodeRequired, "is required")
	}
	return false
}

// str reads a string of at most maxLen characters (0: no limit).
func (d *decoder) str(v *Value, p fieldPath, required, nonEmpty bool, maxLen int) (string, bool) {
	if !d.given(v, p, required) {
		return "", false
	}
	if v.Kind != String {
		d.fail(p, CodeType, "must be a JSON string")
		return "", false
	}
	if maxLen > 0 && len(v.Str) > maxLen && utf8.RuneCountInString(v.Str) > maxLen {
		d.fail(p, CodeLength, "must be at most "+strconv.Itoa(maxLen)+" characters")
		return "", false
	}
	if nonEmpty && v.Str == "" {
		d.fail(p, CodeLength, "must not be empty")
		return "", false
	}
	return v.Str, true
}

// decimal reads a request decimal (§1.4). typeMsg is the message for a
// value of the wrong JSON type.
func (d *decoder) decimal(v *Value, p fieldPath, required bool, typeMsg string) (Decimal, bool) {
	if !d.given(v, p, required) {
		return Decimal{}, false
	}
	if v.Kind != Number {
		d.fail(p, CodeType, typeMsg)
		return Decimal{}, false
	}
	x, problem := parseDecimal(v.Num)
	switch problem {
	case decimalSyntax:
		d.fail(p, CodeFormat, "must be a JSON number literal")
	case decimalDigits:
		d.fail(p, CodeRange, "must have at most "+strconv.Itoa(MaxDecimalDigits)+" significant digits")
	case decimalScale:
		d.fail(p, CodeRange, "must have at most "+strconv.Itoa(MaxDecimalScale)+" fractional digits")
	default:
		return x, true
	}
	return Decimal{}, false
}

// caseValue reads a uint64 case value.
func (d *decoder) caseValue(v *Value, p fieldPath, required bool) (uint64, bool) {
	if !d.given(v, p, required) {
		return 0, false
	}
	u, problem := caseValue(v)
	switch problem {
	case caseType:
		d.fail(p, CodeType, "must be a JSON number (unsigned 64-bit integer)")
	case caseFormat:
		d.fail(p, CodeFormat, "must be an unsigned decimal integer without sign, fraction, exponent or leading zeros")
	case caseRange:
		d.fail(p, CodeRange, "must be between 0 and 18446744073709551615")
	default:
		return u, true
	}
	return 0, false
}

// int64Field reads a signed 64-bit integer.
func (d *decoder) int64Field(v *Value, p fieldPath, required bool) (int64, bool) {
	if !d.given(v, p, required) {
		return 0, false
	}
	n, problem := int64Literal(v)
	switch problem {
	case caseType:
		d.fail(p, CodeType, "must be a JSON number (integer)")
	case caseFormat:
		d.fail(p, CodeFormat, "must be an integer without fraction or exponent")
	case caseRange:
		d.fail(p, CodeRange, "must be a 64-bit signed integer")
	default:
		return n, true
	}
	return 0, false
}

// moment reads a moment string.
func (d *decoder) moment(v *Value, p fieldPath, required bool) (Moment, bool) {
	if !d.given(v, p, required) {
		return Moment{}, false
	}
	if v.Kind != String {
		d.fail(p, CodeType, "must be a JSON string (RFC 3339 date-time)")
		return Moment{}, false
	}
	m, err := ParseMoment(v.Str)
	if err != nil {
		d.fail(p, CodeFormat, "must be an RFC 3339 date-time with at most 7 fractional digits")
		return Moment{}, false
	}
	return m, true
}

// uuid reads an id; "" counts as absent (§1.4), which a required id reports
// as missing.
func (d *decoder) uuid(v *Value, p fieldPath, required bool) string {
	if present(v) && v.Kind == String && v.Str == "" {
		v = nil
	}
	if !d.given(v, p, required) {
		return ""
	}
	if v.Kind != String {
		d.fail(p, CodeType, "must be a JSON string (UUID)")
		return ""
	}
	id, err := ParseUUID(v.Str)
	if err != nil {
		d.fail(p, CodeFormat, "must be a UUID (8-4-4-4-12 hexadecimal digits)")
		return ""
	}
	return id
}

// array reads an array of at most maxItems elements (0: no limit).
func (d *decoder) array(v *Value, p fieldPath, required bool, maxItems int) ([]Value, bool) {
	if !d.given(v, p, required) {
		return nil, false
	}
	if v.Kind != Array {
		d.fail(p, CodeType, "must be a JSON array")
		return nil, false
	}
	if maxItems > 0 && len(v.Elems) > maxItems {
		d.fail(p, CodeLength, "must have at most "+strconv.Itoa(maxItems)+" items")
		return nil, false
	}
	return v.Elems, true
}

// slab hands out pointers to values stored in shared backing arrays, so that
// optional fields of many items cost one allocation instead of one each.
type slab[T any] struct {
	s    []T
	size int // capacity of the next backing array
}

func (b *slab[T]) put(v T) *T {
	if len(b.s) == cap(b.s) {
		b.s = make([]T, 0, max(b.size, 1))
	}
	b.s = append(b.s, v)
	return &b.s[len(b.s)-1]
}
