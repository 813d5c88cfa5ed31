//go:build heavy

package routing_test

import (
	"fmt"
	"math"
	"path/filepath"
	"testing"

	"github.com/bqskit-mpi/bqskit-mpi/compiler"
	"github.com/bqskit-mpi/bqskit-mpi/qasm"
	. "github.com/bqskit-mpi/bqskit-mpi/routing"
)

// TestSharedCircuitsRouted routes every shared circuit up to 18 qubits onto
// linear, grid and heavy-hex models and logs the two-qubit counts (a swap
// counted as three cx).
func TestSharedCircuitsRouted(t *testing.T) {
	for _, f := range []string{"tfim4", "qft5", "grover5", "adder9", "qaoa12", "heisenberg16", "hub18"} {
		c, err := qasm.ParseFile(filepath.Join("..", "testdata", "circuits", "bqskit", f+".qasm"))
		if err != nil {
			t.Fatal(err)
		}
		c, err = compiler.Retarget(c)
		if err != nil {
			t.Fatal(err)
		}
		n := c.NumQubits()
		side := int(math.Ceil(math.Sqrt(float64(n))))
		rows := (n + side - 1) / side
		for _, spec := range []string{fmt.Sprintf("linear:%d", n), fmt.Sprintf("grid:%dx%d", rows, side), "heavy-hex:3"} {
			m := mustModel(t, spec)
			if m.NumQubits() < n {
				continue
			}
			res, err := Route(c, m, Options{Seed: 1})
			if err != nil {
				t.Fatal(err)
			}
			checkCoupled(t, res.Circuit, m)
			if m.NumQubits() <= 10 {
				if d := linalgDistance(res, c, m.NumQubits()); d > 1e-6 {
					t.Fatalf("%s on %s: distance %g", f, spec, d)
				}
			}
			t.Logf("%-13s %-12s 2q before %5d, swaps %4d, 2q after %5d", f, spec, c.TwoQubitCount(), res.Swaps, c.TwoQubitCount()+3*res.Swaps)
		}
	}
}
