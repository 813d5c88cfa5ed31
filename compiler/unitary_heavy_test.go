//go:build heavy

package compiler

import (
	"testing"
	"time"
)

// A seeded Haar-random 5-qubit unitary (.npy bytes) compiles at level 1:
// QSD, the level's circuit workflow, the final polish; the output is
// within cost 1e-8 of the target and has fewer CX than QSD's 507.
// (About 12 s of CPU on a quiet 2-core VM.)
func TestHeavyUnitary5Q(t *testing.T) {
	u, data := haarNPY(t, 5, 1)
	start := time.Now()
	res, out := compileSmall(t, Request{Unitary: data, Name: "haar5.npy", Seed: 1, RequestData: true}, 2)
	elapsed := time.Since(start)
	cost := checkUnitaryResult(t, u, res, out)
	qsd := res.Data.Stages[0].TwoQubitGates
	if out.TwoQubitCount() >= qsd {
		t.Fatalf("%d CX after the level-1 workflow, QSD had %d", out.TwoQubitCount(), qsd)
	}
	t.Logf("5-qubit Haar unitary, level 1: %d CX (QSD %d), cost %.3g, %v", out.TwoQubitCount(), qsd, cost, elapsed)
	for _, s := range res.Data.Stages {
		t.Logf("stage %s: %d CX, %.2fs", s.Pass, s.TwoQubitGates, s.Seconds)
	}
}
