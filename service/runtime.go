package service

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/bqskit-mpi/bqskit-mpi/gateway"
	"github.com/bqskit-mpi/bqskit-mpi/hierarchy"
	"github.com/bqskit-mpi/bqskit-mpi/protocol"
)

// HierarchyRuntime adapts the client API of a hierarchy.Server (the
// embedded runtime's, or rank 0's under MPI) to Runtime.
func HierarchyRuntime(srv *hierarchy.Server) Runtime {
	if srv == nil {
		panic("service: nil hierarchy server")
	}
	return &hierRuntime{srv: srv}
}

type hierRuntime struct {
	srv *hierarchy.Server
}

func (h *hierRuntime) OpenSession(ctx context.Context, sink gateway.EventSink) (RuntimeSession, error) {
	select {
	case <-h.srv.Done():
		return nil, &protocol.Error{Code: protocol.CodeShuttingDown, Message: "the runtime has stopped"}
	default:
	}
	ctx, cancel := context.WithCancel(context.Background())
	return &hierSession{srv: h.srv, id: h.srv.OpenSession(), sink: sink, ctx: ctx, cancel: cancel,
		events: make(map[hierarchy.TaskID]chan struct{})}, nil
}

type hierSession struct {
	srv    *hierarchy.Server
	id     hierarchy.SessionID
	sink   gateway.EventSink
	ctx    context.Context // ends at Close: stops the event followers
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu     sync.Mutex
	events map[hierarchy.TaskID]chan struct{} // closed when a task's events are all forwarded
}

// zapLevel maps a protocol level to the runtime's.
func zapLevel(l protocol.LogLevel) zapcore.Level {
	switch l {
	case protocol.LevelTrace:
		return zapcore.DebugLevel - 1
	case protocol.LevelDebug:
		return zapcore.DebugLevel
	case protocol.LevelInfo:
		return zapcore.InfoLevel
	case protocol.LevelError:
		return zapcore.ErrorLevel
	default:
		return zapcore.WarnLevel
	}
}

// protoLevel maps a runtime level to the protocol's.
func protoLevel(l zapcore.Level) protocol.LogLevel {
	switch {
	case l < zapcore.DebugLevel:
		return protocol.LevelTrace
	case l == zapcore.DebugLevel:
		return protocol.LevelDebug
	case l == zapcore.InfoLevel:
		return protocol.LevelInfo
	case l == zapcore.WarnLevel:
		return protocol.LevelWarning
	default:
		return protocol.LevelError
	}
}

func (s *hierSession) parse(id string) (hierarchy.TaskID, error) {
	tid, err := hierarchy.ParseTaskID(id)
	if err != nil {
		return 0, &protocol.Error{Code: protocol.CodeUnknownTask, Field: "task", Message: fmt.Sprintf("no task %q", id)}
	}
	return tid, nil
}

func (s *hierSession) Submit(ctx context.Context, name string, args []byte, level protocol.LogLevel) (string, error) {
	tid, err := s.srv.Submit(s.id, name, args, zapLevel(level))
	if err != nil {
		return "", mapRuntimeError(err)
	}
	done := make(chan struct{})
	s.mu.Lock()
	s.events[tid] = done
	s.mu.Unlock()
	sub, err := s.srv.Subscribe(tid)
	if err != nil { // the task is already forgotten: nothing to follow
		close(done)
		return tid.String(), nil
	}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		defer close(done)
		s.follow(tid.String(), sub)
	}()
	return tid.String(), nil
}

// follow forwards one root task's events to the sink until the task is
// final and its events are drained, or the session closes.
func (s *hierSession) follow(task string, sub *hierarchy.Subscription) {
	for {
		ev, err := sub.Next(s.ctx)
		if err != nil {
			return // ErrEndOfEvents, or the session closed
		}
		if ev.Dropped > 0 {
			s.sink.Log(protocol.LogEvent{Task: task, Level: protocol.LevelWarning, Logger: "runtime", Time: time.Now(),
				Message: fmt.Sprintf("%d events dropped: the task produced more than the server keeps", ev.Dropped)})
		}
		switch ev.Kind {
		case hierarchy.EventLog:
			s.sink.Log(protocol.LogEvent{Task: task, Level: protoLevel(ev.Level), Logger: "task",
				Message: ev.Message, Time: time.Now()})
		case hierarchy.EventProgress:
			stage := ev.Stage
			if stage == "" {
				stage = "blocks"
			}
			s.sink.Progress(protocol.ProgressEvent{Task: task, Done: int(ev.Done), Total: int(ev.Total), Stage: stage})
		}
	}
}

