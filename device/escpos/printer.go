package escpos

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/fiscald/fiscald/device"
)

// Errors of the driver.
var (
	// ErrClosed means the Printer was closed.
	ErrClosed = fmt.Errorf("escpos: printer closed: %w", device.ErrUnavailable)
	// ErrUnknownJob means Check was asked about a job the driver did not
	// send, or has forgotten (it keeps pending jobs until they are
	// confirmed, and the last recentJobs confirmed ones, in memory only).
	ErrUnknownJob = errors.New("escpos: unknown job")
)

// recentJobs is how many confirmed job IDs the driver remembers for
// Check. The IDs are 4 characters and recycled by the caller, so a long
// memory would only confuse an old job with a new one.
const recentJobs = 256

// Printer is the ESC/POS driver: a device.Printer over Streams it obtains
// from a dial function. It connects lazily, on the first call and after
// every failure, and runs one call at a time; further callers wait for
// their turn as long as their context allows.
//
// A job goes out as ESC @, the job's data, GS ( H fn 48 with the job's
// ID, and counts as printed only when the printer answers 37 22 ID 00
// (devices.md §3.6). A job that was (perhaps partly) sent but not
// confirmed is pending: the driver remembers it, never sends it again,
// and marks it printed when a late confirmation arrives, as it does when
// paper is replaced and the printer prints what it held.
//
// Clearing a stuck printer's buffer (DLE ENQ 2, DLE DC4 fn 8) is not
// implemented: no printer confirms it reliably (§3.6), so
// device.PrintResult.Cleared is always false and a pending job stays
// pending until printed.
type Printer struct {
	dial func(ctx context.Context) (Stream, error)
	opt  Options
	mon  device.Monitor
	// turn is the single call slot: a channel rather than a mutex so
	// that waiting honours the caller's context.
	turn chan struct{}

	// mu guards the fields below. Only the holder of turn uses link, but
	// Close may take it away at any time.
	mu     sync.Mutex
	link   *link
	closed bool
	// pending maps the ID of each job sent but not confirmed to its line
	// count, which sizes the wait for its confirmation.
	pending map[string]int
	// printed maps the recently confirmed IDs to the sequence number of
	// their confirmation; order lists them oldest first so the oldest can
	// be forgotten (unless its ID was confirmed again since).
	printed map[string]uint64
	order   []confirmation
	seq     uint64
}

// confirmation is one entry of Printer.order.
type confirmation struct {
	id  string
	seq uint64
}

var _ device.Printer = (*Printer)(nil)

// New returns a driver that gets its streams from dial (see package
// escposdial for TCP and serial ports): the driver never opens ports
// itself, and calls dial again after every failure.
func New(dial func(ctx context.Context) (Stream, error), opt Options) *Printer {
	return &Printer{
		dial:    dial,
		opt:     opt.withDefaults(),
		turn:    make(chan struct{}, 1),
		pending: map[string]int{},
		printed: map[string]uint64{},
	}
}

// Health reports the printer as the driver last saw it: failed after a
// dial or link failure or a status request left unanswered, up after
// every answered one (paper out is an answer: the printer is reachable).
// It never blocks.
func (p *Printer) Health() device.Health { return p.mon.Health() }

// Close closes the current stream, aborting a call blocked on it; later
// calls fail with ErrClosed.
func (p *Printer) Close() error {
	p.mu.Lock()
	l := p.link
	p.link, p.closed = nil, true
	p.mu.Unlock()
	if l != nil {
		return l.Close()
	}
	return nil
}

