package compiler

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/bqskit-mpi/bqskit-mpi/circuit"
	"github.com/bqskit-mpi/bqskit-mpi/linalg"
)

func TestFuseSingleQubit(t *testing.T) {
	for seed := range uint64(10) {
		c := randomCircuit(4, 120, seed, true)
		// Mix in other single-qubit gates.
		c.Append(circuit.Op{Gate: circuit.H, Qubits: []int{1}})
		c.Append(circuit.Op{Gate: circuit.RZ, Qubits: []int{1}, Params: []float64{0.4}})
		f := FuseSingleQubit(c)
		if v, _ := Verify(c, f, 1); v.Cost > 1e-13 {
			t.Fatalf("seed %d: fused cost %g", seed, v.Cost)
		}
		// No two single-qubit gates in a row on a qubit.
		lastOne := make([]bool, 4)
		for _, op := range f.Ops() {
			if len(op.Qubits) == 1 && !circuit.IsDirective(op.Gate) {
				if op.Gate != circuit.U3 {
					t.Fatalf("fused gate %s", op.Gate.Name())
				}
				if lastOne[op.Qubits[0]] {
					t.Fatalf("seed %d: consecutive single-qubit gates on %d", seed, op.Qubits[0])
				}
				lastOne[op.Qubits[0]] = true
				continue
			}
			for _, q := range op.Qubits {
				lastOne[q] = false
			}
		}
		if g := FuseSingleQubit(f); !sameOps(f, g) {
			t.Fatalf("seed %d: fusion is not idempotent", seed)
		}
	}
}

func TestFuseDropsIdentity(t *testing.T) {
	c := circuit.New(2)
	c.Append(circuit.Op{Gate: circuit.H, Qubits: []int{0}})
	c.Append(circuit.Op{Gate: circuit.H, Qubits: []int{0}})
	c.Append(circuit.Op{Gate: circuit.CX, Qubits: []int{0, 1}})
	c.Append(circuit.Op{Gate: circuit.RZ, Qubits: []int{1}, Params: []float64{2 * math.Pi}})
	f := FuseSingleQubit(c)
	if f.Len() != 1 || f.Op(0).Gate != circuit.CX {
		t.Fatalf("fused to %d ops", f.Len())
	}
}

func TestFillU3(t *testing.T) {
	c := randomCircuit(3, 60, 4, false)
	f := FillU3(c)
	if v, _ := Verify(c, f, 1); v.Cost > 1e-13 {
		t.Fatalf("filled cost %g", v.Cost)
	}
	two, one := gateCounts(f.Ops())
	if one != 3+2*two {
		t.Fatalf("%d U3 for %d CX on 3 qubits, want %d", one, two, 3+2*two)
	}
}

func TestVerifyStates(t *testing.T) {
	a := randomCircuit(6, 80, 1, false)
	if v := verifyStates(a, a.Clone(), 3); v.Cost > 1e-13 {
		t.Fatalf("same circuit: cost %g", v.Cost)
	}
	b := a.Clone()
	b.Append(circuit.Op{Gate: circuit.RX, Qubits: []int{2}, Params: []float64{0.1}})
	v := verifyStates(a, b, 3)
	exact, _ := Verify(a, b, 3)
	if v.Cost <= 1e-6 || v.Cost > 0.01 || exact.Cost <= 1e-6 {
		t.Fatalf("perturbed: state cost %g, exact %g", v.Cost, exact.Cost)
	}
	// Wide circuits use states; a global phase does not count.
	w := randomCircuit(12, 100, 2, false)
	g := w.Clone()
	g.Append(circuit.Op{Gate: circuit.RZ, Qubits: []int{0}, Params: []float64{2 * math.Pi}})
	if v, err := Verify(w, g, 1); err != nil || v.Exact || v.Cost > 1e-12 {
		t.Fatalf("12 qubits: %+v %v", v, err)
	}
	if _, err := Verify(circuit.New(29), circuit.New(29), 1); err == nil {
		t.Fatal("29 qubits: want an error")
	}
	if _, err := Verify(circuit.New(3), circuit.New(4), 1); err == nil {
		t.Fatal("width mismatch: want an error")
	}
}

func TestUnitaryMatchesCircuit(t *testing.T) {
	c := randomCircuit(5, 50, 9, true)
	if got := linalg.Cost(c.Unitary(), c.Unitary()); got > 1e-13 {
		t.Fatalf("cost %g", got)
	}
}

// TestFuseForSim: the fused simulation of random circuits (single-qubit
// gates before, between and after, pairs in both orders, three-qubit
// gates, directives) gives the circuit's unitary.
func TestFuseForSim(t *testing.T) {
	rng := rand.New(rand.NewPCG(4, 4))
	ones := []circuit.Gate{circuit.H, circuit.RZ, circuit.U3, circuit.SX}
	for trial := 0; trial < 30; trial++ {
		n := 2 + rng.IntN(4)
		c := circuit.New(n)
		for range 10 + rng.IntN(30) {
			switch r := rng.IntN(10); {
			case r < 5:
				g := ones[rng.IntN(len(ones))]
				ps := make([]float64, g.NumParams())
				for i := range ps {
					ps[i] = rng.Float64() * 6
				}
				c.AppendGate(g, []int{rng.IntN(n)}, ps...)
			case r < 9 || n < 3:
				p := rng.Perm(n)
				g := circuit.CX
				if r == 8 {
					g = circuit.Swap
				}
				c.AppendGate(g, []int{p[0], p[1]})
			default:
				p := rng.Perm(n)
				c.AppendGate(circuit.CCX, []int{p[0], p[1], p[2]})
			}
		}
		u := c.Unitary()
		m := linalg.Identity(1 << n)
		f := fuseForSim(c)
		applyFused(f, m, n)
		if d := linalg.MaxAbsDiff(m, u); d > 1e-12 {
			t.Fatalf("trial %d: fused simulation differs by %g", trial, d)
		}
		if c.TwoQubitCount() > 3 && len(f) >= c.Len() {
			t.Fatalf("trial %d: nothing fused (%d ops from %d)", trial, len(f), c.Len())
		}
	}
}
