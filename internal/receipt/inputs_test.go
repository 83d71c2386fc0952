package receipt

// The receipts of the tests, shaped like what fiscald stores: the /v2/sign
// request as the POS sent it and the ReceiptResponse fiscald answered
// (compare httpapi's TestPayItemsSignedUnchanged). Case values are AT v2:
// receipt 0x4154_2000_0000_0001 = 4707422694881099777, charge items
// …0001 (10 %) and …0003 (20 %), pay items cash …0001, change …0020_0001,
// card …0180_0005 (electronic, interface), tip …01C0_0005.

// testReceipt is one request/response pair and the QR payload it signs.
type testReceipt struct {
	name, request, response, qr string
}

const (
	cashQR     = `_R1-AT100_fiscald-demo-AT-1_ft1A#23_2026-11-30T11:05:03_16,10_13,90_0,00_0,00_0,00_qw/OwI4Yp7w=_23010e2bfd2584ce_zaHoHfSXTjQ=_O5Bb9K+MtCzLIAo8iBdO7lnvsos9wefdoZdYnSXYqk7YN4NjwP8SKxpbEb56NPydJD8IKT8ZdE7WrERE2QbjTQ==`
	cardQR     = `_R1-AT100_fiscald-demo-AT-1_ft1B#24_2026-11-30T11:12:47_0,00_10,00_0,00_0,00_0,00_g2fNZv3RNrs=_23010e2bfd2584ce_qLoj+IBbsFA=_mpJrBL4TR+gWvpK640uHIQ3+tYs/WwQ3iKXaVHlu6k7TIWm9MrjSPcVrNFFFVe0a30/ZpXw5KP8JAm2c6Zguqg==`
	refundQR   = `_R1-AT100_fiscald-demo-AT-1_ft1C#25_2026-12-01T10:30:00_-3,20_-9,00_0,00_0,00_0,00_HWMBJxCPH+o=_23010e2bfd2584ce_8fe+7lm2bdY=_VUiohy3aQbIs1Y3RR99HYn8clP8vTgy7Iy+pUH6/XHjg3B63RnR9EVa6OLlCKRCn+a9DckyPiqOdZ+5lOiZgbA==`
	trainingQR = `_R1-AT100_fiscald-demo-AT-1_ft1D#26_2026-11-30T09:00:10_5,00_0,00_0,00_0,00_0,00_VFJB_23010e2bfd2584ce_wvt4jH3u2+o=_GcH4lVH+Jre1kg7u0xs9rTiV/W3o9TtPJjOuUCJuYmnNjwEjjcL3jlRkeqFAm/UBbfQhVc03A+bpPV5Cdg5Qcw==`
	zeroQR     = `_R1-AT100_fiscald-demo-AT-1_ft1E#27_2026-11-30T23:59:59_0,00_0,00_0,00_0,00_0,00_+RlOc/npRZ4=_23010e2bfd2584ce_NFDqEKF5zfc=_LcSKlBw5szoBhXTFFyYMeIfHulKMStaNe3ksSyA3oM6w+NjBZtSp8tC5LsAkbfCi+Tap9unaLgOjfMlgCrw8ew==`
	failedQR   = `_R1-AT100_fiscald-demo-AT-1_ft1F#28_2026-07-15T14:00:00_2,40_0,00_0,00_0,00_0,00_XSipD0SYqBQ=_23010e2bfd2584ce_Ye+69vYooZ0=_U2ljaGVyaGVpdHNlaW5yaWNodHVuZyBhdXNnZWZhbGxlbg==`
)

