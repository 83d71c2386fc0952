package fiscal

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/fiscald/fiscald/httpapi/wire"
)

// CashBox is the unit a POS authenticates against. It owns one queue per
// market. A CashBox is immutable once the service runs.
type CashBox struct {
	ID      string
	Sandbox bool
	Queues  []*Queue
	token   tokenHash
	// disabled CashBoxes are kept (their journal is fiscal data) but no
	// longer authenticate.
	disabled bool
}

// QueueFor returns the CashBox's queue for a country, or nil.
func (c *CashBox) QueueFor(country Country) *Queue {
	for _, q := range c.Queues {
		if q.Country == country {
			return q
		}
	}
	return nil
}

// QueueByID returns the CashBox's queue with this id, or nil. Queues of other
// CashBoxes are never returned.
func (c *CashBox) QueueByID(id string) *Queue {
	for _, q := range c.Queues {
		if q.ID == id {
			return q
		}
	}
	return nil
}

// queueByIDOrNil is QueueByID on a CashBox that may be nil.
func (c *CashBox) queueByIDOrNil(id string) *Queue {
	if c == nil {
		return nil
	}
	return c.QueueByID(id)
}

// Serves reports whether the CashBox has a queue for the country.
func (c *CashBox) Serves(country Country) bool { return c.QueueFor(country) != nil }

// tokenHash is a salted SHA-256 of an access token. Tokens are random and
// long (the demo and the portal issue 256-bit values), so a fast hash is
// enough; the salt keeps equal tokens from having equal hashes.
type tokenHash struct {
	salt [16]byte
	sum  [32]byte
}

const tokenHashPrefix = "sha256:"

// HashToken returns the storable form of an access token:
// "sha256:<salt>:<hash>" with unpadded base64url parts. Configuration files
// carry this form, never the token.
func HashToken(token string) string {
	var h tokenHash
	rand.Read(h.salt[:])
	h.sum = h.of(token)
	return h.String()
}

func (h tokenHash) of(token string) [32]byte {
	d := sha256.New()
	d.Write(h.salt[:])
	d.Write([]byte(token))
	var out [32]byte
	d.Sum(out[:0])
	return out
}

func (h tokenHash) String() string {
	enc := base64.RawURLEncoding
	return tokenHashPrefix + enc.EncodeToString(h.salt[:]) + ":" + enc.EncodeToString(h.sum[:])
}

// parseTokenHash checks and parses the form HashToken produces.
func parseTokenHash(s string) (tokenHash, error) {
	var h tokenHash
	rest, ok := strings.CutPrefix(s, tokenHashPrefix)
	salt, sum, ok2 := strings.Cut(rest, ":")
	if !ok || !ok2 {
		return h, errors.New(`token hash must look like "sha256:<salt>:<hash>"`)
	}
	enc := base64.RawURLEncoding
	s1, err1 := enc.DecodeString(salt)
	s2, err2 := enc.DecodeString(sum)
	if err1 != nil || err2 != nil || len(s1) != len(h.salt) || len(s2) != len(h.sum) {
		return h, errors.New("token hash: salt must be 16 and hash 32 bytes of unpadded base64url")
	}
	copy(h.salt[:], s1)
	copy(h.sum[:], s2)
	return h, nil
}

// matches compares in constant time.
func (h tokenHash) matches(token string) bool {
	sum := h.of(token)
	return subtle.ConstantTimeCompare(sum[:], h.sum[:]) == 1
}

// Authenticate returns the CashBox if the token is its token. An unknown
// CashBox and a wrong token both give ErrUnauthorized, after the same work.
func (s *Service) Authenticate(cashboxID, token string) (*CashBox, error) {
	cb := s.cashboxes[strings.ToLower(cashboxID)]
	h := s.decoy
	if cb != nil {
		h = cb.token
	}
	if !h.matches(token) || cb == nil || cb.disabled {
		return nil, ErrUnauthorized
	}
	return cb, nil
}

// Retain disables every stored CashBox whose id is not listed: a CashBox
// removed from the configuration stops authenticating, while its journal
// stays (fiscal data is never deleted). It returns the disabled ids.
// Call it after provisioning and before Start.
func (s *Service) Retain(ids []string) []string {
	keep := map[string]bool{}
	for _, id := range ids {
		keep[strings.ToLower(id)] = true
	}
	var disabled []string
	for _, cb := range s.cashboxList {
		cb.disabled = !keep[cb.ID]
		if cb.disabled {
			disabled = append(disabled, cb.ID)
		}
	}
	return disabled
}

// CashBox returns a CashBox by id for offline tools, or nil.
func (s *Service) CashBox(id string) *CashBox { return s.cashboxes[strings.ToLower(id)] }

// CashBoxSpec describes a CashBox to provision.
type CashBoxSpec struct {
	ID string
	// TokenHash is the stored form (HashToken).
	TokenHash string
	Sandbox   bool
	Queues    []QueueSpec
}

// QueueSpec describes one queue of a CashBox to provision.
type QueueSpec struct {
	ID      string
	Country Country
	// Params are the market parameters (JSON), see Market.Provision.
	Params []byte
}

// cashboxRecord is how a CashBox is stored (namespace nsCashBox).
type cashboxRecord struct {
	Version   int           `json:"v"`
	ID        string        `json:"id"`
	Sandbox   bool          `json:"sandbox"`
	TokenHash string        `json:"tokenHash"`
	Queues    []queueRecord `json:"queues"`
}

type queueRecord struct {
	ID      string          `json:"id"`
	Country string          `json:"country"`
	Config  json.RawMessage `json:"config"`
}

// validate checks a spec before anything is stored.
func (sp *CashBoxSpec) validate() error {
	if _, err := wire.ParseUUID(sp.ID); err != nil {
		return fmt.Errorf("cashbox id %q: %w", sp.ID, err)
	}
	if _, err := parseTokenHash(sp.TokenHash); err != nil {
		return fmt.Errorf("cashbox %s: %w", sp.ID, err)
	}
	if len(sp.Queues) == 0 {
		return fmt.Errorf("cashbox %s: no queues", sp.ID)
	}
	seen := map[Country]bool{}
	for _, q := range sp.Queues {
		if _, err := wire.ParseUUID(q.ID); err != nil {
			return fmt.Errorf("cashbox %s: queue id %q: %w", sp.ID, q.ID, err)
		}
		if seen[q.Country] {
			return fmt.Errorf("cashbox %s: two queues for %s", sp.ID, q.Country)
		}
		seen[q.Country] = true
	}
	return nil
}
