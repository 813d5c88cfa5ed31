//go:build slow

package synthesis

import (
	"context"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/bqskit-mpi/bqskit-mpi/linalg"
)

// Run with `make test-slow` (about 30 CPU-minutes on one core: too long for CI).
// TestSlowRandom3Q: 10 seeded Haar-random 3-qubit unitaries at level 3
// (LEAP) all reach c < 1e-8; the mean CNOT count (lower bound 14) and
// the mean time are logged.
func TestSlowRandom3Q(t *testing.T) {
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
