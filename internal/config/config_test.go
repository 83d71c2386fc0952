package config

import (
	"errors"
	"strings"
	"testing"
)

const good = `listen: 127.0.0.1:8480
data: /var/lib/fiscald
signers:
  - name: card1
    kind: simulator
    key_file: /var/lib/fiscald/devices/card1.pem
cashboxes:
  - id: 5a1e2f3c-9d8b-4c7a-b6e5-f4d3c2b1a090
    access_token_hash: sha256:AAAAAAAAAAAAAAAAAAAAAA:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA
    queues:
      - id: 8d3f3f1e-2b7a-4c55-9a0e-6f1f4b2a9c01
        country: AT
        at:
          kassen_id: KASSE-01
          signer: card1
`

func TestParseGoodAppliesDefaults(t *testing.T) {
	c, err := Parse([]byte(good))
	if err != nil {
		t.Fatal(err)
	}
	if c.LogLevel != "info" || c.DeviceDeadline.Seconds() != 2 || c.CashBoxes[0].Queues[0].AT.CounterLength != 8 {
		t.Fatalf("defaults not applied: %+v", c)
	}
}

func TestValidationNamesFieldAndLine(t *testing.T) {
	cases := []problemCase{
		{"kassen id with underscore", "kassen_id: KASSE-01", "kassen_id: KASSE_01", "cashboxes[0].queues[0].at.kassen_id (line 14)"},
		{"unknown signer", "signer: card1\n", "signer: card9\n", "cashboxes[0].queues[0].at.signer (line 15)"},
		{"bad cashbox id", "id: 5a1e2f3c-9d8b-4c7a-b6e5-f4d3c2b1a090", "id: nope", "cashboxes[0].id (line 8)"},
		{"token instead of hash", "access_token_hash: sha256:", "access_token_hash: plain", "cashboxes[0].access_token_hash (line 9)"},
		{"no listen", "listen: 127.0.0.1:8480", "listen: ''", "listen (line 1)"},
		{"country", "country: AT", "country: XX", "cashboxes[0].queues[0].country (line 12)"},
		{"counter length", "signer: card1\n", "signer: card1\n          counter_length: 4\n", "counter_length (line 16)"},
	}
	checkProblems(t, good, cases)
}

// problemCase edits a good document (from → to) and names the problem
// validation must report.
type problemCase struct{ name, from, to, want string }

func checkProblems(t *testing.T, base string, cases []problemCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			doc := strings.Replace(base, tc.from, tc.to, 1)
			if doc == base {
				t.Fatalf("replacement %q not found", tc.from)
			}
			_, err := Parse([]byte(doc))
			var ve *ValidationError
			if !errors.As(err, &ve) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want one naming %q", err, tc.want)
			}
		})
	}
}

func TestUnknownFieldIsAnError(t *testing.T) {
	_, err := Parse([]byte(strings.Replace(good, "data:", "dta: x\ndata:", 1)))
	if err == nil || !strings.Contains(err.Error(), "dta") || !strings.Contains(err.Error(), "line 2") {
		t.Fatalf("err = %v, want unknown field dta at line 2", err)
	}
}

func TestDuplicateIDs(t *testing.T) {
	doc := strings.Replace(good, "8d3f3f1e-2b7a-4c55-9a0e-6f1f4b2a9c01", "5a1e2f3c-9d8b-4c7a-b6e5-f4d3c2b1a090", 1)
	_, err := Parse([]byte(doc))
	if err == nil || !strings.Contains(err.Error(), "already used") {
		t.Fatalf("err = %v", err)
	}
}

func TestExampleConfigIsValid(t *testing.T) {
	c, err := Load("../../testdata/fiscald.example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if c.CashBoxes[0].Queues[0].AT.Provider != "AT1" || c.Auth.Failures != 10 {
		t.Fatalf("example decoded as %+v", c)
	}
}