// Print checks the printer (DLE EOT 1, and 2 and 4 when it is offline),
// sends the job and waits for its confirmation (see Printer).
//
// The result always has a State. The error is non-nil only when the job
// never went out because of the call itself: an invalid or still pending
// job ID (ErrInvalid), a closed driver (ErrClosed), or ctx ending before
// the job was sent; the State is PrintFailed then. A refusal by the
// printer or an unreachable printer is PrintFailed with a Detail
// (DetailPaperOut, DetailCoverOpen, DetailOffline, DetailUnreachable) and
// a nil error. Once any byte of the job went out the result is printed or
// pending, also when ctx ends: Check settles a pending job.
func (p *Printer) Print(ctx context.Context, job device.PrintJob) (device.PrintResult, error) {
	refused := device.PrintResult{State: device.PrintFailed}
	if err := CheckJobID(job.ID); err != nil {
		return refused, p.errorf("print: %w", err)
	}
	release, err := p.acquire(ctx)
	if err != nil {
		return refused, err
	}
	defer release()
	start := time.Now()
	defer func() { p.mon.AddBusy(time.Since(start)) }()

	if p.isPending(job.ID) {
		return refused, p.errorf("print: job %q is still pending: %w", job.ID, ErrInvalid)
	}
	l, st, err := p.ready(ctx)
	switch {
	case err != nil && ctx.Err() != nil:
		return refused, p.errorf("print %q: %w", job.ID, ctx.Err())
	case errors.Is(err, ErrClosed):
		return refused, err
	case err != nil:
		refused.Detail = DetailUnreachable
		return refused, nil
	}
	if d := st.Problem(); d != "" {
		p.opt.Log.Info("escpos: job refused", "device", p.opt.Name, "job", job.ID, "cause", d)
		refused.Detail = d
		return refused, nil
	}

	frame := make([]byte, 0, len(job.Data)+13)
	frame = append(frame, ESC, '@')
	frame = append(frame, job.Data...)
	frame = append(frame, GS, '(', 'H', 6, 0, '0', '0')
	frame = append(frame, job.ID...)
	lines := CountLines(job.Data)
	// Pending before the first byte leaves: from then on the job may
	// print, and its confirmation must be recognised whenever it comes.
	p.setPending(job.ID, lines)
	n, err := l.write(ctx, frame, time.Now().Add(p.opt.jobWait(lines)))
	switch {
	case err == nil:
		return p.await(ctx, l, job.ID, lines), nil
	case n > 0:
		// Part of the job is in the printer and may yet print.
		return p.stuck(ctx, l, job.ID, err), nil
	}
	p.forget(job.ID)
	switch {
	case ctx.Err() != nil:
		return refused, p.errorf("print %q: %w", job.ID, ctx.Err())
	case errors.Is(err, errWaitOver):
		// The printer took nothing: it stopped reading.
		refused.Detail = p.cause(ctx, l, DetailOffline)
	default:
		p.drop(l, err)
		refused.Detail = DetailUnreachable
	}
	return refused, nil
}

// Check asks again about a pending job. It returns PrintPrinted once the
// confirmation arrived (perhaps read only now: Check reads what the
// printer sent), and PrintPending with a Detail otherwise. While the
// printer reports itself able to print, Check waits for the confirmation
// as long as Print would have (the printer may be printing the job right
// now), bounded by ctx; a printer without paper or with an open cover is
// reported at once.
//
// The error is ErrUnknownJob for a job the driver does not know, ErrClosed
// after Close, or ctx's when it ended before the printer answered; the
// result is pending in the last two cases.
func (p *Printer) Check(ctx context.Context, id string) (device.PrintResult, error) {
	pending := device.PrintResult{State: device.PrintPending}
	printed := device.PrintResult{State: device.PrintPrinted}
	if p.isPrinted(id) {
		return printed, nil
	}
	if !p.isPending(id) {
		return device.PrintResult{}, p.errorf("check %q: %w", id, ErrUnknownJob)
	}
	release, err := p.acquire(ctx)
	if err != nil {
		pending.Detail = DetailNotConfirmed
		return pending, err
	}
	defer release()
	start := time.Now()
	defer func() { p.mon.AddBusy(time.Since(start)) }()

	l, st, err := p.ready(ctx)
	if p.isPrinted(id) {
		return printed, nil
	}
	lines, ok := p.pendingLines(id)
	switch {
	case !ok:
		// Confirmed while this call waited for its turn, and already
		// forgotten again: only possible with recentJobs more jobs.
		return device.PrintResult{}, p.errorf("check %q: %w", id, ErrUnknownJob)
	case err != nil && ctx.Err() != nil:
		pending.Detail = DetailNotConfirmed
		return pending, p.errorf("check %q: %w", id, ctx.Err())
	case errors.Is(err, ErrClosed):
		pending.Detail = DetailUnreachable
		return pending, err
	case err != nil:
		pending.Detail = DetailUnreachable
		return pending, nil
	}
	if d := st.Problem(); d != "" {
		pending.Detail = d
		return pending, nil
	}
	return p.await(ctx, l, id, lines), nil
}

