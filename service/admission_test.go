package service_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bqskit-mpi/bqskit-mpi/client"
	"github.com/bqskit-mpi/bqskit-mpi/gateway"
	"github.com/bqskit-mpi/bqskit-mpi/gateway/gatewaytest"
	"github.com/bqskit-mpi/bqskit-mpi/protocol"
	"github.com/bqskit-mpi/bqskit-mpi/service"
)

// held is a runtime whose tasks run until cancelled (nothing is compiled):
// what the service admits stays queued.
type held struct{}

func (held) OpenSession(context.Context, gateway.EventSink) (service.RuntimeSession, error) {
	return &heldSession{tasks: map[string]chan struct{}{}}, nil
}

type heldSession struct {
	mu    sync.Mutex
	n     int
	tasks map[string]chan struct{} // closed when cancelled
}

func (s *heldSession) Submit(ctx context.Context, name string, args []byte, level protocol.LogLevel) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.n++
	id := fmt.Sprintf("H%d", s.n)
	s.tasks[id] = make(chan struct{})
	return id, nil
}

func (s *heldSession) done(id string) chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.tasks[id]
}

func (s *heldSession) Status(ctx context.Context, id string) (protocol.TaskStatus, error) {
	select {
	case <-s.done(id):
		return protocol.StatusCancelled, nil
	default:
		return protocol.StatusRunning, nil
	}
}

