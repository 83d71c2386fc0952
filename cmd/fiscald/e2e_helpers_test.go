package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/fiscald/fiscald/fiscal"
	"github.com/fiscald/fiscald/internal/depcheck"
)

// binDir holds fiscald and fiscalctl built once for the process tests.
var binDir string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "fiscald-e2e-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	for _, pkg := range []string{"github.com/fiscald/fiscald/cmd/fiscald", "github.com/fiscald/fiscald/cmd/fiscalctl"} {
		out, err := exec.Command("go", "build", "-o", dir, pkg).CombinedOutput()
		if err != nil {
			fmt.Fprintf(os.Stderr, "build %s: %v\n%s", pkg, err, out)
			os.Exit(1)
		}
	}
	binDir = dir
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// proc is a fiscald child process in demo mode.
type proc struct {
	t     *testing.T
	dir   string
	cmd   *exec.Cmd
	log   *syncBuffer
	creds credentials
	done  chan error
	// exited is set once stop or kill has seen the exit (test goroutine).
	exited bool
	once   sync.Once
	http   *http.Client
}

type credentials struct {
	BaseURL   string `json:"baseUrl"`
	CashBoxes []struct {
		Market      string `json:"market"`
		CashBoxID   string `json:"cashboxId"`
		AccessToken string `json:"accessToken"`
		PosSystemID string `json:"posSystemId"`
		QueueID     string `json:"queueId"`
	} `json:"cashboxes"`
}

// startDaemon starts fiscald --demo on dir and waits for its credentials.
func startDaemon(t *testing.T, dir string, args ...string) *proc {
	t.Helper()
	cred := filepath.Join(dir, "demo-credentials.json")
	os.Remove(cred)
	d := &proc{t: t, dir: dir, log: &syncBuffer{}, done: make(chan error, 1)}
	all := append([]string{"--demo", "--data", dir, "--listen", "127.0.0.1:0"}, args...)
	d.cmd = exec.Command(filepath.Join(binDir, "fiscald"), all...)
	d.cmd.Stdout, d.cmd.Stderr = d.log, d.log
	if err := d.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { d.done <- d.cmd.Wait() }()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if raw, err := os.ReadFile(cred); err == nil && json.Unmarshal(raw, &d.creds) == nil {
			return d
		}
		select {
		case err := <-d.done:
			t.Fatalf("fiscald exited before it was ready: %v\n%s", err, d.log)
		case <-time.After(20 * time.Millisecond):
		}
	}
	d.cmd.Process.Kill()
	t.Fatalf("fiscald wrote no credentials within 30 s\n%s", d.log)
	return nil
}

// stop sends SIGTERM and returns the exit error and how long it took.
func (d *proc) stop() (error, time.Duration) {
	start := time.Now()
	d.cmd.Process.Signal(syscall.SIGTERM)
	defer d.closeIdle()
	d.exited = true
	select {
	case err := <-d.done:
		return err, time.Since(start)
	case <-time.After(15 * time.Second):
		d.cmd.Process.Kill()
		<-d.done
		return fmt.Errorf("no exit within 15 s"), time.Since(start)
	}
}

// kill sends SIGKILL and waits for the process to be gone; after stop it
// does nothing, so it can be deferred.
func (d *proc) kill() {
	if d.exited {
		return
	}
	d.exited = true
	d.cmd.Process.Kill()
	<-d.done
	d.closeIdle()
}

func (d *proc) closeIdle() {
	if d.http != nil {
		d.http.CloseIdleConnections()
	}
}

// syncBuffer is a bytes.Buffer the child process writes to while the test
// may read it.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// reply is an HTTP answer; Err is set when no answer came.
type reply struct {
	Status int
	Body   []byte
	Err    error
}

// client sends API requests for one demo CashBox.
type client struct {
	base                           string
	cashbox, token, posID, queueID string
	http                           *http.Client
}

