package service_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bqskit-mpi/bqskit-mpi/client"
	"github.com/bqskit-mpi/bqskit-mpi/gateway"
	"github.com/bqskit-mpi/bqskit-mpi/gateway/gatewaytest"
	"github.com/bqskit-mpi/bqskit-mpi/protocol"
	"github.com/bqskit-mpi/bqskit-mpi/service"
	"github.com/bqskit-mpi/bqskit-mpi/service/servicetest"
)

const small3 = "OPENQASM 2.0;\ninclude \"qelib1.inc\";\nqreg q[3];\nh q[0];\ncx q[0],q[1];\nrz(0.25) q[1];\ncx q[0],q[1];\ncx q[1],q[2];\nrx(0.5) q[2];\ncx q[1],q[2];\n"

func startEmbedded(t *testing.T, workers int) (*gatewaytest.Server, *service.Service) {
	t.Helper()
	return servicetest.StartEmbedded(t, workers, gateway.Config{MaxQubits: 64})
}

func TestEmbeddedCompileLogsAndErrors(t *testing.T) {
	srv, _ := startEmbedded(t, 2)
	var mu sync.Mutex
	var logs []string
	c, err := client.Dial(context.Background(), srv.Addr, client.WithToken(srv.Token),
		client.WithLogHandler(func(ev protocol.LogEvent) { mu.Lock(); logs = append(logs, ev.Logger+": "+ev.Message); mu.Unlock() }))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ctx := context.Background()
	seed := uint64(5)
	task, err := c.Submit(ctx, &protocol.SubmitRequest{QASM: small3, Filename: "small3.qasm", Seed: &seed, LogLevel: protocol.LevelInfo, RequestData: true})
	if err != nil {
		t.Fatal(err)
	}
	r1, err := c.Result(ctx, task)
	if err != nil {
		t.Fatal(err)
	}
	r2, err := c.Result(ctx, task)
	if err != nil || r2.QASM != r1.QASM {
		t.Fatalf("second result differs: %v", err)
	}
	servicetest.Verify(t, small3, r1.QASM)
	if st, err := c.Status(ctx, task); err != nil || st != protocol.StatusDone {
		t.Fatalf("status %q %v", st, err)
	}
	mu.Lock()
	joined := strings.Join(logs, "\n")
	mu.Unlock()
	if !strings.Contains(joined, "compiling small3.qasm: 3 qubits") || !strings.Contains(joined, "done in") {
		t.Errorf("service logs missing:\n%s", joined)
	}
	// Same seed, same output, through a new session.
	r3, err := c.Compile(ctx, &protocol.SubmitRequest{QASM: small3, Seed: &seed})
	if err != nil || r3.QASM != r1.QASM {
		t.Errorf("same seed gave a different circuit (%v)", err)
	}
	// Bad inputs are refused before scheduling, with the compiler's words.
	_, err = c.Submit(ctx, &protocol.SubmitRequest{QASM: small3, Workflow: []byte(`[{"pass":"frobnicate"}]`)})
	if !errors.Is(err, protocol.ErrUnknownPass) || !strings.Contains(err.Error(), "frobnicate") {
		t.Errorf("unknown pass: %v", err)
	}
}

func TestEmbeddedCancelAndDisconnect(t *testing.T) {
	srv, _ := startEmbedded(t, 2)
	// A compile long enough to still be running when cancelled.
	long := servicetest.Circuit(t, "tfim4.qasm")
	ctx := context.Background()
	c, err := client.Dial(ctx, srv.Addr, client.WithToken(srv.Token))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	task, err := c.Submit(ctx, &protocol.SubmitRequest{QASM: long, OptimizationLevel: 3})
	if err != nil {
		t.Fatal(err)
	}
	for {
		st, err := c.Status(ctx, task)
		if err != nil {
			t.Fatal(err)
		}
		if st == protocol.StatusRunning {
			break
		}
		if st.Terminal() {
			t.Fatalf("long compile ended before cancel: %s", st)
		}
		time.Sleep(10 * time.Millisecond)
	}
	start := time.Now()
	st, err := c.Cancel(ctx, task)
	t.Logf("cancel answered in %v", time.Since(start))
	if err != nil || st != protocol.StatusCancelled {
		t.Fatalf("cancel: %q %v", st, err)
	}
	if _, err := c.Result(ctx, task); !errors.Is(err, protocol.ErrCancelled) {
		t.Fatalf("result after cancel: %v", err)
	}
	// A client that vanishes mid-compile: its task is cancelled, and the
	// server serves the next compile.
	d, err := client.Dial(ctx, srv.Addr, client.WithToken(srv.Token))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.Submit(ctx, &protocol.SubmitRequest{QASM: long, OptimizationLevel: 3}); err != nil {
		t.Fatal(err)
	}
	d.Close()
	res, err := c.Compile(ctx, &protocol.SubmitRequest{QASM: small3})
	if err != nil {
		t.Fatal(err)
	}
	servicetest.Verify(t, small3, res.QASM)
}
