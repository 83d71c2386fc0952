package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/fiscald/fiscald/device"
	"github.com/fiscald/fiscald/device/serialport"
	"github.com/fiscald/fiscald/device/zvt"
	"github.com/fiscald/fiscald/device/zvt/zvtsim"
	"github.com/fiscald/fiscald/device/zvtdial"
	"github.com/fiscald/fiscald/fiscal/payment"
	"github.com/fiscald/fiscald/internal/config"
)

const (
	// zvtConnectTimeout bounds a TCP connect to a terminal.
	zvtConnectTimeout = 3 * time.Second
	// probeTimeout bounds one status enquiry, the wait for a terminal
	// busy with a payment included: a probe that cannot get the terminal
	// in time is skipped, not counted as a failure.
	probeTimeout = 10 * time.Second
	// payCloseWait bounds the wait for running payments at shutdown.
	payCloseWait = 5 * time.Second
	// demoTerminal names the demo's simulated ZVT terminal;
	// demoLedgerFile holds its ledger in the data directory.
	demoTerminal   = "zvt-sim"
	demoLedgerFile = "zvtsim-ledger.json"
)

// payTerminals are the payment terminals: a ZVT driver per configured
// terminal with its probe loop, and in the demo the ZVT simulator the
// demo terminal dials.
type payTerminals struct {
	root   *slog.Logger // the daemon's, for the drivers
	log    *slog.Logger
	byName map[string]*payment.Terminal
	ecrs   []*probedECR
	// addrs are the terminals' addresses, for the demo credentials.
	addrs map[string]string
	sim   *zvtsim.Listener

	cancel context.CancelFunc
	wg     sync.WaitGroup
}

// probedECR is a ZVT terminal and how often to ask for its state.
type probedECR struct {
	name     string
	ecr      *zvt.ECR
	interval time.Duration
}

// openPayTerminals builds a driver per configured terminal. Nothing is
// dialled yet: a driver connects on first use.
func openPayTerminals(cfgs []config.PaymentTerminal, log *slog.Logger) (*payTerminals, error) {
	p := &payTerminals{root: log, log: log.With("component", "payment"), byName: map[string]*payment.Terminal{}, addrs: map[string]string{}}
	for _, c := range cfgs {
		z := c.ZVT
		var dial func(context.Context) (zvt.Link, error)
		var where string
		switch {
		case z.TCP != "":
			dial, where = zvtdial.TCP(z.TCP, zvtConnectTimeout), "tcp "+z.TCP
		case z.Serial.Path != "":
			dial, where = zvtdial.Serial(serialport.Config{Path: z.Serial.Path}), "serial "+z.Serial.Path
		default:
			vid, pid, err := z.Serial.USB.IDs()
			if err != nil {
				return nil, fmt.Errorf("payment terminal %s: usb %w", c.Name, err)
			}
			id := serialport.USBID{VID: vid, PID: pid, Serial: z.Serial.USB.Serial}
			dial, where = zvtdial.Serial(serialport.Config{USB: id}), "usb "+id.String()
		}
		p.addZVT(c.Name, dial, zvt.ECROptions{Password: z.Password, T3: z.T3, T4: z.T4}, z.ProbeInterval)
		p.addrs[c.Name] = where
		log.Info("payment terminal configured", "terminal", c.Name, "protocol", c.Protocol, "at", where)
	}
	return p, nil
}

// addZVT adds a ZVT terminal; the password in o is never logged.
func (p *payTerminals) addZVT(name string, dial func(context.Context) (zvt.Link, error), o zvt.ECROptions, interval time.Duration) {
	o.Name, o.Log = name, p.root.With("component", "zvt")
	ecr := zvt.NewECR(dial, o)
	p.ecrs = append(p.ecrs, &probedECR{name: name, ecr: ecr, interval: interval})
	p.byName[name] = &payment.Terminal{Name: name, Protocol: payment.ProtocolZVT, Device: ecr}
}

