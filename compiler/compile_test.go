package compiler

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/bqskit-mpi/bqskit-mpi/circuit"
	"github.com/bqskit-mpi/bqskit-mpi/internal/testcircuits"
	"github.com/bqskit-mpi/bqskit-mpi/qasm"
	"github.com/bqskit-mpi/bqskit-mpi/unitaryio"
)

// Test circuits shared with other packages' tests.
const (
	redundantQASM = testcircuits.Redundant
	fourCXQASM    = testcircuits.FourCX
)

func compileSmall(t *testing.T, req Request, workers int) (Result, *circuit.Circuit) {
	t.Helper()
	res, err := Compile(context.Background(), req, NewLocalExecutor(workers, nil), nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	out, err := qasm.Parse("out", []byte(res.QASM))
	if err != nil {
		t.Fatalf("output does not parse: %v\n%s", err, res.QASM)
	}
	return res, out
}

func TestCompileLevelsSmall(t *testing.T) {
	in, err := qasm.Parse("in", []byte(redundantQASM))
	if err != nil {
		t.Fatal(err)
	}
	for level := 1; level <= 2; level++ {
		res, out := compileSmall(t, Request{QASM: redundantQASM, OptimizationLevel: level, Seed: 3, RequestData: true}, 2)
		for _, op := range out.Ops() {
			if n := op.Gate.Name(); n != "cx" && n != "u3" && n != "measure" {
				t.Fatalf("level %d: output gate %s", level, n)
			}
		}
		if got := out.GateCounts()["measure"]; got != 1 {
			t.Fatalf("level %d: %d measurements", level, got)
		}
		// Retargeted, the input has 8 CX (swap is 3). Scanning removes one
		// gate at a time, so cancelling pairs stay, but some CX go.
		if out.TwoQubitCount() > 7 {
			t.Errorf("level %d: %d two-qubit gates, want at most 7", level, out.TwoQubitCount())
		}
		v, err := Verify(in, out, 1)
		if err != nil {
			t.Fatal(err)
		}
		bound := math.Max(2*DefaultEpsilon*float64(res.Data.Accepted), 1e-7)
		if v.Cost > bound {
			t.Errorf("level %d: cost %g above %g", level, v.Cost, bound)
		}
		if res.Data == nil || len(res.Data.Stages) == 0 || res.Data.Stages[0].Pass != "input" ||
			res.Data.Stages[0].TwoQubitGates != 6 {
			t.Errorf("level %d: pass data %+v", level, res.Data)
		}
	}
}

func TestCompileDeterministicAcrossWorkers(t *testing.T) {
	req := Request{QASM: redundantQASM, OptimizationLevel: 1, Seed: 11}
	a, _ := compileSmall(t, req, 1)
	b, _ := compileSmall(t, req, 3)
	if a.QASM != b.QASM {
		t.Fatalf("outputs differ between 1 and 3 workers:\n%s\n---\n%s", a.QASM, b.QASM)
	}
}

func TestCompileWorkflowJSON(t *testing.T) {
	wf := `[{"pass":"retarget"},{"pass":"quick_partition","block_size":2},
	  {"pass":"for_each_block","workflow":[{"pass":"fill_u3"},{"pass":"scanning_gate_removal","two_qubit_only":true},{"pass":"single_qubit_fusion"}]},
	  {"pass":"unfold"},{"pass":"single_qubit_fusion"}]`
	res, out := compileSmall(t, Request{QASM: fourCXQASM, Workflow: []byte(wf), Seed: 5, RequestData: true}, 2)
	// Any two-qubit unitary needs at most 3 CX: scanning finds a removable one.
	if out.TwoQubitCount() > 3 {
		t.Errorf("%d two-qubit gates, want at most 3", out.TwoQubitCount())
	}
	in, _ := qasm.Parse("in", []byte(fourCXQASM))
	if v, err := Verify(in, out, 1); err != nil || v.Cost > 1e-7 {
		t.Errorf("verify: %+v %v", v, err)
	}
	if len(res.Data.Blocks) != 1 {
		t.Errorf("block stages %d, want 1", len(res.Data.Blocks))
	}
}

func TestNewPlanErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		req  Request
		is   error
		want string
	}{
		{"level", Request{QASM: redundantQASM, OptimizationLevel: 5}, ErrBadParam, "optimization_level"},
		{"negative level", Request{QASM: redundantQASM, OptimizationLevel: -1}, ErrBadParam, "optimization_level"},
		{"block size", Request{QASM: redundantQASM, BlockSize: 1}, ErrBadParam, "block_size"},
		{"block size big", Request{QASM: redundantQASM, BlockSize: 9}, ErrBadParam, "block_size"},
		{"no input", Request{}, ErrRequest, "qasm"},
		{"both inputs", Request{QASM: redundantQASM, Unitary: []byte("x")}, ErrRequest, "either"},
		{"workflow", Request{QASM: redundantQASM, Workflow: []byte(`[{"pass":"frobnicate"}]`)}, ErrWorkflow, "workflow[0].pass"},
		{"qasm", Request{QASM: "OPENQASM 2.0;\nqreg q[1];\nfoo q[0];\n", Name: "x.qasm"}, qasm.ErrSyntax, "x.qasm:3"},
		// Too wide for synthesis: refused from the header at once (its
		// data, all zeros, is not even unitary; checking that took 4 s).
		{"wide unitary", Request{Unitary: zerosNPY(1 << 10), Name: "w.npy"}, unitaryio.ErrTooLarge, "w.npy: 10 qubits"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := NewPlan(tc.req)
			if !errors.Is(err, tc.is) {
				t.Fatalf("error %v, want %v", err, tc.is)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %q does not name %q", err, tc.want)
			}
		})
	}
}

