package escpossim

import (
	"bytes"
	"slices"
	"sync"

	"github.com/fiscald/fiscald/device/escpos"
)

// PaperState is the roll paper as the sensors see it.
type PaperState uint8

// Paper states.
const (
	// PaperOK: enough paper.
	PaperOK PaperState = iota
	// PaperNearEnd: the near-end sensor triggered; printing goes on.
	PaperNearEnd
	// PaperOut: no paper; the printer is offline and holds its data.
	PaperOut
)

// String names the state for logs and test failures.
func (s PaperState) String() string {
	switch s {
	case PaperOK:
		return "ok"
	case PaperNearEnd:
		return "near end"
	case PaperOut:
		return "out"
	}
	return "unknown"
}

// JobState is where a recorded job stands.
type JobState uint8

// Job states.
const (
	// JobReceiving: its end (GS ( H or a cut) has not arrived.
	JobReceiving JobState = iota + 1
	// JobPrinting: complete and being worked off.
	JobPrinting
	// JobHeld: the printer stopped (paper out, cover open, stalled) with
	// part of the job still in its buffer.
	JobHeld
	// JobPrinted: every command of the job has been carried out, and its
	// confirmation sent if it asked for one.
	JobPrinted
)

// String names the state for logs and test failures.
func (s JobState) String() string {
	switch s {
	case JobReceiving:
		return "receiving"
	case JobPrinting:
		return "printing"
	case JobHeld:
		return "held"
	case JobPrinted:
		return "printed"
	}
	return "unknown"
}

// Job is one job the printer received: from ESC @ to the GS ( H
// confirmation request, or to a cut.
type Job struct {
	// ID is the job ID of its GS ( H request; "" for a job ended by a cut
	// alone, or not ended.
	ID string
	// Data is the job's bytes as received, real-time requests left out;
	// Render draws them.
	Data []byte
	// State says how far the printer got.
	State JobState
	// Lines counts the lines printed so far.
	Lines int
}

// Printer is a simulated receipt printer. Its methods are safe for
// concurrent use. It has one paper roll and one receive buffer, which
// every stream it serves feeds (see Serve).
type Printer struct {
	set settings
	// mech is the print mechanism: the engine that holds it works off the
	// receive buffer, so only one does while several streams are served.
	mech chan struct{}

	mu       sync.Mutex
	paper    PaperState
	cover    bool
	stalled  bool
	outAfter int // lines until the paper runs out; 0: not armed
	queue    []item
	jobs     []*job
	cur      *job       // the job being received
	sessions []*session // attached streams, newest last
	changed  chan struct{}
}

// job is the record behind Job.
type job struct {
	id    string
	data  []byte
	lines int
	// content: the job holds more than ESC @ (a second ESC @ starts a
	// new job only after content).
	content bool
	closed  bool
	// byCut: closed by a cut, so a GS ( H right behind may still name it.
	byCut bool
	// queued and done count the job's commands put into the buffer and
	// carried out.
	queued, done int
}

// item is one command in the receive buffer.
type item struct {
	c   command
	job *job     // nil for a query outside any job
	src *session // where answers go
}

// New returns a printer with paper, cover closed.
func New(opt Options) (*Printer, error) {
	s, err := opt.settings()
	if err != nil {
		return nil, err
	}
	return &Printer{set: s, mech: make(chan struct{}, 1), changed: make(chan struct{})}, nil
}

// SetPaper changes the paper sensors. Restoring paper after PaperOut lets
// the printer continue with the data it held.
func (p *Printer) SetPaper(s PaperState) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.paper = s
	if s == PaperOut {
		p.outAfter = 0
	}
	p.signalLocked()
}

// SetCoverOpen opens or closes the cover. An open cover stops printing
// as paper out does.
func (p *Printer) SetCoverOpen(open bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.cover = open
	p.signalLocked()
}

// SetStalled stops (or restarts) the mechanism without any sensor
// noticing: the status stays normal while nothing prints, like a jam the
// printer cannot see or an extremely slow printer. Tests use it to hold a
// job in the buffer while the link fails.
func (p *Printer) SetStalled(stalled bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.stalled = stalled
	p.signalLocked()
}

// PaperOutAfter arms the paper to run out after n more lines have been
// printed (at the end of the command that reaches n: ESC d 5 moves five
// lines at once). n ≤ 0 disarms it.
func (p *Printer) PaperOutAfter(n int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.outAfter = max(n, 0)
	p.signalLocked()
}

// Status is the printer's state as DLE EOT reports it.
func (p *Printer) Status() escpos.Status {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.statusLocked()
}

func (p *Printer) statusLocked() escpos.Status {
	out := p.paper == PaperOut
	return escpos.Status{
		Offline:      out || p.cover,
		CoverOpen:    p.cover,
		PaperStop:    out,
		PaperEnd:     out,
		PaperNearEnd: p.paper == PaperNearEnd,
	}
}

// Jobs returns the jobs received so far, oldest first.
func (p *Printer) Jobs() []Job {
	p.mu.Lock()
	defer p.mu.Unlock()
	jobs := make([]Job, 0, len(p.jobs))
	for _, j := range p.jobs {
		jobs = append(jobs, Job{ID: j.id, Data: bytes.Clone(j.data), State: p.jobStateLocked(j), Lines: j.lines})
	}
	return jobs
}

