package serialport

import (
	"context"
	"fmt"

	"go.bug.st/serial"
)

// Open opens the port cfg selects, takes its exclusive lock and applies the
// line settings. Errors wrap ErrInvalidConfig, ErrNotFound, ErrAmbiguous,
// ErrBusy or ErrNotSerial, and device.ErrUnavailable when retrying later may
// succeed (unplugged, held by another process).
//
// Open does not block on the device; ctx is checked between its steps.
func Open(ctx context.Context, cfg Config) (*Port, error) {
	return open(ctx, cfg, enumerate)
}

// open is Open with the enumerator as a parameter, for tests.
func open(ctx context.Context, cfg Config, list lister) (*Port, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	mode, err := cfg.mode()
	if err != nil {
		return nil, err
	}
	path := cfg.Path
	if path == "" {
		if path, err = resolveUSB(cfg.USB, list); err != nil {
			return nil, err
		}
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("serialport: open %s: %w", path, err)
	}
	file, err := lockPort(path)
	if err != nil {
		return nil, err
	}
	lib, err := serial.Open(path, mode)
	if err != nil {
		file.Close()
		return nil, openError(path, err)
	}
	return &Port{path: path, lib: lib, file: file}, nil
}