// cashSale: two VAT rates, paid cash with change; the response carries a
// sandbox item fiscald marks "don't visualize".
var cashSale = testReceipt{name: "cash-sale", qr: cashQR, request: `{
  "cbReceiptReference": "R-1001",
  "cbReceiptMoment": "2026-11-30T10:05:02.871Z",
  "cbChargeItems": [
    {"Quantity": 2, "Description": "Melange", "Amount": 9.00, "VATRate": 10, "ftChargeItemCase": 4707422694881099777},
    {"Quantity": 1, "Description": "Apfelstrudel mit Schlagobers", "Amount": 4.90, "VATRate": 10, "ftChargeItemCase": 4707422694881099777},
    {"Quantity": 1, "Description": "Mineralwasser prickelnd 0,33 l", "Amount": 3.20, "VATRate": 20, "ftChargeItemCase": 4707422694881099779},
    {"Quantity": 1, "Description": "Souvenir-Tasse", "Amount": 12.90, "VATRate": 20.00, "ftChargeItemCase": 4707422694881099779}
  ],
  "cbPayItems": [
    {"Description": "Bar", "Amount": 50.00, "ftPayItemCase": 4707422694881099777},
    {"Description": "Rückgeld", "Amount": -20.00, "ftPayItemCase": 4707422694883196929}
  ],
  "ftReceiptCase": 4707422694881099777,
  "cbTerminalID": "Kassa-1",
  "cbUser": "Anna"
}`, response: `{"ftQueueID":"8d3f3f1e-2b7a-4c55-9a0e-6f1f4b2a9c01","ftQueueItemID":"3eeefbe6-6170-4b17-b907-c893e08f7ca8","ftQueueRow":36,"ftCashBoxID":"58b60acd-d9a6-48c0-a51f-3b83b8bc3c26","ftCashBoxIdentification":"fiscald-demo-AT-1","cbReceiptReference":"R-1001","cbTerminalID":"Kassa-1","ftReceiptIdentification":"ft1A#23","ftReceiptMoment":"2026-11-30T10:05:03.412Z","ftSignatures":[{"ftSignatureFormat":3,"ftSignatureType":4707422694881099777,"Caption":"fiscald","Data":"` + cashQR + `"},{"ftSignatureFormat":1,"ftSignatureType":4707422694883196928,"Caption":"Decision","Data":"sandbox: sign all"}],"ftState":4707422694881099776}`}

