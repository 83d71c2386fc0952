package device

import "context"

// Printer is a receipt printer (ESC/POS over USB, serial or TCP). A job
// counts as printed only once the printer confirms it; a job the printer
// could not finish is pending and is never sent again by the driver: a
// duplicate fiscal receipt is worse than a late one (devices.md §3.6).
type Printer interface {
	// Print checks the printer's status, sends the job and waits for the
	// printer's confirmation. It returns PrintFailed with nothing sent
	// when the printer refused up front (paper out, cover open, offline,
	// unreachable), PrintPending when the job was (perhaps partly) sent
	// but not confirmed, PrintPrinted once confirmed.
	Print(ctx context.Context, job PrintJob) (PrintResult, error)
	// Check asks again about a pending job: printed once the printer's
	// late confirmation arrived, failed with Cleared once the printer
	// confirmed that it discarded the job, pending otherwise.
	Check(ctx context.Context, jobID string) (PrintResult, error)
	// Health reports the printer's state without blocking on it.
	Health() Health
}

// JobAdopter is a Printer that can follow a pending job an earlier run of
// the daemon sent: after Adopt, Check reports it like one of its own.
type JobAdopter interface {
	Adopt(jobID string)
}

// PrintJob is one receipt to print.
type PrintJob struct {
	// ID names the job: 4 characters of 0x20–0x7E, unique among the
	// printer's recent jobs (ESC/POS GS ( H echoes it when printed).
	ID string
	// Data is the receipt in the printer's language (ESC/POS), without
	// the driver's framing (initialise, confirmation request).
	Data []byte
}

// PrintState is where a job stands.
type PrintState uint8

// States of a print job.
const (
	PrintPrinted PrintState = iota + 1
	PrintPending
	PrintFailed
)

func (s PrintState) String() string {
	switch s {
	case PrintPrinted:
		return "printed"
	case PrintPending:
		return "pending"
	case PrintFailed:
		return "failed"
	}
	return "unknown"
}

// PrintResult is what the printer reported about a job.
type PrintResult struct {
	State PrintState
	// Detail says why a job is pending or failed ("paper out", "cover
	// open", "offline", "unreachable", "not confirmed in time").
	Detail string
	// Cleared: the printer confirmed that it discarded the job's data,
	// so sending it again cannot print it twice.
	Cleared bool
}