func (s *heldSession) Result(ctx context.Context, id string) ([]byte, error) {
	select {
	case <-s.done(id):
		return nil, errors.New("cancelled")
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func (s *heldSession) Cancel(ctx context.Context, id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	select {
	case <-s.tasks[id]:
	default:
		close(s.tasks[id])
	}
	return nil
}

func (s *heldSession) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, c := range s.tasks {
		select {
		case <-c:
		default:
			close(c)
		}
	}
	return nil
}

// padded is a Bell circuit padded with a comment to n bytes.
func padded(n int) string {
	src := "OPENQASM 2.0;\ninclude \"qelib1.inc\";\nqreg q[2];\nh q[0];\ncx q[0],q[1];\n//"
	return src + strings.Repeat("x", n-len(src)-1) + "\n"
}

// gates is a circuit of n single-qubit gates.
func gates(n int) string {
	return "OPENQASM 2.0;\ninclude \"qelib1.inc\";\nqreg q[1];\n" + strings.Repeat("x q[0];\n", n)
}

func dialSvc(t *testing.T, srv *gatewaytest.Server) *client.Client {
	t.Helper()
	c, err := client.Dial(context.Background(), srv.Addr, client.WithToken(srv.Token))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func code(err error) protocol.Code {
	var ge *protocol.Error
	if errors.As(err, &ge) {
		return ge.Code
	}
	return ""
}

// TestLimitsAtSubmit: the server's width and gate limits apply while the
// QASM is read; bombs are refused with their codes (issue 17, item 2).
func TestLimitsAtSubmit(t *testing.T) {
	srv := gatewaytest.Start(t, gateway.Config{MaxQubits: 32, MaxGates: 1000}, service.New(held{}, nil))
	c := dialSvc(t, srv)
	var nested strings.Builder
	nested.WriteString("OPENQASM 2.0;\ninclude \"qelib1.inc\";\nqreg q[2];\ngate g0 a, b { cx a, b; }\n")
	for i := 1; i <= 40; i++ {
		fmt.Fprintf(&nested, "gate g%d a, b { g%d a, b; g%d b, a; }\n", i, i-1, i-1)
	}
	nested.WriteString("g40 q[0], q[1];\n")
	for _, tc := range []struct {
		name, src string
		code      protocol.Code
		line      int
	}{
		{"nested-gate bomb", nested.String(), protocol.CodeTooLarge, 45},
		{"broadcast bomb", "OPENQASM 2.0;\ninclude \"qelib1.inc\";\nqreg q[1000000];\nh q;\n", protocol.CodeTooManyQubits, 3},
		{"too wide", "OPENQASM 2.0;\nqreg q[40];\n", protocol.CodeTooManyQubits, 2},
		{"too many gates", gates(1001), protocol.CodeTooLarge, 1004},
		{"too many classical bits", "OPENQASM 2.0;\nqreg q[1];\ncreg c[100000000];\n", protocol.CodeTooLarge, 3},
		{"at the limits", gates(1000), "", 0},
	} {
		start := time.Now()
		_, err := c.Submit(context.Background(), &protocol.SubmitRequest{QASM: tc.src, Filename: "bomb.qasm"})
		d := time.Since(start)
		if tc.code == "" {
			if err != nil {
				t.Errorf("%s: %v", tc.name, err)
			}
			continue
		}
		var ge *protocol.Error
		if !errors.As(err, &ge) || ge.Code != tc.code || ge.Field != "qasm" || ge.File != "bomb.qasm" || ge.Line != tc.line {
			t.Errorf("%s: got %+v, want %s at line %d", tc.name, ge, tc.code, tc.line)
		}
		t.Logf("%s: refused in %v: %v", tc.name, d, err)
	}
}

// TestAdmission: a session's unfinished tasks may hold a bounded amount of
// input and gates, and all sessions together too; beyond that a submit is
// answered busy; the budget comes back when tasks end (issue 17, item 4).
func TestAdmission(t *testing.T) {
	srv := gatewaytest.Start(t, gateway.Config{SessionQueuedBytes: 10000, SessionQueuedGates: 300,
		TotalQueuedBytes: 21000, TotalQueuedGates: 100000}, service.New(held{}, nil))
	ctx := context.Background()
	a := dialSvc(t, srv)
	var tasks []string
	for i := range 6 {
		task, err := a.Submit(ctx, &protocol.SubmitRequest{QASM: padded(2000)})
		if i < 5 && err != nil {
			t.Fatalf("submit %d: %v", i, err)
		}
		if i == 5 {
			if code(err) != protocol.CodeBusy || !errors.Is(err, protocol.ErrBusy) || !strings.Contains(err.Error(), "per session") {
				t.Fatalf("sixth 2000-byte task over a 10000-byte session budget: %v", err)
			}
			break
		}
		tasks = append(tasks, task)
	}
	// Cancelling one gives its share back.
	if _, err := a.Cancel(ctx, tasks[0]); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		_, err := a.Submit(ctx, &protocol.SubmitRequest{QASM: padded(2000)})
		if err == nil {
			break
		}
		if code(err) != protocol.CodeBusy || time.Now().After(deadline) {
			t.Fatalf("after a cancel: %v", err)
		}
		time.Sleep(10 * time.Millisecond)
	}
	// Gates: a session's first task may be any size; the next must fit.
	b := dialSvc(t, srv)
	if _, err := b.Submit(ctx, &protocol.SubmitRequest{QASM: gates(400)}); err != nil {
		t.Fatalf("first task over the session's gate budget: %v", err)
	}
	if _, err := b.Submit(ctx, &protocol.SubmitRequest{QASM: gates(1)}); code(err) != protocol.CodeBusy || !strings.Contains(err.Error(), "gates") {
		t.Fatalf("second task beyond the gate budget: %v", err)
	}
	// All sessions: a (10000 bytes) + b (~3300) + c's first tasks.
	c := dialSvc(t, srv)
	var err error
	for range 5 {
		if _, err = c.Submit(ctx, &protocol.SubmitRequest{QASM: padded(2000)}); err != nil {
			break
		}
	}
	if code(err) != protocol.CodeBusy || !strings.Contains(err.Error(), "all clients") {
		t.Fatalf("beyond the total budget: %v", err)
	}
	// Sessions that end give everything back.
	for _, cl := range []*client.Client{a, b, c} {
		cl.Close()
	}
	deadline = time.Now().Add(10 * time.Second)
	for {
		bytes, gates := srv.Queued()
		if bytes == 0 && gates == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after every session closed the server still holds %d bytes, %d gates", bytes, gates)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestParseCancelled: a parse stops when the session's context ends.
func TestParseCancelled(t *testing.T) {
	svc := service.New(held{}, nil)
	sess, err := svc.OpenSession(context.Background(), gateway.SessionInfo{ID: 1}, nopSink{})
	if err != nil {
		t.Fatal(err)
	}
	defer sess.Close()
	// About 500k gates: far longer to parse than the 20 ms before the cancel.
	src := "OPENQASM 2.0;\ninclude \"qelib1.inc\";\nqreg q[1];\n" + strings.Repeat("x q[0];\n", 500000)
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(20*time.Millisecond, cancel)
	_, err = sess.Submit(ctx, &protocol.SubmitRequest{QASM: src})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("want the parse stopped by the cancel, got %v", err)
	}
}

type nopSink struct{}

func (nopSink) Log(protocol.LogEvent)           {}
func (nopSink) Progress(protocol.ProgressEvent) {}
