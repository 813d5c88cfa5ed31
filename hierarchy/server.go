package hierarchy

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/bqskit-mpi/bqskit-mpi/transport"
)

// ServerConfig configures the server node (NewServer).
type ServerConfig struct {
	// Tree is the whole runtime tree; the server is node 0.
	Tree *Tree
	// Transport is node 0's endpoint (Self() == 0). The server does not
	// close it.
	Transport transport.Transport
	// Registry holds every task name a client may submit; it is frozen.
	Registry *Registry
	// Logger receives the server's own logs (nil: no logging).
	Logger *zap.Logger
	// MaxRetained bounds the finished root tasks whose status and result
	// stay available (default 10000); the oldest finished are forgotten
	// first. Closing a session forgets its tasks at once.
	MaxRetained int
	// Heartbeat: see NodeConfig.Heartbeat (the server only watches its
	// children).
	Heartbeat transport.Heartbeat
	// MaxEvents bounds the log/progress events kept per root task for
	// subscribers (default 10000); beyond it the oldest are dropped and the
	// next event read reports how many (Event.Dropped).
	MaxEvents int
}

// SessionID names a client session (one gateway connection, or one CLI run).
type SessionID uint64

// EventKind says what an Event carries.
type EventKind uint8

// Event kinds.
const (
	EventLog EventKind = iota + 1
	EventProgress
)

func (k EventKind) String() string {
	switch k {
	case EventLog:
		return "log"
	case EventProgress:
		return "progress"
	}
	return fmt.Sprintf("event(%d)", k)
}

// Event is a log record or progress report from a root task or any of its
// descendants.
type Event struct {
	Kind EventKind
	// Task is the task that emitted the event (the root or a descendant).
	Task TaskID
	// Level and Message are set for EventLog.
	Level   zapcore.Level
	Message string
	// Done and Total are set for EventProgress.
	Done, Total int64
	// Stage names the stage of an EventProgress ("" when unnamed).
	Stage string
	// Dropped is the number of events lost just before this one because
	// the subscriber fell more than MaxEvents behind.
	Dropped int64
}

// ErrEndOfEvents is returned by Subscription.Next once the task is final
// and every event has been read.
var ErrEndOfEvents = errors.New("hierarchy: no more events")

type rootRec struct {
	id      TaskID
	session SessionID
	name    string
	status  TaskStatus
	done    chan struct{}
	data    []byte
	err     error
	events  []Event
	first   int64 // absolute index of events[0]
	changed chan struct{}
}

type session struct {
	tasks map[TaskID]*rootRec
}

// Server is the root node of the runtime and its client-side API: submit
// root tasks for sessions, query status, wait for results, cancel, close
// sessions, follow logs and progress. Its methods are safe for concurrent
// use. Build it with NewServer (for a transport-level runtime) or get it
// from StartEmbedded.
type Server struct {
	cfg     ServerConfig
	log     *zap.Logger
	local   chan Message
	stop    chan struct{}
	stopped sync.Once
	done    chan struct{}
	runErr  error
	seq     atomic.Uint64
	nextSes atomic.Uint64

	mu       sync.Mutex
	shutdown bool
	tasks    map[TaskID]*rootRec
	sessions map[SessionID]*session
	finished []TaskID
}

// NewServer starts the server node's loop over cfg.Transport. It returns
// at once; the loop runs until Stop, until ctx ends, or until the transport
// closes. Stopping sends a Shutdown down the tree.
func NewServer(ctx context.Context, cfg ServerConfig) (*Server, error) {
	nc := NodeConfig{ID: ServerID, Tree: cfg.Tree, Transport: cfg.Transport, Registry: cfg.Registry}
	if err := nc.check(RoleServer); err != nil {
		return nil, err
	}
	if cfg.MaxRetained <= 0 {
		cfg.MaxRetained = 10000
	}
	if cfg.MaxEvents <= 0 {
		cfg.MaxEvents = 10000
	}
	cfg.Registry.freeze()
	s := &Server{
		cfg:      cfg,
		log:      nodeLogger(cfg.Logger, ServerID, RoleServer),
		local:    make(chan Message, 1024),
		stop:     make(chan struct{}),
		done:     make(chan struct{}),
		tasks:    map[TaskID]*rootRec{},
		sessions: map[SessionID]*session{},
	}
	l := &routerLoop{r: NewRouter(cfg.Tree, ServerID), tr: cfg.Transport, log: s.log, local: s.local, onEvents: s.events,
		hb: heartbeatFor(cfg.Heartbeat, cfg.Transport)}
	go func() {
		err := l.run(ctx, s.stop)
		s.failAll()
		s.runErr = err
		close(s.done)
	}()
	return s, nil
}

