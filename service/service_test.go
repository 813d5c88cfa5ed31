package service_test

import (
	"context"
	"encoding/base64"
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/bqskit-mpi/bqskit-mpi/client"
	"github.com/bqskit-mpi/bqskit-mpi/compiler"
	"github.com/bqskit-mpi/bqskit-mpi/gateway"
	"github.com/bqskit-mpi/bqskit-mpi/gateway/gatewaytest"
	"github.com/bqskit-mpi/bqskit-mpi/protocol"
	"github.com/bqskit-mpi/bqskit-mpi/qasm"
	"github.com/bqskit-mpi/bqskit-mpi/service"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// inProcess is a test double of the runtime: it runs the compiler's tasks
// in goroutines of this process (a real compile, without the hierarchy).
type inProcess struct{}

func (inProcess) OpenSession(ctx context.Context, sink gateway.EventSink) (service.RuntimeSession, error) {
	return &ipSession{tasks: map[string]*ipTask{}}, nil
}

type ipSession struct {
	mu    sync.Mutex
	n     int
	tasks map[string]*ipTask
	wg    sync.WaitGroup
}

type ipTask struct {
	cancel context.CancelFunc
	done   chan struct{}
	mu     sync.Mutex
	status protocol.TaskStatus
	res    []byte
	err    error
}

func (s *ipSession) Submit(ctx context.Context, name string, args []byte, level protocol.LogLevel) (string, error) {
	exec := compiler.NewLocalExecutor(1, nil)
	f, ok := exec.Tasks[name]
	if !ok {
		return "", errors.New("no task " + name)
	}
	tctx, cancel := context.WithCancel(context.Background())
	t := &ipTask{cancel: cancel, done: make(chan struct{}), status: protocol.StatusRunning}
	s.mu.Lock()
	s.n++
	id := "R" + string(rune('0'+s.n))
	s.tasks[id] = t
	s.mu.Unlock()
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		res, err := f(tctx, args)
		t.mu.Lock()
		t.res, t.err = res, err
		switch {
		case tctx.Err() != nil:
			t.status = protocol.StatusCancelled
		case err != nil:
			t.status = protocol.StatusFailed
		default:
			t.status = protocol.StatusDone
		}
		t.mu.Unlock()
		close(t.done)
	}()
	return id, nil
}

func (s *ipSession) get(id string) *ipTask {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.tasks[id]
}

func (s *ipSession) Status(ctx context.Context, id string) (protocol.TaskStatus, error) {
	t := s.get(id)
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.status, nil
}

