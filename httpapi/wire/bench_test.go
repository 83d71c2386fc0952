package wire

import "testing"

// benchReceipt is a typical AT receipt of about 1 KB.
const benchReceipt = `{
  "cbReceiptReference": "T02-2025-000731",
  "cbReceiptMoment": "2025-03-14T12:31:02.000Z",
  "cbTerminalID": "T02",
  "cbUser": "Anna",
  "cbChargeItems": [
    { "Position": 1, "Quantity": 1, "Description": "Wiener Schnitzel", "Amount": 14.90, "VATRate": 10,
      "ftChargeItemCase": 4707422694881099793, "Moment": "2025-03-14T12:30:11.000Z" },
    { "Position": 2, "Quantity": 2, "Description": "Almdudler 0,35 l", "Amount": 7.80, "VATRate": 20,
      "ftChargeItemCase": 4707422694881099795, "Moment": "2025-03-14T12:30:12.000Z" },
    { "Position": 3, "Quantity": 1, "Description": "Kaiserschmarrn mit Zwetschkenröster", "Amount": 9.50, "VATRate": 10,
      "ftChargeItemCase": 4707422694881099793, "Moment": "2025-03-14T12:30:13.000Z", "ProductNumber": "4711" },
    { "Position": 4, "Quantity": 1, "Description": "Verlängerter", "Amount": 3.90, "VATRate": 10,
      "ftChargeItemCase": 4707422694881099793, "VATAmount": 0.35 }
  ],
  "cbPayItems": [
    { "Position": 1, "Description": "Bar", "Amount": 30.00, "ftPayItemCase": 4707422694881099777,
      "Moment": "2025-03-14T12:31:00.000Z" },
    { "Position": 2, "Description": "Karte", "Amount": 6.10, "ftPayItemCase": 4707422694881099781,
      "ftPayItemId": "2C9B6D54-0F4E-4D0A-8F0B-3E6B8B1D7A22", "ftPayItemCaseData": { "Provider": { "Name": "test" } } }
  ],
  "ftReceiptCase": 4707422694881099777,
  "ftReceiptCaseData": { "cbReceiptLines": ["Danke für Ihren Besuch"] },
  "cbReceiptAmount": 36.10
}`

func BenchmarkParseReceipt(b *testing.B) {
	data := []byte(benchReceipt)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse(data); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDecodeReceiptRequest(b *testing.B) {
	v, err := Parse([]byte(benchReceipt))
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := DecodeReceiptRequest(v); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDigest(b *testing.B) {
	v, err := Parse([]byte(benchReceipt))
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(benchReceipt)))
	b.ReportAllocs()
	for b.Loop() {
		_ = Digest("POST", "/v2/sign", v)
	}
}

func BenchmarkAppendCanonical(b *testing.B) {
	v, err := Parse([]byte(benchReceipt))
	if err != nil {
		b.Fatal(err)
	}
	buf := make([]byte, 0, 2048)
	b.ReportAllocs()
	for b.Loop() {
		buf = AppendCanonical(buf[:0], v)
	}
}

func BenchmarkAppendReceiptResponse(b *testing.B) {
	r := exampleResponse()
	buf := make([]byte, 0, 2048)
	b.ReportAllocs()
	for b.Loop() {
		buf = r.AppendJSON(buf[:0])
	}
	b.SetBytes(int64(len(buf)))
}

func BenchmarkDecimalSum(b *testing.B) {
	items := []Decimal{NewDecimal(1490, 2), NewDecimal(780, 2), NewDecimal(950, 2), NewDecimal(39, 1)}
	b.ReportAllocs()
	for b.Loop() {
		var sum Decimal
		for _, d := range items {
			sum = sum.Add(d)
		}
		if sum != NewDecimal(3610, 2) {
			b.Fatal(sum)
		}
	}
}