// zerosNPY is a .npy file holding a dim x dim complex128 zero matrix.
func zerosNPY(dim int) []byte {
	h := fmt.Sprintf("{'descr': '<c16', 'fortran_order': False, 'shape': (%d, %d), }", dim, dim)
	for (10+len(h)+1)%64 != 0 {
		h += " "
	}
	h += "\n"
	b := append([]byte("\x93NUMPY\x01\x00"), byte(len(h)), byte(len(h)>>8))
	b = append(b, h...)
	return append(b, make([]byte, 16*dim*dim)...)
}

func TestRequestRoundTrip(t *testing.T) {
	r := Request{QASM: "x", OptimizationLevel: 2, Seed: 1 << 60, BlockSize: 4, RequestData: true, Workflow: []byte(`[{"pass":"retarget"}]`)}
	b, err := EncodeRequest(r)
	if err != nil {
		t.Fatal(err)
	}
	got, err := DecodeRequest(b)
	if err != nil {
		t.Fatal(err)
	}
	if got.QASM != r.QASM || got.Seed != r.Seed || got.BlockSize != 4 || string(got.Workflow) != string(r.Workflow) {
		t.Fatalf("round trip %+v", got)
	}
	if _, err := DecodeRequest([]byte(`{"qasm": "x", "bogus": 1}`)); !errors.Is(err, ErrRequest) {
		t.Fatalf("unknown field: %v", err)
	}
}

func FuzzDecodeRequest(f *testing.F) {
	f.Add([]byte(`{"qasm": "OPENQASM 2.0;\nqreg q[1];\nh q[0];\n", "optimization_level": 2, "seed": 3}`))
	f.Add([]byte(`{"qasm": "x", "workflow": [{"pass": "retarget"}], "block_size": 4}`))
	f.Add([]byte(`{"unitary": "k05VTVBZ", "optimization_level": 1}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := DecodeRequest(data)
		if err != nil {
			if !errors.Is(err, ErrRequest) {
				t.Fatalf("error %v does not wrap ErrRequest", err)
			}
			return
		}
		// Validation never panics; errors name what is wrong.
		if _, err := NewPlan(r); err != nil && err.Error() == "" {
			t.Fatal("empty error message")
		}
	})
}
