package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/fiscald/fiscald/device/paysandbox"
	"github.com/fiscald/fiscald/fiscal"
	"github.com/fiscald/fiscald/fiscal/at"
	"github.com/fiscald/fiscald/fiscal/issue"
	"github.com/fiscald/fiscald/fiscal/payment"
	"github.com/fiscald/fiscald/httpapi"
	"github.com/fiscald/fiscald/internal/config"
	"github.com/fiscald/fiscald/internal/devicemetrics"
	"github.com/fiscald/fiscald/internal/printjob"
	"github.com/fiscald/fiscald/internal/sdnotify"
	"github.com/fiscald/fiscald/journal"
)

// shutdownGrace bounds the drain on SIGTERM; the whole stop stays within
// the 10 s a supervisor waits.
const shutdownGrace = 8 * time.Second

// daemon is the assembled process: every component in dependency order.
type daemon struct {
	cfg     *config.Config
	log     *slog.Logger
	db      *journal.DB
	svc     *fiscal.Service
	api     *httpapi.Server
	reg     *prometheus.Registry
	devices *devices
	demo    *demo
	flags   flags
	terms   *payTerminals
	payment *payment.Service
	prints  *printers
	issues  *issue.Service
}

// build opens the journal, attaches the devices, restores the service and
// provisions the CashBoxes.
func build(cfg *config.Config, f flags, log *slog.Logger) (_ *daemon, err error) {
	d := &daemon{cfg: cfg, log: log, reg: prometheus.NewRegistry(), flags: f}
	d.reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	d.reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "fiscald_build_info", Help: "Build information.", ConstLabels: prometheus.Labels{"version": version},
	}, func() float64 { return 1 }))

	d.db, err = journal.Open(filepath.Join(cfg.Data, "journal"), journal.Options{Logger: log, Metrics: journal.NewMetrics(d.reg)})
	if errors.Is(err, journal.ErrLocked) {
		return nil, fmt.Errorf("data directory %s is in use by another fiscald", cfg.Data)
	}
	if err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			d.db.Close()
		}
	}()
	var specs []fiscal.CashBoxSpec
	var signerCfgs []config.Signer
	if f.demo {
		var token *config.PKCS11
		if f.pkcs11.Module != "" {
			token = &f.pkcs11
		}
		d.demo, err = openDemo(cfg.Data, f.demoCashboxes, token)
		if err != nil {
			return nil, err
		}
		signerCfgs = d.demo.signers()
	} else {
		signerCfgs = cfg.Signers
		if specs, err = cashboxSpecs(cfg); err != nil {
			return nil, err
		}
	}
	d.devices, err = openDevices(signerCfgs, cfg.DeviceDeadline, log, devicemetrics.New(d.reg), f.faults)
	if err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			d.devices.Close()
		}
	}()
	if d.demo != nil {
		specs = d.demo.specs(d.devices.signers)
	}
	markets := []fiscal.Market{at.New(at.Options{Signers: d.devices.signers, DeviceDeadline: cfg.DeviceDeadline,
		Log: log.With("component", "at"), Metrics: d.reg})}
	d.svc, err = fiscal.NewService(fiscal.Options{DB: d.db, Markets: markets, Log: log.With("component", "fiscal"),
		Metrics: fiscal.NewMetrics(d.reg), Version: version})
	if err != nil {
		return nil, err
	}
	var ids []string
	for _, sp := range specs {
		cb, created, err := d.svc.Provision(sp)
		if err != nil {
			return nil, err
		}
		if created {
			log.Info("cashbox provisioned", "cashbox_id", cb.ID, "sandbox", cb.Sandbox)
		}
		ids = append(ids, cb.ID)
	}
	for _, id := range d.svc.Retain(ids) {
		log.Warn("cashbox is no longer configured: it keeps its journal but cannot authenticate", "cashbox_id", id)
	}
	if err := d.openPayments(ids); err != nil {
		return nil, err
	}
	d.svc.SetPayItems(d.payment)
	if err := d.openIssues(ids); err != nil {
		d.terms.Close()
		return nil, err
	}
	var gatherer prometheus.Gatherer = d.reg
	if cfg.MetricsListen != "" {
		gatherer = nil
	}
	d.api = httpapi.New(httpapi.Options{Service: d.svc, Payments: d.payment, Issues: d.issues, Log: log.With("component", "http"), Registry: d.reg, Gatherer: gatherer,
		Throttle: httpapi.ThrottleOptions{Failures: cfg.Auth.Failures, Window: cfg.Auth.Window, Block: cfg.Auth.Block}})
	return d, nil
}

