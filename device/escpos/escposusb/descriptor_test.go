package escposusb

import (
	"errors"
	"strings"
	"testing"
)

func bulkOut(addr uint8) endpointDesc {
	return endpointDesc{Address: addr, Type: transferBulk, MaxPacketSize: 64}
}

func bulkIn(addr uint8) endpointDesc {
	return endpointDesc{Address: addr, Type: transferBulk, MaxPacketSize: 64}
}

func interruptEP(addr uint8) endpointDesc {
	return endpointDesc{Address: addr, Type: transferInterrupt, MaxPacketSize: 8}
}

func setting(intf, alt int, class, sub, proto uint8, eps ...endpointDesc) settingDesc {
	return settingDesc{Interface: intf, Alternate: alt, Class: class, SubClass: sub, Protocol: proto, Endpoints: eps}
}

func config(n int, settings ...settingDesc) configDesc {
	return configDesc{Number: n, Settings: settings}
}

// printerBidi is the interface most TM printers show: printer class,
// bidirectional, OUT 0x01, IN 0x82.
var printerBidi = setting(0, 0, 0x07, 0x01, 0x02, bulkOut(0x01), bulkIn(0x82))

func TestChoose(t *testing.T) {
	tests := []struct {
		name    string
		configs []configDesc
		want    selection // compared on Config, Interface, Alternate, Out, In, HasIn
	}{
		{
			name:    "printer class, bidirectional",
			configs: []configDesc{config(1, printerBidi)},
			want:    selection{Config: 1, Interface: 0, Out: bulkOut(0x01), In: bulkIn(0x82), HasIn: true},
		},
		{
			name: "endpoints from the descriptors, interrupt endpoints ignored",
			configs: []configDesc{config(1, setting(0, 0, 0x07, 0x01, 0x02,
				interruptEP(0x81), interruptEP(0x02), bulkOut(0x03), bulkIn(0x84)))},
			want: selection{Config: 1, Out: bulkOut(0x03), In: bulkIn(0x84), HasIn: true},
		},
		{
			name:    "printer class, unidirectional: write-only",
			configs: []configDesc{config(1, setting(0, 0, 0x07, 0x01, 0x01, bulkOut(0x01)))},
			want:    selection{Config: 1, Out: bulkOut(0x01)},
		},
		{
			name:    "vendor class with a bulk pair",
			configs: []configDesc{config(1, setting(0, 0, 0xff, 0x00, 0x00, bulkIn(0x81), bulkOut(0x02)))},
			want:    selection{Config: 1, Out: bulkOut(0x02), In: bulkIn(0x81), HasIn: true},
		},
		{
			name: "two interfaces: printer class beats vendor class",
			configs: []configDesc{config(1,
				setting(0, 0, 0xff, 0x00, 0x00, bulkOut(0x01), bulkIn(0x81)),
				setting(1, 0, 0x07, 0x01, 0x02, bulkOut(0x02), bulkIn(0x82)))},
			want: selection{Config: 1, Interface: 1, Out: bulkOut(0x02), In: bulkIn(0x82), HasIn: true},
		},
		{
			name: "two interfaces: vendor class with status beats a write-only printer interface",
			configs: []configDesc{config(1,
				setting(0, 0, 0x07, 0x01, 0x01, bulkOut(0x01)),
				setting(1, 0, 0xff, 0x00, 0x00, bulkOut(0x02), bulkIn(0x82)))},
			want: selection{Config: 1, Interface: 1, Out: bulkOut(0x02), In: bulkIn(0x82), HasIn: true},
		},
		{
			name: "two printer interfaces: the lower number",
			configs: []configDesc{config(1,
				setting(3, 0, 0x07, 0x01, 0x02, bulkOut(0x05), bulkIn(0x86)),
				setting(2, 0, 0x07, 0x01, 0x02, bulkOut(0x03), bulkIn(0x84)))},
			want: selection{Config: 1, Interface: 2, Out: bulkOut(0x03), In: bulkIn(0x84), HasIn: true},
		},
		{
			name: "alternate settings: bidirectional alt 1 beats unidirectional alt 0",
			configs: []configDesc{config(1,
				setting(0, 0, 0x07, 0x01, 0x01, bulkOut(0x01)),
				setting(0, 1, 0x07, 0x01, 0x02, bulkOut(0x01), bulkIn(0x82)))},
			want: selection{Config: 1, Alternate: 1, Out: bulkOut(0x01), In: bulkIn(0x82), HasIn: true},
		},
		{
			name: "bidirectional beats a printer interface of another protocol with both endpoints",
			configs: []configDesc{config(1,
				setting(0, 0, 0x07, 0x01, 0x01, bulkOut(0x01), bulkIn(0x81)),
				setting(1, 0, 0x07, 0x01, 0x02, bulkOut(0x02), bulkIn(0x82)))},
			want: selection{Config: 1, Interface: 1, Out: bulkOut(0x02), In: bulkIn(0x82), HasIn: true},
		},
		{
			name: "IEEE 1284.4 skipped for a bidirectional interface",
			configs: []configDesc{config(1,
				setting(0, 0, 0x07, 0x01, 0x03, bulkOut(0x01), bulkIn(0x81)),
				setting(0, 1, 0x07, 0x01, 0x02, bulkOut(0x01), bulkIn(0x81)))},
			want: selection{Config: 1, Alternate: 1, Out: bulkOut(0x01), In: bulkIn(0x81), HasIn: true},
		},
		{
			name: "configurations: a better interface in a later one",
			configs: []configDesc{
				config(1, setting(0, 0, 0xff, 0x00, 0x00, bulkOut(0x01), bulkIn(0x81))),
				config(2, printerBidi),
			},
			want: selection{Config: 2, Out: bulkOut(0x01), In: bulkIn(0x82), HasIn: true},
		},
		{
			name:    "configurations: equal interfaces, the lower number",
			configs: []configDesc{config(2, printerBidi), config(1, printerBidi)},
			want:    selection{Config: 1, Out: bulkOut(0x01), In: bulkIn(0x82), HasIn: true},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := choose(tt.configs)
			if err != nil {
				t.Fatalf("choose: %v", err)
			}
			if got.Config != tt.want.Config || got.Interface != tt.want.Interface || got.Alternate != tt.want.Alternate ||
				got.Out != tt.want.Out || got.HasIn != tt.want.HasIn || (got.HasIn && got.In != tt.want.In) {
				t.Errorf("choose = %v\nwant       %v", got, tt.want)
			}
		})
	}
}

