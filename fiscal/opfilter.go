package fiscal

import (
	"hash/maphash"
	"sync/atomic"
)

// opFilter is a Bloom filter over the keys of every stored operation
// record. A new operation id — nearly every request — is answered "not
// stored" from memory instead of by a storage lookup; a hit (or a false
// positive) falls through to the lookup. It never gives a false negative:
// a key is added before its operation leaves the in-flight table, and all
// stored keys are added at start. Safe for concurrent use.
type opFilter struct {
	seed  maphash.Seed
	words []atomic.Uint64
	mask  uint64 // number of bits - 1 (a power of two)
}

// filterProbes is the number of bits set per key; with 16 bits per
// expected key it gives a false-positive rate well under 0.1 %.
const filterProbes = 7

// newOpFilter sizes the filter for at least n keys (16 bits per key,
// rounded up to a power of two; at least 1 Mi keys).
func newOpFilter(n int) *opFilter {
	bits := uint64(1 << 24)
	for bits < uint64(n)*16 {
		bits <<= 1
	}
	return &opFilter{seed: maphash.MakeSeed(), words: make([]atomic.Uint64, bits/64), mask: bits - 1}
}

// probes derives the bit positions of a key by double hashing.
func (f *opFilter) hashes(key []byte) (uint64, uint64) {
	h := maphash.Bytes(f.seed, key)
	return h, h>>33 | h<<31 | 1
}

func (f *opFilter) add(key []byte) {
	h1, h2 := f.hashes(key)
	for i := range uint64(filterProbes) {
		bit := (h1 + i*h2) & f.mask
		f.words[bit/64].Or(1 << (bit % 64))
	}
}

// mayContain reports false only for keys that were never added.
func (f *opFilter) mayContain(key []byte) bool {
	h1, h2 := f.hashes(key)
	for i := range uint64(filterProbes) {
		bit := (h1 + i*h2) & f.mask
		if f.words[bit/64].Load()&(1<<(bit%64)) == 0 {
			return false
		}
	}
	return true
}
