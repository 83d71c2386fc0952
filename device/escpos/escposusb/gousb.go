package escposusb

import (
	"cmp"
	"context"
	"fmt"
	"slices"

	"github.com/google/gousb"
)

// The adapter from gousb to bus, usbDevice and pipe. It is kept free of
// decisions: tests cannot reach it (devices.md §6.4), so everything that
// can go wrong in logic lives above it.

// openBus starts a libusb context. gousb.NewContext panics when
// libusb_init fails; the panic becomes an error here.
func openBus() (b bus, err error) {
	defer func() {
		if r := recover(); r != nil {
			if e, ok := r.(error); ok {
				err = e
			} else {
				err = fmt.Errorf("libusb_init: %v", r)
			}
		}
	}()
	return gousbBus{gousb.NewContext()}, nil
}

type gousbBus struct{ ctx *gousb.Context }

func (b gousbBus) open(vid, pid uint16) ([]usbDevice, error) {
	devs, err := b.ctx.OpenDevices(func(d *gousb.DeviceDesc) bool {
		return d.Vendor == gousb.ID(vid) && d.Product == gousb.ID(pid)
	})
	out := make([]usbDevice, len(devs))
	for i, d := range devs {
		out[i] = gousbDevice{d}
	}
	return out, err
}

func (b gousbBus) close() error { return b.ctx.Close() }

type gousbDevice struct{ dev *gousb.Device }

func (d gousbDevice) serialNumber() (string, error) { return d.dev.SerialNumber() }

func (d gousbDevice) close() error { return d.dev.Close() }

func (d gousbDevice) configs() []configDesc {
	var cfgs []configDesc
	for _, c := range d.dev.Desc.Configs {
		cd := configDesc{Number: c.Number}
		for _, intf := range c.Interfaces {
			for _, alt := range intf.AltSettings {
				sd := settingDesc{
					Interface: alt.Number, Alternate: alt.Alternate,
					Class: uint8(alt.Class), SubClass: uint8(alt.SubClass), Protocol: uint8(alt.Protocol),
				}
				for _, e := range alt.Endpoints {
					sd.Endpoints = append(sd.Endpoints, endpointDesc{
						Address: uint8(e.Address), Type: transferTypeOf(e.TransferType), MaxPacketSize: e.MaxPacketSize,
					})
				}
				// gousb keeps endpoints in a map: sort for a stable choice.
				slices.SortFunc(sd.Endpoints, func(a, b endpointDesc) int { return cmp.Compare(a.Address, b.Address) })
				cd.Settings = append(cd.Settings, sd)
			}
		}
		cfgs = append(cfgs, cd)
	}
	return cfgs
}

func transferTypeOf(t gousb.TransferType) transferType {
	switch t {
	case gousb.TransferTypeBulk:
		return transferBulk
	case gousb.TransferTypeInterrupt:
		return transferInterrupt
	case gousb.TransferTypeIsochronous:
		return transferIsochronous
	}
	return transferControl
}

func (d gousbDevice) claim(sel selection) (pipe, error) {
	if err := d.dev.SetAutoDetach(true); err != nil {
		return nil, err
	}
	cfg, err := d.dev.Config(sel.Config)
	if err != nil {
		return nil, err
	}
	// gousb v1.1.3 looks up alternate settings at Interfaces[number],
	// which panics when interface numbers have gaps.
	if sel.Interface >= len(cfg.Desc.Interfaces) {
		_ = cfg.Close()
		return nil, fmt.Errorf("gousb cannot claim interface %d of a configuration with %d interfaces", sel.Interface, len(cfg.Desc.Interfaces))
	}
	intf, err := cfg.Interface(sel.Interface, sel.Alternate)
	if err != nil {
		_ = cfg.Close()
		return nil, err
	}
	p := &gousbPipe{cfg: cfg, intf: intf}
	if p.out, err = intf.OutEndpoint(int(sel.Out.Address & 0x0f)); err != nil {
		_ = p.close()
		return nil, err
	}
	if sel.HasIn {
		if p.in, err = intf.InEndpoint(int(sel.In.Address & 0x0f)); err != nil {
			_ = p.close()
			return nil, err
		}
	}
	return p, nil
}

type gousbPipe struct {
	cfg  *gousb.Config
	intf *gousb.Interface
	out  *gousb.OutEndpoint
	in   *gousb.InEndpoint
}

func (p *gousbPipe) write(ctx context.Context, b []byte) (int, error) {
	return p.out.WriteContext(ctx, b)
}

func (p *gousbPipe) read(ctx context.Context, b []byte) (int, error) { return p.in.ReadContext(ctx, b) }

func (p *gousbPipe) close() error {
	p.intf.Close()
	return p.cfg.Close()
}
