package zvt

import (
	"bytes"
	"errors"
	"testing"
)

func TestParseTLVs(t *testing.T) {
	// Permitted commands (26, constructed) with two 0A entries, the
	// printer width (12), and a two-byte tag 1F07.
	in := hx(t, "26 08 0A 02 06 D3 0A 02 06 D1  12 01 28  1F 07 01 02")
	objs, err := ParseTLVs(in)
	if err != nil {
		t.Fatal(err)
	}
	if len(objs) != 3 || objs[0].Tag != TagPermittedCommands || objs[1].Tag != TagPrinterWidth || objs[2].Tag != TagReceiptType {
		t.Fatalf("tags = %v, want 26, 12, 1F07", objs)
	}
	if !objs[0].Constructed() || objs[1].Constructed() || objs[2].Constructed() {
		t.Fatalf("constructed bits wrong: %v %v %v", objs[0].Constructed(), objs[1].Constructed(), objs[2].Constructed())
	}
	kids, err := objs[0].Children()
	if err != nil || len(kids) != 2 || !bytes.Equal(kids[0].Value, hx(t, "06 D3")) || !bytes.Equal(kids[1].Value, hx(t, "06 D1")) {
		t.Fatalf("children = %v, %v", kids, err)
	}
	if _, err := objs[1].Children(); !errors.Is(err, ErrMalformed) {
		t.Fatalf("Children of a primitive object: %v, want ErrMalformed", err)
	}
	// Encoding the parsed objects gives the input back.
	var out []byte
	for _, o := range objs {
		if out, err = AppendTLV(out, o); err != nil {
			t.Fatal(err)
		}
	}
	if !bytes.Equal(out, in) {
		t.Fatalf("AppendTLV = % X, want % X", out, in)
	}
	// The helpers build the same permitted-commands object.
	if got := PermittedCommands(CodePrintTextBlock, CodePrintLine); got.Tag != objs[0].Tag || !bytes.Equal(got.Value, objs[0].Value) {
		t.Fatalf("PermittedCommands = %X % X, want %X % X", got.Tag, got.Value, objs[0].Tag, objs[0].Value)
	}
	pt, err := NewConstructed(TagPrintTexts, TLV{Tag: TagTextLines, Value: []byte("a")}, TLV{Tag: TagAttribute})
	if err != nil {
		t.Fatal(err)
	}
	if kids, err := pt.Children(); err != nil || len(kids) != 2 || string(kids[0].Value) != "a" || kids[1].Tag != TagAttribute {
		t.Fatalf("NewConstructed children = %v, %v", kids, err)
	}
	if got := PrinterWidth(40); !bytes.Equal(got.Value, []byte{40}) || got.Tag != TagPrinterWidth {
		t.Fatalf("PrinterWidth(40) = %v", got)
	}
}

func TestTLVLongForms(t *testing.T) {
	for _, n := range []int{0, 0x7F, 0x80, 0xFF, 0x100, 0xFFFF} {
		o := TLV{Tag: 0x1F8101, Value: bytes.Repeat([]byte{7}, n)}
		b, err := AppendTLV(nil, o)
		if err != nil {
			t.Fatalf("AppendTLV(%d bytes): %v", n, err)
		}
		back, err := ParseTLVs(b)
		if err != nil || len(back) != 1 || back[0].Tag != o.Tag || !bytes.Equal(back[0].Value, o.Value) {
			t.Fatalf("round trip of %d bytes: %v, %v", n, back, err)
		}
	}
	if _, err := AppendTLV(nil, TLV{Tag: 1, Value: make([]byte, 0x10000)}); !errors.Is(err, ErrTooLong) {
		t.Fatalf("AppendTLV of 65536 bytes: %v, want ErrTooLong", err)
	}
}

func TestParseTLVErrors(t *testing.T) {
	for _, in := range []string{
		"1F",             // multi-byte tag cut
		"1F 81 81 81 01", // tag longer than 4 bytes
		"12",             // no length
		"12 05 00",       // value runs past the end
		"12 84 00 00 00 01 00",
	} {
		if _, err := ParseTLVs(hx(t, in)); !errors.Is(err, ErrMalformed) {
			t.Errorf("ParseTLVs(%s) = %v, want ErrMalformed", in, err)
		}
	}
}
