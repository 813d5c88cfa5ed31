package routing_test

import (
	"math/rand/v2"
	"path/filepath"
	"slices"
	"testing"

	"github.com/bqskit-mpi/bqskit-mpi/circuit"
	"github.com/bqskit-mpi/bqskit-mpi/compiler"
	"github.com/bqskit-mpi/bqskit-mpi/linalg"
	"github.com/bqskit-mpi/bqskit-mpi/machine"
	"github.com/bqskit-mpi/bqskit-mpi/qasm"
	. "github.com/bqskit-mpi/bqskit-mpi/routing"
)

func randomCircuit(rng *rand.Rand, n, gates int) *circuit.Circuit {
	c := circuit.New(n)
	for i := 0; i < gates; i++ {
		if n > 1 && rng.IntN(3) > 0 {
			a := rng.IntN(n)
			b := rng.IntN(n - 1)
			if b >= a {
				b++
			}
			g := []circuit.Gate{circuit.CX, circuit.CZ, circuit.RZZ}[rng.IntN(3)]
			p := make([]float64, g.NumParams())
			for k := range p {
				p[k] = rng.Float64() * 6
			}
			c.AppendGate(g, []int{a, b}, p...)
			continue
		}
		c.AppendGate(circuit.U3, []int{rng.IntN(n)}, rng.Float64()*3, rng.Float64()*6, rng.Float64()*6)
	}
	return c
}

func mustModel(t testing.TB, spec string) *machine.Model {
	t.Helper()
	m, err := machine.ParseCoupling(spec, 0)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// checkCoupled fails if a two-qubit gate acts on an uncoupled pair.
func checkCoupled(t testing.TB, c *circuit.Circuit, m *machine.Model) {
	t.Helper()
	for i, op := range c.Ops() {
		if len(op.Qubits) == 2 && !circuit.IsDirective(op.Gate) && !m.Coupled(op.Qubits[0], op.Qubits[1]) {
			t.Fatalf("op %d %s on uncoupled %v", i, op.Gate.Name(), op.Qubits)
		}
	}
}

// pad widens c to n qubits with idle wires.
func pad(c *circuit.Circuit, n int) *circuit.Circuit {
	out := circuit.New(n)
	for _, op := range c.Ops() {
		out.Append(op.Clone())
	}
	return out
}

func TestRoutePreservesUnitary(t *testing.T) {
	specs := []string{"linear:5", "ring:6", "grid:2x3", "grid:3x3", "linear:8", "all-to-all:4"}
	rng := rand.New(rand.NewPCG(1, 2))
	for _, spec := range specs {
		m := mustModel(t, spec)
		for trial := 0; trial < 4; trial++ {
			width := m.NumQubits() - rng.IntN(2)
			c := randomCircuit(rng, width, 30)
			res, err := Route(c, m, Options{Seed: uint64(trial)})
			if err != nil {
				t.Fatal(err)
			}
			checkCoupled(t, res.Circuit, m)
			if res.Circuit.NumQubits() != m.NumQubits() {
				t.Fatalf("width %d", res.Circuit.NumQubits())
			}
			want := Permuted(pad(c, m.NumQubits()).Unitary(), res.Initial, res.Final)
			if d := linalg.Distance(res.Circuit.Unitary(), want); d > 1e-6 {
				t.Fatalf("%s trial %d: distance %g (swaps %d)", spec, trial, d, res.Swaps)
			}
			if m.IsAllToAll() && res.Swaps != 0 {
				t.Errorf("all-to-all: %d swaps", res.Swaps)
			}
		}
	}
}

func TestRouteDeterministic(t *testing.T) {
	m := mustModel(t, "grid:3x3")
	c := randomCircuit(rand.New(rand.NewPCG(7, 7)), 9, 80)
	a, err := Route(c, m, Options{Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := Route(c, m, Options{Seed: 3})
	if qasm.Format(a.Circuit) != qasm.Format(b.Circuit) || !slices.Equal(a.Initial, b.Initial) || !slices.Equal(a.Final, b.Final) {
		t.Fatal("same seed, different results")
	}
}

func TestRouteGivenPlacement(t *testing.T) {
	m := mustModel(t, "linear:4")
	c := circuit.New(3)
	c.AppendGate(circuit.CX, []int{0, 2})
	res, err := Route(c, m, Options{Initial: []int{0, 1, 3}})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(res.Initial, []int{0, 1, 3, 2}) || res.Swaps != 2 {
		t.Fatalf("initial %v swaps %d", res.Initial, res.Swaps)
	}
	checkCoupled(t, res.Circuit, m)
}

func TestRouteErrors(t *testing.T) {
	m := mustModel(t, "linear:3")
	c := circuit.New(4)
	if _, err := Route(c, m, Options{}); err == nil {
		t.Error("too wide: no error")
	}
	c = circuit.New(3)
	c.AppendGate(circuit.CCX, []int{0, 1, 2})
	if _, err := Route(c, m, Options{}); err == nil {
		t.Error("ccx: no error")
	}
	dis, _ := machine.NewModel("two", 4, [][2]int{{0, 1}, {2, 3}}, nil)
	if _, err := Route(circuit.New(2), dis, Options{}); err == nil {
		t.Error("disconnected: no error")
	}
	if _, err := Route(circuit.New(2), m, Options{Initial: []int{1, 1}}); err == nil {
		t.Error("repeated placement: no error")
	}
}

// TestSharedCircuitsSmall routes the small shared circuits and checks the
// unitary up to the permutations.
func TestSharedCircuitsSmall(t *testing.T) {
	for _, tc := range []struct{ file, spec string }{
		{"qft5.qasm", "linear:5"}, {"grover5.qasm", "grid:2x3"}, {"tfim4.qasm", "linear:4"}, {"adder9.qasm", "grid:3x3"},
	} {
		c, err := qasm.ParseFile(filepath.Join("..", "testdata", "circuits", "bqskit", tc.file))
		if err != nil {
			t.Fatal(err)
		}
		c, err = compiler.Retarget(c)
		if err != nil {
			t.Fatal(err)
		}
		m := mustModel(t, tc.spec)
		res, err := Route(c, m, Options{Seed: 1})
		if err != nil {
			t.Fatal(err)
		}
		checkCoupled(t, res.Circuit, m)
		want := Permuted(pad(c, m.NumQubits()).Unitary(), res.Initial, res.Final)
		if d := linalg.Distance(res.Circuit.Unitary(), want); d > 1e-6 {
			t.Fatalf("%s on %s: distance %g", tc.file, tc.spec, d)
		}
		t.Logf("%s on %s: %d two-qubit gates before, %d swaps", tc.file, tc.spec, c.TwoQubitCount(), res.Swaps)
	}
}

func linalgDistance(res *Result, c *circuit.Circuit, n int) float64 {
	return linalg.Distance(res.Circuit.Unitary(), Permuted(pad(c, n).Unitary(), res.Initial, res.Final))
}