// Status asks the printer for all four real-time statuses (DLE EOT 3 only
// when DLE EOT 2 reports an error). It is the probe a supervisor runs
// while the printer is idle, and reports paper near end, which Print
// ignores.
func (p *Printer) Status(ctx context.Context) (Status, error) {
	release, err := p.acquire(ctx)
	if err != nil {
		return Status{}, err
	}
	defer release()
	for attempt := 0; ; attempt++ {
		l, fresh, err := p.connect(ctx)
		if err != nil {
			return Status{}, err
		}
		st, err := p.poll(ctx, l, true)
		if err == nil {
			return st, nil
		}
		p.lost(ctx, l, err)
		if fresh || attempt > 0 || ctx.Err() != nil {
			return Status{}, err
		}
	}
}

// await waits for the confirmation of job id, polling the status every
// PollInterval, and decides its state when the deadline for a job of the
// given number of lines passes.
func (p *Printer) await(ctx context.Context, l *link, id string, lines int) device.PrintResult {
	deadline := time.Now().Add(p.opt.jobWait(lines))
	for {
		if p.isPrinted(id) {
			return device.PrintResult{State: device.PrintPrinted}
		}
		until := deadline
		if p.opt.PollInterval > 0 {
			until = minTime(deadline, time.Now().Add(p.opt.PollInterval))
		}
		r, err := l.next(ctx, until)
		switch {
		case err == nil:
			p.note(r)
			continue
		case !errors.Is(err, errWaitOver):
			// The link failed or the caller gave up.
			return p.stuck(ctx, l, id, err)
		}
		st, err := p.poll(ctx, l, false)
		switch {
		case err != nil && ctx.Err() != nil:
			p.lost(ctx, l, err)
			return p.pendingResult(id, DetailNotConfirmed, err)
		case err != nil:
			p.lost(ctx, l, err)
			return p.pendingResult(id, DetailUnreachable, err)
		case p.isPrinted(id):
			continue
		}
		switch d := st.Problem(); {
		case d == DetailPaperOut || d == DetailCoverOpen:
			// Nothing more prints until someone attends to the
			// printer: no use waiting for the deadline.
			return p.pendingResult(id, d, nil)
		case time.Now().Before(deadline):
			continue
		case d != "":
			return p.pendingResult(id, d, nil)
		}
		return p.pendingResult(id, DetailNotConfirmed, nil)
	}
}

// stuck is the result for job id after err interrupted sending it or
// waiting for it: pending, with the printer's reason when it can still
// tell one.
func (p *Printer) stuck(ctx context.Context, l *link, id string, err error) device.PrintResult {
	switch {
	case ctx.Err() != nil:
		return p.pendingResult(id, DetailNotConfirmed, err)
	case errors.Is(err, errWaitOver):
		return p.pendingResult(id, p.cause(ctx, l, DetailNotConfirmed), err)
	}
	p.drop(l, err)
	return p.pendingResult(id, DetailUnreachable, err)
}

// pendingResult reports job id pending for detail, unless its
// confirmation arrived after all.
func (p *Printer) pendingResult(id, detail string, err error) device.PrintResult {
	if p.isPrinted(id) {
		return device.PrintResult{State: device.PrintPrinted}
	}
	p.opt.Log.Warn("escpos: job pending", "device", p.opt.Name, "job", id, "cause", detail, "err", err)
	return device.PrintResult{State: device.PrintPending, Detail: detail}
}

