package compiler

import (
	"fmt"
	"math"

	"github.com/bqskit-mpi/bqskit-mpi/circuit"
)

// wireOp is the JSON form of one op inside task arguments.
type wireOp struct {
	G string    `json:"g"`
	Q []int     `json:"q"`
	P []float64 `json:"p,omitempty"`
}

// wireCircuit is the JSON form of a gate-only circuit inside task
// arguments (blocks never hold directives). Floats survive encoding/json
// exactly (shortest round-trip form).
type wireCircuit struct {
	N   int      `json:"n"`
	Ops []wireOp `json:"ops"`
}

func toWire(c *circuit.Circuit) wireCircuit {
	w := wireCircuit{N: c.NumQubits(), Ops: make([]wireOp, 0, c.Len())}
	for _, op := range c.Ops() {
		w.Ops = append(w.Ops, wireOp{G: op.Gate.Name(), Q: op.Qubits, P: op.Params})
	}
	return w
}

func fromWire(w wireCircuit) (*circuit.Circuit, error) {
	if w.N < 0 || w.N > MaxVerifyQubits {
		return nil, fmt.Errorf("%w: circuit width %d", ErrRequest, w.N)
	}
	c := circuit.New(w.N)
	for i, o := range w.Ops {
		g, ok := circuit.LookupGate(o.G)
		if !ok {
			return nil, fmt.Errorf("%w: op %d: unknown gate %q", ErrRequest, i, o.G)
		}
		if len(o.Q) != g.NumQubits() || len(o.P) != g.NumParams() {
			return nil, fmt.Errorf("%w: op %d: gate %s with %d qubits and %d params", ErrRequest, i, o.G, len(o.Q), len(o.P))
		}
		for j, q := range o.Q {
			if q < 0 || q >= w.N {
				return nil, fmt.Errorf("%w: op %d: qubit %d out of range", ErrRequest, i, q)
			}
			for _, r := range o.Q[:j] {
				if r == q {
					return nil, fmt.Errorf("%w: op %d: repeated qubit %d", ErrRequest, i, q)
				}
			}
		}
		for _, p := range o.P {
			if math.IsNaN(p) || math.IsInf(p, 0) {
				return nil, fmt.Errorf("%w: op %d: parameter %v", ErrRequest, i, p)
			}
		}
		c.Append(circuit.Op{Gate: g, Qubits: o.Q, Params: o.P})
	}
	return c, nil
}
