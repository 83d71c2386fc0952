package wire

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// MaxDepth is the deepest nesting of arrays and objects Parse accepts; the
// top-level object is depth 1. It bounds the parser's recursion on hostile
// input; real requests nest four levels at most.
const MaxDepth = 64

// smallObject is the member count up to which duplicate names are found by
// comparing fold hashes pairwise; larger objects switch to a map so that a
// hostile object with many members costs linear time.
const smallObject = 32

// handOver is the size from which a completed container that is alone on
// its scratch stack takes over the stack's array instead of being copied.
const handOver = 256

// SyntaxError reports why a body is not an acceptable JSON document and
// where; the HTTP layer answers it with 400 malformed-json (§4.3). Offset is
// the byte offset in the input at which the problem was detected.
type SyntaxError struct {
	Offset int
	Msg    string
}

// Error returns "offset N: msg".
func (e *SyntaxError) Error() string {
	return "offset " + strconv.Itoa(e.Offset) + ": " + e.Msg
}

// Parse parses one JSON document whose top level must be an object, the
// shape of every request body of the API. Besides invalid JSON it rejects
// what §1.4 forbids or what would make later stages ambiguous or expensive:
// invalid UTF-8, unpaired UTF-16 surrogate escapes, trailing data, a top
// level that is not an object, a member name repeated within one object (also
// when the names differ only in case), nesting deeper than MaxDepth, and
// number literals with more than 400 significant digits or a digit beyond
// 10^±400. Every error is a *SyntaxError.
//
// The returned document does not share memory with data, so the caller may
// reuse its buffer.
func Parse(data []byte) (*Value, error) {
	p := parser{src: string(data)}
	// Every member has a colon, so the colon count sizes the member arena
	// for one allocation; the cap keeps a hostile body from choosing a huge
	// first allocation (the arena grows when it was too small).
	p.marena = make([]Member, 0, min(strings.Count(p.src, ":")+1, 512))
	p.mstack = make([]Member, 0, 16)
	p.astack = make([]bool, 0, 16)

	p.skipSpace()
	if p.pos >= len(p.src) {
		return nil, p.fail(p.pos, "unexpected end of input, want an object")
	}
	if p.src[p.pos] != '{' {
		return nil, p.fail(p.pos, "top level is not an object")
	}
	root, err := p.parseObject()
	if err != nil {
		return nil, err
	}
	p.skipSpace()
	if p.pos != len(p.src) {
		return nil, p.fail(p.pos, "trailing data after the top-level object")
	}
	return &root, nil
}

// parser is the state of one Parse call. Containers are parsed onto the
// scratch stacks and copied, once complete, into exactly sized slices carved
// from arenas, so a document costs a handful of allocations. The parser is
// not shared: Parse makes one per call, so Parse is safe for concurrent use.
type parser struct {
	src    string
	pos    int
	depth  int
	mstack []Member // members of the objects being parsed
	astack []bool   // whether each name in mstack is pure ASCII
	vstack []Value  // elements of the arrays being parsed
	marena []Member
	varena []Value
	buf    []byte // unescaping scratch
}

func (p *parser) fail(off int, msg string) error {
	return &SyntaxError{Offset: off, Msg: msg}
}

func (p *parser) skipSpace() {
	for p.pos < len(p.src) {
		switch p.src[p.pos] {
		case ' ', '\t', '\n', '\r':
			p.pos++
		default:
			return
		}
	}
}

// parseValue parses the value at p.pos. It returns the Value rather than
// filling a pointer: a pointer to a caller's local would escape through the
// recursion and cost an allocation per value.
func (p *parser) parseValue() (Value, error) {
	if p.pos >= len(p.src) {
		return Value{}, p.fail(p.pos, "unexpected end of input, want a value")
	}
	switch c := p.src[p.pos]; c {
	case '{':
		return p.parseObject()
	case '[':
		return p.parseArray()
	case '"':
		s, _, err := p.parseString()
		return Value{Kind: String, Str: s}, err
	case 't':
		return p.literal("true", Value{Kind: Bool, Bool: true})
	case 'f':
		return p.literal("false", Value{Kind: Bool})
	case 'n':
		return p.literal("null", Value{})
	default:
		if c == '-' || isDigit(c) {
			return p.parseNumber()
		}
		return Value{}, p.fail(p.pos, "invalid character "+quoteChar(c)+", want a value")
	}
}