func (s *ipSession) Result(ctx context.Context, id string) ([]byte, error) {
	t := s.get(id)
	select {
	case <-t.done:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	return t.res, t.err
}

func (s *ipSession) Cancel(ctx context.Context, id string) error {
	s.get(id).cancel()
	return nil
}

func (s *ipSession) Close() error {
	s.mu.Lock()
	for _, t := range s.tasks {
		t.cancel()
	}
	s.mu.Unlock()
	s.wg.Wait()
	return nil
}

func TestCompilerRequestErrors(t *testing.T) {
	seven := uint64(7)
	good := "OPENQASM 2.0;\ninclude \"qelib1.inc\";\nqreg q[3];\ncx q[0],q[1];\n"
	tests := []struct {
		name  string
		req   protocol.SubmitRequest
		code  protocol.Code
		field string
		line  int
	}{
		{name: "valid", req: protocol.SubmitRequest{QASM: good, Seed: &seven, OptimizationLevel: 2}},
		{name: "bad qasm", req: protocol.SubmitRequest{QASM: "OPENQASM 2.0;\nqreg q[2];\n\ncx q[0],q[7];\n", Filename: "x.qasm"}, code: protocol.CodeInvalidCircuit, field: "qasm", line: 4},
		{name: "unknown gate", req: protocol.SubmitRequest{QASM: "OPENQASM 2.0;\nqreg q[2];\nfrob q[0];\n"}, code: protocol.CodeInvalidCircuit, line: 3},
		{name: "unknown pass", req: protocol.SubmitRequest{QASM: good, Workflow: []byte(`[{"pass":"frobnicate"}]`)}, code: protocol.CodeUnknownPass, field: "workflow"},
		{name: "bad workflow param", req: protocol.SubmitRequest{QASM: good, Workflow: []byte(`[{"pass":"quick_partition","colour":3}]`)}, code: protocol.CodeBadRequest, field: "workflow"},
		{name: "too wide", req: protocol.SubmitRequest{QASM: "OPENQASM 2.0;\nqreg q[40];\n"}, code: protocol.CodeTooManyQubits},
		{name: "block size", req: protocol.SubmitRequest{QASM: good, BlockSize: 12}, code: protocol.CodeBadRequest, field: "block_size"},
		{name: "negative block size", req: protocol.SubmitRequest{QASM: good, BlockSize: -1}, code: protocol.CodeBadRequest, field: "block_size"},
		{name: "level too high", req: protocol.SubmitRequest{QASM: good, OptimizationLevel: 5}, code: protocol.CodeBadRequest, field: "optimization_level"},
		{name: "negative level", req: protocol.SubmitRequest{QASM: good, OptimizationLevel: -1}, code: protocol.CodeBadRequest, field: "optimization_level"},
		{name: "bad base64", req: protocol.SubmitRequest{Unitary: "!!"}, code: protocol.CodeBadRequest, field: "unitary"},
		{name: "not npy", req: protocol.SubmitRequest{Unitary: base64.StdEncoding.EncodeToString([]byte("hello"))}, code: protocol.CodeInvalidCircuit, field: "unitary"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cr, err := service.CompilerRequest(&tc.req, 32)
			if tc.code == "" {
				if err != nil || cr.Seed != 7 || cr.OptimizationLevel != 2 {
					t.Fatalf("valid request: %+v %v", cr, err)
				}
				return
			}
			var ge *protocol.Error
			if !errors.As(err, &ge) {
				t.Fatalf("want *protocol.Error, got %v", err)
			}
			if ge.Code != tc.code || (tc.field != "" && ge.Field != tc.field) || ge.Message == "" {
				t.Fatalf("got %+v, want code %s field %q", ge, tc.code, tc.field)
			}
			if tc.line != 0 && (ge.Line != tc.line || ge.Col < 1) {
				t.Fatalf("location %d:%d, want line %d", ge.Line, ge.Col, tc.line)
			}
		})
	}
	if cr, err := service.CompilerRequest(&protocol.SubmitRequest{QASM: good, OptimizationLevel: 4}, 32); err != nil || cr.OptimizationLevel != 4 {
		t.Fatalf("level 4: %+v %v", cr, err)
	}
}

func TestCompileThroughGateway(t *testing.T) {
	// Small enough to compile in well under a second, even with -race.
	src := "OPENQASM 2.0;\ninclude \"qelib1.inc\";\nqreg q[3];\nh q[0];\ncx q[0],q[1];\ncx q[0],q[1];\nrz(0.3) q[1];\ncx q[1],q[2];\n"
	svc := service.New(inProcess{}, nil)
	srv := gatewaytest.Start(t, gateway.Config{MaxQubits: 32}, svc)
	c, err := client.Dial(context.Background(), srv.Addr, client.WithToken(srv.Token))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	seed := uint64(3)
	res, err := c.Compile(context.Background(), &protocol.SubmitRequest{QASM: src, Filename: "small.qasm", Seed: &seed, RequestData: true})
	if err != nil {
		t.Fatal(err)
	}
	in, _ := qasm.Parse("in", []byte(src))
	out, err := qasm.Parse("out", []byte(res.QASM))
	if err != nil {
		t.Fatal(err)
	}
	v, err := compiler.Verify(in, out, 1)
	if err != nil || v.Cost > 1e-6 {
		t.Fatalf("verify: %+v %v", v, err)
	}
	if !strings.Contains(string(res.Data), `"stages"`) {
		t.Errorf("pass data missing: %s", res.Data)
	}
	// Errors reach the client with their codes.
	_, err = c.Submit(context.Background(), &protocol.SubmitRequest{QASM: "OPENQASM 2.0;\nqreg q[1];\nbogus q[0];\n", Filename: "b.qasm"})
	var ge *protocol.Error
	if !errors.As(err, &ge) || ge.Code != protocol.CodeInvalidCircuit || ge.Line != 3 || ge.File != "b.qasm" {
		t.Fatalf("invalid QASM: %v", err)
	}
}
