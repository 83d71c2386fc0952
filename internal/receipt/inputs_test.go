package receipt

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// The receipts of the tests live in testdata/receipts (see its README),
// shaped like what fiscald stores: <name>.request.json is the /v2/sign
// request as the POS sent it, <name>.response.json the ReceiptResponse
// fiscald answered (compare httpapi's TestPayItemsSignedUnchanged), and
// <name>.qr.txt the payload the QR code must carry. internal/printjob
// reads the same files for its ESC/POS goldens.

// testReceipt is one request/response pair and the QR payload it signs.
type testReceipt struct {
	name, request, response, qr string
}

// loadReceipt reads the inputs of one test receipt. The package's tests
// cannot run without them, so a missing file panics with its path.
func loadReceipt(name string) testReceipt {
	read := func(suffix string) string {
		b, err := os.ReadFile(filepath.Join(goldenDir, name+suffix))
		if err != nil {
			panic(fmt.Sprintf("test receipt %s: %v", name, err))
		}
		return string(b)
	}
	return testReceipt{
		name:     name,
		request:  read(".request.json"),
		response: read(".response.json"),
		// One trailing newline ends the file; it is not part of the payload.
		qr: strings.TrimSuffix(read(".qr.txt"), "\n"),
	}
}

var (
	// cashSale: two VAT rates, paid cash with change; the response carries
	// a sandbox item fiscald marks "don't visualize".
	cashSale = loadReceipt("cash-sale")
	// cardSale: paid through /v2/pay with a tip on the terminal; both pay
	// items carry the same slip, which must print once.
	cardSale = loadReceipt("card-sale")
	// refund: returns part of R-1001, negative lines and a negative cash
	// item.
	refund = loadReceipt("refund")
	// training: the code carries VFJB instead of the counter.
	training = loadReceipt("training")
	// zero: a zero receipt has no items; it still has a code.
	zero = loadReceipt("zero")
	// failed: the signature device did not answer; summer time in Vienna.
	failed = loadReceipt("failed-signature")
)

// The payloads some tests look for.
var (
	cardQR = cardSale.qr
	zeroQR = zero.qr
)

// testReceipts are the receipts with golden files.
var testReceipts = []testReceipt{cashSale, cardSale, refund, training, zero, failed}