func TestChooseNothingUsable(t *testing.T) {
	tests := []struct {
		name    string
		configs []configDesc
		// want are substrings of the error, naming what was found.
		want []string
	}{
		{
			name:    "no bulk OUT endpoint",
			configs: []configDesc{config(1, setting(0, 0, 0x07, 0x01, 0x02, interruptEP(0x01), bulkIn(0x82)))},
			want: []string{"config 1 interface 0 alt 0 class 0x07/0x01/0x02 (printer, bidirectional)",
				"interrupt OUT 0x01, bulk IN 0x82"},
		},
		{
			name:    "IEEE 1284.4 only",
			configs: []configDesc{config(1, setting(0, 0, 0x07, 0x01, 0x03, bulkOut(0x01), bulkIn(0x81)))},
			want:    []string{"IEEE 1284.4, not supported"},
		},
		{
			name:    "a keyboard",
			configs: []configDesc{config(1, setting(0, 0, 0x03, 0x01, 0x01, interruptEP(0x81)))},
			want:    []string{"class 0x03/0x01/0x01 (not a printer) with interrupt IN 0x81"},
		},
		{
			name:    "vendor class without IN",
			configs: []configDesc{config(1, setting(0, 0, 0xff, 0x00, 0x00, bulkOut(0x01)))},
			want:    []string{"(vendor-specific) with bulk OUT 0x01"},
		},
		{
			name:    "printer class, other subclass",
			configs: []configDesc{config(1, setting(0, 0, 0x07, 0x02, 0x02, bulkOut(0x01), bulkIn(0x81)))},
			want:    []string{"printer class, unknown subclass"},
		},
		{
			name:    "interface without endpoints",
			configs: []configDesc{config(1, setting(0, 0, 0x07, 0x01, 0x02))},
			want:    []string{"with no endpoints"},
		},
		{
			name: "no configurations",
			want: []string{"no configurations"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := choose(tt.configs)
			if !errors.Is(err, ErrNoPrinterInterface) {
				t.Fatalf("choose = %v, %v; want ErrNoPrinterInterface", got, err)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
		})
	}
}
