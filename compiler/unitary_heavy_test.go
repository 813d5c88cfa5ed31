//go:build heavy

package compiler

import (
	"fmt"
	"testing"
	"time"
)

// Seeded Haar-random 5- and 6-qubit unitaries (.npy bytes) compile at
// level 1: QSD, the level's circuit workflow; each output is within cost
// 1e-8 of its target and has fewer CX than QSD's 444 and 1868. (Measured
// with 2 workers on the loaded 2-core VM: about 7 and 30 s of CPU.)
func TestHeavyUnitaryQSD(t *testing.T) {
	for _, n := range []int{5, 6} {
		t.Run(fmt.Sprintf("n=%d", n), func(t *testing.T) {
			u, data := haarNPY(t, n, 1)
			start := time.Now()
			res, out := compileSmall(t, Request{Unitary: data, Name: "haar.npy", Seed: 1, RequestData: true}, 2)
			elapsed := time.Since(start)
			cost := checkUnitaryResult(t, u, res, out)
			qsd := res.Data.Stages[0].TwoQubitGates
			if out.TwoQubitCount() >= qsd {
				t.Fatalf("%d CX after the level-1 workflow, QSD had %d", out.TwoQubitCount(), qsd)
			}
			t.Logf("%d-qubit Haar unitary, level 1: %d CX (QSD %d), cost %.3g, %v", n, out.TwoQubitCount(), qsd, cost, elapsed)
			for _, s := range res.Data.Stages {
				t.Logf("stage %s: %d CX, %.2fs", s.Pass, s.TwoQubitGates, s.Seconds)
			}
		})
	}
}
