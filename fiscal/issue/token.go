package issue

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"

	"github.com/fiscald/fiscald/journal"
)

// Record namespaces of the issue layer (docs/journal-format.md).
const (
	// nsKeys holds the page-token secret under "pages".
	nsKeys journal.Namespace = 'K'
	// nsDelivered: queue item id (16) -> delivery JSON.
	nsDelivered journal.Namespace = 'D'
)

var pageSecretKey = []byte("pages")

// pageTokens makes and checks the capability tokens of receipt pages: an
// HMAC of the queue item id under a random per-installation secret. A
// token is 256 unpredictable bits for every receipt, the same one on
// every /v2/issue of that receipt, and one receipt's token tells nothing
// about another's; nothing per receipt needs to be stored.
type pageTokens struct{ secret []byte }

// loadPageTokens reads the secret, creating it on first use.
func loadPageTokens(db *journal.DB) (*pageTokens, error) {
	v, err := db.Get(nsKeys, pageSecretKey)
	if errors.Is(err, journal.ErrNotFound) {
		v = make([]byte, 32)
		rand.Read(v)
		b := db.NewBatch()
		b.Set(nsKeys, pageSecretKey, v)
		err = b.Commit()
	}
	if err != nil {
		return nil, fmt.Errorf("issue: page secret: %w", err)
	}
	if len(v) != 32 {
		return nil, errors.New("issue: page secret is malformed")
	}
	return &pageTokens{secret: v}, nil
}

// token returns the page token of a queue item (base64url, 43 characters).
func (p *pageTokens) token(itemID string) string {
	m := hmac.New(sha256.New, p.secret)
	m.Write([]byte("fiscald receipt page\x00"))
	m.Write([]byte(itemID))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// valid compares a presented token in constant time.
func (p *pageTokens) valid(itemID, token string) bool {
	want := p.token(itemID)
	return len(token) == len(want) && subtle.ConstantTimeCompare([]byte(token), []byte(want)) == 1
}
