package main

import (
	"context"
	"fmt"
	"image/png"
	"log/slog"
	"os"
	"path/filepath"

	"github.com/fiscald/fiscald/device/escpos"
	"github.com/fiscald/fiscald/device/escpos/escposdial"
	"github.com/fiscald/fiscald/device/escpos/escpossim"
	"github.com/fiscald/fiscald/device/serialport"
	"github.com/fiscald/fiscald/fiscal/issue"
	"github.com/fiscald/fiscald/internal/config"
)

// demoPrinter names the demo's simulated receipt printer; its jobs are
// kept under DIR/printer.
const (
	demoPrinter    = "demo-printer"
	demoPrinterDir = "printer"
)

// printers are the receipt printers: an ESC/POS driver per configured
// printer, and in the demo the simulator the demo printer dials.
type printers struct {
	log     *slog.Logger
	byName  map[string]*issue.Printer
	drivers []*escpos.Printer
	sim     *escpossim.Listener
	// keepDir, if set, receives each job and its rendering (demo).
	keepDir string
}

// openPrinters builds a driver per configured printer; nothing is
// dialled before the first job.
func openPrinters(cfgs []config.Printer, log *slog.Logger) (*printers, error) {
	p := &printers{log: log.With("component", "printer"), byName: map[string]*issue.Printer{}}
	for _, c := range cfgs {
		var dial func(context.Context) (escpos.Stream, error)
		switch {
		case c.TCP != "":
			dial = escposdial.TCP(c.TCP, 0)
		case c.Serial != nil:
			sc := serialport.Config{Path: c.Serial.Path, BaudRate: c.Serial.Baud}
			if u := c.Serial.USB; u != nil {
				vid, pid, err := u.IDs()
				if err != nil {
					return nil, fmt.Errorf("printer %s: usb %w", c.Name, err)
				}
				sc.USB = serialport.USBID{VID: vid, PID: pid, Serial: u.Serial}
			}
			dial = escposdial.Serial(sc)
		default:
			d, err := usbDial(c)
			if err != nil {
				return nil, err
			}
			dial = d
		}
		p.add(c.Name, dial, c.Columns)
	}
	return p, nil
}

func (p *printers) add(name string, dial func(context.Context) (escpos.Stream, error), columns int) {
	drv := escpos.New(dial, escpos.Options{Name: name, Log: p.log})
	p.drivers = append(p.drivers, drv)
	p.byName[name] = &issue.Printer{Name: name, Device: drv, Columns: columns}
}

// startDemoSim starts the printer simulator on a free loopback port and
// adds the demo printer that prints on it; every job is kept in
// dir/printer as <queueItemId>.escpos with its rendering as .png.
func (p *printers) startDemoSim(dir string, scale float64) error {
	sim, err := escpossim.New(escpossim.Options{TimeScale: scale, Log: p.log})
	if err != nil {
		return err
	}
	l, err := sim.ListenTCP(context.Background(), "127.0.0.1:0")
	if err != nil {
		return err
	}
	p.sim = l
	p.keepDir = filepath.Join(dir, demoPrinterDir)
	if err := os.MkdirAll(p.keepDir, 0o700); err != nil {
		return err
	}
	p.add(demoPrinter, escposdial.TCP(l.Addr().String(), 0), config.DefaultPrinterColumns)
	p.log.Info("demo printer: ESC/POS simulator", "printer", demoPrinter, "addr", l.Addr().String(), "jobs", p.keepDir)
	return nil
}

// keep writes a job's bytes and their rendering (demo).
func (p *printers) keep(itemID string, data []byte) {
	base := filepath.Join(p.keepDir, itemID)
	if err := os.WriteFile(base+".escpos", data, 0o600); err != nil {
		p.log.Warn("print job not kept", "err", err)
		return
	}
	img, err := escpossim.Render(data)
	if err != nil {
		p.log.Warn("print job not rendered", "err", err)
		return
	}
	f, err := os.Create(base + ".png")
	if err != nil {
		p.log.Warn("print job not rendered", "err", err)
		return
	}
	defer f.Close()
	if err := png.Encode(f, img); err != nil {
		p.log.Warn("print job not rendered", "err", err)
	}
}

// Close ends the drivers (and what still runs on them) and stops the
// demo simulator.
func (p *printers) Close() {
	for _, d := range p.drivers {
		d.Close()
	}
	if p.sim != nil {
		p.sim.Close()
	}
}
