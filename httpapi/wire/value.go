package wire

import "strings"

// Kind tells which JSON type a Value holds; the zero Kind is Null so that a
// zero Value is the JSON literal null.
type Kind uint8

// The JSON types. Number covers integers and decimals alike: the literal is
// kept and interpreted only by the consumer that knows what it should be.
const (
	Null Kind = iota
	Bool
	Number
	String
	Array
	Object
)

// String returns the JSON name of the kind, as used in error messages.
func (k Kind) String() string {
	switch k {
	case Null:
		return "null"
	case Bool:
		return "boolean"
	case Number:
		return "number"
	case String:
		return "string"
	case Array:
		return "array"
	case Object:
		return "object"
	}
	return "invalid kind"
}

// Value is one JSON value of a parsed document. Numbers keep their literal
// (Num) instead of a float so that case values above 2^53 and decimals
// survive unchanged; objects keep their members in received order so that a
// stored request can be reproduced and canonicalised. Only the fields that
// belong to Kind are meaningful.
type Value struct {
	Kind    Kind
	Bool    bool
	Str     string   // decoded string (String)
	Num     string   // the number literal exactly as received (Number)
	Elems   []Value  // Array
	Members []Member // Object, in received order
}

// Member is one name/value pair of an object. Name is the decoded name as
// received, in its original spelling.
type Member struct {
	Name  string
	Value Value
}

// Get looks a member up by name, ignoring case as the API's .NET clients and
// servers do (strings.EqualFold). It returns nil when v is nil, not an
// object, or has no such member. For documents from Parse the answer is
// unambiguous because Parse rejects names that differ only in case.
func (v *Value) Get(name string) *Value {
	if v == nil || v.Kind != Object {
		return nil
	}
	ascii := isASCII(name)
	for i := range v.Members {
		m := &v.Members[i]
		if ascii && isASCII(m.Name) && len(m.Name) != len(name) {
			continue
		}
		if strings.EqualFold(m.Name, name) {
			return &m.Value
		}
	}
	return nil
}

// present reports whether v carries a value: absent members and explicit
// nulls both mean "not given" in this API (§1.4).
func present(v *Value) bool {
	return v != nil && v.Kind != Null
}
