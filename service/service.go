package service

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math/bits"
	"strings"
	"sync"
	"time"

	"go.uber.org/zap"

	"github.com/bqskit-mpi/bqskit-mpi/compiler"
	"github.com/bqskit-mpi/bqskit-mpi/gateway"
	"github.com/bqskit-mpi/bqskit-mpi/protocol"
	"github.com/bqskit-mpi/bqskit-mpi/qasm"
	"github.com/bqskit-mpi/bqskit-mpi/unitaryio"
)

// Runtime is what the service needs from the runtime's server side: one
// session per client, in which root tasks run.
type Runtime interface {
	// OpenSession starts a runtime session; sink receives the log and
	// progress events of its tasks (with the task ids Submit returned)
	// until Close returns.
	OpenSession(ctx context.Context, sink gateway.EventSink) (RuntimeSession, error)
}

// RuntimeSession runs the root tasks of one client.
type RuntimeSession interface {
	// Submit schedules the registered task name with args as a root task;
	// level is the lowest log level forwarded to the sink.
	Submit(ctx context.Context, name string, args []byte, level protocol.LogLevel) (string, error)
	// Status is the task's state.
	Status(ctx context.Context, id string) (protocol.TaskStatus, error)
	// Result waits for the task and returns its result bytes, or its error
	// (a cancelled task returns an error and Status reports cancelled).
	// Callable any number of times, concurrently.
	Result(ctx context.Context, id string) ([]byte, error)
	// Cancel cancels the task (and its subtasks); it does not wait for
	// running work to unwind.
	Cancel(ctx context.Context, id string) error
	// Close cancels unfinished tasks and releases the session's results.
	Close() error
}

// ParseSlots is the number of submissions the service parses at once (the
// others wait, cancellably). A parse at the qasm default limit of 2^19
// operations peaks near 250 MB, so this bounds the memory of parsing.
const ParseSlots = 2

// Service implements gateway.Backend over a Runtime.
type Service struct {
	rt    Runtime
	log   *zap.Logger
	stop  func() error
	parse chan struct{} // a parse slot is held while parsing
}

// New returns a service over rt. log may be nil.
func New(rt Runtime, log *zap.Logger) *Service {
	if rt == nil {
		panic("service: nil runtime")
	}
	if log == nil {
		log = zap.NewNop()
	}
	return &Service{rt: rt, log: log, parse: make(chan struct{}, ParseSlots)}
}

// Stop stops a runtime the service started (StartEmbedded); it does
// nothing for a runtime passed to New.
func (s *Service) Stop() error {
	if s.stop == nil {
		return nil
	}
	return s.stop()
}

// OpenSession implements gateway.Backend.
func (s *Service) OpenSession(ctx context.Context, info gateway.SessionInfo, sink gateway.EventSink) (gateway.Session, error) {
	rs, err := s.rt.OpenSession(ctx, sink)
	if err != nil {
		return nil, fmt.Errorf("service: open runtime session: %w", err)
	}
	wctx, cancel := context.WithCancel(context.Background())
	return &session{svc: s, rs: rs, info: info, sink: sink, log: s.log.With(zap.Uint64("session", info.ID)),
		tasks: make(map[string]*taskInfo), watchCtx: wctx, stopWatch: cancel}, nil
}

type session struct {
	svc  *Service
	rs   RuntimeSession
	info gateway.SessionInfo
	sink gateway.EventSink
	log  *zap.Logger

	// The watchers release each task's admission ticket when it ends;
	// Close stops and waits for them.
	watchCtx  context.Context
	stopWatch context.CancelFunc
	watchers  sync.WaitGroup

	mu    sync.Mutex
	tasks map[string]*taskInfo
}

// taskInfo is what the service remembers of a task for its own log events.
type taskInfo struct {
	level    protocol.LogLevel
	name     string
	twoQubit int // input two-qubit gates (-1 for a unitary)
	start    time.Time
	reported sync.Once // logs the completion; concurrent callers wait for it
}

// CompilerRequest converts and validates a submit request: it decodes the
// unitary, parses the circuit and the workflow, and checks the qubit
// limit (maxQubits <= 0: qasm's default). Errors are *protocol.Error.
func CompilerRequest(req *protocol.SubmitRequest, maxQubits int) (compiler.Request, error) {
	cr, _, err := compilerRequest(context.Background(), req, protocol.Limits{MaxQubits: maxQubits})
	return cr, err
}

