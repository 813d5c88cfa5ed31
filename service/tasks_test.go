package service_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"
	"go.uber.org/zap/zapcore"

	"github.com/bqskit-mpi/bqskit-mpi/compiler"
	"github.com/bqskit-mpi/bqskit-mpi/hierarchy"
	"github.com/bqskit-mpi/bqskit-mpi/internal/testcircuits"
	"github.com/bqskit-mpi/bqskit-mpi/service"
)

// Test circuits shared with other packages' tests.
const (
	redundantQASM = testcircuits.Redundant
	fourCXQASM    = testcircuits.FourCX
)

// compileLocal compiles req on the compiler's local executor.
func compileLocal(t *testing.T, req compiler.Request, workers int) compiler.Result {
	t.Helper()
	res, err := compiler.Compile(context.Background(), req, compiler.NewLocalExecutor(workers, nil), nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// runOnRuntime compiles req as a root task on an embedded runtime.
func runOnRuntime(t *testing.T, req compiler.Request, workers int) (compiler.Result, []hierarchy.Event) {
	t.Helper()
	return runOnRuntimeFor(t, req, workers, 2*time.Minute)
}

func runOnRuntimeFor(t *testing.T, req compiler.Request, workers int, limit time.Duration) (compiler.Result, []hierarchy.Event) {
	t.Helper()
	reg := hierarchy.NewRegistry()
	if err := service.RegisterCompiler(reg, nil); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	rt, err := hierarchy.StartEmbedded(ctx, hierarchy.EmbeddedConfig{Workers: workers, Registry: reg})
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := rt.Stop(); err != nil {
			t.Error(err)
		}
	}()
	args, err := compiler.EncodeRequest(req)
	if err != nil {
		t.Fatal(err)
	}
	id, err := rt.Submit(rt.OpenSession(), compiler.TaskCompile, args, zapcore.DebugLevel)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := rt.Result(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	sub, err := rt.Subscribe(id)
	if err != nil {
		t.Fatal(err)
	}
	var evs []hierarchy.Event
	for {
		ev, err := sub.Next(ctx)
		if errors.Is(err, hierarchy.ErrEndOfEvents) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		evs = append(evs, ev)
	}
	res, err := compiler.DecodeResult(raw)
	if err != nil {
		t.Fatal(err)
	}
	return res, evs
}

func TestCompileOnRuntime(t *testing.T) {
	defer goleak.VerifyNone(t)
	req := compiler.Request{QASM: redundantQASM, OptimizationLevel: 2, Seed: 11, RequestData: true}
	res, evs := runOnRuntime(t, req, 2)
	local := compileLocal(t, req, 1)
	if res.QASM != local.QASM {
		t.Fatalf("runtime and local outputs differ:\n%s\n---\n%s", res.QASM, local.QASM)
	}
	if res.Data == nil || res.Data.Accepted != local.Data.Accepted {
		t.Fatalf("pass data %+v vs %+v", res.Data, local.Data)
	}
	var progress, logs int
	last := hierarchy.Event{}
	for _, ev := range evs {
		switch ev.Kind {
		case hierarchy.EventProgress:
			progress++
			last = ev
		case hierarchy.EventLog:
			logs++
		}
	}
	if progress == 0 || last.Done != last.Total || logs == 0 {
		t.Fatalf("progress events %d (last %+v), log events %d", progress, last, logs)
	}
}

func TestSynthesisOnRuntimeMatchesLocal(t *testing.T) {
	defer goleak.VerifyNone(t)
	// A 2-qubit workflow with QSearch resynthesis: successor
	// instantiations run as runtime tasks.
	wf := `[{"pass":"retarget"},{"pass":"quick_partition","block_size":2},
	  {"pass":"for_each_block","workflow":[{"pass":"synthesize"},{"pass":"single_qubit_fusion"}]},
	  {"pass":"unfold"}]`
	req := compiler.Request{QASM: fourCXQASM, Workflow: []byte(wf), Seed: 4}
	res, _ := runOnRuntime(t, req, 3)
	local := compileLocal(t, req, 1)
	if res.QASM != local.QASM {
		t.Fatalf("runtime and local outputs differ:\n%s\n---\n%s", res.QASM, local.QASM)
	}
	if n := strings.Count(res.QASM, "cx "); n > 3 {
		t.Fatalf("QSearch kept %d CX", n)
	}
}

func TestRegisterCompilerTwiceFails(t *testing.T) {
	reg := hierarchy.NewRegistry()
	if err := service.RegisterCompiler(reg, nil); err != nil {
		t.Fatal(err)
	}
	if err := service.RegisterCompiler(reg, nil); !errors.Is(err, hierarchy.ErrBadRegistration) {
		t.Fatalf("second Register: %v", err)
	}
}
