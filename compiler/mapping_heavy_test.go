//go:build heavy

package compiler

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/bqskit-mpi/bqskit-mpi/qasm"
)

// TestHeavyMappedShared compiles the shared circuits up to 18 qubits for
// linear, grid and heavy-hex models with the cx,u3 and IBM gate sets:
// every gate is native, every two-qubit gate acts on a coupled pair, and
// the output verifies up to the reported mapping. Level 1 for all; levels
// 2 and 3 for the circuits up to 5 qubits. It takes well over Go's default
// 10-minute test timeout on a loaded machine: run it with -timeout 0, or
// select with -run, e.g. -run 'TestHeavyMappedShared/qaoa12/'.
func TestHeavyMappedShared(t *testing.T) {
	// hub18 is left out: once routed onto a larger machine its verification
	// simulates every wire the routing touched, which is too slow for CI.
	for _, name := range []string{"tfim4", "qft5", "grover5", "adder9", "qaoa12", "heisenberg16"} {
		src, err := os.ReadFile(filepath.Join("..", "testdata", "circuits", "bqskit", name+".qasm"))
		if err != nil {
			t.Fatal(err)
		}
		in, err := qasm.Parse(name, src)
		if err != nil {
			t.Fatal(err)
		}
		n := in.NumQubits()
		side := int(math.Ceil(math.Sqrt(float64(n))))
		grid := fmt.Sprintf("grid:%dx%d", (n+side-1)/side, side)
		// Level 1 everywhere; levels 2 and 3 on qft5 only, to keep CI's
		// heavy suite within its time (the full matrix is a bench run).
		levels := []int{1}
		if name == "qft5" {
			levels = []int{1, 2, 3}
		}
		for _, coupling := range []string{fmt.Sprintf("linear:%d", n), grid, "heavy-hex:3"} {
			for _, gates := range []string{"cx,u3", "ibm"} {
				for _, level := range levels {
					t.Run(fmt.Sprintf("%s/%s/%s/O%d", name, coupling, gates, level), func(t *testing.T) {
						spec := ModelSpec{Coupling: coupling, Gates: gates}
						m, err := spec.Build(n)
						if err != nil {
							t.Fatal(err)
						}
						res := compileFor(t, Request{QASM: string(src), Model: &spec, OptimizationLevel: level, Seed: 1, RequestData: true}, 2, 30*time.Minute)
						out, err := qasm.Parse("out", []byte(res.QASM))
						if err != nil {
							t.Fatal(err)
						}
						checkNativeRouted(t, out, m)
						v, err := VerifyMapped(in, out, res.InitialMapping, res.FinalMapping, 1)
						if err != nil {
							t.Fatal(err)
						}
						// as bqskit-compile --verify: each accepted removal or
						// replacement may add up to 2ε to the cost.
						if limit := math.Max(2*res.Data.Epsilon*float64(res.Data.Accepted), 1e-7); v.Cost > limit {
							t.Fatalf("cost %g above %g (distance %g)", v.Cost, limit, v.Distance)
						}
						t.Logf("two-qubit gates: input %d, output %d; distance %.2g", in.TwoQubitCount(), out.TwoQubitCount(), v.Distance)
					})
				}
			}
		}
	}
}
