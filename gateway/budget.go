package gateway

import (
	"fmt"
	"sync"

	"github.com/bqskit-mpi/bqskit-mpi/protocol"
)

// budget is the server's account of queued work: the input bytes and
// operations (gates after expansion) of unfinished tasks, per session and
// in total. Backends draw on it through a session's SessionBudget.
type budget struct {
	mu           sync.Mutex
	cfg          *Config
	bytes, gates int64 // all sessions
}

// SessionBudget is one session's share of the server's admission budget
// (Config.SessionQueuedBytes/Gates, TotalQueuedBytes/Gates). A backend
// admits each task with Admit before doing work for it, adds the task's
// operation count once it is known (Ticket.AddGates), and releases the
// ticket when the task ends. A nil *SessionBudget admits everything.
//
// A session may always hold one task, whatever its size (the size of one
// task is bounded by the frame and gate limits): the session limits apply
// to the tasks beyond its first. The total limits always apply.
type SessionBudget struct {
	b            *budget
	tickets      int
	bytes, gates int64
}

// Ticket is one admitted task's share of the budget.
type Ticket struct {
	s            *SessionBudget
	bytes, gates int64
	released     bool
}

func newSessionBudget(b *budget) *SessionBudget { return &SessionBudget{b: b} }

func mib(n int64) string { return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20)) }

// check reports the limit that adding bytes and gates to s would pass (nil:
// none). It is called with the budget locked; first is whether the task is
// the session's only one.
func (s *SessionBudget) check(bytes, gates int64, first bool) *protocol.Error {
	cfg := s.b.cfg
	switch {
	case !first && s.bytes+bytes > cfg.SessionQueuedBytes:
		return protocol.Errorf(protocol.CodeBusy, "this session's unfinished tasks hold %s of input; with this one they would pass the server's limit of %s per session: wait for results or cancel some",
			mib(s.bytes), mib(cfg.SessionQueuedBytes))
	case !first && s.gates+gates > cfg.SessionQueuedGates:
		return protocol.Errorf(protocol.CodeBusy, "this session's unfinished tasks hold %d gates; with this one (%d) they would pass the server's limit of %d per session: wait for results or cancel some",
			s.gates, gates, cfg.SessionQueuedGates)
	case s.b.bytes+bytes > cfg.TotalQueuedBytes:
		return protocol.Errorf(protocol.CodeBusy, "the server holds %s of queued input from all clients, its limit is %s: retry later", mib(s.b.bytes), mib(cfg.TotalQueuedBytes))
	case s.b.gates+gates > cfg.TotalQueuedGates:
		return protocol.Errorf(protocol.CodeBusy, "the server holds %d queued gates from all clients, its limit is %d: retry later", s.b.gates, cfg.TotalQueuedGates)
	}
	return nil
}

// Admit reserves bytes of input for a new task, or returns a
// *protocol.Error with code busy.
func (s *SessionBudget) Admit(bytes int64) (*Ticket, error) {
	if s == nil {
		return &Ticket{}, nil
	}
	s.b.mu.Lock()
	defer s.b.mu.Unlock()
	if e := s.check(bytes, 0, s.tickets == 0); e != nil {
		return nil, e
	}
	s.tickets++
	s.bytes += bytes
	s.b.bytes += bytes
	return &Ticket{s: s, bytes: bytes}, nil
}

// AddGates adds the task's operations to its ticket, or returns a
// *protocol.Error with code busy (the ticket keeps what it held; release
// it).
func (t *Ticket) AddGates(gates int64) error {
	s := t.s
	if s == nil {
		return nil
	}
	s.b.mu.Lock()
	defer s.b.mu.Unlock()
	if t.released {
		panic("gateway: AddGates on a released ticket")
	}
	if e := s.check(0, gates, s.tickets == 1); e != nil {
		return e
	}
	t.gates += gates
	s.gates += gates
	s.b.gates += gates
	return nil
}

// Release returns the ticket's share; calling it again does nothing.
func (t *Ticket) Release() {
	s := t.s
	if s == nil {
		return
	}
	s.b.mu.Lock()
	defer s.b.mu.Unlock()
	if t.released {
		return
	}
	t.released = true
	s.tickets--
	s.bytes -= t.bytes
	s.gates -= t.gates
	s.b.bytes -= t.bytes
	s.b.gates -= t.gates
}

// Queued returns the bytes and gates of the tasks admitted on all sessions
// and not yet released.
func (s *Server) Queued() (bytes, gates int64) {
	s.budget.mu.Lock()
	defer s.budget.mu.Unlock()
	return s.budget.bytes, s.budget.gates
}
