package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"time"
)

const (
	// maxProfileBytes bounds the saved CPU profile.
	maxProfileBytes = 256 << 20
	// pprofTimeout bounds one `go tool pprof` run.
	pprofTimeout = 2 * time.Minute
	// topFunctions is how many functions the report lists.
	topFunctions = 15
)

// profileResult is the CPU profile taken during the load phase.
type profileResult struct {
	path string
	err  error
}

// takeProfile fetches a CPU profile of the given length from fiscald's
// pprof endpoint (--debug-listen) and saves it at path.
func takeProfile(ctx context.Context, debugURL string, seconds int, path string) profileResult {
	client := &http.Client{
		Transport: &http.Transport{Proxy: nil},
		Timeout:   time.Duration(seconds)*time.Second + 30*time.Second,
	}
	defer client.CloseIdleConnections()
	url := fmt.Sprintf("%s/debug/pprof/profile?seconds=%d", debugURL, seconds)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return profileResult{err: fmt.Errorf("cpu profile: %w", err)}
	}
	resp, err := client.Do(req)
	if err != nil {
		return profileResult{err: fmt.Errorf("cpu profile: %w", err)}
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		return profileResult{err: fmt.Errorf("cpu profile: HTTP %d: %s", resp.StatusCode, msg)}
	}
	f, err := os.Create(path)
	if err != nil {
		return profileResult{err: fmt.Errorf("cpu profile: %w", err)}
	}
	_, err = io.Copy(f, io.LimitReader(resp.Body, maxProfileBytes))
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return profileResult{err: fmt.Errorf("cpu profile: save %s: %w", path, err)}
	}
	return profileResult{path: path}
}

// pprofTop runs `go tool pprof -top` on a profile, sorted by flat time or,
// with cum, by cumulative time, and returns its output.
func pprofTop(ctx context.Context, goCmd, path string, cum bool) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, pprofTimeout)
	defer cancel()
	args := []string{"tool", "pprof", "-top", fmt.Sprintf("-nodecount=%d", topFunctions)}
	if cum {
		args = append(args, "-cum")
	}
	out, err := exec.CommandContext(ctx, goCmd, append(args, path)...).CombinedOutput()
	if err != nil {
		return string(out), fmt.Errorf("%s %v: %w", goCmd, args, err)
	}
	return string(out), nil
}
