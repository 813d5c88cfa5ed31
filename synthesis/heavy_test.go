//go:build heavy

package synthesis

import (
	"context"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/bqskit-mpi/bqskit-mpi/circuit"
	"github.com/bqskit-mpi/bqskit-mpi/linalg"
)

// TestHeavyToffoliCCZ: Toffoli and CCZ at level 3 (LEAP) need 6 CNOTs
// and reach c < 1e-8.
func TestHeavyToffoliCCZ(t *testing.T) {
	ccz := linalg.Identity(8)
	ccz.Data[63] = -1
	for _, tc := range []struct {
		name   string
		target linalg.Matrix
	}{
		{"toffoli", circuitUnitary(circuit.CCX, 3)},
		{"ccz", ccz},
	} {
		t.Run(tc.name, func(t *testing.T) {
			start := time.Now()
			c, cost, err := Synthesize(context.Background(), tc.target, 3, Options{Seed: 1})
			if err != nil {
				t.Fatal(err)
			}
			checkResult(t, tc.target, c, cost)
			t.Logf("%s: %d cx, cost %.3g, %v", tc.name, c.TwoQubitCount(), cost, time.Since(start))
			if cost >= 1e-8 || c.TwoQubitCount() != 6 {
				t.Fatalf("%s: %d cx, cost %g", tc.name, c.TwoQubitCount(), cost)
			}
		})
	}
}

func circuitUnitary(g circuit.Gate, n int) linalg.Matrix {
	c := circuit.New(n)
	q := make([]int, n)
	for i := range q {
		q[i] = i
	}
	c.Append(circuit.Op{Gate: g, Qubits: q})
	return c.Unitary()
}

// TestHeavyRandom3Q: 10 seeded Haar-random 3-qubit unitaries at level 3
// (LEAP) all reach c < 1e-8; the mean CNOT count (lower bound 14) and
// the mean time are logged.
func TestHeavyRandom3Q(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 2024))
	var cx int
	var total time.Duration
	for i := 0; i < 10; i++ {
		u := linalg.HaarRandom(8, rng)
		start := time.Now()
		c, cost, err := Synthesize(context.Background(), u, 3, Options{Seed: uint64(i)})
		el := time.Since(start)
		if err != nil {
			t.Fatalf("unitary %d: %v", i, err)
		}
		checkResult(t, u, c, cost)
		t.Logf("unitary %d: %d cx, cost %.3g, %v", i, c.TwoQubitCount(), cost, el)
		if cost >= 1e-8 {
			t.Fatalf("unitary %d: cost %g", i, cost)
		}
		cx += c.TwoQubitCount()
		total += el
	}
	t.Logf("mean %.1f cx, mean time %v", float64(cx)/10, total/10)
}
