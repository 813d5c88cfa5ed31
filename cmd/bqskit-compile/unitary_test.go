package main

import (
	"math/rand/v2"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bqskit-mpi/bqskit-mpi/linalg"
)

// A 5-qubit .npy goes through the Quantum Shannon Decomposition. The
// workflow here is a short circuit workflow (the level-1 run is the
// compiler package's test), so that the check stays cheap: the written
// circuit is over cx and u3 and within cost 1e-8 of the file's unitary.
func TestUnitaryInput5Q(t *testing.T) {
	u := linalg.HaarRandom(32, rand.New(rand.NewPCG(7, 5)))
	in := writeNPY(t, u)
	wf := writeFile(t, "wf.json", `[{"pass": "retarget"}, {"pass": "single_qubit_fusion"}]`)
	out := filepath.Join(t.TempDir(), "out.qasm")
	code, _, stderr := invoke(t, in, "--workflow", wf, "--seed", "3", "-o", out, "--verify")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	c := parseCXU3(t, out)
	if c.NumQubits() != 5 || c.TwoQubitCount() == 0 {
		t.Fatalf("%d qubits, %d CX", c.NumQubits(), c.TwoQubitCount())
	}
	if got := linalg.Cost(u, c.Unitary()); got > 1e-8 {
		t.Fatalf("written circuit cost %g", got)
	}
}

// 7 qubits is over the unitary input limit: a usage error naming the file
// and the limit.
func TestUnitaryInputTooWide(t *testing.T) {
	in := writeNPY(t, linalg.Identity(128))
	code, _, stderr := invoke(t, in)
	if code != exitUsage || !strings.Contains(stderr, "u.npy: 7 qubits") || !strings.Contains(stderr, "at most 6") {
		t.Fatalf("exit %d: %s", code, stderr)
	}
}
