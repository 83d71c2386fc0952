package main

import (
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/fiscald/fiscald/device"
	"github.com/fiscald/fiscald/device/cryptoki"
	"github.com/fiscald/fiscald/device/signsim"
	"github.com/fiscald/fiscald/internal/config"
	"github.com/fiscald/fiscald/internal/devicemetrics"
)

// devices are the attached signature devices, instrumented, and the
// PKCS#11 libraries they share (one per path: a library's state is
// process-wide).
type devices struct {
	signers []device.Signer
	tokens  []*cryptoki.Signer
	modules map[string]*cryptoki.Module
}

// openDevices attaches every configured signer. A PKCS#11 token that
// cannot be reached does not stop the daemon (its registers sell in
// failed mode and the driver keeps trying); a wrong configuration does.
func openDevices(cfgs []config.Signer, deadline time.Duration, log *slog.Logger, dm *devicemetrics.Metrics, faults func(cryptoki.API) cryptoki.API) (_ *devices, err error) {
	d := &devices{modules: map[string]*cryptoki.Module{}}
	defer func() {
		if err != nil {
			d.Close()
		}
	}()
	for _, sc := range cfgs {
		var s device.Signer
		switch sc.Kind {
		case "pkcs11":
			tok, err := d.openToken(sc, deadline, log, faults)
			if err != nil {
				return nil, err
			}
			s = tok
		default:
			sim, err := signsim.Open(sc.Name, sc.KeyFile)
			if err != nil {
				return nil, err
			}
			s = sim
		}
		d.signers = append(d.signers, dm.Wrap(s))
	}
	return d, nil
}

func (d *devices) openToken(sc config.Signer, deadline time.Duration, log *slog.Logger, faults func(cryptoki.API) cryptoki.API) (*cryptoki.Signer, error) {
	p := sc.PKCS11
	pin, err := p.ReadPIN()
	if err != nil {
		return nil, fmt.Errorf("signer %s: %w", sc.Name, err)
	}
	id, err := hex.DecodeString(p.KeyID)
	if err != nil {
		return nil, fmt.Errorf("signer %s: key id: %w", sc.Name, err)
	}
	m := d.modules[p.Module]
	if m == nil {
		if m, err = cryptoki.Load(p.Module, cryptoki.ModuleOptions{Wrap: faults, Log: log.With("component", "pkcs11")}); err != nil {
			return nil, fmt.Errorf("signer %s: %w", sc.Name, err)
		}
		d.modules[p.Module] = m
	}
	tok, err := m.Open(cryptoki.Config{
		Name:          sc.Name,
		TokenSelector: cryptoki.TokenSelector{TokenLabel: p.TokenLabel, TokenSerial: p.TokenSerial},
		KeySelector:   cryptoki.KeySelector{KeyLabel: p.KeyLabel, KeyID: id},
		PIN:           pin, Sessions: p.Sessions, Deadline: deadline,
		Log: log.With("component", "pkcs11"),
	})
	if err != nil {
		return nil, fmt.Errorf("signer %s: %w", sc.Name, err)
	}
	d.tokens = append(d.tokens, tok)
	if h := tok.Health(); h.State == device.StateFailed {
		log.Warn("signature device not reachable at start; receipts will be marked until it is", "device", sc.Name, "err", h.LastError)
		if errors.Is(h.LastError, device.ErrAuth) {
			log.Error("the token refused the PIN; fiscald will not retry it: fix the PIN and restart", "device", sc.Name)
		}
	}
	return tok, nil
}

// Close detaches the tokens and unloads their libraries.
func (d *devices) Close() {
	for _, t := range d.tokens {
		t.Close()
	}
	for _, m := range d.modules {
		m.Close()
	}
}