// Stop shuts the runtime down: a Shutdown message goes down the tree (each
// node forwards it to its children, then exits its loop), pending Result
// calls fail with ErrShutdown, and Stop waits for the server loop to exit.
// It returns the loop's error, if any (nil after a clean stop). Safe to call
// more than once.
func (s *Server) Stop() error {
	s.stopped.Do(func() { close(s.stop) })
	<-s.done
	return s.runErr
}

// Done is closed when the server loop has exited.
func (s *Server) Done() <-chan struct{} { return s.done }

func (s *Server) failAll() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.shutdown = true
	for _, rec := range s.tasks {
		if !rec.status.Final() {
			s.finalize(rec, StatusFailed, nil, fmt.Errorf("%w: task %v did not finish", ErrShutdown, rec.id))
		}
	}
}

// OpenSession returns a new session id.
func (s *Server) OpenSession() SessionID {
	id := SessionID(s.nextSes.Add(1))
	s.mu.Lock()
	s.sessions[id] = &session{tasks: map[TaskID]*rootRec{}}
	s.mu.Unlock()
	return id
}

// Submit schedules a root task running the task registered as name with
// args, for session sess. Log records of level and above reach subscribers.
func (s *Server) Submit(sess SessionID, name string, args []byte, level zapcore.Level) (TaskID, error) {
	if _, ok := s.cfg.Registry.Lookup(name); !ok {
		return 0, fmt.Errorf("%w: %q", ErrUnknownTaskName, name)
	}
	id := MakeTaskID(ServerID, s.seq.Add(1))
	s.mu.Lock()
	if s.shutdown {
		s.mu.Unlock()
		return 0, ErrShutdown
	}
	ses, ok := s.sessions[sess]
	if !ok {
		s.mu.Unlock()
		return 0, fmt.Errorf("%w: %d", ErrUnknownSession, sess)
	}
	rec := &rootRec{id: id, session: sess, name: name, status: StatusQueued,
		done: make(chan struct{}), changed: make(chan struct{})}
	s.tasks[id] = rec
	ses.tasks[id] = rec
	s.mu.Unlock()
	m := Message{Kind: KindSubmit, Task: id, Root: id, Level: int8(level), Name: name, Data: args}
	select {
	case s.local <- m:
		return id, nil
	case <-s.done:
		return 0, ErrShutdown
	}
}

// Status returns the state of root task id (StatusUnknown when the server
// does not know it).
func (s *Server) Status(id TaskID) TaskStatus {
	s.mu.Lock()
	defer s.mu.Unlock()
	if rec, ok := s.tasks[id]; ok {
		return rec.status
	}
	return StatusUnknown
}

