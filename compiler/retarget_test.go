package compiler

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/bqskit-mpi/bqskit-mpi/circuit"
	"github.com/bqskit-mpi/bqskit-mpi/linalg"
)

// TestRetargetEveryGate checks, for every gate the circuit package knows,
// that its {CX, U3} decomposition has the gate's unitary up to global phase
// (at several random parameter points and on permuted qubits).
func TestRetargetEveryGate(t *testing.T) {
	names := circuit.GateNames()
	slices.Sort(names)
	rng := rand.New(rand.NewPCG(1, 2))
	for _, name := range names {
		g, _ := circuit.LookupGate(name)
		t.Run(name, func(t *testing.T) {
			k := g.NumQubits()
			n := k + 1
			for trial := range 3 {
				qs := rng.Perm(n)[:k]
				p := make([]float64, g.NumParams())
				for i := range p {
					p[i] = rng.Float64()*4*math.Pi - 2*math.Pi
				}
				if trial == 0 {
					clear(p) // zero angles hit the degenerate branches
				}
				c := circuit.New(n)
				c.Append(circuit.Op{Gate: g, Qubits: qs, Params: p})
				r, err := Retarget(c)
				if err != nil {
					t.Fatal(err)
				}
				for _, op := range r.Ops() {
					if op.Gate != circuit.CX && op.Gate != circuit.U3 {
						t.Fatalf("output has gate %s", op.Gate.Name())
					}
				}
				if cost := linalg.Cost(c.Unitary(), r.Unitary()); cost > 1e-13 {
					t.Errorf("qubits %v params %v: cost %.3g", qs, p, cost)
				}
			}
		})
	}
}

func TestRetargetKeepsDirectives(t *testing.T) {
	c := circuit.New(2)
	c.AddCReg("c", 2)
	c.Append(circuit.Op{Gate: circuit.H, Qubits: []int{0}})
	c.Append(circuit.Op{Gate: circuit.Barrier(2), Qubits: []int{0, 1}})
	c.Append(circuit.Op{Gate: circuit.CZ, Qubits: []int{0, 1}})
	c.Append(circuit.Op{Gate: circuit.Reset, Qubits: []int{1}})
	c.Append(circuit.Op{Gate: circuit.Measure, Qubits: []int{0}, Clbits: []int{1}})
	r, err := Retarget(c)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, op := range r.Ops() {
		got = append(got, op.Gate.Name())
	}
	want := []string{"u3", "barrier", "u3", "cx", "u3", "reset", "measure"}
	if !slices.Equal(got, want) {
		t.Fatalf("ops %v, want %v", got, want)
	}
	if last := r.Op(r.Len() - 1); !slices.Equal(last.Clbits, []int{1}) {
		t.Fatalf("measure clbits %v", last.Clbits)
	}
	if r.NumClbits() != 2 {
		t.Fatalf("classical bits %d", r.NumClbits())
	}
}

func TestU3ParamsRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	m := linalg.New(2, 2)
	for i := range 200 {
		u := linalg.HaarRandom(2, rng)
		if i%4 == 1 { // diagonal and anti-diagonal corner cases
			u.Data[1], u.Data[2] = 0, 0
			u.Data[0] /= complex(abs(u.Data[0]), 0)
			u.Data[3] /= complex(abs(u.Data[3]), 0)
		}
		if i%4 == 2 {
			u = linalg.New(2, 2)
			u.Data[1], u.Data[2] = 1i, -1
		}
		th, ph, la := U3Params(mat2(u.Data))
		circuit.U3.Unitary([]float64{th, ph, la}, m)
		if c := linalg.Cost(u, m); c > 1e-14 {
			t.Fatalf("case %d: cost %g", i, c)
		}
	}
}

func abs(z complex128) float64 { return math.Hypot(real(z), imag(z)) }
