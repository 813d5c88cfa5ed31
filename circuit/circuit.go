package circuit

import (
	"fmt"
	"slices"
)

// Op is one operation: a gate applied to qubits with its parameters.
// Qubits[0] is the most significant index of the gate's unitary (big-endian,
// as BQSKit). len(Params) == Gate.NumParams().
type Op struct {
	Gate   Gate
	Qubits []int
	Params []float64
}

// Clone returns a deep copy of the op (the Gate value is shared; it is immutable).
func (o Op) Clone() Op {
	return Op{Gate: o.Gate, Qubits: slices.Clone(o.Qubits), Params: slices.Clone(o.Params)}
}

// Circuit is an ordered list of operations on NumQubits qubits.
// A Circuit is not safe for concurrent mutation.
type Circuit struct {
	numQubits int
	ops       []Op
}

// New returns an empty circuit on n qubits.
func New(n int) *Circuit {
	if n < 0 {
		panic(fmt.Sprintf("circuit: negative qubit count %d", n))
	}
	return &Circuit{numQubits: n}
}

// NumQubits is the circuit width.
func (c *Circuit) NumQubits() int { return c.numQubits }

// Len is the number of operations.
func (c *Circuit) Len() int { return len(c.ops) }

// Ops returns the operations in order. The slice is the circuit's own: do
// not modify it; use the mutation methods.
func (c *Circuit) Ops() []Op { return c.ops }

// Op returns operation i.
func (c *Circuit) Op(i int) Op { return c.ops[i] }

func (c *Circuit) check(op Op) {
	if op.Gate == nil {
		panic("circuit: op with nil gate")
	}
	if len(op.Qubits) != op.Gate.NumQubits() {
		panic(fmt.Sprintf("circuit: gate %s takes %d qubits, got %d", op.Gate.Name(), op.Gate.NumQubits(), len(op.Qubits)))
	}
	if len(op.Params) != op.Gate.NumParams() {
		panic(fmt.Sprintf("circuit: gate %s takes %d params, got %d", op.Gate.Name(), op.Gate.NumParams(), len(op.Params)))
	}
	for i, q := range op.Qubits {
		if q < 0 || q >= c.numQubits {
			panic(fmt.Sprintf("circuit: qubit %d out of range [0,%d)", q, c.numQubits))
		}
		for _, p := range op.Qubits[:i] {
			if p == q {
				panic(fmt.Sprintf("circuit: repeated qubit %d in %s", q, op.Gate.Name()))
			}
		}
	}
}

// Append adds op at the end. It panics on a malformed op (programmer error:
// parsers validate input before building ops).
func (c *Circuit) Append(op Op) {
	c.check(op)
	c.ops = append(c.ops, op)
}

// Insert places op at index i, shifting later ops right.
func (c *Circuit) Insert(i int, op Op) {
	c.check(op)
	c.ops = slices.Insert(c.ops, i, op)
}

// Remove deletes the op at index i.
func (c *Circuit) Remove(i int) { c.ops = slices.Delete(c.ops, i, i+1) }

// NumParams is the total number of parameters over all ops.
func (c *Circuit) NumParams() int {
	n := 0
	for _, op := range c.ops {
		n += len(op.Params)
	}
	return n
}

// Params returns all parameters concatenated in op order.
func (c *Circuit) Params() []float64 {
	p := make([]float64, 0, c.NumParams())
	for _, op := range c.ops {
		p = append(p, op.Params...)
	}
	return p
}

// SetParams overwrites all parameters from p (len(p) == NumParams()).
func (c *Circuit) SetParams(p []float64) {
	if len(p) != c.NumParams() {
		panic(fmt.Sprintf("circuit: SetParams got %d values, want %d", len(p), c.NumParams()))
	}
	k := 0
	for _, op := range c.ops {
		k += copy(op.Params, p[k:k+len(op.Params)])
	}
}

// Clone returns a deep copy.
func (c *Circuit) Clone() *Circuit {
	d := &Circuit{numQubits: c.numQubits, ops: make([]Op, len(c.ops))}
	for i, op := range c.ops {
		d.ops[i] = op.Clone()
	}
	return d
}