// cardSale: paid through /v2/pay with a tip on the terminal; both pay
// items carry the same slip, which must print once.
var cardSale = testReceipt{name: "card-sale", qr: cardQR, request: `{
  "cbReceiptReference": "R-1002",
  "cbReceiptMoment": "2026-11-30T10:12:46.002Z",
  "cbChargeItems": [
    {"Quantity": 1, "Description": "Menü des Tages", "Amount": 10.00, "VATRate": 10, "ftChargeItemCase": 4707422694881099777}
  ],
  "cbPayItems": [
    {"Description": "Card", "Amount": 11.00, "ftPayItemCase": 4707422694906265605, "ftPayItemCaseData": {"Provider": {"Protocol": "zvt", "Terminal": "zvt-1", "Action": "payment", "TerminalId": "29001234", "TraceNumber": "000042", "ReceiptNumber": "0042", "CardType": "Visa", "CardBrand": "VISA", "MaskedPan": "411111******1111", "ResultCode": "00", "ResultText": "no error", "TransactionTime": "2026-11-30T10:12:40.000Z", "RequestedAmount": 10.00, "ChargedAmount": 11.00, "TipAmount": 1.00, "PaymentId": "0b1c5bb5-61a4-4bd7-9a49-8a3b7c0d6e11", "OperationId": "5f0e3e52-7d0e-4e0e-a0d4-93b9f2b1a0c7"}, "Receipt": ["zvtsim", "Kartenzahlung", "Terminal-ID 29001234", "30.11.2026 11:12:40", "Trace 000042  Beleg 0042", "VISA ************1111", "EUR 11.00", "approved"]}, "ftPayItemId": "0b1c5bb5-61a4-4bd7-9a49-8a3b7c0d6e11", "Moment": "2026-11-30T10:12:40.000Z"},
    {"Description": "Tip", "Amount": -1.00, "ftPayItemCase": 4707422694910459909, "ftPayItemCaseData": {"Provider": {"Protocol": "zvt", "Terminal": "zvt-1", "Action": "payment", "TerminalId": "29001234", "TraceNumber": "000042", "ReceiptNumber": "0042", "CardType": "Visa", "CardBrand": "VISA", "MaskedPan": "411111******1111", "ResultCode": "00", "ResultText": "no error", "TransactionTime": "2026-11-30T10:12:40.000Z", "RequestedAmount": 10.00, "ChargedAmount": 11.00, "TipAmount": 1.00, "PaymentId": "0b1c5bb5-61a4-4bd7-9a49-8a3b7c0d6e11", "OperationId": "5f0e3e52-7d0e-4e0e-a0d4-93b9f2b1a0c7"}, "Receipt": ["zvtsim", "Kartenzahlung", "Terminal-ID 29001234", "30.11.2026 11:12:40", "Trace 000042  Beleg 0042", "VISA ************1111", "EUR 11.00", "approved"]}, "ftPayItemId": "6b66cfff-f264-4a3c-a589-1dd5b4ae5676", "Moment": "2026-11-30T10:12:40.000Z"}
  ],
  "ftReceiptCase": 4707422694881099777,
  "cbTerminalID": "Kassa-2"
}`, response: `{"ftQueueID":"8d3f3f1e-2b7a-4c55-9a0e-6f1f4b2a9c01","ftQueueItemID":"9a1d2c3b-4e5f-4a6b-8c7d-0e1f2a3b4c5d","ftQueueRow":37,"ftCashBoxID":"58b60acd-d9a6-48c0-a51f-3b83b8bc3c26","ftCashBoxIdentification":"fiscald-demo-AT-1","cbReceiptReference":"R-1002","cbTerminalID":"Kassa-2","ftReceiptIdentification":"ft1B#24","ftReceiptMoment":"2026-11-30T10:12:47.090Z","ftSignatures":[{"ftSignatureFormat":3,"ftSignatureType":4707422694881099777,"Caption":"fiscald","Data":"` + cardQR + `"}],"ftState":4707422694881099776}`}

// refund: returns part of R-1001 (refund flag 0x100_0000), negative lines
// and a negative cash item (pay refund flag 0x2_0000).
var refund = testReceipt{name: "refund", qr: refundQR, request: `{
  "cbReceiptReference": "R-1003",
  "cbReceiptMoment": "2026-12-01T09:29:59.500Z",
  "cbChargeItems": [
    {"Quantity": -2, "Description": "Melange", "Amount": -9.00, "VATRate": 10, "ftChargeItemCase": 4707422694881230849},
    {"Quantity": -1, "Description": "Mineralwasser prickelnd 0,33 l", "Amount": -3.20, "VATRate": 20, "ftChargeItemCase": 4707422694881230851}
  ],
  "cbPayItems": [
    {"Description": "Bar", "Amount": -12.20, "ftPayItemCase": 4707422694881230849}
  ],
  "ftReceiptCase": 4707422694897876993,
  "cbPreviousReceiptReference": "R-1001"
}`, response: `{"ftQueueID":"8d3f3f1e-2b7a-4c55-9a0e-6f1f4b2a9c01","ftQueueItemID":"c0ffee00-1234-4abc-8def-0123456789ab","ftQueueRow":38,"ftCashBoxID":"58b60acd-d9a6-48c0-a51f-3b83b8bc3c26","ftCashBoxIdentification":"fiscald-demo-AT-1","cbReceiptReference":"R-1003","ftReceiptIdentification":"ft1C#25","ftReceiptMoment":"2026-12-01T09:30:00.100Z","ftSignatures":[{"ftSignatureFormat":3,"ftSignatureType":4707422694881099777,"Caption":"fiscald","Data":"` + refundQR + `"}],"ftState":4707422694881099776}`}

