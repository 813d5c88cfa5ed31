package circuit

import (
	"fmt"

	"github.com/bqskit-mpi/bqskit-mpi/linalg"
)

// directive is a non-unitary circuit element: measure, reset or barrier.
type directive struct {
	name string
	nq   int
}

func (d *directive) Name() string   { return d.name }
func (d *directive) NumQubits() int { return d.nq }
func (d *directive) NumParams() int { return 0 }
func (d *directive) String() string { return d.name }

// Unitary writes the identity: a directive has no unitary, and code that
// multiplies out a circuit (Circuit.Unitary, Evaluator) skips directives.
// Callers that care must test IsDirective first.
func (d *directive) Unitary(params []float64, dst linalg.Matrix) {
	checkDst(d, dst)
	dst.SetIdentity()
}

func (d *directive) Grad(params []float64, dst []linalg.Matrix) {}

var (
	// Measure is the one-qubit measurement directive. Its op carries the
	// classical bit in Op.Clbits (one entry).
	Measure Gate = &directive{name: "measure", nq: 1}
	// Reset is the one-qubit reset directive.
	Reset Gate = &directive{name: "reset", nq: 1}
)

// barriers caches Barrier values for small widths; wider ones are built on
// demand (they are immutable either way).
var barriers = func() [65]*directive {
	var b [65]*directive
	for i := 1; i < len(b); i++ {
		b[i] = &directive{name: "barrier", nq: i}
	}
	return b
}()

// Barrier returns the barrier directive over n ≥ 1 qubits. Barriers take no
// time: in Depth they only align the cycles of their qubits.
func Barrier(n int) Gate {
	if n < 1 {
		panic(fmt.Sprintf("circuit: barrier over %d qubits", n))
	}
	if n < len(barriers) {
		return barriers[n]
	}
	return &directive{name: "barrier", nq: n}
}

// IsDirective reports whether g is a non-unitary directive (measure, reset
// or barrier) rather than a gate.
func IsDirective(g Gate) bool {
	_, ok := g.(*directive)
	return ok
}

// IsBarrier reports whether g is a barrier.
func IsBarrier(g Gate) bool {
	d, ok := g.(*directive)
	return ok && d.name == "barrier"
}
