//go:build slow

package compiler

import (
	"fmt"
	"testing"
	"time"
)

// Haar-random 5- and 6-qubit unitaries at level 2 (level 1 is
// TestHeavyUnitaryQSD): each output within cost 1e-8 of its target.
// Figures are logged (-v). Level 3 (LEAP on every block of the QSD
// circuit, iterated) is left out: on 5 qubits it had not finished after
// 40 minutes on the loaded 2-core VM.
func TestSlowUnitaryWide(t *testing.T) {
	for _, tc := range []struct{ n, level int }{{5, 2}, {6, 2}} {
		t.Run(fmt.Sprintf("n=%d/level=%d", tc.n, tc.level), func(t *testing.T) {
			u, data := haarNPY(t, tc.n, 1)
			start := time.Now()
			res, out := compileSmall(t, Request{Unitary: data, Seed: 1, OptimizationLevel: tc.level, RequestData: true}, 2)
			elapsed := time.Since(start)
			cost := checkUnitaryResult(t, u, res, out)
			t.Logf("%d-qubit Haar unitary, level %d: %d CX (QSD %d), cost %.3g, %v",
				tc.n, tc.level, out.TwoQubitCount(), res.Data.Stages[0].TwoQubitGates, cost, elapsed)
			for _, s := range res.Data.Stages {
				t.Logf("stage %s: %d CX, %.2fs", s.Pass, s.TwoQubitGates, s.Seconds)
			}
		})
	}
}
