//go:build heavy

package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/bqskit-mpi/bqskit-mpi/client"
	"github.com/bqskit-mpi/bqskit-mpi/compiler"
	"github.com/bqskit-mpi/bqskit-mpi/gateway"
	"github.com/bqskit-mpi/bqskit-mpi/protocol"
	"github.com/bqskit-mpi/bqskit-mpi/qasm"
	"github.com/bqskit-mpi/bqskit-mpi/service"
)

func circuitPath(name string) string {
	return filepath.Join("..", "..", "testdata", "circuits", "bqskit", name)
}

func qft5Request(t *testing.T) *protocol.SubmitRequest {
	t.Helper()
	src, err := os.ReadFile(circuitPath("qft5.qasm"))
	if err != nil {
		t.Fatalf("benchmark circuit missing from the repository: %v", err)
	}
	seed := uint64(11)
	return &protocol.SubmitRequest{QASM: string(src), Filename: "qft5.qasm", OptimizationLevel: 2, Seed: &seed}
}

// embeddedResult compiles req on an embedded runtime behind an in-process
// gateway, through the same client.
func embeddedResult(t *testing.T, req *protocol.SubmitRequest) string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	svc, err := service.StartEmbedded(ctx, service.EmbeddedConfig{Workers: 2}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer svc.Stop()
	gw, err := gateway.New(gateway.Config{NoAuth: true}, svc, nil)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- gw.Serve(ctx, ln) }()
	defer func() { cancel(); <-served }()
	c, err := client.Dial(ctxTimeout(t, 30*time.Second), ln.Addr().String(), client.WithNoToken())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	res, err := c.Compile(ctxTimeout(t, 10*time.Minute), req)
	if err != nil {
		t.Fatalf("embedded compile: %v", err)
	}
	return res.QASM
}

func TestHeavyMPICompileQFT5(t *testing.T) {
	req := qft5Request(t)
	want := embeddedResult(t, req)
	in, err := qasm.Parse("qft5.qasm", []byte(req.QASM))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		n    int
		args []string
	}{{2, nil}, {4, nil}, {8, []string{"--fanout", "2"}}} {
		t.Run(fmt.Sprintf("n%d%v", tc.n, tc.args), func(t *testing.T) {
			j := startJob(t, tc.n, tc.args...)
			c, err := client.Dial(ctxTimeout(t, 30*time.Second), j.address(), client.WithNoToken())
			if err != nil {
				t.Fatalf("client: %v\n%s", err, j.out)
			}
			defer c.Close()
			start := time.Now()
			res, err := c.Compile(ctxTimeout(t, 10*time.Minute), req)
			if err != nil {
				t.Fatalf("compile: %v\n%s", err, j.out)
			}
			t.Logf("%d ranks: compiled in %v", tc.n, time.Since(start))
			if res.QASM != want {
				t.Errorf("MPI result differs from the embedded result for the same seed:\nMPI:\n%s\nembedded:\n%s", res.QASM, want)
			}
			out, err := qasm.Parse("result.qasm", []byte(res.QASM))
			if err != nil {
				t.Fatal(err)
			}
			v, err := compiler.Verify(in, out, 1)
			if err != nil {
				t.Fatal(err)
			}
			if v.Cost > 1e-6 {
				t.Errorf("result cost %g against the input, want <= 1e-6", v.Cost)
			}
			j.checkCleanExit(j.signal0(syscall.SIGINT))
		})
	}
}

// TestHeavyMPIShutdownDuringCompile: SIGINT to rank 0 while a compile runs:
// the client hears "server shutting down", mpirun exits 0 within 5 s and
// no rank is left.
func TestHeavyMPIShutdownDuringCompile(t *testing.T) {
	src, err := os.ReadFile(circuitPath("qaoa12.qasm"))
	if err != nil {
		t.Fatalf("benchmark circuit missing from the repository: %v", err)
	}
	seed := uint64(3)
	req := &protocol.SubmitRequest{QASM: string(src), Filename: "qaoa12.qasm", OptimizationLevel: 3, Seed: &seed}
	j := startJob(t, 4)
	c, err := client.Dial(ctxTimeout(t, 30*time.Second), j.address(), client.WithNoToken())
	if err != nil {
		t.Fatalf("client: %v\n%s", err, j.out)
	}
	defer c.Close()
	ctx := ctxTimeout(t, 2*time.Minute)
	id, err := c.Submit(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(30 * time.Second); ; {
		st, err := c.Status(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if st == protocol.StatusRunning || time.Now().After(deadline) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	time.Sleep(time.Second) // inside the compile (it runs for many seconds)
	since := j.signal0(syscall.SIGINT)
	_, err = c.Result(ctx, id)
	if !errors.Is(err, protocol.ErrShuttingDown) {
		t.Errorf("Result error %v, want server shutting down", err)
	}
	j.checkCleanExit(since)
}

// TestHeavyMPICompileWithModel: a compile for a machine (what
// bqskit-compile --coupling linear:5 --gates ibm sends) with BQSKit's
// compile options, on three MPI ranks: every two-qubit gate of the result
// acts on a coupled pair, every gate is native, and the result verifies up
// to the reported mappings. (It is not compared with the embedded
// runtime's: with a model the two differ in the last digits of some
// angles, as they already did before resynthesis was added.)
func TestHeavyMPICompileWithModel(t *testing.T) {
	req := qft5Request(t)
	req.OptimizationLevel = 1
	req.Model = &protocol.Model{Coupling: "linear:5", Gates: "ibm"}
	req.SynthesisEpsilon = 1e-9
	bound := 1e-3
	req.ErrorThreshold = &bound
	in, err := qasm.Parse("qft5.qasm", []byte(req.QASM))
	if err != nil {
		t.Fatal(err)
	}
	j := startJob(t, 3)
	c, err := client.Dial(ctxTimeout(t, 30*time.Second), j.address(), client.WithNoToken())
	if err != nil {
		t.Fatalf("client: %v\n%s", err, j.out)
	}
	defer c.Close()
	res, err := c.Compile(ctxTimeout(t, 10*time.Minute), req)
	if err != nil {
		t.Fatalf("compile: %v\n%s", err, j.out)
	}
	out, err := qasm.Parse("result.qasm", []byte(res.QASM))
	if err != nil {
		t.Fatal(err)
	}
	spec := compiler.ModelSpec{Coupling: "linear:5", Gates: "ibm"}
	m, err := spec.Build(5)
	if err != nil {
		t.Fatal(err)
	}
	for i, op := range out.Ops() {
		if !m.Gates().Contains(op.Gate.Name()) {
			t.Fatalf("op %d: %s is not native", i, op.Gate.Name())
		}
		if len(op.Qubits) == 2 && !m.Coupled(op.Qubits[0], op.Qubits[1]) {
			t.Fatalf("op %d: %s on uncoupled %v", i, op.Gate.Name(), op.Qubits)
		}
	}
	if len(res.InitialMapping) != 5 || len(res.FinalMapping) != 5 {
		t.Fatalf("mappings %v %v", res.InitialMapping, res.FinalMapping)
	}
	v, err := compiler.VerifyMapped(in, out, res.InitialMapping, res.FinalMapping, 1)
	if err != nil || v.Cost > 1e-6 {
		t.Fatalf("verify up to the mappings: %+v %v", v, err)
	}
	j.checkCleanExit(j.signal0(syscall.SIGINT))
}