func (p *parser) literal(word string, val Value) (Value, error) {
	if !strings.HasPrefix(p.src[p.pos:], word) {
		return Value{}, p.fail(p.pos, "invalid literal, want "+word)
	}
	p.pos += len(word)
	return val, nil
}

func (p *parser) parseNumber() (Value, error) {
	if v, ok := p.plainNumber(); ok {
		return v, nil
	}
	start := p.pos
	end := start
	for end < len(p.src) {
		c := p.src[end]
		if isDigit(c) || c == '-' || c == '+' || c == '.' || c == 'e' || c == 'E' {
			end++
			continue
		}
		break
	}
	lit := p.src[start:end]
	n, ok := splitNumber(lit)
	if !ok {
		return Value{}, p.fail(start, "invalid number literal "+strconv.Quote(lit))
	}
	if !n.reasonable() {
		return Value{}, p.fail(start, "number literal out of range (more than 400 digits or a digit beyond 10^±400)")
	}
	p.pos = end
	return Value{Kind: Number, Num: lit}, nil
}

// plainNumber accepts the common literal forms -?(0|[1-9][0-9]*)(.[0-9]+)?
// of at most maxNumberDigits characters in one pass; anything else
// (exponents, long or malformed literals) goes through the full check.
func (p *parser) plainNumber() (Value, bool) {
	s := p.src
	i := p.pos
	if s[i] == '-' {
		i++
	}
	_, i, ok := scanMantissa(s, i)
	if !ok {
		return Value{}, false
	}
	if i < len(s) {
		switch c := s[i]; {
		case isDigit(c), c == '.', c == 'e', c == 'E', c == '+', c == '-':
			return Value{}, false
		}
	}
	if i-p.pos > maxNumberDigits {
		return Value{}, false
	}
	v := Value{Kind: Number, Num: s[p.pos:i]}
	p.pos = i
	return v, true
}

func (p *parser) enter() error {
	p.depth++
	if p.depth > MaxDepth {
		return p.fail(p.pos, "nesting deeper than "+strconv.Itoa(MaxDepth))
	}
	return nil
}

func (p *parser) parseObject() (Value, error) {
	if err := p.enter(); err != nil {
		return Value{}, err
	}
	p.pos++ // '{'
	start := len(p.mstack)
	var seen map[string]struct{} // folded names, once the object is large
	p.skipSpace()
	if p.pos < len(p.src) && p.src[p.pos] == '}' {
		p.pos++
		p.depth--
		return Value{Kind: Object}, nil
	}
	for {
		if p.pos >= len(p.src) {
			return Value{}, p.fail(p.pos, "unexpected end of input in object")
		}
		if p.src[p.pos] != '"' {
			return Value{}, p.fail(p.pos, "invalid character "+quoteChar(p.src[p.pos])+", want a member name")
		}
		nameOff := p.pos
		name, ascii, err := p.parseString()
		if err != nil {
			return Value{}, err
		}
		if p.duplicate(start, name, ascii, &seen) {
			return Value{}, p.fail(nameOff, "duplicate member name "+strconv.Quote(name)+" (names are case-insensitive)")
		}
		p.skipSpace()
		if p.pos >= len(p.src) || p.src[p.pos] != ':' {
			return Value{}, p.fail(p.pos, "want ':' after member name")
		}
		p.pos++
		p.skipSpace()
		val, err := p.parseValue()
		if err != nil {
			return Value{}, err
		}
		p.mstack = append(p.mstack, Member{Name: name, Value: val})
		p.astack = append(p.astack, ascii)
		p.skipSpace()
		if p.pos >= len(p.src) {
			return Value{}, p.fail(p.pos, "unexpected end of input in object")
		}
		c := p.src[p.pos]
		p.pos++
		if c == '}' {
			break
		}
		if c != ',' {
			return Value{}, p.fail(p.pos-1, "invalid character "+quoteChar(c)+", want ',' or '}'")
		}
		p.skipSpace()
	}
	n := len(p.mstack) - start
	var members []Member
	if start == 0 && n >= handOver {
		// A large outermost object keeps the stack's array instead of
		// copying it, halving the peak memory of a huge body.
		members = p.mstack[:n:n]
		p.mstack = make([]Member, 0, 16)
	} else {
		members = p.allocMembers(n)
		copy(members, p.mstack[start:])
		p.mstack = p.mstack[:start] // stale entries die with the parser
	}
	p.astack = p.astack[:start]
	p.depth--
	return Value{Kind: Object, Members: members}, nil
}

