package serialport

import (
	"testing"

	"go.bug.st/serial"
)

// TestMode checks the translation of line settings for the library,
// including those a pty cannot store (see TestLineSettings).
func TestMode(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  Config
		want serial.Mode
	}{
		{"zero is ZVT's 9600 8N2", Config{},
			serial.Mode{BaudRate: 9600, DataBits: 8, Parity: serial.NoParity, StopBits: serial.TwoStopBits}},
		{"printer 19200 8N1", Config{BaudRate: 19200, StopBits: StopBitsOne},
			serial.Mode{BaudRate: 19200, DataBits: 8, Parity: serial.NoParity, StopBits: serial.OneStopBit}},
		{"7E1", Config{DataBits: 7, Parity: ParityEven, StopBits: StopBitsOne},
			serial.Mode{BaudRate: 9600, DataBits: 7, Parity: serial.EvenParity, StopBits: serial.OneStopBit}},
		{"8O2", Config{Parity: ParityOdd, StopBits: StopBitsTwo},
			serial.Mode{BaudRate: 9600, DataBits: 8, Parity: serial.OddParity, StopBits: serial.TwoStopBits}},
		{"mark", Config{Parity: ParityMark},
			serial.Mode{BaudRate: 9600, DataBits: 8, Parity: serial.MarkParity, StopBits: serial.TwoStopBits}},
		{"space", Config{Parity: ParitySpace},
			serial.Mode{BaudRate: 9600, DataBits: 8, Parity: serial.SpaceParity, StopBits: serial.TwoStopBits}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := tc.cfg.mode()
			if err != nil {
				t.Fatal(err)
			}
			if *got != tc.want {
				t.Errorf("mode = %+v, want %+v", *got, tc.want)
			}
		})
	}
}