// compilerRequest is CompilerRequest with the server's limits (MaxQubits,
// MaxGates; zero: qasm's defaults), parsing until ctx ends, that also
// returns the validated plan (whose circuit is the request's QASM, parsed
// once). A circuit over the limits is refused while it is read, before it
// is built: too_many_qubits, or too_large for gates and classical bits.
func compilerRequest(ctx context.Context, req *protocol.SubmitRequest, lim protocol.Limits) (compiler.Request, *compiler.Plan, error) {
	maxQubits := lim.MaxQubits
	if err := req.Validate(); err != nil {
		return compiler.Request{}, nil, err
	}
	cr := compiler.Request{
		QASM:              req.QASM,
		Name:              req.Filename,
		OptimizationLevel: req.OptimizationLevel,
		Workflow:          req.Workflow,
		BlockSize:         req.BlockSize,
		RequestData:       req.RequestData,
		SynthesisEpsilon:  req.SynthesisEpsilon,
		ErrorThreshold:    req.ErrorThreshold,
		WithMapping:       req.WithMapping,
	}
	if m := req.Model; m != nil {
		cr.Model = &compiler.ModelSpec{Coupling: m.Coupling, Qubits: m.Qubits, Edges: m.Edges, Gates: m.Gates}
	}
	if req.Seed != nil {
		cr.Seed = *req.Seed
	}
	if req.Unitary != "" {
		b, err := base64.StdEncoding.DecodeString(req.Unitary)
		if err != nil {
			return cr, nil, &protocol.Error{Code: protocol.CodeBadRequest, Field: "unitary",
				Message: fmt.Sprintf("unitary: not standard padded base64: %v", err)}
		}
		cr.Unitary = b
	}
	plan, err := compiler.NewPlanContext(ctx, cr, qasm.Limits{MaxQubits: max(maxQubits, 0), MaxGates: max(lim.MaxGates, 0)})
	if err != nil {
		if ctx.Err() != nil {
			return cr, nil, ctx.Err()
		}
		return cr, nil, planError(err)
	}
	n := 0
	switch {
	case plan.Circuit != nil:
		n = plan.Circuit.NumQubits()
	case plan.Target != nil:
		n = bits.Len(uint(plan.Target.Rows)) - 1
	}
	if maxQubits > 0 && n > maxQubits {
		return cr, nil, &protocol.Error{Code: protocol.CodeTooManyQubits,
			Message: fmt.Sprintf("the circuit has %d qubits; this server accepts at most %d", n, maxQubits)}
	}
	return cr, plan, nil
}

// planError maps a compiler.NewPlan error to a protocol error by its type:
// *qasm.Error, unitaryio's sentinels, or *compiler.RequestError (whose
// kind gives the code and whose field is passed on).
func planError(err error) *protocol.Error {
	var qe *qasm.Error
	var re *compiler.RequestError
	switch {
	case errors.As(err, &qe) && errors.Is(err, qasm.ErrTooManyQubits):
		return &protocol.Error{Code: protocol.CodeTooManyQubits, Field: "qasm", File: qe.File, Line: qe.Line, Col: qe.Col, Message: qe.Error()}
	case errors.As(err, &qe) && (errors.Is(err, qasm.ErrTooManyGates) || errors.Is(err, qasm.ErrTooManyClbits)):
		return &protocol.Error{Code: protocol.CodeTooLarge, Field: "qasm", File: qe.File, Line: qe.Line, Col: qe.Col, Message: qe.Error()}
	case errors.As(err, &qe):
		return &protocol.Error{Code: protocol.CodeInvalidCircuit, Field: "qasm", File: qe.File, Line: qe.Line, Col: qe.Col, Message: qe.Error()}
	case errors.Is(err, unitaryio.ErrNotNPY), errors.Is(err, unitaryio.ErrDType), errors.Is(err, unitaryio.ErrShape),
		errors.Is(err, unitaryio.ErrTooLarge), errors.Is(err, unitaryio.ErrNotUnitary):
		return &protocol.Error{Code: protocol.CodeInvalidCircuit, Field: "unitary", Message: err.Error()}
	case errors.As(err, &re):
		e := &protocol.Error{Code: protocol.CodeBadRequest, Field: re.Field, Message: strings.TrimPrefix(re.Error(), "compiler: ")}
		switch re.Kind {
		case compiler.ErrUnknownPass:
			e.Code = protocol.CodeUnknownPass
		case compiler.ErrUnsupported:
			e.Code = protocol.CodeInvalidCircuit
		}
		return e
	}
	return &protocol.Error{Code: protocol.CodeBadRequest, Message: err.Error()}
}