// duplicate reports whether name equals (ignoring case) a member already
// parsed into the current object, whose members start at mstack[start].
// Two ASCII names of different lengths cannot be equal, which settles most
// pairs without comparing bytes.
func (p *parser) duplicate(start int, name string, ascii bool, seen *map[string]struct{}) bool {
	count := len(p.mstack) - start
	if count < smallObject {
		for i, prevASCII := range p.astack[start:] {
			prev := p.mstack[start+i].Name
			if ascii && prevASCII && len(prev) != len(name) {
				continue
			}
			if strings.EqualFold(prev, name) {
				return true
			}
		}
		return false
	}
	if *seen == nil {
		*seen = make(map[string]struct{}, 2*count)
		for _, m := range p.mstack[start:] {
			(*seen)[foldKey(m.Name)] = struct{}{}
		}
	}
	k := foldKey(name)
	if _, ok := (*seen)[k]; ok {
		return true
	}
	(*seen)[k] = struct{}{}
	return false
}

func (p *parser) parseArray() (Value, error) {
	if err := p.enter(); err != nil {
		return Value{}, err
	}
	p.pos++ // '['
	if p.vstack == nil {
		p.vstack = make([]Value, 0, 16)
	}
	start := len(p.vstack)
	p.skipSpace()
	if p.pos < len(p.src) && p.src[p.pos] == ']' {
		p.pos++
		p.depth--
		return Value{Kind: Array}, nil
	}
	for {
		val, err := p.parseValue()
		if err != nil {
			return Value{}, err
		}
		p.vstack = append(p.vstack, val)
		p.skipSpace()
		if p.pos >= len(p.src) {
			return Value{}, p.fail(p.pos, "unexpected end of input in array")
		}
		c := p.src[p.pos]
		p.pos++
		if c == ']' {
			break
		}
		if c != ',' {
			return Value{}, p.fail(p.pos-1, "invalid character "+quoteChar(c)+", want ',' or ']'")
		}
		p.skipSpace()
	}
	n := len(p.vstack) - start
	var elems []Value
	if start == 0 && n >= handOver {
		elems = p.vstack[:n:n] // see parseObject
		p.vstack = nil
	} else {
		elems = p.allocValues(n)
		copy(elems, p.vstack[start:])
		p.vstack = p.vstack[:start]
	}
	p.depth--
	return Value{Kind: Array, Elems: elems}, nil
}

// allocMembers carves n members from the arena; the three-index slice keeps
// a caller's append from overwriting a neighbour.
func (p *parser) allocMembers(n int) []Member {
	if cap(p.marena)-len(p.marena) < n {
		p.marena = make([]Member, 0, max(n, 2*cap(p.marena), 16))
	}
	l := len(p.marena)
	p.marena = p.marena[:l+n]
	return p.marena[l : l+n : l+n]
}

func (p *parser) allocValues(n int) []Value {
	if cap(p.varena)-len(p.varena) < n {
		p.varena = make([]Value, 0, max(n, 2*cap(p.varena), 8))
	}
	l := len(p.varena)
	p.varena = p.varena[:l+n]
	return p.varena[l : l+n : l+n]
}

// parseString parses the string starting at the opening quote at p.pos and
// returns it decoded, and whether it is pure ASCII. Strings without escapes
// are substrings of the input copy and cost no allocation.
func (p *parser) parseString() (string, bool, error) {
	s := p.src
	start := p.pos + 1
	ascii := true
	for i := start; i < len(s); {
		c := s[i]
		if c >= 0x20 && c < utf8.RuneSelf && c != '"' && c != '\\' {
			i++
			continue
		}
		switch {
		case c == '"':
			p.pos = i + 1
			return s[start:i], ascii, nil
		case c == '\\':
			str, err := p.parseEscaped(start, i)
			return str, isASCII(str), err
		case c < 0x20:
			return "", false, p.fail(i, "control character in string")
		default:
			r, size := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && size == 1 {
				return "", false, p.fail(i, "invalid UTF-8 in string")
			}
			ascii = false
			i += size
		}
	}
	return "", false, p.fail(len(s), "unexpected end of input in string")
}

