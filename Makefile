# fiscald — see README.md. `make run` starts the demo, `make test` installs
# what the tests need and runs all of them.

GO       ?= go
DATA     ?= $(CURDIR)/.demo-data
LISTEN   ?= 127.0.0.1:8480
VERSION  ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS  := -X main.version=$(VERSION)
SHARED   := $(abspath $(CURDIR)/../shared)
# USB printers need libusb (cgo): the daemon gets them when its headers are
# installed (make deps does), and builds without them otherwise. Expanded
# when used, so that a deps run before it counts.
TAGS      = $(shell pkg-config --exists libusb-1.0 2>/dev/null && echo usb)

.PHONY: build run test deps bench clean

build:
	$(GO) build -tags "$(TAGS)" -ldflags "$(LDFLAGS)" -o bin/fiscald ./cmd/fiscald
	$(GO) build -tags "$(TAGS)" -ldflags "$(LDFLAGS)" -o bin/fiscalctl ./cmd/fiscalctl

run: build
	bin/fiscald --demo --data "$(DATA)" --listen "$(LISTEN)"

# deps installs the system packages tests need (as root, via apt-get):
# Java 17 runs the official RKSV Prüftool; SoftHSM2 is the PKCS#11 token the
# signer driver is tested against; socat makes pty pairs; libusb and
# pkg-config build the USB printer transport (gousb, cgo).
DEB_PACKAGES := softhsm2 socat libusb-1.0-0-dev pkg-config
deps:
	@missing=""; \
	command -v java >/dev/null 2>&1 || missing="$$missing openjdk-17-jre-headless"; \
	for p in $(DEB_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
		echo "installing$$missing"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	fi

test: deps build
	gofmt -l . | (! grep .) || { echo "gofmt would change the files above"; exit 1; }
	$(GO) vet -tags usb ./...
	@# The fiscal core stays free of cgo; only the device drivers need it.
	CGO_ENABLED=0 $(GO) build ./device ./device/signsim ./journal/... ./fiscal/... ./httpapi/... ./internal/config
	$(GO) test -race -count=1 -tags usb ./...
	@if [ -f "$(SHARED)/contract/check_demo_contract.py" ]; then \
		python3 "$(SHARED)/contract/check_demo_contract.py"; \
	else echo "demo contract check skipped: $(SHARED) not found"; fi

# bench measures durable /v2/sign throughput against the two ceilings it
# cannot beat (internal/benchtool; not part of make test). BENCH_SECONDS=N
# bounds each phase (default 10); BENCH_CASHBOXES and BENCH_TERMINALS size
# the load (16 × 4). It also signs through a SoftHSM2 token (8 CashBoxes
# sharing it) and prints pkcs11_ratio=<receipts/s ÷ the token's raw rate>
# before the last line, ratio=<receipts/s ÷ lower ceiling>.
bench: deps build
	$(GO) test -run '^$$' -bench . -benchmem -benchtime=1s ./journal ./fiscal/at ./httpapi/wire ./fiscal/at/rksv ./httpapi ./device/cryptoki
	GO="$(GO)" $(GO) run ./internal/benchtool

clean:
	rm -rf bin
