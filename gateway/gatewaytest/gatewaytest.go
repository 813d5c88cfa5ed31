package gatewaytest

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bqskit-mpi/bqskit-mpi/gateway"
	"github.com/bqskit-mpi/bqskit-mpi/protocol"
	"go.uber.org/zap"
)

// Backend is a scripted gateway.Backend. Slots bounds concurrently running
// tasks (others stay queued); zero means 2.
type Backend struct {
	Slots int

	once  sync.Once
	slots chan struct{}

	nextTask  atomic.Uint64
	sessions  atomic.Int64 // open sessions
	cancelled atomic.Int64 // tasks that ended cancelled
	completed atomic.Int64 // tasks that ended done
	running   atomic.Int64 // tasks running now

	mu     sync.Mutex
	closed chan struct{} // closed and replaced whenever a session closes
}

// Sessions is the number of open sessions.
func (b *Backend) Sessions() int { return int(b.sessions.Load()) }

// Cancelled is the number of tasks that ended cancelled.
func (b *Backend) Cancelled() int { return int(b.cancelled.Load()) }

// Completed is the number of tasks that ended done.
func (b *Backend) Completed() int { return int(b.completed.Load()) }

// Running is the number of tasks running now.
func (b *Backend) Running() int { return int(b.running.Load()) }

func (b *Backend) init() {
	b.once.Do(func() {
		n := b.Slots
		if n <= 0 {
			n = 2
		}
		b.slots = make(chan struct{}, n)
		b.closed = make(chan struct{})
	})
}

// SessionClosed returns a channel closed at the next session close.
func (b *Backend) SessionClosed() <-chan struct{} {
	b.init()
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.closed
}

// OpenSession implements gateway.Backend.
func (b *Backend) OpenSession(ctx context.Context, info gateway.SessionInfo, sink gateway.EventSink) (gateway.Session, error) {
	b.init()
	b.sessions.Add(1)
	sctx, cancel := context.WithCancel(context.Background())
	return &session{b: b, info: info, sink: sink, ctx: sctx, cancel: cancel, tasks: make(map[string]*task)}, nil
}

type session struct {
	b      *Backend
	info   gateway.SessionInfo
	sink   gateway.EventSink
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu    sync.Mutex
	tasks map[string]*task
}

type task struct {
	id     string
	cancel context.CancelFunc
	done   chan struct{}

	mu     sync.Mutex
	status protocol.TaskStatus
	res    *protocol.TaskResult
	err    error
}

type script struct {
	sleep    time.Duration
	fail     string
	logs     int
	invalidL int
	invalidC int
	pass     string
	qubits   int
}

func parseScript(src string) (script, error) {
	var s script
	sc := bufio.NewScanner(strings.NewReader(src))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if q, ok := strings.CutPrefix(line, "qreg q["); ok {
			n, _ := strconv.Atoi(strings.TrimSuffix(q, "];"))
			s.qubits += n
		}
		rest, ok := strings.CutPrefix(line, "// ")
		if !ok {
			continue
		}
		verb, arg, _ := strings.Cut(rest, " ")
		var err error
		switch verb {
		case "sleep":
			s.sleep, err = time.ParseDuration(arg)
		case "fail":
			s.fail = arg
		case "logs":
			s.logs, err = strconv.Atoi(arg)
		case "invalid":
			_, err = fmt.Sscanf(arg, "%d %d", &s.invalidL, &s.invalidC)
		case "pass":
			s.pass = arg
		}
		if err != nil {
			return s, fmt.Errorf("script line %q: %v", line, err)
		}
	}
	return s, nil
}

func (s *session) Submit(ctx context.Context, req *protocol.SubmitRequest) (string, error) {
	if req.QASM == "" {
		return "", &protocol.Error{Code: protocol.CodeInvalidCircuit, Message: "test backend takes QASM only"}
	}
	sc, err := parseScript(req.QASM)
	if err != nil {
		return "", err
	}
	file := req.Filename
	if file == "" {
		file = "<input>"
	}
	switch {
	case sc.invalidL > 0:
		return "", &protocol.Error{Code: protocol.CodeInvalidCircuit, File: file, Line: sc.invalidL, Col: sc.invalidC,
			Message: fmt.Sprintf("%s:%d:%d: syntax error", file, sc.invalidL, sc.invalidC)}
	case sc.pass != "":
		return "", &protocol.Error{Code: protocol.CodeUnknownPass, Field: "workflow", Message: fmt.Sprintf("unknown pass %q", sc.pass)}
	case sc.qubits > s.info.Limits.MaxQubits:
		return "", &protocol.Error{Code: protocol.CodeTooManyQubits, Message: fmt.Sprintf("%d qubits, limit %d", sc.qubits, s.info.Limits.MaxQubits)}
	}
	id := "T" + strconv.FormatUint(s.b.nextTask.Add(1), 10)
	tctx, cancel := context.WithCancel(s.ctx)
	t := &task{id: id, cancel: cancel, done: make(chan struct{}), status: protocol.StatusQueued}
	s.mu.Lock()
	s.tasks[id] = t
	s.mu.Unlock()
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		s.run(tctx, t, sc, req)
	}()
	return id, nil
}

