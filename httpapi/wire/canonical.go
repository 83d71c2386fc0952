package wire

import (
	"crypto/sha256"
	"hash"
	"slices"
	"strings"
	"sync"
	"unicode/utf8"
)

// digestFlush is the buffer size at which Digest hands canonical bytes to
// the hash, keeping its memory constant however large the body.
const digestFlush = 4096

// Digest returns the request digest of §3.2, which decides whether a retried
// operation is the same request: SHA-256 over the bytes
//
//	method || path || "\n" || canonical(body)
//
// where path has the optional version prefix and one trailing slash removed
// ("/v2/sign", "/sign" and "/v2/sign/" all become "/sign") and canonical is
// AppendCanonical's output. A nil body (a request without one) contributes
// no bytes.
func Digest(method, path string, body *Value) [32]byte {
	h := sha256.New()
	bp := digestBufs.Get().(*[]byte)
	defer digestBufs.Put(bp)
	c := canonical{buf: (*bp)[:0], h: h}
	c.buf = append(c.buf, method...)
	c.buf = append(c.buf, canonicalPath(path)...)
	c.buf = append(c.buf, '\n')
	if body != nil {
		c.value(body)
	}
	h.Write(c.buf)
	var sum [32]byte
	h.Sum(sum[:0])
	return sum
}

// digestBufs recycles Digest's staging buffers: every request computes a
// digest, and a fresh 4 KB buffer each time shows up in GC time.
var digestBufs = sync.Pool{New: func() any { b := make([]byte, 0, digestFlush+512); return &b }}

// canonicalPath strips the version prefix and one trailing slash, so that
// the versionless alias of an endpoint is the same operation (§1.2).
func canonicalPath(path string) string {
	if rest, ok := strings.CutPrefix(path, "/v2"); ok && (rest == "" || rest[0] == '/') {
		path = rest
	}
	if len(path) > 1 && path[len(path)-1] == '/' {
		path = path[:len(path)-1]
	}
	if path == "" {
		path = "/"
	}
	return path
}

// AppendCanonical appends the canonical form of v (§3.2), which is equal for
// two documents exactly when they carry the same data: object members sorted
// by name in UTF-16 code-unit order (RFC 8785), names as received, no
// insignificant white space, strings in RFC 8785's minimal escaping, numbers
// from their exact value (no sign for zero, no leading zeros, no exponent, no
// trailing fractional zeros: 4.50→4.5, 2.0→2, 1.5E1→15, -0→0, 1e-3→0.001),
// true/false/null as literals and arrays in their order. A nil v is written
// as null.
func AppendCanonical(dst []byte, v *Value) []byte {
	c := canonical{buf: dst}
	c.value(v)
	return c.buf
}

// canonical writes the canonical form into buf, handing full buffers to h
// when h is set.
type canonical struct {
	buf []byte
	h   hash.Hash
}

func (c *canonical) value(v *Value) {
	if c.h != nil && len(c.buf) >= digestFlush {
		c.h.Write(c.buf)
		c.buf = c.buf[:0]
	}
	if v == nil {
		c.buf = append(c.buf, "null"...)
		return
	}
	switch v.Kind {
	case Bool:
		if v.Bool {
			c.buf = append(c.buf, "true"...)
		} else {
			c.buf = append(c.buf, "false"...)
		}
	case Number:
		c.buf = appendCanonicalNumber(c.buf, v.Num)
	case String:
		c.buf = appendString(c.buf, v.Str)
	case Array:
		c.buf = append(c.buf, '[')
		for i := range v.Elems {
			if i > 0 {
				c.buf = append(c.buf, ',')
			}
			c.value(&v.Elems[i])
		}
		c.buf = append(c.buf, ']')
	case Object:
		c.object(v.Members)
	default:
		c.buf = append(c.buf, "null"...)
	}
}

func (c *canonical) object(members []Member) {
	c.buf = append(c.buf, '{')
	if len(members) <= 16 {
		var small [16]uint8
		order := small[:len(members)]
		for i := range order {
			order[i] = uint8(i)
		}
		// Insertion sort: objects of the API are small.
		for i := 1; i < len(order); i++ {
			for j := i; j > 0 && utf16Less(members[order[j]].Name, members[order[j-1]].Name); j-- {
				order[j], order[j-1] = order[j-1], order[j]
			}
		}
		for k, i := range order {
			c.member(k, &members[i])
		}
	} else {
		order := make([]int, len(members))
		for i := range order {
			order[i] = i
		}
		slices.SortFunc(order, func(a, b int) int {
			return utf16Compare(members[a].Name, members[b].Name)
		})
		for k, i := range order {
			c.member(k, &members[i])
		}
	}
	c.buf = append(c.buf, '}')
}

func (c *canonical) member(k int, m *Member) {
	if k > 0 {
		c.buf = append(c.buf, ',')
	}
	c.buf = appendString(c.buf, m.Name)
	c.buf = append(c.buf, ':')
	c.value(&m.Value)
}

func utf16Less(a, b string) bool { return utf16Compare(a, b) < 0 }

// utf16Compare orders strings by their UTF-16 code units, as RFC 8785
// requires. UTF-8 byte order equals code point order, which differs from
// UTF-16 order only between supplementary characters (surrogate pairs,
// 0xD800–0xDFFF) and U+E000–U+FFFF; so the strings are compared bytewise and
// only the first differing rune needs a closer look.
func utf16Compare(a, b string) int {
	n := min(len(a), len(b))
	i := 0
	for i < n && a[i] == b[i] {
		i++
	}
	if i == n {
		return len(a) - len(b)
	}
	if a[i] < utf8.RuneSelf && b[i] < utf8.RuneSelf {
		return int(a[i]) - int(b[i])
	}
	// Back up to the start of the rune both strings differ in.
	d := i
	for i > 0 && !utf8.RuneStart(a[i]) {
		i--
	}
	ra, _ := utf8.DecodeRuneInString(a[i:])
	rb, _ := utf8.DecodeRuneInString(b[i:])
	if ra == rb { // both invalid UTF-8: keep a total order by bytes
		return int(a[d]) - int(b[d])
	}
	return int(utf16Key(ra)) - int(utf16Key(rb))
}

// utf16Key maps a rune to a value ordered like its first UTF-16 code unit
// (and, for supplementary characters, then like the second): runes below
// U+E000 keep their place, supplementary characters sort after them (their
// high surrogates are 0xD800–0xDBFF), and U+E000–U+FFFF sort after those.
func utf16Key(r rune) rune {
	if r >= 0xE000 && r <= 0xFFFF {
		return r + 0x200000
	}
	return r
}
