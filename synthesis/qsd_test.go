package synthesis

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/bqskit-mpi/bqskit-mpi/circuit"
	"github.com/bqskit-mpi/bqskit-mpi/linalg"
)

// qsdCX is the CX count QSD gives on n qubits when every leaf fit
// succeeds: (23/48)·4^n − (3/2)·2^n + 4/3 (3 at n = 2).
func qsdCX(n int) int {
	if n == 1 {
		return 0
	}
	return (23<<(2*n) - 72<<n + 64) / 48
}

// checkQSD checks that c is over {cx, u3}, has at most want CX (exactly
// want when exact is set) and implements target to cost tol.
func checkQSD(t *testing.T, target linalg.Matrix, c *circuit.Circuit, want int, exact bool, tol float64) {
	t.Helper()
	cx := 0
	for i, op := range c.Ops() {
		switch op.Gate {
		case circuit.CX:
			cx++
		case circuit.U3:
		default:
			t.Fatalf("op %d is %s, want cx or u3", i, op.Gate.Name())
		}
	}
	if cx > want || (exact && cx != want) {
		t.Fatalf("%d CX, want %d", cx, want)
	}
	if cost := linalg.Cost(target, c.Unitary()); !(cost < tol) {
		t.Fatalf("cost %g, want < %g", cost, tol)
	}
}

func TestQSDRandom(t *testing.T) {
	for _, n := range []int{1, 2, 3, 4, 5} {
		for seed := uint64(1); seed <= 2; seed++ {
			t.Run(fmt.Sprintf("n=%d/seed=%d", n, seed), func(t *testing.T) {
				target := linalg.HaarRandom(1<<n, rand.New(rand.NewPCG(seed, uint64(n))))
				c, err := QSD(context.Background(), target, QSDOptions{Seed: seed})
				if err != nil {
					t.Fatal(err)
				}
				checkQSD(t, target, c, qsdCX(n), true, 1e-10)
			})
		}
	}
}

// Degenerate inputs: repeated eigenvalues in the demultiplexing step and
// CSD angles at 0 or π/2.
func TestQSDStructured(t *testing.T) {
	perm := func(p ...int) linalg.Matrix {
		m := linalg.New(len(p), len(p))
		for i, j := range p {
			m.Set(i, j, 1)
		}
		return m
	}
	ccx := circuit.New(3)
	ccx.AppendGate(circuit.CCX, []int{0, 1, 2})
	diag := linalg.Identity(16)
	for i := 0; i < 16; i++ {
		diag.Set(i, i, complex(math.Cos(float64(i%3)), math.Sin(float64(i%3))))
	}
	for _, tc := range []struct {
		name   string
		target linalg.Matrix
	}{
		{"identity 3", linalg.Identity(8)},
		{"identity 4", linalg.Identity(16)},
		{"toffoli", ccx.Unitary()},
		{"permutation 3", perm(5, 2, 7, 0, 1, 6, 3, 4)},
		{"reversal 4", perm(15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0)},
		{"diagonal 4", diag},
	} {
		t.Run(tc.name, func(t *testing.T) {
			n := circuitQubits(tc.target)
			c, err := QSD(context.Background(), tc.target, QSDOptions{Seed: 3})
			if err != nil {
				t.Fatal(err)
			}
			// A leaf that falls back to the exact form has 5 CX instead of 2.
			checkQSD(t, tc.target, c, qsdCX(n)+3*(1<<(2*(n-2))), false, 1e-10)
		})
	}
}

func circuitQubits(m linalg.Matrix) int {
	n := 0
	for 1<<n < m.Rows {
		n++
	}
	return n
}

func TestQSDErrors(t *testing.T) {
	nan := linalg.Identity(4)
	nan.Set(1, 1, complex(math.NaN(), 0))
	notU := linalg.Identity(4)
	notU.Set(0, 1, 0.5)
	for _, tc := range []struct {
		name   string
		target linalg.Matrix
	}{
		{"not square", linalg.New(4, 2)},
		{"not a power of two", linalg.Identity(6)},
		{"1x1", linalg.Identity(1)},
		{"too wide", linalg.Identity(1 << (QSDMaxQubits + 1))},
		{"nan", nan},
		{"not unitary", notU},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := QSD(context.Background(), tc.target, QSDOptions{})
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("err = %v, want ErrInvalid", err)
			}
		})
	}
}

func TestQSDCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	target := linalg.HaarRandom(8, rand.New(rand.NewPCG(1, 1)))
	if _, err := QSD(ctx, target, QSDOptions{}); !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
}

// The closed-form pieces against their matrices: a multiplexed rotation
// on 3 qubits (target 0) applies g(angles[x]) to the target for each
// state x of the controls.
func TestMuxRotation(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 7))
	for _, g := range []circuit.Gate{circuit.RY, circuit.RZ} {
		for _, qs := range [][]int{{0, 1, 2}, {2, 0, 1}, {1, 2}} {
			t.Run(fmt.Sprintf("%s/%v", g.Name(), qs), func(t *testing.T) {
				n := 3
				k := len(qs) - 1
				angles := make([]float64, 1<<k)
				for i := range angles {
					angles[i] = rng.Float64()*4*math.Pi - 2*math.Pi
				}
				b := &qsdBuilder{raw: circuit.New(n)}
				b.muxRotation(g, angles, qs)
				if g == circuit.RY {
					// The closing CZ the caller absorbs.
					b.raw.AppendGate(circuit.CZ, []int{qs[1], qs[0]})
				}
				got := b.raw.Unitary()
				want := muxMatrix(g, angles, qs, n)
				if d := linalg.MaxAbsDiff(got, want); d > 1e-12 {
					t.Fatalf("max abs difference %g", d)
				}
			})
		}
	}
}

// muxMatrix builds the multiplexed rotation's matrix entry by entry.
func muxMatrix(g circuit.Gate, angles []float64, qs []int, n int) linalg.Matrix {
	dim := 1 << n
	m := linalg.New(dim, dim)
	r := linalg.New(2, 2)
	bit := func(i, q int) int { return i >> (n - 1 - q) & 1 }
	for col := 0; col < dim; col++ {
		x := 0
		for _, c := range qs[1:] {
			x = x<<1 | bit(col, c)
		}
		g.Unitary([]float64{angles[x]}, r)
		tb := bit(col, qs[0])
		for out := 0; out < 2; out++ {
			row := col&^(1<<(n-1-qs[0])) | out<<(n-1-qs[0])
			m.Set(row, col, r.At(out, tb))
		}
	}
	return m
}

// The fallback for a leaf LM could not instantiate: exact decomposition
// down to single-qubit gates, 5 CX per 2-qubit unitary; directly, and
// through synthesizeLeaves when no fit is accepted.
func TestQSDExactLeaves(t *testing.T) {
	for _, viaLeaves := range []bool{false, true} {
		for n := 2; n <= 4; n++ {
			t.Run(fmt.Sprintf("synthesizeLeaves=%v/n=%d", viaLeaves, n), func(t *testing.T) {
				target := linalg.HaarRandom(1<<n, rand.New(rand.NewPCG(11, uint64(n))))
				// accept -1: no fit is kept, so every leaf falls back.
				b := &qsdBuilder{ctx: context.Background(), raw: circuit.New(n), accept: -1}
				qs := make([]int, n)
				for i := range qs {
					qs[i] = i
				}
				if err := b.decompose(target, qs, !viaLeaves); err != nil {
					t.Fatal(err)
				}
				raw := b.raw
				if viaLeaves {
					if err := b.synthesizeLeaves(); err != nil {
						t.Fatal(err)
					}
					raw = b.assemble()
				}
				c, err := ToCXU3(raw)
				if err != nil {
					t.Fatal(err)
				}
				want := 5
				for k := 3; k <= n; k++ {
					want = 4*want + 3<<(k-1) - 1
				}
				checkQSD(t, target, c, want, true, 1e-12)
			})
		}
	}
}