// openPayments builds the payment terminals and the /v2/pay service for
// the provisioned CashBoxes (ids, in spec order). Sandbox CashBoxes also
// get the sandbox provider (Protocol "test"); in the demo every CashBox
// pays through the in-process ZVT simulator as well.
func (d *daemon) openPayments(ids []string) (err error) {
	scale := d.flags.simTimeScale
	if scale <= 0 {
		scale = 1
	}
	d.terms, err = openPayTerminals(d.cfg.PaymentTerminals, d.log)
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			d.terms.Close()
		}
	}()
	names := map[string][]string{}
	if d.demo != nil {
		if err := d.terms.startDemoSim(d.cfg.Data, scale); err != nil {
			return fmt.Errorf("demo payment terminal: %w", err)
		}
		for _, id := range ids {
			names[id] = []string{demoTerminal}
		}
	} else {
		used := map[string]bool{}
		for i, cb := range d.cfg.CashBoxes {
			names[ids[i]] = cb.PaymentTerminals
			for _, n := range cb.PaymentTerminals {
				used[n] = true
			}
		}
		for _, t := range d.cfg.PaymentTerminals {
			if !used[t.Name] {
				d.log.Warn("payment terminal is used by no CashBox", "terminal", t.Name)
			}
		}
	}
	d.payment, err = payment.New(payment.Options{
		Fiscal: d.svc, DB: d.db, Terminals: d.terms.route(names),
		Sandbox:     paysandbox.New(paysandbox.Options{Name: payment.SandboxName, TimeScale: scale, Log: d.log.With("component", "paysandbox")}),
		Limit:       d.cfg.PaymentLimit,
		ResolveWait: d.flags.payResolveWait,
		Registry:    d.reg, Log: d.log.With("component", "payment"),
	})
	return err
}

// openIssues builds the printers and the /v2/issue service for the
// provisioned CashBoxes (ids, in spec order): in the demo every CashBox
// prints on the simulated demo printer.
func (d *daemon) openIssues(ids []string) (err error) {
	d.prints, err = openPrinters(d.cfg.Printers, d.log)
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			d.prints.Close()
		}
	}()
	byCashBox := map[string]*issue.Printer{}
	var kept func(string, []byte)
	if d.demo != nil {
		scale := d.flags.simTimeScale
		if scale <= 0 {
			scale = 1
		}
		if err := d.prints.startDemoSim(d.cfg.Data, scale); err != nil {
			return fmt.Errorf("demo printer: %w", err)
		}
		for _, id := range ids {
			byCashBox[id] = d.prints.byName[demoPrinter]
		}
		kept = d.prints.keep
	} else {
		for i, cb := range d.cfg.CashBoxes {
			if cb.Printer != "" {
				byCashBox[ids[i]] = d.prints.byName[cb.Printer]
			}
		}
	}
	d.issues, err = issue.New(issue.Options{Fiscal: d.svc, DB: d.db, Printers: byCashBox, Encode: printjob.Encode, Kept: kept, PublicURL: d.cfg.PublicURL,
		Registry: d.reg, Log: d.log.With("component", "issue")})
	return err
}

// cashboxSpecs turns the configuration's CashBoxes into provisioning specs.
func cashboxSpecs(cfg *config.Config) ([]fiscal.CashBoxSpec, error) {
	var out []fiscal.CashBoxSpec
	for _, cb := range cfg.CashBoxes {
		sp := fiscal.CashBoxSpec{ID: cb.ID, TokenHash: cb.AccessTokenHash, Sandbox: cb.Sandbox}
		for _, q := range cb.Queues {
			country, err := fiscal.ParseCountry(q.Country)
			if err != nil {
				return nil, err
			}
			params, err := json.Marshal(q.AT)
			if err != nil {
				return nil, err
			}
			sp.Queues = append(sp.Queues, fiscal.QueueSpec{ID: q.ID, Country: country, Params: params})
		}
		out = append(out, sp)
	}
	return out, nil
}

