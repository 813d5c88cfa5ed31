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

	"github.com/bqskit-mpi/bqskit-mpi/qasm"
)

// mappedCase is one entry of the device-compilation acceptance matrix.
type mappedCase struct {
	circuit  string
	coupling string // "linear", "grid" or "heavy-hex" (sized for the circuit)
	gates    string
	level    int
}

func (c mappedCase) String() string {
	return fmt.Sprintf("%s/%s/%s/O%d", c.circuit, c.coupling, c.gates, c.level)
}

// couplingFor sizes a coupling kind for an n-qubit circuit: linear:n, the
// squarest grid holding n, heavy-hex:3 (IBM's lattice, 20 qubits).
func couplingFor(kind string, n int) string {
	switch kind {
	case "linear":
		return fmt.Sprintf("linear:%d", n)
	case "grid":
		side := int(math.Ceil(math.Sqrt(float64(n))))
		return fmt.Sprintf("grid:%dx%d", (n+side-1)/side, side)
	}
	return "heavy-hex:3"
}

// runMappedCase compiles a shared circuit for a model and checks the
// acceptance points: every gate is native, every two-qubit gate acts on a
// coupled pair, and the output verifies up to the reported mapping (the
// cost bound of bqskit-compile --verify).
func runMappedCase(t *testing.T, tc mappedCase) {
	src, err := os.ReadFile(filepath.Join(sharedDir, tc.circuit+".qasm"))
	if err != nil {
		t.Fatal(err)
	}
	in, err := qasm.Parse(tc.circuit, src)
	if err != nil {
		t.Fatal(err)
	}
	spec := ModelSpec{Coupling: couplingFor(tc.coupling, in.NumQubits()), Gates: tc.gates}
	m, err := spec.Build(in.NumQubits())
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Minute)
	defer cancel()
	res, err := Compile(ctx, Request{QASM: string(src), Model: &spec, OptimizationLevel: tc.level, Seed: 1, RequestData: true}, NewLocalExecutor(2, nil), nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	compiled := time.Since(start)
	out, err := qasm.Parse("out", []byte(res.QASM))
	if err != nil {
		t.Fatal(err)
	}
	checkNativeRouted(t, out, m)
	start = time.Now()
	v, err := VerifyMapped(in, out, res.InitialMapping, res.FinalMapping, 1)
	if err != nil {
		t.Fatal(err)
	}
	if limit := math.Max(2*res.Data.Epsilon*float64(res.Data.Accepted), 1e-7); v.Cost > limit {
		t.Fatalf("cost %g above %g (distance %g)", v.Cost, limit, v.Distance)
	}
	mapped := -1
	for _, s := range res.Data.Stages {
		if s.Pass == PassMap {
			mapped = s.TwoQubitGates
		}
	}
	t.Logf("RESULT %-40s input %5d routed %5d output %5d two-qubit gates; distance %.2g; compile %.1fs verify %.1fs",
		tc, in.TwoQubitCount(), mapped, out.TwoQubitCount(), v.Distance, compiled.Seconds(), time.Since(start).Seconds())
}

// TestHeavyMappedShared is the CI subset of the device-compilation matrix
// (TestSlowMappedMatrix runs all of it): each shared circuit up to 16
// qubits once, every coupling kind, both gate sets and every level at
// least once, within about two minutes of CPU.
func TestHeavyMappedShared(t *testing.T) {
	for _, tc := range []mappedCase{
		{"tfim4", "linear", "ibm", 1},
		{"tfim4", "heavy-hex", "cx,u3", 3},
		{"qft5", "grid", "ibm", 2},
		{"qft5", "heavy-hex", "ibm", 1},
		{"grover5", "linear", "cx,u3", 2},
		{"adder9", "grid", "ibm", 1},
		{"qaoa12", "linear", "cx,u3", 1},
		{"heisenberg16", "heavy-hex", "ibm", 1},
	} {
		t.Run(tc.String(), func(t *testing.T) { runMappedCase(t, tc) })
	}
}
