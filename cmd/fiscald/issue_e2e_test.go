package main

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/fiscald/fiscald/internal/goldentest"
)

// TestIssueDemo: `fiscald --demo` prints /v2/issue on its simulated
// printer, keeps the job and its rendering under DIR/printer, reports the
// delivery, and serves the receipt page behind the capability URL; the
// QR code on the rendered job is the signed one.
func TestIssueDemo(t *testing.T) {
	dir := t.TempDir()
	d := startDaemon(t, dir, "--sim-time-scale", "0.01")
	defer d.kill()
	c := d.client(0)
	if r := c.post("/sign", newOp(), receiptBody("start", caseStart, 0)); r.Status != 200 {
		t.Fatalf("start: %d %s", r.Status, r.Body)
	}
	request := receiptBody("issue-1", casePOS, 1250)
	signed := c.post("/sign", newOp(), request)
	var resp struct {
		QueueID string `json:"ftQueueID"`
		ItemID  string `json:"ftQueueItemID"`
		Sigs    []struct {
			Format uint64 `json:"ftSignatureFormat"`
			Data   string
		} `json:"ftSignatures"`
	}
	if signed.Status != 200 || json.Unmarshal(signed.Body, &resp) != nil {
		t.Fatalf("sign: %d %s", signed.Status, signed.Body)
	}
	r := c.post("/issue", newOp(), []byte(`{"ReceiptRequest":`+string(request)+`,"ReceiptResponse":`+string(signed.Body)+`}`))
	var out struct {
		DocumentURL string
		Print       struct{ State, JobId string }
	}
	if r.Status != 200 || json.Unmarshal(r.Body, &out) != nil || out.Print.State != "printed" {
		t.Fatalf("issue: %d %s\n%s", r.Status, r.Body, d.log)
	}
	base := filepath.Join(dir, "printer", resp.ItemID)
	if fi, err := os.Stat(base + ".escpos"); err != nil || fi.Size() == 0 {
		t.Fatalf("job bytes not kept: %v", err)
	}
	raw, err := os.ReadFile(base + ".png")
	if err != nil {
		t.Fatal(err)
	}
	var qr string
	for _, s := range resp.Sigs {
		if s.Format == 3 {
			qr = s.Data
		}
	}
	if got := goldentest.ScanQR(t, goldentest.DecodePNG(t, raw)); got != qr {
		t.Errorf("QR on the printed receipt %q, want %q", got, qr)
	}
	req, _ := http.NewRequest("GET", strings.TrimSuffix(d.creds.BaseURL, "/v2")+"/v2/issue/"+resp.QueueID+"/"+resp.ItemID+"/delivered", nil)
	req.Header.Set("x-cashbox-id", c.cashbox)
	req.Header.Set("x-cashbox-accesstoken", c.token)
	res, err := d.httpClient().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 200 {
		t.Errorf("delivered: %d", res.StatusCode)
	}
	page, err := (&http.Client{Timeout: 10 * time.Second}).Get(out.DocumentURL)
	if err != nil {
		t.Fatal(err)
	}
	page.Body.Close()
	if page.StatusCode != 200 || !strings.HasPrefix(page.Header.Get("Content-Type"), "text/html") {
		t.Errorf("receipt page %s: %d %s", out.DocumentURL, page.StatusCode, page.Header.Get("Content-Type"))
	}
	if !strings.HasPrefix(out.DocumentURL, strings.TrimSuffix(d.creds.BaseURL, "/v2")+"/receipt/"+resp.ItemID+"/") {
		t.Errorf("DocumentURL %s", out.DocumentURL)
	}
}