func (s *session) finish(t *task, st protocol.TaskStatus, res *protocol.TaskResult, err error) {
	t.mu.Lock()
	t.status, t.res, t.err = st, res, err
	t.mu.Unlock()
	switch st {
	case protocol.StatusCancelled:
		s.b.cancelled.Add(1)
	case protocol.StatusDone:
		s.b.completed.Add(1)
	}
	close(t.done)
}

func (s *session) run(ctx context.Context, t *task, sc script, req *protocol.SubmitRequest) {
	defer t.cancel()
	select {
	case s.b.slots <- struct{}{}:
	case <-ctx.Done():
		s.finish(t, protocol.StatusCancelled, nil, &protocol.Error{Code: protocol.CodeCancelled, Message: "task cancelled while queued"})
		return
	}
	defer func() { <-s.b.slots }()
	s.b.running.Add(1)
	defer s.b.running.Add(-1)
	t.mu.Lock()
	t.status = protocol.StatusRunning
	t.mu.Unlock()
	for i := 0; i < sc.logs; i++ {
		if req.LogLevel.Enabled(protocol.LevelInfo) {
			s.sink.Log(protocol.LogEvent{Task: t.id, Level: protocol.LevelInfo, Logger: "test", Message: fmt.Sprintf("step %d", i+1), Time: time.Now()})
		}
		s.sink.Progress(protocol.ProgressEvent{Task: t.id, Done: i + 1, Total: sc.logs, Stage: "test"})
	}
	if sc.sleep > 0 {
		tm := time.NewTimer(sc.sleep)
		select {
		case <-tm.C:
		case <-ctx.Done():
			tm.Stop()
		}
	}
	switch {
	case ctx.Err() != nil:
		s.finish(t, protocol.StatusCancelled, nil, &protocol.Error{Code: protocol.CodeCancelled, Message: "task cancelled"})
	case sc.fail != "":
		s.finish(t, protocol.StatusFailed, nil, &protocol.Error{Code: protocol.CodeTaskFailed, Message: sc.fail})
	default:
		res := &protocol.TaskResult{QASM: req.QASM}
		if req.RequestData {
			res.Data = []byte(`{"echo":true}`)
		}
		s.finish(t, protocol.StatusDone, res, nil)
	}
}

func (s *session) get(id string) (*task, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.tasks[id]
	if !ok {
		return nil, &protocol.Error{Code: protocol.CodeUnknownTask, Message: "no task " + id}
	}
	return t, nil
}

func (s *session) Status(ctx context.Context, id string) (protocol.TaskStatus, error) {
	t, err := s.get(id)
	if err != nil {
		return "", err
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.status, nil
}

func (s *session) Result(ctx context.Context, id string) (*protocol.TaskResult, error) {
	t, err := s.get(id)
	if err != nil {
		return nil, err
	}
	select {
	case <-t.done:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.res, t.err
}

func (s *session) Cancel(ctx context.Context, id string) error {
	t, err := s.get(id)
	if err != nil {
		return err
	}
	t.cancel()
	<-t.done // the test backend stops promptly
	return nil
}

func (s *session) Close() error {
	s.cancel()
	s.wg.Wait()
	s.b.sessions.Add(-1)
	s.b.mu.Lock()
	close(s.b.closed)
	s.b.closed = make(chan struct{})
	s.b.mu.Unlock()
	return nil
}

// Server is a gateway on a loopback port, stopped by t.Cleanup.
type Server struct {
	*gateway.Server
	Addr  string
	Token string

	cancel   context.CancelFunc
	done     chan error
	waitOnce sync.Once
	err      error
}

// Shutdown starts the gateway's shutdown (clients are told) and returns.
func (s *Server) Shutdown() { s.cancel() }

// Wait waits until Serve has returned after Shutdown and returns its error.
func (s *Server) Wait() error {
	s.waitOnce.Do(func() { s.err = <-s.done })
	return s.err
}

// Start runs a gateway on 127.0.0.1:0 backed by b. cfg.Token defaults to a
// fresh token unless cfg.NoAuth.
func Start(t testing.TB, cfg gateway.Config, b gateway.Backend) *Server {
	t.Helper()
	if cfg.Token == "" && !cfg.NoAuth {
		tok, err := protocol.NewToken()
		if err != nil {
			t.Fatal(err)
		}
		cfg.Token = tok
	}
	srv, err := gateway.New(cfg, b, zap.NewNop())
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	s := &Server{Server: srv, Addr: ln.Addr().String(), Token: cfg.Token, cancel: cancel, done: make(chan error, 1)}
	go func() { s.done <- srv.Serve(ctx, ln) }()
	t.Cleanup(func() {
		s.Shutdown()
		if err := s.Wait(); err != nil {
			t.Errorf("gateway Serve: %v", err)
		}
	})
	return s
}
