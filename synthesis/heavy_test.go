//go:build heavy

package synthesis

import (
	"context"
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
