package escpos_test

import (
	"errors"
	"testing"

	"github.com/fiscald/fiscald/device/escpos"
)

// TestStatusDecode feeds the typical answers of devices.md §3.5.
func TestStatusDecode(t *testing.T) {
	type answer struct {
		n int
		b byte
	}
	tests := []struct {
		name    string
		answers []answer
		want    escpos.Status
		problem string
	}{
		{"online", []answer{{1, 0x12}, {2, 0x12}, {3, 0x12}, {4, 0x12}}, escpos.Status{}, ""},
		{"online drawer pin high", []answer{{1, 0x16}}, escpos.Status{DrawerPin3: true}, ""},
		{"paper out", []answer{{1, 0x1A}, {2, 0x32}, {4, 0x72}},
			escpos.Status{Offline: true, PaperStop: true, PaperEnd: true}, escpos.DetailPaperOut},
		{"paper out and near end", []answer{{1, 0x1A}, {2, 0x32}, {4, 0x7E}},
			escpos.Status{Offline: true, PaperStop: true, PaperEnd: true, PaperNearEnd: true}, escpos.DetailPaperOut},
		{"near end only", []answer{{1, 0x12}, {4, 0x1E}}, escpos.Status{PaperNearEnd: true}, ""},
		{"cover open", []answer{{1, 0x1A}, {2, 0x16}, {4, 0x12}},
			escpos.Status{Offline: true, CoverOpen: true}, escpos.DetailCoverOpen},
		{"offline, no cause", []answer{{1, 0x1A}, {2, 0x12}, {4, 0x12}}, escpos.Status{Offline: true}, escpos.DetailOffline},
		{"cutter error", []answer{{1, 0x1A}, {2, 0x52}, {3, 0x1A}},
			escpos.Status{Offline: true, Error: true, CutterError: true}, escpos.DetailOffline},
		{"all of DLE EOT 1", []answer{{1, 0x7E}},
			escpos.Status{DrawerPin3: true, Offline: true, WaitingOnline: true, FeedButton: true}, escpos.DetailOffline},
		{"all of DLE EOT 3", []answer{{3, 0x7E}},
			escpos.Status{MechanicalError: true, CutterError: true, UnrecoverableError: true, AutoRecoverableError: true}, ""},
		{"one bit of a pair is no reading", []answer{{4, 0x16}, {4, 0x32}}, escpos.Status{}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var st escpos.Status
			for _, a := range tt.answers {
				if err := st.Decode(a.n, a.b); err != nil {
					t.Fatalf("Decode(%d, %#02x): %v", a.n, a.b, err)
				}
			}
			if st != tt.want {
				t.Errorf("status = %+v\nwant     %+v", st, tt.want)
			}
			if p := st.Problem(); p != tt.problem {
				t.Errorf("Problem = %q, want %q", p, tt.problem)
			}
		})
	}
}

// TestStatusEncode checks that Encode gives the spec's typical bytes and
// that Decode reads back what Encode wrote.
func TestStatusEncode(t *testing.T) {
	tests := []struct {
		name string
		st   escpos.Status
		want [4]byte // answers to n = 1..4
	}{
		{"online", escpos.Status{}, [4]byte{0x12, 0x12, 0x12, 0x12}},
		{"paper out", escpos.Status{Offline: true, PaperStop: true, PaperEnd: true}, [4]byte{0x1A, 0x32, 0x12, 0x72}},
		{"near end", escpos.Status{PaperNearEnd: true}, [4]byte{0x12, 0x12, 0x12, 0x1E}},
		{"cover open", escpos.Status{Offline: true, CoverOpen: true}, [4]byte{0x1A, 0x16, 0x12, 0x12}},
		{"everything", escpos.Status{DrawerPin3: true, Offline: true, WaitingOnline: true, FeedButton: true,
			CoverOpen: true, FeedingByButton: true, PaperStop: true, Error: true,
			MechanicalError: true, CutterError: true, UnrecoverableError: true, AutoRecoverableError: true,
			PaperNearEnd: true, PaperEnd: true}, [4]byte{0x7E, 0x7E, 0x7E, 0x7E}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var back escpos.Status
			for n := 1; n <= 4; n++ {
				b := tt.st.Encode(n)
				if b != tt.want[n-1] {
					t.Errorf("Encode(%d) = %#02x, want %#02x", n, b, tt.want[n-1])
				}
				if err := back.Decode(n, b); err != nil {
					t.Fatal(err)
				}
			}
			if back != tt.st {
				t.Errorf("decoded %+v, want %+v", back, tt.st)
			}
		})
	}
	if b := (escpos.Status{}).Encode(5); b != 0 {
		t.Errorf("Encode(5) = %#02x", b)
	}
}

func TestStatusDecodeRejects(t *testing.T) {
	tests := []struct {
		n    int
		b    byte
		want error
	}{
		{1, 0x37, escpos.ErrBadStatus}, // process-ID header
		{1, 0x13, escpos.ErrBadStatus}, // XOFF
		{1, 0x10, escpos.ErrBadStatus}, // ASB-like, bit 1 clear
		{1, 0x00, escpos.ErrBadStatus}, // GS r answer
		{2, 0x92, escpos.ErrBadStatus}, // bit 7 set
		{2, 0x02, escpos.ErrBadStatus}, // bit 4 clear
		{5, 0x12, escpos.ErrInvalid},
		{0, 0x12, escpos.ErrInvalid},
	}
	for _, tt := range tests {
		var st escpos.Status
		if err := st.Decode(tt.n, tt.b); !errors.Is(err, tt.want) {
			t.Errorf("Decode(%d, %#02x) = %v, want %v", tt.n, tt.b, err, tt.want)
		}
		if st != (escpos.Status{}) {
			t.Errorf("Decode(%d, %#02x) changed the status: %+v", tt.n, tt.b, st)
		}
	}
}
