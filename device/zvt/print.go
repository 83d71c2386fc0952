package zvt

import "fmt"

// PrintLine is a Print-Line (06 D1): one receipt line the PT asks the ECR
// to print. The ECR answers 80 00 00, or 84 CC 00 when its printer is not
// ready.
type PrintLine struct {
	// Attribute is the attribute byte (§1.6): indentation, centring,
	// double width/height, last line of a receipt, or FF for line feeds.
	Attribute byte
	// Text is the line without CR/LF; empty means an empty line. For the
	// line-feed attribute FF it is empty and Feeds holds the count.
	Text string
	// Feeds is the number of empty lines requested by attribute FF.
	Feeds int
}

// Print-Line attribute bits.
const (
	lineLast         = 0x80
	lineCentred      = 0x40
	lineDoubleWidth  = 0x20
	lineDoubleHeight = 0x10
	lineIndentMask   = 0x0F
	lineFeeds        = 0xFF
)

// ParsePrintLine parses the data block of a 06 D1.
func ParsePrintLine(data []byte) (PrintLine, error) {
	if len(data) == 0 {
		return PrintLine{}, fmt.Errorf("print line: no attribute: %w", ErrMalformed)
	}
	p := PrintLine{Attribute: data[0]}
	if p.Attribute == lineFeeds {
		if len(data) < 2 {
			return PrintLine{}, fmt.Errorf("print line: line feeds without a count: %w", ErrMalformed)
		}
		p.Feeds = int(data[1])
		return p, nil
	}
	p.Text = latin1(data[1:])
	return p, nil
}

// LastLine reports whether this line ends a receipt (attribute 1xxx xxxx
// other than 80 and FF): the ECR cuts there, between customer and
// merchant copy.
func (p PrintLine) LastLine() bool {
	return p.Attribute&lineLast != 0 && p.Attribute != lineLast && p.Attribute != lineFeeds
}

// Centred reports the centring bit.
func (p PrintLine) Centred() bool { return p.Attribute != lineFeeds && p.Attribute&lineCentred != 0 }

// DoubleWidth reports the double-width bit.
func (p PrintLine) DoubleWidth() bool {
	return p.Attribute != lineFeeds && p.Attribute&lineDoubleWidth != 0
}

// DoubleHeight reports the double-height bit.
func (p PrintLine) DoubleHeight() bool {
	return p.Attribute != lineFeeds && p.Attribute&lineDoubleHeight != 0
}

// Indent is the number of characters the line is indented by.
func (p PrintLine) Indent() int {
	if p.Attribute == lineFeeds {
		return 0
	}
	return int(p.Attribute & lineIndentMask)
}

// Lines returns what to print: the text, or Feeds empty lines.
func (p PrintLine) Lines() []string {
	if p.Attribute == lineFeeds {
		return make([]string, p.Feeds)
	}
	return []string{p.Text}
}

// Receipt types of a Print-Text-Block (TLV 1F07).
const (
	ReceiptMerchant       byte = 0x01
	ReceiptCustomer       byte = 0x02
	ReceiptAdministration byte = 0x03
)

// PrintTextBlock is a Print-Text-Block (06 D3): a whole receipt or part
// of one, sent only if the ECR permitted the command at Registration.
type PrintTextBlock struct {
	// ReceiptType is TLV 1F07 (ReceiptMerchant, …), zero if absent.
	ReceiptType byte
	// Lines are the text lines (tag 07 inside tag 25) in order.
	Lines []string
	// EndOfReceipt reports an attribute (tag 09) in the print texts,
	// which marks the end of a receipt.
	EndOfReceipt bool
	TLV          []TLV
}

// ParsePrintTextBlock parses the data block of a 06 D3: 06 <TLV>. TLV
// values alias data.
func ParsePrintTextBlock(data []byte) (PrintTextBlock, error) {
	fields, err := ParseBMPs(data)
	if err != nil {
		return PrintTextBlock{}, fmt.Errorf("print text block: %w", err)
	}
	v, ok := lookup(fields, BMPTLV)
	if !ok {
		return PrintTextBlock{}, fmt.Errorf("print text block: no TLV container: %w", ErrMalformed)
	}
	var b PrintTextBlock
	if b.TLV, err = ParseTLVs(v); err != nil {
		return PrintTextBlock{}, fmt.Errorf("print text block: %w", err)
	}
	if t, ok := FindTLV(b.TLV, TagReceiptType); ok && len(t.Value) == 1 {
		b.ReceiptType = t.Value[0]
	}
	for _, t := range b.TLV {
		if t.Tag != TagPrintTexts {
			continue
		}
		texts, err := t.Children()
		if err != nil {
			return PrintTextBlock{}, fmt.Errorf("print text block: print texts: %w", err)
		}
		for _, line := range texts {
			switch line.Tag {
			case TagTextLines:
				b.Lines = append(b.Lines, latin1(line.Value))
			case TagAttribute:
				b.EndOfReceipt = true
			}
		}
	}
	return b, nil
}