func (s *hierSession) Status(ctx context.Context, id string) (protocol.TaskStatus, error) {
	tid, err := s.parse(id)
	if err != nil {
		return "", err
	}
	switch st := s.srv.Status(tid); st {
	case hierarchy.StatusQueued:
		return protocol.StatusQueued, nil
	case hierarchy.StatusRunning:
		return protocol.StatusRunning, nil
	case hierarchy.StatusDone:
		return protocol.StatusDone, nil
	case hierarchy.StatusFailed:
		return protocol.StatusFailed, nil
	case hierarchy.StatusCancelled:
		return protocol.StatusCancelled, nil
	default:
		return "", &protocol.Error{Code: protocol.CodeUnknownTask, Field: "task", Message: fmt.Sprintf("the runtime does not know task %s (%v)", id, st)}
	}
}

func (s *hierSession) Result(ctx context.Context, id string) ([]byte, error) {
	tid, err := s.parse(id)
	if err != nil {
		return nil, err
	}
	res, err := s.srv.Result(ctx, tid)
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	// Forward the task's last events before its outcome.
	s.mu.Lock()
	done := s.events[tid]
	s.mu.Unlock()
	if done != nil {
		select {
		case <-done:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	if err != nil {
		return nil, mapRuntimeError(err)
	}
	return res, nil
}

func (s *hierSession) Cancel(ctx context.Context, id string) error {
	tid, err := s.parse(id)
	if err != nil {
		return err
	}
	return mapRuntimeError(s.srv.Cancel(tid))
}

func (s *hierSession) Close() error {
	err := s.srv.CloseSession(s.id)
	s.cancel()
	s.wg.Wait()
	if errors.Is(err, hierarchy.ErrUnknownSession) {
		return nil // the runtime stopped and forgot it
	}
	return err
}

// mapRuntimeError converts the runtime's errors to protocol errors.
func mapRuntimeError(err error) error {
	var te *hierarchy.TaskError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &te):
		return &protocol.Error{Code: protocol.CodeTaskFailed, Message: strings.TrimPrefix(te.Msg, "compiler: ")}
	case errors.Is(err, hierarchy.ErrCancelled):
		return &protocol.Error{Code: protocol.CodeCancelled, Message: "the task was cancelled"}
	case errors.Is(err, hierarchy.ErrShutdown):
		return &protocol.Error{Code: protocol.CodeShuttingDown, Message: "the runtime is shutting down"}
	case errors.Is(err, hierarchy.ErrUnknownTask):
		return &protocol.Error{Code: protocol.CodeUnknownTask, Field: "task", Message: err.Error()}
	}
	return err
}

// EmbeddedConfig configures StartEmbedded.
type EmbeddedConfig struct {
	// Workers is the number of workers (default: GOMAXPROCS).
	Workers int
	// Managers is the number of managers (default 1).
	Managers int
	// Slots is the number of compute slots per worker (default 1).
	Slots int
}

// StartEmbedded starts an embedded runtime (hierarchy.StartEmbedded) with
// the compiler's tasks registered and returns a service over it; Stop
// stops the runtime.
func StartEmbedded(ctx context.Context, cfg EmbeddedConfig, log *zap.Logger) (*Service, error) {
	if log == nil {
		log = zap.NewNop()
	}
	reg := hierarchy.NewRegistry()
	if err := RegisterCompiler(reg, log.Named("compiler")); err != nil {
		return nil, err
	}
	e, err := hierarchy.StartEmbedded(ctx, hierarchy.EmbeddedConfig{
		Managers: cfg.Managers, Workers: cfg.Workers, Slots: cfg.Slots, Registry: reg, Logger: log,
	})
	if err != nil {
		return nil, fmt.Errorf("service: start embedded runtime: %w", err)
	}
	s := New(HierarchyRuntime(e.Server), log.Named("service"))
	s.stop = e.Stop
	return s, nil
}
