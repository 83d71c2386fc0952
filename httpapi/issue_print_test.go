package httpapi_test

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fiscald/fiscald/device"
	"github.com/fiscald/fiscald/device/escpos"
	"github.com/fiscald/fiscald/device/escpos/escposdial"
	"github.com/fiscald/fiscald/device/escpos/escpossim"
	"github.com/fiscald/fiscald/device/serialport"
	"github.com/fiscald/fiscald/fiscal"
	"github.com/fiscald/fiscald/fiscal/issue"
	"github.com/fiscald/fiscald/internal/goldentest"
	"github.com/fiscald/fiscald/internal/printjob"
	"github.com/fiscald/fiscald/internal/ptytest"
)

// testEncode is the daemon's encoder.
var testEncode = printjob.Encode

// printerLink is a printer simulator behind one kind of link that can be
// pulled: a kernel pty (the driver opens the slave through
// device/serialport) or TCP as a network printer.
type printerLink struct {
	name   string
	attach func(t *testing.T, sim *escpossim.Printer) (dial func(context.Context) (escpos.Stream, error), unplug func())
}

var printerLinks = []printerLink{
	{"pty", func(t *testing.T, sim *escpossim.Printer) (func(context.Context) (escpos.Stream, error), func()) {
		master, slave := ptytest.Open(t)
		served := make(chan error, 1)
		go func() { served <- sim.Serve(context.Background(), master) }()
		var once sync.Once
		unplug := func() { once.Do(func() { master.Close(); <-served }) }
		t.Cleanup(unplug)
		return escposdial.Serial(serialport.Config{Path: slave.Name()}), unplug
	}},
	{"tcp", func(t *testing.T, sim *escpossim.Printer) (func(context.Context) (escpos.Stream, error), func()) {
		l, err := sim.ListenTCP(context.Background(), "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { l.Close() })
		return escposdial.TCP(l.Addr().String(), 0), func() { l.Close() }
	}},
}

// printEnv is an env whose first CashBox prints on a simulated printer.
func printEnv(t *testing.T, link printerLink) (*env, *escpossim.Printer, func()) {
	sim, err := escpossim.New(escpossim.Options{TimeScale: 0.01})
	if err != nil {
		t.Fatal(err)
	}
	dial, unplug := link.attach(t, sim)
	o := &issueOptions{interval: 50 * time.Millisecond, printer: func() *issue.Printer {
		drv := escpos.New(dial, escpos.Options{Name: "counter", StatusTimeout: 5 * time.Second, JobTimeout: 3 * time.Second, PollInterval: 20 * time.Millisecond})
		t.Cleanup(func() { drv.Close() })
		return &issue.Printer{Name: "counter", Device: drv}
	}}
	e := newEnv(t, envOptions{issue: o})
	e.startQueue(e.Boxes[0])
	return e, sim, unplug
}

// printed issues a fresh receipt on the default channel and returns the
// answer's Print object and the delivered-status path.
func (e *env) printReceipt(ref string) (state, detail, delivered string, qr string) {
	e.t.Helper()
	b := e.Boxes[0]
	request, response := e.signed(b, ref)
	r := e.post(b, "/v2/issue", issueBody(request, response, ""))
	var out struct {
		Print struct{ State, JobId, Detail string }
	}
	if r.Status != 200 || json.Unmarshal(r.Body, &out) != nil {
		e.t.Fatalf("issue: %d %s", r.Status, r.Body)
	}
	var signed struct {
		QueueID string `json:"ftQueueID"`
		ItemID  string `json:"ftQueueItemID"`
		Sigs    []struct {
			Format uint64 `json:"ftSignatureFormat"`
			Data   string
		} `json:"ftSignatures"`
	}
	json.Unmarshal([]byte(response), &signed)
	for _, s := range signed.Sigs {
		if s.Format == 3 {
			qr = s.Data
		}
	}
	return out.Print.State, out.Print.Detail, "/v2/issue/" + signed.QueueID + "/" + signed.ItemID + "/delivered", qr
}

func (e *env) deliveredStatus(path string) resp {
	e.t.Helper()
	b := e.Boxes[0]
	return get(e.t.(*testing.T), e.URL+path, map[string]string{"x-cashbox-id": b.ID, "x-cashbox-accesstoken": b.Token})
}

// waitDelivered polls the delivered status until it is 200 (bounded).
func (e *env) waitDelivered(path string) resp {
	e.t.Helper()
	var r resp
	for deadline := time.Now().Add(15 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if r = e.deliveredStatus(path); r.Status == 200 {
			break
		}
	}
	return r
}

// TestIssuePrints runs the print path over a pty and over TCP: printed
// on confirmation with the signed QR code on paper; refused up front when
// out of paper; pending (and delivered 204) when the paper runs out
// mid-job or the printer is pulled, printed exactly once when it
// continues; never resent.
func TestIssuePrints(t *testing.T) {
	for _, link := range printerLinks {
		t.Run(link.name, func(t *testing.T) {
			e, sim, unplug := printEnv(t, link)

			state, _, delivered, qr := e.printReceipt("P-1")
			if state != "printed" {
				t.Fatalf("print: %s", state)
			}
			if r := e.deliveredStatus(delivered); r.Status != 200 || !strings.Contains(string(r.Body), `"DeliveryMethod":"print"`) {
				t.Errorf("delivered: %d %s", r.Status, r.Body)
			}
			jobs := sim.Jobs()
			if len(jobs) != 1 || jobs[0].State != escpossim.JobPrinted {
				t.Fatalf("simulator jobs %+v", jobs)
			}
			img, err := escpossim.Render(jobs[0].Data)
			if err != nil {
				t.Fatal(err)
			}
			if got := goldentest.ScanQR(t, img); got != qr {
				t.Errorf("printed QR %q, want the signed %q", got, qr)
			}

			sim.SetPaper(escpossim.PaperOut)
			state, detail, delivered, _ := e.printReceipt("P-2")
			if state != "failed" || !strings.Contains(detail, "paper") || len(sim.Jobs()) != 1 {
				t.Errorf("out of paper: %s %q, %d jobs", state, detail, len(sim.Jobs()))
			}
			if r := e.deliveredStatus(delivered); r.Status != 204 {
				t.Errorf("delivered after a refused job: %d", r.Status)
			}

			sim.SetPaper(escpossim.PaperOK)
			sim.PaperOutAfter(3)
			state, _, delivered, _ = e.printReceipt("P-3")
			if state != "pending" {
				t.Fatalf("paper out mid-job: %s", state)
			}
			if r := e.deliveredStatus(delivered); r.Status != 204 {
				t.Errorf("delivered while pending: %d", r.Status)
			}
			sim.SetPaper(escpossim.PaperOK)
			if r := e.waitDelivered(delivered); r.Status != 200 {
				t.Fatalf("after the paper was replaced: %d %s", r.Status, r.Body)
			}
			if n := len(sim.Jobs()); n != 2 {
				t.Errorf("the printer got %d jobs; the pending one was sent again", n)
			}

			sim.SetStalled(true)
			state, _, delivered, _ = e.printReceipt("P-4")
			unplug()
			if state != "pending" {
				t.Errorf("stalled printer: %s", state)
			}
			time.Sleep(200 * time.Millisecond) // a few follow-up rounds
			if r := e.deliveredStatus(delivered); r.Status != 204 {
				t.Errorf("delivered while unplugged: %d", r.Status)
			}
			if n := len(sim.Jobs()); n != 3 {
				t.Errorf("the printer got %d jobs after the unplug; want no resend", n)
			}
			m := string(e.do("GET", "/metrics", nil, nil).Body)
			for _, want := range []string{
				`fiscald_issue_print_jobs_total{printer="counter",state="printed"} 2`,
				`fiscald_issue_print_jobs_total{printer="counter",state="failed"} 1`,
				`fiscald_issue_print_jobs_total{printer="counter",state="pending"} 2`,
				`fiscald_issue_pending_print_jobs 1`,
				`fiscald_issue_receipts_total{channel="print"} 4`,
			} {
				if !strings.Contains(m, want) {
					t.Errorf("metrics lack %s", want)
				}
			}
		})
	}
}

// TestIssuePendingAcrossRestart: a job left pending when fiscald stops is
// followed up by the next run, which sees the printer's late
// confirmation; it is never sent again.
func TestIssuePendingAcrossRestart(t *testing.T) {
	e, sim, _ := printEnv(t, printerLinks[1])
	sim.PaperOutAfter(3)
	state, _, delivered, _ := e.printReceipt("R-restart")
	if state != "pending" {
		t.Fatalf("paper out mid-job: %s", state)
	}
	e.restart()
	if r := e.deliveredStatus(delivered); r.Status != 204 {
		t.Fatalf("after the restart, before the paper: %d", r.Status)
	}
	sim.SetPaper(escpossim.PaperOK)
	if r := e.waitDelivered(delivered); r.Status != 200 {
		t.Fatalf("after the paper was replaced: %d %s", r.Status, r.Body)
	}
	if jobs := sim.Jobs(); len(jobs) != 1 || jobs[0].State != escpossim.JobPrinted {
		t.Errorf("simulator jobs %+v", jobs)
	}
}

// panicAfterPrint prints the job, then fails the request the hard way,
// like a daemon that dies before it answers.
type panicAfterPrint struct {
	*escpos.Printer
	once *sync.Once
}

func (p panicAfterPrint) Print(ctx context.Context, j device.PrintJob) (device.PrintResult, error) {
	res, err := p.Printer.Print(ctx, j)
	p.once.Do(func() { panic("died after printing") })
	return res, err
}

// TestIssueRetryAfterCrashDoesNotReprint: the job's start is journaled
// with the operation's answer, so a retry of an operation whose request
// died after the printer got the job replays it and prints nothing.
func TestIssueRetryAfterCrashDoesNotReprint(t *testing.T) {
	sim, err := escpossim.New(escpossim.Options{TimeScale: 0.01})
	if err != nil {
		t.Fatal(err)
	}
	dial, _ := printerLinks[1].attach(t, sim)
	once := &sync.Once{}
	e := newEnv(t, envOptions{issue: &issueOptions{interval: time.Hour, printer: func() *issue.Printer {
		drv := escpos.New(dial, escpos.Options{Name: "counter"})
		return &issue.Printer{Name: "counter", Device: panicAfterPrint{drv, once}}
	}}})
	b := e.Boxes[0]
	e.startQueue(b)
	request, response := e.signed(b, "R-crash")
	op := fiscal.NewUUID()
	body := issueBody(request, response, "")
	if r := e.postOp(b, "/v2/issue", op, body); r.Status != 500 {
		t.Fatalf("the dying request: %d %s", r.Status, r.Body)
	}
	r := e.postOp(b, "/v2/issue", op, body)
	if r.Status != 200 || r.Header.Get("x-idempotent-replay") != "true" || !strings.Contains(string(r.Body), `"State":"pending"`) {
		t.Errorf("retry: %d %v %s", r.Status, r.Header, r.Body)
	}
	if n := len(sim.Jobs()); n != 1 {
		t.Errorf("the printer got %d jobs, want 1", n)
	}
}

// TestIssueConcurrentJobs: receipts issued at once, while the follow-up
// runs all the time, are each printed once and counted once.
func TestIssueConcurrentJobs(t *testing.T) {
	sim, err := escpossim.New(escpossim.Options{TimeScale: 0.01})
	if err != nil {
		t.Fatal(err)
	}
	dial, _ := printerLinks[1].attach(t, sim)
	e := newEnv(t, envOptions{issue: &issueOptions{interval: time.Millisecond, printer: func() *issue.Printer {
		return &issue.Printer{Name: "counter", Device: escpos.New(dial, escpos.Options{Name: "counter"})}
	}}})
	b := e.Boxes[0]
	e.startQueue(b)
	var bodies []string
	for i := range 4 {
		request, response := e.signed(b, "R-c"+strconv.Itoa(i))
		bodies = append(bodies, issueBody(request, response, ""))
	}
	var wg sync.WaitGroup
	answers := make([]resp, len(bodies))
	for i := range bodies {
		wg.Go(func() { answers[i] = e.post(b, "/v2/issue", bodies[i]) })
	}
	wg.Wait()
	for i, r := range answers {
		if r.Status != 200 || !strings.Contains(string(r.Body), `"State":"printed"`) {
			t.Errorf("issue %d: %d %s", i, r.Status, r.Body)
		}
	}
	if n := len(sim.Jobs()); n != len(bodies) {
		t.Errorf("the printer got %d jobs, want %d", n, len(bodies))
	}
	m := string(e.do("GET", "/metrics", nil, nil).Body)
	if want := `fiscald_issue_print_jobs_total{printer="counter",state="printed"} 4`; !strings.Contains(m, want) {
		t.Errorf("metrics lack %s", want)
	}
}
