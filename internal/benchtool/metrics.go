package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// The daemon's latency histograms that split a /v2/sign request's time.
const (
	metricHandler = "fiscald_http_request_duration_seconds" // route="/v2/sign"
	metricSync    = "fiscald_journal_sync_duration_seconds" // apply → WAL synced
	metricSign    = "fiscald_device_sign_duration_seconds"  // summed over devices
)

// histSums are the _sum and _count of the histograms above.
type histSums map[string]struct{ sum, count float64 }

// scrapeMetrics reads fiscald's /metrics (served on the API listener in
// demo mode) and keeps the sums and counts of the three histograms.
func scrapeMetrics(ctx context.Context, client *http.Client, url string) (histSums, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, fmt.Errorf("metrics: %w", err)
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("metrics: %w", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseBytes))
	if err != nil {
		return nil, fmt.Errorf("metrics: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("metrics: HTTP %d", resp.StatusCode)
	}
	return parseHistSums(body)
}

// parseHistSums picks the histogram sums out of the text exposition format.
func parseHistSums(body []byte) (histSums, error) {
	out := histSums{}
	sc := bufio.NewScanner(bytes.NewReader(body))
	for sc.Scan() {
		line := sc.Text()
		series, value, ok := strings.Cut(line, " ")
		if !ok || strings.HasPrefix(line, "#") {
			continue
		}
		name, labels, _ := strings.Cut(series, "{")
		base, isSum := strings.CutSuffix(name, "_sum")
		if !isSum {
			var isCount bool
			if base, isCount = strings.CutSuffix(name, "_count"); !isCount {
				continue
			}
		}
		switch {
		case base == metricHandler && strings.Contains(labels, `route="/v2/sign"`):
		case base == metricSync, base == metricSign:
		default:
			continue
		}
		v, err := strconv.ParseFloat(value, 64)
		if err != nil {
			return nil, fmt.Errorf("metrics: %s: %w", series, err)
		}
		h := out[base]
		if isSum {
			h.sum += v
		} else {
			h.count += v
		}
		out[base] = h
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("metrics: %w", err)
	}
	return out, nil
}

// meanSince is the mean of a histogram's observations between two scrapes.
func (h histSums) meanSince(before histSums, name string) (time.Duration, bool) {
	a, b := before[name], h[name]
	n := b.count - a.count
	if n <= 0 {
		return 0, false
	}
	return time.Duration((b.sum - a.sum) / n * float64(time.Second)), true
}

// serverTimes split the mean time of a /v2/sign request inside fiscald.
type serverTimes struct {
	handler, sync, sign time.Duration
	err                 error
}

// serverTimesBetween takes the means between two scrapes.
func serverTimesBetween(before, after histSums, err error) serverTimes {
	if err != nil {
		return serverTimes{err: err}
	}
	var t serverTimes
	var ok [3]bool
	t.handler, ok[0] = after.meanSince(before, metricHandler)
	t.sync, ok[1] = after.meanSince(before, metricSync)
	t.sign, ok[2] = after.meanSince(before, metricSign)
	if !ok[0] || !ok[1] || !ok[2] {
		t.err = fmt.Errorf("metrics: %s, %s or %s did not move", metricHandler, metricSync, metricSign)
	}
	return t
}
