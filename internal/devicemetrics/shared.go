package devicemetrics

import (
	"errors"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/fiscald/fiscald/device"
)

// Register adds a collector to reg; one registered already (a device
// shared by several CashBoxes) is fine, any other error is a programming
// error.
func Register(reg prometheus.Registerer, c prometheus.Collector) {
	var are prometheus.AlreadyRegisteredError
	if err := reg.Register(c); err != nil && !errors.As(err, &are) {
		panic(err)
	}
}

// Up is a gauge that is 1 while the device's health is not failed, read
// at every scrape.
func Up(name, help string, labels prometheus.Labels, health func() device.Health) prometheus.Collector {
	return prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: name, Help: help, ConstLabels: labels}, func() float64 {
		if health().State == device.StateFailed {
			return 0
		}
		return 1
	})
}