// startDemoSim starts the ZVT simulator on a free loopback port, its
// ledger in dir so that it outlives a crash as a real terminal's does,
// and adds the demo terminal that dials it.
func (p *payTerminals) startDemoSim(dir string, scale float64) error {
	term, err := zvtsim.New(zvtsim.Options{StateFile: filepath.Join(dir, demoLedgerFile), TimeScale: scale,
		Log: p.root.With("component", "zvtsim")})
	if err != nil {
		return err
	}
	l, err := term.ListenTCP(context.Background(), "127.0.0.1:0")
	if err != nil {
		return err
	}
	p.sim = l
	addr := l.Addr().String()
	p.addZVT(demoTerminal, zvtdial.TCP(addr, zvtConnectTimeout), zvt.ECROptions{}, config.DefaultProbeInterval)
	p.addrs[demoTerminal] = addr
	p.log.Info("demo payment terminal: ZVT simulator", "terminal", demoTerminal, "addr", addr, "time_scale", scale)
	return nil
}

// route maps CashBox ids to their terminals by name.
func (p *payTerminals) route(names map[string][]string) map[string][]*payment.Terminal {
	out := map[string][]*payment.Terminal{}
	for id, ns := range names {
		for _, n := range ns {
			out[id] = append(out[id], p.byName[n])
		}
	}
	return out
}

// startProbes starts a status-enquiry loop per ZVT terminal.
func (p *payTerminals) startProbes() {
	ctx, cancel := context.WithCancel(context.Background())
	p.cancel = cancel
	for _, e := range p.ecrs {
		p.wg.Go(func() { p.probe(ctx, e) })
	}
}

// probe asks the terminal for its state every interval (the ZVT
// specification wants it at least once a minute) and logs changes only.
// The driver's health, which fiscald_payment_terminal_up reports,
// follows every exchange by itself.
func (p *payTerminals) probe(ctx context.Context, e *probedECR) {
	last := ""
	t := time.NewTimer(0)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		pctx, cancel := context.WithTimeout(ctx, probeTimeout)
		st, err := e.ecr.Probe(pctx)
		timedOut := pctx.Err() != nil
		cancel()
		if ctx.Err() != nil {
			return
		}
		t.Reset(e.interval)
		var state string
		switch {
		case err == nil && st.Status == zvt.TerminalReady:
			state = "ready"
		case err == nil:
			state = "status " + st.Status.String()
		case e.ecr.Health().State == device.StateFailed:
			state = "unreachable"
		case timedOut && errors.Is(err, context.DeadlineExceeded):
			continue // busy with a transaction: that shows it works
		default:
			state = "refused"
		}
		if state == last {
			continue
		}
		last = state
		if state == "ready" {
			p.log.Info("payment terminal ready", "terminal", e.name)
		} else {
			p.log.Warn("payment terminal not ready", "terminal", e.name, "state", state, "err", err)
		}
	}
}

// Close stops the probes, closes the drivers (aborting what still runs
// on them) and stops the demo simulator.
func (p *payTerminals) Close() {
	if p.cancel != nil {
		p.cancel()
	}
	for _, e := range p.ecrs {
		e.ecr.Close()
	}
	p.wg.Wait()
	if p.sim != nil {
		p.sim.Close()
	}
}

// demoPay is the payment part of demo-credentials.json.
type demoPay struct {
	Terminals []demoPayTerminal `json:"paymentTerminals"`
	Protocols []string          `json:"payProtocols"`
}

type demoPayTerminal struct {
	Name     string `json:"name"`
	Protocol string `json:"protocol"`
	Address  string `json:"address,omitempty"`
}

// demoPayInfo describes the demo's terminals and the Protocol values its
// CashBoxes accept.
func (d *daemon) demoPayInfo() demoPay {
	var out demoPay
	for _, e := range d.terms.ecrs {
		out.Terminals = append(out.Terminals, demoPayTerminal{Name: e.name, Protocol: payment.ProtocolZVT, Address: d.terms.addrs[e.name]})
	}
	out.Terminals = append(out.Terminals, demoPayTerminal{Name: payment.SandboxName, Protocol: payment.ProtocolTest})
	if len(d.demo.entries) > 0 {
		id := strings.ToLower(d.demo.entries[0].CashBoxID)
		for _, cb := range d.svc.CashBoxes() {
			if cb.ID == id {
				out.Protocols = d.payment.Protocols(cb)
			}
		}
	}
	return out
}
