package compiler

import (
	"bytes"
	"context"
	"errors"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"

	"github.com/sbinet/npyio/npy"
	"go.uber.org/zap"

	"github.com/bqskit-mpi/bqskit-mpi/circuit"
	"github.com/bqskit-mpi/bqskit-mpi/linalg"
	"github.com/bqskit-mpi/bqskit-mpi/synthesis"
	"github.com/bqskit-mpi/bqskit-mpi/unitaryio"
)

// haarNPY returns a seeded Haar-random n-qubit unitary and its .npy bytes
// (written by npyio, as numpy would).
func haarNPY(t testing.TB, n int, seed uint64) (linalg.Matrix, []byte) {
	t.Helper()
	d := 1 << n
	u := linalg.HaarRandom(d, rand.New(rand.NewPCG(seed, uint64(n))))
	ct := reflect.TypeOf(complex128(0))
	arr := reflect.New(reflect.ArrayOf(d, reflect.ArrayOf(d, ct)))
	for i := 0; i < d; i++ {
		for j := 0; j < d; j++ {
			arr.Elem().Index(i).Index(j).SetComplex(u.At(i, j))
		}
	}
	var buf bytes.Buffer
	if err := npy.Write(&buf, arr.Interface()); err != nil {
		t.Fatal(err)
	}
	return u, buf.Bytes()
}

// A 5-qubit unitary goes through QSD and the request's circuit workflow
// (a short one here; the level-1 run is TestHeavyUnitary5Q): the output is
// over cx and u3, has QSD's 444 CX and is within cost 1e-8 of the target.
func TestCompileUnitaryQSD(t *testing.T) {
	u, data := haarNPY(t, 5, 3)
	wf := []byte(`[{"pass": "retarget"}, {"pass": "single_qubit_fusion"}]`)
	res, out := compileSmall(t, Request{Unitary: data, Seed: 1, Workflow: wf, RequestData: true}, 2)
	checkUnitaryResult(t, u, res, out)
	if cx := out.TwoQubitCount(); cx != 444 {
		t.Fatalf("%d CX, want QSD's 444", cx)
	}
}

// checkUnitaryResult checks a QSD-based compile: 5 qubits of cx and u3,
// within cost 1e-8 of u, "qsd" the first stage, no more CX than QSD gave.
func checkUnitaryResult(t *testing.T, u linalg.Matrix, res Result, out *circuit.Circuit) (cost float64) {
	t.Helper()
	n := 0
	for 1<<n < u.Rows {
		n++
	}
	if out.NumQubits() != n {
		t.Fatalf("output has %d qubits, want %d", out.NumQubits(), n)
	}
	for i, op := range out.Ops() {
		if name := op.Gate.Name(); name != "cx" && name != "u3" {
			t.Fatalf("op %d is %s", i, name)
		}
	}
	cost = linalg.Cost(u, out.Unitary())
	if !(cost < 1e-8) {
		t.Fatalf("cost %g, want < 1e-8", cost)
	}
	if res.Data == nil || len(res.Data.Stages) == 0 || res.Data.Stages[0].Pass != "qsd" {
		t.Fatalf("stages %+v: want qsd first", res.Data)
	}
	if qsd := res.Data.Stages[0].TwoQubitGates; out.TwoQubitCount() > qsd {
		t.Fatalf("%d CX, more than QSD's %d", out.TwoQubitCount(), qsd)
	}
	return cost
}

func TestUnitaryInputLimits(t *testing.T) {
	// 7 qubits: refused from the header, naming the file and the limit.
	_, err := NewPlan(Request{Unitary: zerosNPY(1 << 7), Name: "u7.npy"})
	if !errors.Is(err, unitaryio.ErrTooLarge) || !strings.Contains(err.Error(), "u7.npy: 7 qubits") || !strings.Contains(err.Error(), "at most 6") {
		t.Fatalf("7 qubits: %v", err)
	}
	// 6 qubits: accepted, decomposed by QSD with the circuit workflow.
	_, data := haarNPY(t, 6, 2)
	p, err := NewPlan(Request{Unitary: data})
	if err != nil {
		t.Fatal(err)
	}
	if !p.viaQSD() || p.Workflow[0].Name != PassRetarget {
		t.Fatalf("6-qubit plan: viaQSD %v, workflow %+v", p.viaQSD(), p.Workflow)
	}
	// Its removal passes (inside for_each_block) run at 1e-12.
	tight := 0
	var walk func([]Pass)
	walk = func(ps []Pass) {
		for _, q := range ps {
			if q.Name == PassScanningGateRemoval || q.Name == PassSynthesize {
				if q.SuccessThreshold != qsdBlockThreshold {
					t.Fatalf("%s at threshold %g", q.Name, q.SuccessThreshold)
				}
				tight++
			}
			walk(q.Workflow)
		}
	}
	walk(p.Workflow)
	if tight == 0 {
		t.Fatal("no removal pass in the 6-qubit workflow")
	}
	// 4 qubits keep the search workflow.
	_, data = haarNPY(t, 4, 2)
	if p, err = NewPlan(Request{Unitary: data}); err != nil || p.viaQSD() || p.Workflow[0].Name != PassSynthesize {
		t.Fatalf("4-qubit plan: %v, %+v", err, p)
	}
	// A request's workflow for a QSD-sized unitary is a circuit workflow.
	_, data = haarNPY(t, 5, 2)
	if _, err := NewPlan(Request{Unitary: data, Workflow: []byte(`[{"pass":"synthesize"}]`)}); !errors.Is(err, ErrWorkflow) {
		t.Fatalf("block workflow on a 5-qubit unitary: %v", err)
	}
	if _, err := NewPlan(Request{Unitary: data, Workflow: []byte(`[{"pass":"quick_partition"},{"pass":"for_each_block","workflow":[{"pass":"synthesize"}]},{"pass":"unfold"}]`)}); err != nil {
		t.Fatalf("circuit workflow on a 5-qubit unitary: %v", err)
	}
}

// The last check of a QSD-based compile: a result slightly off the target
// is polished back under 1e-10; one that polish cannot repair (a CX
// missing) is replaced by the exact QSD circuit.
func TestCheckUnitary(t *testing.T) {
	ctx := context.Background()
	u := linalg.HaarRandom(8, rand.New(rand.NewPCG(4, 3)))
	exact, err := synthesis.QSD(ctx, u, synthesis.QSDOptions{Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	e := newEngine(NewLocalExecutor(1, nil), 1, DefaultBlockSize, zap.NewNop())

	near := exact.Clone()
	p := near.Params()
	p[len(p)/2] += 1e-4
	near.SetParams(p)
	if c := linalg.Cost(u, near.Unitary()); !(c > unitaryPolishCost) {
		t.Fatalf("perturbed circuit at cost %g, want above %g", c, unitaryPolishCost)
	}
	got, err := e.checkUnitary(ctx, near, exact, u)
	if err != nil {
		t.Fatal(err)
	}
	if got == exact || got.TwoQubitCount() != near.TwoQubitCount() {
		t.Fatal("a near result was not kept")
	}
	if c := linalg.Cost(u, got.Unitary()); !(c < unitaryPolishCost) {
		t.Fatalf("polished cost %g", c)
	}

	far := exact.Clone()
	for i, op := range far.Ops() {
		if op.Gate.Name() == "cx" {
			far.Remove(i)
			break
		}
	}
	if got, err = e.checkUnitary(ctx, far, exact, u); err != nil || got != exact {
		t.Fatalf("far result: err %v, exact returned %v", err, got == exact)
	}
}