// Submit admits the request (the session's budget, by input bytes first),
// parses it in one of the service's parse slots with the server's limits
// and the session's context (a client that leaves stops its parse), adds
// its gate count to the budget, and starts the compile task. The budget is
// released when the task ends.
func (s *session) Submit(ctx context.Context, req *protocol.SubmitRequest) (string, error) {
	if err := req.Validate(); err != nil {
		return "", err
	}
	ticket, err := s.info.Budget.Admit(int64(len(req.QASM) + len(req.Unitary)))
	if err != nil {
		return "", err
	}
	admitted := false
	defer func() {
		if !admitted {
			ticket.Release()
		}
	}()
	select {
	case s.svc.parse <- struct{}{}:
	case <-ctx.Done():
		return "", ctx.Err()
	}
	cr, plan, err := compilerRequest(ctx, req, s.info.Limits)
	<-s.svc.parse
	if err != nil {
		return "", err
	}
	if plan.Circuit != nil {
		if err := ticket.AddGates(int64(plan.Circuit.Len())); err != nil {
			return "", err
		}
	}
	args, err := compiler.EncodeRequest(cr)
	if err != nil {
		return "", fmt.Errorf("service: encode request: %w", err)
	}
	id, err := s.rs.Submit(ctx, compiler.TaskCompile, args, req.LogLevel)
	if err != nil {
		return "", fmt.Errorf("service: submit: %w", err)
	}
	admitted = true
	s.watchers.Add(1)
	go func() {
		defer s.watchers.Done()
		s.rs.Result(s.watchCtx, id) // the task ended (or the session closed)
		ticket.Release()
	}()
	ti := &taskInfo{level: req.LogLevel, name: cr.Name, twoQubit: -1, start: time.Now()}
	if ti.name == "" {
		ti.name = "input"
	}
	what := "unitary"
	if plan.Circuit != nil {
		info := plan.Circuit.Info()
		ti.twoQubit = info.TwoQubitGates
		what = fmt.Sprintf("%d qubits, %d gates (%d two-qubit)", info.Qubits, info.Gates, info.TwoQubitGates)
	}
	s.mu.Lock()
	s.tasks[id] = ti
	s.mu.Unlock()
	workflow := fmt.Sprintf("optimization level %d", max(cr.OptimizationLevel, 1))
	if len(cr.Workflow) > 0 {
		workflow = "a custom workflow"
	}
	s.logf(id, ti.level, protocol.LevelInfo, "compiling %s: %s, %s, seed %d", ti.name, what, workflow, cr.Seed)
	return id, nil
}

// logf sends a service log event for task id when level passes threshold.
func (s *session) logf(id string, threshold, level protocol.LogLevel, format string, args ...any) {
	if !threshold.Enabled(level) {
		return
	}
	s.sink.Log(protocol.LogEvent{Task: id, Level: level, Logger: "service", Message: fmt.Sprintf(format, args...), Time: time.Now()})
}

// reportDone logs a task's completion once.
func (s *session) reportDone(id string, res *protocol.TaskResult, err error) {
	s.mu.Lock()
	ti := s.tasks[id]
	s.mu.Unlock()
	if ti != nil {
		ti.reported.Do(func() { s.logDone(id, ti, res, err) })
	}
}

func (s *session) logDone(id string, ti *taskInfo, res *protocol.TaskResult, err error) {
	secs := time.Since(ti.start).Seconds()
	if err != nil {
		var ge *protocol.Error
		if errors.As(err, &ge) && ge.Code == protocol.CodeCancelled {
			s.logf(id, ti.level, protocol.LevelInfo, "%s: cancelled after %.2f s", ti.name, secs)
			return
		}
		s.logf(id, ti.level, protocol.LevelError, "%s: failed after %.2f s: %v", ti.name, secs, err)
		return
	}
	if !ti.level.Enabled(protocol.LevelInfo) {
		return
	}
	out := -1
	if c, err := qasm.Parse("result", []byte(res.QASM)); err == nil {
		out = c.Info().TwoQubitGates
	}
	if ti.twoQubit >= 0 {
		s.logf(id, ti.level, protocol.LevelInfo, "%s: done in %.2f s, two-qubit gates %d -> %d", ti.name, secs, ti.twoQubit, out)
	} else {
		s.logf(id, ti.level, protocol.LevelInfo, "%s: done in %.2f s, %d two-qubit gates", ti.name, secs, out)
	}
}

func (s *session) Status(ctx context.Context, id string) (protocol.TaskStatus, error) {
	return s.rs.Status(ctx, id)
}

// wireResult reads a compiler.Result keeping its pass data as raw JSON.
type wireResult struct {
	QASM           string          `json:"qasm"`
	Data           json.RawMessage `json:"data,omitempty"`
	InitialMapping []int           `json:"initial_mapping,omitempty"`
	FinalMapping   []int           `json:"final_mapping,omitempty"`
}

func (s *session) Result(ctx context.Context, id string) (*protocol.TaskResult, error) {
	res, err := s.result(ctx, id)
	if ctx.Err() == nil {
		s.reportDone(id, res, err)
	}
	return res, err
}

func (s *session) result(ctx context.Context, id string) (*protocol.TaskResult, error) {
	b, err := s.rs.Result(ctx, id)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		var ge *protocol.Error
		if errors.As(err, &ge) {
			return nil, ge
		}
		if st, serr := s.rs.Status(ctx, id); serr == nil && st == protocol.StatusCancelled {
			return nil, &protocol.Error{Code: protocol.CodeCancelled, Message: "task " + id + " was cancelled"}
		}
		return nil, &protocol.Error{Code: protocol.CodeTaskFailed, Message: strings.TrimPrefix(err.Error(), "compiler: ")}
	}
	var r wireResult
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, fmt.Errorf("service: task %s returned an unreadable result: %w", id, err)
	}
	if len(r.Data) == 0 || string(r.Data) == "null" {
		r.Data = nil
	}
	return &protocol.TaskResult{QASM: r.QASM, Data: r.Data, InitialMapping: r.InitialMapping, FinalMapping: r.FinalMapping}, nil
}

func (s *session) Cancel(ctx context.Context, id string) error {
	return s.rs.Cancel(ctx, id)
}

func (s *session) Close() error {
	err := s.rs.Close()
	s.stopWatch()
	s.watchers.Wait()
	return err
}
