package journal

import "encoding/binary"

const (
	prefixEntry  = 'E'
	prefixRecord = 'R'
)

// Namespace separates kinds of auxiliary records. The fiscal layer defines
// the namespaces it uses; docs/journal-format.md lists them.
type Namespace byte

func entryKey(dst []byte, chain ChainID, seq uint64) []byte {
	dst = append(dst, prefixEntry)
	dst = append(dst, chain[:]...)
	return binary.BigEndian.AppendUint64(dst, seq)
}

// chainBounds returns the key range of all entries of one chain.
func chainBounds(chain ChainID) (lower, upper []byte) {
	lower = append([]byte{prefixEntry}, chain[:]...)
	upper = append([]byte{prefixEntry}, chain[:]...)
	return lower, incrementKey(upper)
}

func recordKey(dst []byte, ns Namespace, key []byte) []byte {
	dst = append(dst, prefixRecord, byte(ns))
	return append(dst, key...)
}

// incrementKey returns the smallest key greater than every key with the
// given prefix.
func incrementKey(prefix []byte) []byte {
	out := append([]byte(nil), prefix...)
	for i := len(out) - 1; i >= 0; i-- {
		out[i]++
		if out[i] != 0 {
			return out[:i+1]
		}
	}
	return nil // all 0xff: no upper bound
}