func (p *Printer) jobStateLocked(j *job) JobState {
	switch {
	case !j.closed:
		return JobReceiving
	case j.done == j.queued:
		return JobPrinted
	case !p.canWorkLocked():
		return JobHeld
	}
	return JobPrinting
}

// Changed returns a channel that is closed at the next change of the
// printer's state: a command received or carried out, a control called.
// Tests wait on it instead of sleeping: fetch it, check the state, wait.
func (p *Printer) Changed() <-chan struct{} {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.changed
}

func (p *Printer) signalLocked() {
	close(p.changed)
	p.changed = make(chan struct{})
}

// canWorkLocked reports whether the mechanism may carry out commands: an
// offline printer processes only real-time requests.
func (p *Printer) canWorkLocked() bool {
	return !p.stalled && !p.cover && p.paper != PaperOut
}

// receive takes one parsed command from session s.
func (p *Printer) receive(s *session, c command) {
	if c.realtime() {
		if c.op == opRealtimeStatus {
			if b := p.Status().Encode(c.n); b != 0 {
				s.write(p.set.Log, []byte{b})
			}
		}
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	j := p.assignLocked(c)
	if j != nil {
		j.data = append(j.data, c.raw...)
		j.queued++
	}
	// The parser's slices alias the read buffer.
	c.data, c.raw = bytes.Clone(c.data), nil
	p.queue = append(p.queue, item{c: c, job: j, src: s})
	p.signalLocked()
}

// assignLocked decides which job c belongs to, starting and ending jobs.
func (p *Printer) assignLocked(c command) *job {
	switch {
	case c.op == opInit:
		if p.cur != nil && p.cur.content {
			p.cur.closed = true
			p.cur = nil
		}
		if p.cur == nil {
			p.cur = p.newJobLocked()
		}
		return p.cur
	case c.op == opConfirm:
		if j := p.cur; j != nil {
			j.id, j.closed, p.cur = string(c.data), true, nil
			return j
		}
		if n := len(p.jobs); n > 0 && p.jobs[n-1].byCut && p.jobs[n-1].id == "" {
			j := p.jobs[n-1]
			j.id = string(c.data)
			return j
		}
		return nil
	case c.query():
		return p.cur
	}
	if p.cur == nil {
		p.cur = p.newJobLocked()
	}
	j := p.cur
	j.content = true
	if c.op == opCut {
		j.closed, j.byCut, p.cur = true, true, nil
	}
	return j
}

func (p *Printer) newJobLocked() *job {
	j := &job{}
	p.jobs = append(p.jobs, j)
	return j
}

// carryOut applies the front command of the buffer, which the mechanism
// just finished, and returns the answer it asks for and where to send it.
func (p *Printer) carryOut() ([]byte, *session) {
	p.mu.Lock()
	defer p.mu.Unlock()
	it := p.queue[0]
	p.queue = p.queue[1:]
	defer p.signalLocked()
	if it.job != nil {
		it.job.done++
	}
	if n := it.c.lines(); n > 0 {
		if it.job != nil {
			it.job.lines += n
		}
		if p.outAfter > 0 {
			p.outAfter = max(p.outAfter-n, 0)
			if p.outAfter == 0 {
				p.paper = PaperOut
				p.set.Log.Info("escpossim: paper ran out")
			}
		}
	}
	answer := p.answerLocked(it.c)
	if answer == nil {
		return nil, nil
	}
	if it.job != nil && it.c.op == opConfirm {
		p.set.Log.Info("escpossim: job printed", "job", it.job.id, "lines", it.job.lines)
	}
	return answer, p.routeLocked(it.src)
}

// answerLocked is the printer's answer to a query, nil for other
// commands.
func (p *Printer) answerLocked(c command) []byte {
	switch c.op {
	case opConfirm:
		return append(append([]byte{0x37, 0x22}, c.data...), 0)
	case opStatusRequest:
		// GS r 1: paper sensors (bits 2+3 near end, 5+6 end); GS r 2:
		// drawer (closed). Bits 0, 1, 4, 7 are fixed at 0.
		if c.n == 1 || c.n == '1' {
			switch p.paper {
			case PaperNearEnd:
				return []byte{0x0C}
			case PaperOut:
				return []byte{0x60}
			}
		}
		return []byte{0x00}
	case opIDRequest:
		return printerID(c.n)
	}
	return nil
}

// printerID answers GS I n: one byte for the IDs 1–3 (and 49–51), 5F
// text 00 for the information strings 65–69.
func printerID(n int) []byte {
	text := func(s string) []byte { return append(append([]byte{0x5F}, s...), 0) }
	switch n {
	case 1, 49:
		return []byte{0x20} // model ID
	case 2, 50:
		return []byte{0x02} // type ID: autocutter fitted
	case 3, 51:
		return []byte{0x00} // ROM version ID
	case 65:
		return text("1.00 escpossim")
	case 66:
		return text("FISCALD")
	case 67:
		return text("ESCPOSSIM")
	case 68:
		return text("SIM00001")
	case 69:
		return text("WPC1252")
	}
	return nil
}

// routeLocked picks the stream an answer goes to: the one the request came
// on, or, if that one is gone, the newest attached stream, as a serial
// line replugged into another port still carries the printer's output.
func (p *Printer) routeLocked(src *session) *session {
	if slices.Contains(p.sessions, src) {
		return src
	}
	if n := len(p.sessions); n > 0 {
		return p.sessions[n-1]
	}
	return nil
}