// parseEscaped continues parseString at the first backslash (index i) of a
// string whose content starts at start.
func (p *parser) parseEscaped(start, i int) (string, error) {
	s := p.src
	buf := append(p.buf[:0], s[start:i]...)
	for i < len(s) {
		c := s[i]
		switch {
		case c == '"':
			p.pos = i + 1
			p.buf = buf
			return string(buf), nil
		case c == '\\':
			if i+1 >= len(s) {
				return "", p.fail(len(s), "unexpected end of input in string")
			}
			esc := s[i+1]
			switch esc {
			case '"', '\\', '/':
				buf = append(buf, esc)
			case 'b':
				buf = append(buf, '\b')
			case 'f':
				buf = append(buf, '\f')
			case 'n':
				buf = append(buf, '\n')
			case 'r':
				buf = append(buf, '\r')
			case 't':
				buf = append(buf, '\t')
			case 'u':
				r, n, err := p.unicodeEscape(i)
				if err != nil {
					return "", err
				}
				buf = utf8.AppendRune(buf, r)
				i += n
				continue
			default:
				return "", p.fail(i, "invalid escape "+strconv.Quote(s[i:i+2]))
			}
			i += 2
		case c < 0x20:
			return "", p.fail(i, "control character in string")
		case c < utf8.RuneSelf:
			buf = append(buf, c)
			i++
		default:
			r, size := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && size == 1 {
				return "", p.fail(i, "invalid UTF-8 in string")
			}
			buf = append(buf, s[i:i+size]...)
			i += size
		}
	}
	return "", p.fail(len(s), "unexpected end of input in string")
}

// unicodeEscape decodes \uXXXX at s[i], combining a surrogate pair. It
// returns the rune and the bytes consumed. Unpaired surrogates are rejected:
// they have no UTF-8 form, so they could not be stored or canonicalised
// faithfully (RFC 7493 forbids them as well).
func (p *parser) unicodeEscape(i int) (rune, int, error) {
	hi, ok := hex4(p.src, i+2)
	if !ok {
		return 0, 0, p.fail(i, `invalid \u escape`)
	}
	switch {
	case hi < 0xD800 || hi > 0xDFFF:
		return hi, 6, nil
	case hi >= 0xDC00:
		return 0, 0, p.fail(i, `unpaired surrogate in \u escape`)
	}
	if i+12 > len(p.src) || p.src[i+6] != '\\' || p.src[i+7] != 'u' {
		return 0, 0, p.fail(i, `unpaired surrogate in \u escape`)
	}
	lo, ok := hex4(p.src, i+8)
	if !ok {
		return 0, 0, p.fail(i+6, `invalid \u escape`)
	}
	if lo < 0xDC00 || lo > 0xDFFF {
		return 0, 0, p.fail(i, `unpaired surrogate in \u escape`)
	}
	return 0x10000 + (hi-0xD800)<<10 + (lo - 0xDC00), 12, nil
}

func hex4(s string, i int) (rune, bool) {
	if i+4 > len(s) {
		return 0, false
	}
	var r rune
	for _, c := range []byte(s[i : i+4]) {
		var d byte
		switch {
		case '0' <= c && c <= '9':
			d = c - '0'
		case 'a' <= c && c <= 'f':
			d = c - 'a' + 10
		case 'A' <= c && c <= 'F':
			d = c - 'A' + 10
		default:
			return 0, false
		}
		r = r<<4 | rune(d)
	}
	return r, true
}

// quoteChar renders a byte for an error message.
func quoteChar(c byte) string {
	if c >= 0x20 && c < utf8.RuneSelf {
		return strconv.QuoteRune(rune(c))
	}
	return fmt.Sprintf("0x%02x", c)
}