// endpoint is one bound listener and the server for it.
type endpoint struct {
	ln  net.Listener
	srv *http.Server
}

// listen binds every listener before anything starts: the API, and the
// optional metrics and debug addresses. On failure nothing stays bound.
func (d *daemon) listen() ([]endpoint, error) {
	type want struct {
		addr string
		srv  *http.Server
	}
	wants := []want{{d.cfg.Listen, d.api.HTTPServer()}}
	if d.cfg.MetricsListen != "" {
		wants = append(wants, want{d.cfg.MetricsListen, metricsServer(d.reg)})
	}
	if d.flags.debugListen != "" {
		host, _, _ := net.SplitHostPort(d.flags.debugListen)
		if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
			return nil, errors.New("--debug-listen must be a loopback address")
		}
		wants = append(wants, want{d.flags.debugListen, debugServer()})
	}
	var eps []endpoint
	for _, w := range wants {
		ln, err := net.Listen("tcp", w.addr)
		if err != nil {
			for _, ep := range eps {
				ep.ln.Close()
			}
			return nil, fmt.Errorf("listen %s: %w", w.addr, err)
		}
		eps = append(eps, endpoint{ln, w.srv})
	}
	return eps, nil
}

// serve binds the listeners, starts the queues and serves until ctx ends,
// then shuts down in reverse order.
func (d *daemon) serve(ctx context.Context) error {
	defer d.db.Close()
	eps, err := d.listen()
	if err != nil {
		d.terms.Close()
		d.prints.Close()
		return err
	}
	if err := d.svc.Start(); err != nil {
		for _, ep := range eps {
			ep.ln.Close()
		}
		d.terms.Close()
		d.prints.Close()
		return err
	}
	d.payment.Start()
	d.issues.Start()
	d.terms.startProbes()
	errc := make(chan error, len(eps))
	for _, ep := range eps {
		go func() { errc <- ep.srv.Serve(ep.ln) }()
	}
	api := eps[0].ln.Addr().(*net.TCPAddr)
	d.log.Info("fiscald listening", "addr", api.String(), "version", version)
	if _, err := sdnotify.Notify("READY=1"); err != nil {
		d.log.Warn("systemd notification failed", "err", err)
	}
	if d.demo != nil {
		creds, err := d.demo.writeCredentials(api, d.demoPayInfo())
		if err != nil {
			d.log.Error("demo credentials not written", "err", err)
		} else {
			fmt.Printf("demo credentials (also in %s):\n%s", filepath.Join(d.cfg.Data, credentialsFile), creds)
		}
	}
	var serveErr error
	select {
	case <-ctx.Done():
	case serveErr = <-errc:
	}
	d.log.Info("shutting down")
	sdnotify.Notify("STOPPING=1")
	sctx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	// Payments are aborted while the HTTP drain runs: a /v2/pay request
	// may wait minutes for its terminal and would hold the drain.
	payDone := make(chan struct{})
	go func() { d.payment.Close(payCloseWait); close(payDone) }()
	for _, ep := range eps {
		if err := ep.srv.Shutdown(sctx); err != nil {
			d.log.Warn("HTTP drain incomplete", "err", err)
		}
	}
	<-payDone
	d.issues.Close()
	d.svc.Close()
	d.prints.Close()
	d.terms.Close() // ends terminal calls still running
	select {
	case <-d.payment.Done(): // nothing writes to the journal after this
	case <-time.After(payCloseWait):
		d.log.Error("payment goroutines did not end after their terminals were closed")
	}
	d.devices.Close()
	if serveErr != nil && !errors.Is(serveErr, http.ErrServerClosed) {
		return serveErr
	}
	return nil
}