// training: training flag 0x2_0000; the code carries VFJB instead of the
// counter.
var training = testReceipt{name: "training", qr: trainingQR, request: `{
  "cbReceiptReference": "T-0001",
  "cbReceiptMoment": "2026-11-30T08:00:09.000Z",
  "cbChargeItems": [
    {"Description": "Schulungsartikel", "Amount": 5, "VATRate": 20}
  ],
  "cbPayItems": [
    {"Description": "Cash", "Amount": 5, "ftPayItemCase": 4707422694881099777}
  ],
  "ftReceiptCase": 4707422694881230849
}`, response: `{"ftQueueID":"8d3f3f1e-2b7a-4c55-9a0e-6f1f4b2a9c01","ftQueueItemID":"d1e2f3a4-b5c6-4d7e-8f90-a1b2c3d4e5f6","ftQueueRow":39,"ftCashBoxID":"58b60acd-d9a6-48c0-a51f-3b83b8bc3c26","ftCashBoxIdentification":"fiscald-demo-AT-1","cbReceiptReference":"T-0001","ftReceiptIdentification":"ft1D#26","ftReceiptMoment":"2026-11-30T08:00:10.000Z","ftSignatures":[{"ftSignatureFormat":3,"ftSignatureType":4707422694881099777,"Caption":"fiscald","Data":"` + trainingQR + `"}],"ftState":4707422694881099776}`}

// zero: a zero receipt (0x2000) has no items; it still has a code.
var zero = testReceipt{name: "zero", qr: zeroQR, request: `{
  "cbReceiptReference": "Z-2026-11-30",
  "cbReceiptMoment": "2026-11-30T22:59:59.000Z",
  "cbChargeItems": [],
  "cbPayItems": [],
  "ftReceiptCase": 4707422694881107968
}`, response: `{"ftQueueID":"8d3f3f1e-2b7a-4c55-9a0e-6f1f4b2a9c01","ftQueueItemID":"e2f3a4b5-c6d7-4e8f-9a01-b2c3d4e5f6a7","ftQueueRow":40,"ftCashBoxID":"58b60acd-d9a6-48c0-a51f-3b83b8bc3c26","ftCashBoxIdentification":"fiscald-demo-AT-1","cbReceiptReference":"Z-2026-11-30","ftReceiptIdentification":"ft1E#27","ftReceiptMoment":"2026-11-30T22:59:59.999Z","ftSignatures":[{"ftSignatureFormat":3,"ftSignatureType":4707422694881099777,"Caption":"fiscald","Data":"` + zeroQR + `"}],"ftState":4707422694881099776}`}

// failed: the signature device did not answer; summer time in Vienna.
var failed = testReceipt{name: "failed-signature", qr: failedQR, request: `{
  "cbReceiptReference": "R-0815",
  "cbReceiptMoment": "2026-07-15T11:59:59.000Z",
  "cbChargeItems": [
    {"Description": "Eiskaffee", "Amount": 2.40, "VATRate": 20}
  ],
  "cbPayItems": [
    {"Description": "Bar", "Amount": 2.40, "ftPayItemCase": 4707422694881099777}
  ],
  "ftReceiptCase": 4707422694881099777
}`, response: `{"ftQueueID":"8d3f3f1e-2b7a-4c55-9a0e-6f1f4b2a9c01","ftQueueItemID":"f3a4b5c6-d7e8-4f90-a1b2-c3d4e5f6a7b8","ftQueueRow":12,"ftCashBoxID":"58b60acd-d9a6-48c0-a51f-3b83b8bc3c26","ftCashBoxIdentification":"fiscald-demo-AT-1","cbReceiptReference":"R-0815","ftReceiptIdentification":"ft1F#28","ftReceiptMoment":"2026-07-15T12:00:00.000Z","ftSignatures":[{"ftSignatureFormat":3,"ftSignatureType":4707422694881099777,"Caption":"Sicherheitseinrichtung ausgefallen","Data":"` + failedQR + `"}],"ftState":4707422694881099778}`}

// testReceipts are the receipts with golden files.
var testReceipts = []testReceipt{cashSale, cardSale, refund, training, zero, failed}
