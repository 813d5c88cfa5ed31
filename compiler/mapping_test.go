package compiler

import (
	"context"
	"encoding/json"
	"errors"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/bqskit-mpi/bqskit-mpi/circuit"
	"github.com/bqskit-mpi/bqskit-mpi/linalg"
	"github.com/bqskit-mpi/bqskit-mpi/machine"
	"github.com/bqskit-mpi/bqskit-mpi/qasm"
	"github.com/bqskit-mpi/bqskit-mpi/routing"
)

func TestPermutationOps(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 5))
	for trial := 0; trial < 20; trial++ {
		n := 1 + rng.IntN(5)
		perm := rng.Perm(n)
		c := circuit.New(n)
		for _, op := range PermutationOps(perm) {
			c.Append(op)
		}
		if d := linalg.Distance(c.Unitary(), routing.PermutationMatrix(perm)); d > 1e-7 {
			t.Fatalf("perm %v: distance %g", perm, d)
		}
	}
}

// checkNativeRouted fails unless every gate of c is native to m (or a
// directive) and every two-qubit gate acts on a coupled pair.
func checkNativeRouted(t *testing.T, c *circuit.Circuit, m *machine.Model) {
	t.Helper()
	for i, op := range c.Ops() {
		if circuit.IsDirective(op.Gate) {
			continue
		}
		if !m.Gates().Contains(op.Gate.Name()) {
			t.Fatalf("op %d: %s is not in %s", i, op.Gate.Name(), m.Gates().Name())
		}
		if len(op.Qubits) == 2 && !m.Coupled(op.Qubits[0], op.Qubits[1]) {
			t.Fatalf("op %d: %s on uncoupled %v", i, op.Gate.Name(), op.Qubits)
		}
	}
}

func TestCompileWithModel(t *testing.T) {
	src, err := os.ReadFile(filepath.Join("..", "testdata", "circuits", "bqskit", "qft5.qasm"))
	if err != nil {
		t.Fatal(err)
	}
	in, err := qasm.Parse("qft5", src)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		spec  ModelSpec
		level int
	}{
		{ModelSpec{Coupling: "linear:5"}, 1},
		{ModelSpec{Coupling: "grid:2x3", Gates: "ibm"}, 1},
		{ModelSpec{Qubits: 5, Edges: [][2]int{{0, 1}, {1, 2}, {1, 3}, {3, 4}}, Gates: "cz,u3"}, 2},
		{ModelSpec{Coupling: "ring:5", Gates: "ibm-ecr"}, 1},
	} {
		req := Request{QASM: string(src), Model: &tc.spec, OptimizationLevel: tc.level, Seed: 2, RequestData: true}
		res, out := compileSmall(t, req, 2)
		m, err := tc.spec.Build(5)
		if err != nil {
			t.Fatal(err)
		}
		checkNativeRouted(t, out, m)
		if !slices.Equal(res.InitialMapping, res.Data.InitialMapping) || len(res.FinalMapping) != m.NumQubits() {
			t.Fatalf("mappings %v %v", res.InitialMapping, res.FinalMapping)
		}
		if !strings.Contains(res.QASM, "// initial_mapping: [") || !strings.Contains(res.QASM, "// final_mapping: [") {
			t.Fatalf("no mapping comment:\n%s", res.QASM[:200])
		}
		v, err := VerifyMapped(in, out, res.InitialMapping, res.FinalMapping, 1)
		if err != nil {
			t.Fatal(err)
		}
		if v.Distance > 1e-4 {
			t.Fatalf("%+v: distance %g", tc.spec, v.Distance)
		}
		// A wrong mapping must not verify (unless the routing placed
		// trivially and never swapped).
		bad := slices.Clone(res.FinalMapping)
		bad[0], bad[1] = bad[1], bad[0]
		if v, _ := VerifyMapped(in, out, res.InitialMapping, bad, 1); v.Distance < 1e-4 {
			t.Fatalf("%+v: a wrong final mapping verifies", tc.spec)
		}
		t.Logf("%+v: %d two-qubit gates (input %d), initial %v final %v", tc.spec, out.TwoQubitCount(), in.TwoQubitCount(), res.InitialMapping, res.FinalMapping)
	}
}

func TestModelSpecErrors(t *testing.T) {
	for _, tc := range []struct {
		spec ModelSpec
		want string
	}{
		{ModelSpec{Coupling: "linear:3"}, "3 qubits, the circuit 5"},
		{ModelSpec{Coupling: "linear:5", Qubits: 5}, "not both"},
		{ModelSpec{Coupling: "dev.json"}, "read by the client"},
		{ModelSpec{Coupling: "hex:3"}, "unknown kind"},
		{ModelSpec{Qubits: 5, Edges: [][2]int{{0, 1}}}, "not connected"},
		{ModelSpec{Qubits: 5, Edges: [][2]int{{0, 9}}}, "edges[0]"},
		{ModelSpec{Coupling: "linear:5", Gates: "cx,nope"}, "model.gates"},
	} {
		_, err := tc.spec.Build(5)
		var re *RequestError
		if !errors.As(err, &re) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: err %v, want a RequestError with %q", tc.spec, err, tc.want)
		}
	}
	// a map pass without a model
	wf, _ := json.Marshal([]Pass{{Name: PassMap}})
	_, err := Compile(context.Background(), Request{QASM: redundantQASM, Workflow: wf}, NewLocalExecutor(1, nil), nil, nil)
	if err == nil || !strings.Contains(err.Error(), "needs a machine model") {
		t.Errorf("map without model: %v", err)
	}
}

func TestDecodeRequestModel(t *testing.T) {
	r, err := DecodeRequest([]byte(`{"qasm":"x","seed":1,"model":{"coupling":"grid:2x2","gates":"ibm"}}`))
	if err != nil || r.Model == nil || r.Model.Coupling != "grid:2x2" || r.Model.Gates != "ibm" {
		t.Fatalf("%+v %v", r, err)
	}
}

// TestVerifyMappedLargeMachine: a small circuit on a 127-qubit machine
// verifies at its own size, and a wrong mapping does not.
func TestVerifyMappedLargeMachine(t *testing.T) {
	in, err := qasm.Parse("in", []byte(redundantQASM))
	if err != nil {
		t.Fatal(err)
	}
	spec := ModelSpec{Coupling: "heavy-hex:7", Gates: "ibm"}
	res, out := compileSmall(t, Request{QASM: redundantQASM, Model: &spec, Seed: 1}, 2)
	if out.NumQubits() != 127 || len(res.InitialMapping) != 127 {
		t.Fatalf("width %d, mapping %d", out.NumQubits(), len(res.InitialMapping))
	}
	v, err := VerifyMapped(in, out, res.InitialMapping, res.FinalMapping, 1)
	if err != nil || v.Distance > 1e-4 || !v.Exact {
		t.Fatalf("%+v %v", v, err)
	}
	bad := slices.Clone(res.FinalMapping)
	bad[0], bad[2] = bad[2], bad[0]
	if v, err := VerifyMapped(in, out, res.InitialMapping, bad, 1); err == nil && v.Distance < 1e-4 {
		t.Fatal("a wrong mapping verifies")
	}
}