// Result waits until root task id is final and returns its result, or its
// error (*TaskError, ErrCancelled, or ErrShutdown when the runtime stopped
// first), or ctx's error. It can be called any number of times while the
// task is retained.
func (s *Server) Result(ctx context.Context, id TaskID) ([]byte, error) {
	s.mu.Lock()
	rec, ok := s.tasks[id]
	s.mu.Unlock()
	if !ok {
		return nil, fmt.Errorf("%w: %v", ErrUnknownTask, id)
	}
	select {
	case <-rec.done:
		return rec.data, rec.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// Cancel cancels root task id and everything it spawned. The task becomes
// final (cancelled) at once; a task already final is left as it is.
func (s *Server) Cancel(id TaskID) error {
	s.mu.Lock()
	rec, ok := s.tasks[id]
	if !ok {
		s.mu.Unlock()
		return fmt.Errorf("%w: %v", ErrUnknownTask, id)
	}
	live := s.cancelLocked(rec)
	s.mu.Unlock()
	if live {
		s.sendCancel(id)
	}
	return nil
}

func (s *Server) cancelLocked(rec *rootRec) bool {
	if rec.status.Final() {
		return false
	}
	s.finalize(rec, StatusCancelled, nil, fmt.Errorf("%w: %v", ErrCancelled, rec.id))
	return !s.shutdown
}

func (s *Server) sendCancel(id TaskID) {
	select {
	case s.local <- Message{Kind: KindCancel, Task: id}:
	case <-s.done:
	}
}

// CloseSession cancels the session's unfinished tasks and forgets all of
// its tasks.
func (s *Server) CloseSession(sess SessionID) error {
	s.mu.Lock()
	ses, ok := s.sessions[sess]
	if !ok {
		s.mu.Unlock()
		return fmt.Errorf("%w: %d", ErrUnknownSession, sess)
	}
	delete(s.sessions, sess)
	var live []TaskID
	for id, rec := range ses.tasks {
		if s.cancelLocked(rec) {
			live = append(live, id)
		}
		delete(s.tasks, id)
	}
	s.mu.Unlock()
	for _, id := range live {
		s.sendCancel(id)
	}
	return nil
}

// Run submits a root task and waits for its result. If ctx ends first the
// task is cancelled.
func (s *Server) Run(ctx context.Context, sess SessionID, name string, args []byte, level zapcore.Level) ([]byte, error) {
	id, err := s.Submit(sess, name, args, level)
	if err != nil {
		return nil, err
	}
	res, err := s.Result(ctx, id)
	if ctx.Err() != nil && err == ctx.Err() {
		_ = s.Cancel(id)
	}
	return res, err
}

// finalize records the outcome; s.mu must be held.
func (s *Server) finalize(rec *rootRec, st TaskStatus, data []byte, err error) {
	rec.status, rec.data, rec.err = st, data, err
	close(rec.done)
	close(rec.changed)
	rec.changed = make(chan struct{})
	s.finished = append(s.finished, rec.id)
	for len(s.finished) > s.cfg.MaxRetained {
		old := s.finished[0]
		s.finished = s.finished[1:]
		if r, ok := s.tasks[old]; ok && r.status.Final() {
			delete(s.tasks, old)
			if ses, ok := s.sessions[r.session]; ok {
				delete(ses.tasks, old)
			}
		}
	}
}

// events is called by the server loop with client-side events.
func (s *Server) events(ms []Message) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i := range ms {
		m := &ms[i]
		switch m.Kind {
		case KindResult:
			if rec, ok := s.tasks[m.Task]; ok && !rec.status.Final() {
				s.finalize(rec, m.Status, m.Data, resultError(m.Task, m.Status, m.Data))
			}
		case KindStarted:
			if rec, ok := s.tasks[m.Task]; ok && rec.status == StatusQueued {
				rec.status = StatusRunning
			}
		case KindLog, KindProgress:
			if m.Kind == KindLog && m.Root == 0 {
				// A node's report of a loss in its subtree (no task).
				s.log.Warn("loss below the server", zap.String("report", string(m.Data)))
				continue
			}
			rec, ok := s.tasks[m.Root]
			if !ok || rec.status.Final() {
				continue
			}
			ev := Event{Kind: EventLog, Task: m.Task, Level: zapcore.Level(m.Level), Message: string(m.Data)}
			if m.Kind == KindProgress {
				ev = Event{Kind: EventProgress, Task: m.Task, Done: m.A, Total: m.B, Stage: m.Name}
			}
			rec.events = append(rec.events, ev)
			if over := len(rec.events) - s.cfg.MaxEvents; over > 0 {
				rec.events = append(rec.events[:0:0], rec.events[over:]...)
				rec.first += int64(over)
			}
			close(rec.changed)
			rec.changed = make(chan struct{})
		}
	}
}

// Subscription reads the log and progress events of one root task, from
// the first one the server still holds.
type Subscription struct {
	s    *Server
	rec  *rootRec
	next int64
}

// Subscribe follows root task id's events. Events emitted before the call
// are included (up to MaxEvents of them).
func (s *Server) Subscribe(id TaskID) (*Subscription, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	rec, ok := s.tasks[id]
	if !ok {
		return nil, fmt.Errorf("%w: %v", ErrUnknownTask, id)
	}
	return &Subscription{s: s, rec: rec, next: rec.first}, nil
}

// Next returns the next event, blocking until there is one. Once the task
// is final and every event has been read it returns ErrEndOfEvents; when
// ctx ends, ctx's error.
func (sub *Subscription) Next(ctx context.Context) (Event, error) {
	for {
		sub.s.mu.Lock()
		rec := sub.rec
		var dropped int64
		if sub.next < rec.first {
			dropped = rec.first - sub.next
			sub.next = rec.first
		}
		if i := sub.next - rec.first; i < int64(len(rec.events)) {
			ev := rec.events[i]
			ev.Dropped = dropped
			sub.next++
			sub.s.mu.Unlock()
			return ev, nil
		}
		final := rec.status.Final()
		changed := rec.changed
		sub.s.mu.Unlock()
		if final {
			return Event{}, ErrEndOfEvents
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return Event{}, ctx.Err()
		}
	}
}