// cause polls the status to explain why the printer is not making
// progress, and returns fallback when the printer reports no problem.
func (p *Printer) cause(ctx context.Context, l *link, fallback string) string {
	st, err := p.poll(ctx, l, false)
	switch {
	case err != nil && ctx.Err() != nil:
		p.lost(ctx, l, err)
		return fallback
	case err != nil:
		p.lost(ctx, l, err)
		return DetailUnreachable
	}
	if d := st.Problem(); d != "" {
		return d
	}
	return fallback
}

// acquire waits for the call slot.
func (p *Printer) acquire(ctx context.Context) (release func(), err error) {
	select {
	case p.turn <- struct{}{}:
		return func() { <-p.turn }, nil
	case <-ctx.Done():
		return nil, p.errorf("waiting for the printer: %w", ctx.Err())
	}
}

// ready returns a link to a printer that answered DLE EOT, with its
// status. A reused link that fails is replaced once by a fresh one: a
// printer (or a network interface) closes idle connections, and nothing
// of a job has gone out yet.
func (p *Printer) ready(ctx context.Context) (*link, Status, error) {
	for attempt := 0; ; attempt++ {
		l, fresh, err := p.connect(ctx)
		if err != nil {
			return nil, Status{}, err
		}
		st, err := p.poll(ctx, l, false)
		if err == nil {
			return l, st, nil
		}
		p.lost(ctx, l, err)
		if fresh || attempt > 0 || ctx.Err() != nil {
			return nil, Status{}, err
		}
		p.opt.Log.Info("escpos: stale link, reconnecting", "device", p.opt.Name, "err", err)
	}
}

// connect returns the current link, or dials a new one; fresh tells
// which. The caller holds the slot.
func (p *Printer) connect(ctx context.Context) (l *link, fresh bool, err error) {
	p.mu.Lock()
	l, closed := p.link, p.closed
	p.mu.Unlock()
	switch {
	case closed:
		return nil, false, ErrClosed
	case l != nil:
		return l, false, nil
	}
	s, err := p.dial(ctx)
	if err != nil {
		err = p.errorf("connect: %w: %w", device.ErrUnavailable, err)
		if ctx.Err() == nil {
			p.mon.Failed(err, time.Now())
		}
		return nil, false, err
	}
	l = newLink(s)
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		_ = l.Close()
		return nil, false, ErrClosed
	}
	p.link = l
	p.mu.Unlock()
	p.opt.Log.Info("escpos: connected", "device", p.opt.Name)
	return l, true, nil
}

// drop closes a failed link so that the next call reconnects, and marks
// the printer failed.
func (p *Printer) drop(l *link, cause error) {
	if p.discard(l) {
		return
	}
	p.mon.Failed(cause, time.Now())
	p.opt.Log.Warn("escpos: link dropped", "device", p.opt.Name, "err", cause)
}

// lost handles err from a status request on l. The link is closed either
// way, since an answer still on its way would be taken for the answer to
// the next request; but the printer counts as failed only when the
// caller's context did not cause the error.
func (p *Printer) lost(ctx context.Context, l *link, err error) {
	if ctx.Err() != nil {
		p.discard(l)
		return
	}
	p.drop(l, err)
}

// discard closes l and forgets it; it reports whether the Printer was
// closed (so the failure was expected).
func (p *Printer) discard(l *link) (closed bool) {
	p.mu.Lock()
	if p.link == l {
		p.link = nil
	}
	closed = p.closed
	p.mu.Unlock()
	_ = l.Close()
	return closed
}