// client returns a client for demo CashBox i. All clients of one daemon
// share a transport, so that thousands of calls reuse a few connections
// instead of leaving one open each.
func (d *proc) client(i int) *client {
	c := d.creds.CashBoxes[i]
	d.once.Do(func() {
		d.http = &http.Client{Timeout: 20 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 16}}
	})
	return &client{base: d.creds.BaseURL, cashbox: c.CashBoxID, token: c.AccessToken, posID: c.PosSystemID, queueID: c.QueueID, http: d.http}
}

func (c *client) post(path, op string, body []byte) reply {
	req, _ := http.NewRequest("POST", c.base+path, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("x-cashbox-id", c.cashbox)
	req.Header.Set("x-cashbox-accesstoken", c.token)
	req.Header.Set("x-possystem-id", c.posID)
	req.Header.Set("x-operation-id", op)
	res, err := c.http.Do(req)
	if err != nil {
		return reply{Err: err}
	}
	defer res.Body.Close()
	data, err := io.ReadAll(res.Body)
	if err != nil {
		return reply{Err: err}
	}
	return reply{Status: res.StatusCode, Body: data}
}

const (
	atV2        = uint64(0x4154_2000_0000_0000)
	caseStart   = atV2 | 0x4001
	casePOS     = atV2 | 0x0001
	caseZero    = atV2 | 0x2000
	caseMonthly = atV2 | 0x2012
	flagVoid    = uint64(0x4_0000)
	flagTrain   = uint64(0x2_0000)
	atDEP7      = uint64(0x4154_0000_0000_0001)
)

// receiptBody builds a balanced cash receipt (or an item-less one).
func receiptBody(ref string, rc uint64, cents int64) []byte {
	items := `"cbChargeItems":[],"cbPayItems":[]`
	if cents != 0 {
		q := "1"
		if cents < 0 {
			q = "-1"
		}
		a := fiscalAmount(cents)
		items = `"cbChargeItems":[{"Quantity":` + q + `,"Description":"Melange","Amount":` + a + `,"VATRate":10}],` +
			`"cbPayItems":[{"Description":"Bar","Amount":` + a + `,"ftPayItemCase":` + strconv.FormatUint(atV2|1, 10) + `}]`
	}
	return []byte(`{"cbReceiptReference":"` + ref + `","cbReceiptMoment":"` + time.Now().UTC().Format("2006-01-02T15:04:05.000Z") +
		`",` + items + `,"ftReceiptCase":` + strconv.FormatUint(rc, 10) + `}`)
}

func fiscalAmount(cents int64) string {
	sign := ""
	if cents < 0 {
		sign, cents = "-", -cents
	}
	return fmt.Sprintf("%s%d.%02d", sign, cents/100, cents%100)
}

// fiscalctl runs the CLI and returns stdout, stderr and the exit code.
func fiscalctl(t *testing.T, args ...string) (string, string, int) {
	t.Helper()
	var out, errb bytes.Buffer
	cmd := exec.Command(filepath.Join(binDir, "fiscalctl"), args...)
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return out.String(), errb.String(), code
}

func newOp() string { return fiscal.NewUUID() }

func (d *proc) httpClient() *http.Client { return &http.Client{Timeout: 20 * time.Second} }

// verifyOffline runs the independent verifier on a DEP with the container
// fiscalctl prints for the CashBox of the stopped daemon in dir; it
// returns the result and the container.
func verifyOffline(t *testing.T, dir, cashbox string, dep []byte) (depcheck.Result, []byte) {
	t.Helper()
	container, stderr, code := fiscalctl(t, "at", "container", "--data", dir, "--cashbox", cashbox)
	if code != 0 {
		t.Fatalf("fiscalctl at container: %s", stderr)
	}
	cont, err := depcheck.ParseContainer([]byte(container))
	if err != nil {
		t.Fatal(err)
	}
	res, err := depcheck.VerifyDEP(dep, cont, depcheck.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return res, []byte(container)
}
