//go:build heavy || slow

package compiler

import (
	"context"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/bqskit-mpi/bqskit-mpi/circuit"
	"github.com/bqskit-mpi/bqskit-mpi/qasm"
)

// TestHeavyPartitionShared partitions every large shared circuit into
// blocks of at most 3 qubits, checks the op order after unfolding, and
// simulates the smaller ones on random states.
func TestHeavyPartitionShared(t *testing.T) {
	for _, name := range []string{"hub18", "adder63", "qft64", "tfim64", "mul60", "shor26", "heisenberg16"} {
		t.Run(name, func(t *testing.T) {
			c, p := partitionShared(t, name)
			if c.NumQubits() <= 18 {
				if v := verifyStatesN(c, p.Unfold(), 1, 2); v.Cost > 1e-10 {
					t.Fatalf("unfolded cost %g", v.Cost)
				}
			}
		})
	}
}

// compileFor compiles req on the local executor with the given workers
// within limit (the runtime path is tested in package service).
func compileFor(t *testing.T, req Request, workers int, limit time.Duration) Result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	res, err := Compile(ctx, req, NewLocalExecutor(workers, nil), nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// compileShared compiles a shared circuit on the local executor with 2
// workers and checks it: it verifies within the default bound and does not
// add two-qubit gates. It returns the output circuit.
func compileShared(t *testing.T, name string, level int, seed uint64) *circuit.Circuit {
	t.Helper()
	path := filepath.Join(sharedDir, name+".qasm")
	src, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("circuit %s missing from the repository: %v", path, err)
	}
	in, err := qasm.Parse(path, src)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	res := compileFor(t, Request{QASM: string(src), Name: path, OptimizationLevel: level, Seed: seed, RequestData: true}, 2, 40*time.Minute)
	el := time.Since(start)
	out, err := qasm.Parse("out", []byte(res.QASM))
	if err != nil {
		t.Fatal(err)
	}
	v, err := Verify(in, out, seed)
	if err != nil {
		t.Fatal(err)
	}
	bound := math.Max(2*res.Data.Epsilon*float64(res.Data.Accepted), 1e-7)
	t.Logf("%s level %d: %d -> %d two-qubit gates in %.1fs; cost %.3g (bound %.3g), distance %.3g",
		name, level, in.TwoQubitCount(), out.TwoQubitCount(), el.Seconds(), v.Cost, bound, v.Distance)
	if v.Cost > bound {
		t.Errorf("%s level %d: cost %g above the default bound %g", name, level, v.Cost, bound)
	}
	if out.TwoQubitCount() > in.TwoQubitCount() {
		t.Errorf("%s level %d: two-qubit count grew %d -> %d", name, level, in.TwoQubitCount(), out.TwoQubitCount())
	}
	return out
}

func TestHeavyHeisenberg16(t *testing.T) {
	for _, tc := range []struct{ level, max int }{{1, 338}, {2, 322}, {3, 240}} {
		t.Run(fmt.Sprintf("level%d", tc.level), func(t *testing.T) {
			out := compileShared(t, "heisenberg16", tc.level, 7)
			if got := out.TwoQubitCount(); got > tc.max {
				t.Errorf("level %d: %d two-qubit gates, want at most %d", tc.level, got, tc.max)
			}
		})
	}
}

// TestHeavySmallCircuits compiles five shared circuits at levels 1 to 3
// (seed 7) and checks that no level gives more two-qubit gates than a
// lower one.
func TestHeavySmallCircuits(t *testing.T) {
	for _, name := range []string{"tfim4", "qft5", "grover5", "adder9", "qaoa12"} {
		checkMonotone(t, name, 7, 3)
	}
}

// checkMonotone compiles a shared circuit at levels 1 to top with one
// seed, each output checked by compileShared, and requires each level's
// two-qubit count to be at most the level below's.
func checkMonotone(t *testing.T, name string, seed uint64, top int) {
	t.Helper()
	prev := -1
	for level := 1; level <= top; level++ {
		t.Run(fmt.Sprintf("%s/seed%d/level%d", name, seed, level), func(t *testing.T) {
			n := compileShared(t, name, level, seed).TwoQubitCount()
			if prev >= 0 && n > prev {
				t.Errorf("%s seed %d: level %d gives %d two-qubit gates, level %d %d", name, seed, level, n, level-1, prev)
			}
			prev = n
		})
	}
}

// TestHeavyLevelsMonotone checks levels 1 to 3 on seeds 1-3 (tfim4, qft5)
// and level 4 on tfim4 (the full matrix over the shared circuits is
// TestSlowLevelsMonotone).
func TestHeavyLevelsMonotone(t *testing.T) {
	for _, name := range []string{"tfim4", "qft5"} {
		for seed := uint64(1); seed <= 3; seed++ {
			top := 3
			if name == "tfim4" && seed == 1 {
				top = 4
			}
			checkMonotone(t, name, seed, top)
		}
	}
}

// TestHeavySameOutputAnyWorkers compiles a shared circuit with 1 and 2
// workers and requires byte-identical output.
func TestHeavySameOutputAnyWorkers(t *testing.T) {
	path := filepath.Join(sharedDir, "adder9.qasm")
	src, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("circuit %s missing from the repository: %v", path, err)
	}
	req := Request{QASM: string(src), OptimizationLevel: 2, Seed: 7}
	a := compileFor(t, req, 1, 20*time.Minute)
	b := compileFor(t, req, 2, 20*time.Minute)
	if a.QASM != b.QASM {
		t.Fatal("adder9 level 2: outputs differ between 1 and 2 workers")
	}
}