// poll asks DLE EOT 1 and, when the printer is offline (or full is set),
// DLE EOT 2 and 4 for the cause, and DLE EOT 3 when full is set and DLE
// EOT 2 reports an error. Process-ID responses read on the way are
// noted.
func (p *Printer) poll(ctx context.Context, l *link, full bool) (Status, error) {
	var st Status
	if err := p.ask(ctx, l, &st, 1); err != nil {
		return st, err
	}
	if st.Offline || full {
		for _, n := range []byte{2, 4} {
			if err := p.ask(ctx, l, &st, n); err != nil {
				return st, err
			}
		}
	}
	if full && st.Error {
		if err := p.ask(ctx, l, &st, 3); err != nil {
			return st, err
		}
	}
	p.mon.Succeeded(time.Now())
	return st, nil
}

// ask sends DLE EOT n and decodes its answer into st.
func (p *Printer) ask(ctx context.Context, l *link, st *Status, n byte) error {
	until := time.Now().Add(p.opt.StatusTimeout)
	if _, err := l.write(ctx, []byte{DLE, EOT, n}, until); err != nil {
		return p.statusError(n, err)
	}
	for {
		r, err := l.next(ctx, until)
		if err != nil {
			return p.statusError(n, err)
		}
		switch r.Kind {
		case ReplyProcessID:
			p.note(r)
		case ReplyStatus:
			return st.Decode(int(n), r.Status)
		}
	}
}

func (p *Printer) statusError(n byte, err error) error {
	switch {
	case errors.Is(err, errWaitOver):
		return p.errorf("DLE EOT %d: no answer within %v: %w: %w", n, p.opt.StatusTimeout, device.ErrUnavailable, device.ErrTimeout)
	case errors.Is(err, context.DeadlineExceeded):
		return p.errorf("DLE EOT %d: %w: %w", n, device.ErrTimeout, err)
	}
	return p.errorf("DLE EOT %d: %w", n, err)
}

// note records a confirmation: a pending job is printed.
func (p *Printer) note(r Reply) {
	if r.Kind != ReplyProcessID {
		return
	}
	p.mon.Succeeded(time.Now())
	p.mu.Lock()
	defer p.mu.Unlock()
	if _, ok := p.pending[r.ID]; !ok {
		// A job of an earlier run of the daemon, or one confirmed
		// twice: nothing waits for it.
		p.opt.Log.Debug("escpos: confirmation of an unknown job", "device", p.opt.Name, "job", r.ID)
		return
	}
	delete(p.pending, r.ID)
	p.seq++
	p.printed[r.ID] = p.seq
	p.order = append(p.order, confirmation{r.ID, p.seq})
	if len(p.order) > recentJobs {
		if old := p.order[0]; p.printed[old.id] == old.seq {
			delete(p.printed, old.id)
		}
		p.order = p.order[1:]
	}
	p.opt.Log.Debug("escpos: job printed", "device", p.opt.Name, "job", r.ID)
}

// Adopt takes over a job an earlier run of the daemon sent and did not
// see confirmed (device.JobAdopter): a late confirmation of it now marks
// it printed, and Check reports it. It is never sent again.
func (p *Printer) Adopt(id string) {
	if p.isPrinted(id) || p.isPending(id) {
		return
	}
	p.setPending(id, 0)
}

var _ device.JobAdopter = (*Printer)(nil)

func (p *Printer) setPending(id string, lines int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	// An ID seen printed before is being reused for a new job.
	delete(p.printed, id)
	p.pending[id] = lines
}

func (p *Printer) forget(id string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	delete(p.pending, id)
}

func (p *Printer) isPending(id string) bool {
	_, ok := p.pendingLines(id)
	return ok
}

func (p *Printer) pendingLines(id string) (int, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	n, ok := p.pending[id]
	return n, ok
}

func (p *Printer) isPrinted(id string) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	_, ok := p.printed[id]
	return ok
}

// errorf prefixes an error with the driver and device name.
func (p *Printer) errorf(format string, args ...any) error {
	prefix := "escpos: "
	if p.opt.Name != "" {
		prefix = "escpos " + p.opt.Name + ": "
	}
	return fmt.Errorf(prefix+format, args...)
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}
