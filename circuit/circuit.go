package circuit

import (
	"fmt"
	"slices"
)

// Op is one operation: a gate applied to qubits with its parameters.
// Qubits[0] is the most significant index of the gate's unitary (big-endian,
// as BQSKit). len(Params) == Gate.NumParams(). Clbits is used by the Measure
// directive only (one classical bit, an index into the concatenated classical
// registers); it is nil for every other op.
type Op struct {
	Gate   Gate
	Qubits []int
	Params []float64
	Clbits []int
}

// Clone returns a deep copy of the op (the Gate value is shared; it is immutable).
func (o Op) Clone() Op {
	return Op{Gate: o.Gate, Qubits: slices.Clone(o.Qubits), Params: slices.Clone(o.Params), Clbits: slices.Clone(o.Clbits)}
}

// Register is a named quantum or classical register.
type Register struct {
	Name string
	Size int
}

// Circuit is an ordered list of operations on NumQubits qubits, with
// optional register metadata (quantum register names, classical registers)
// that QASM readers and writers use. A Circuit is not safe for concurrent
// mutation.
type Circuit struct {
	numQubits int
	ops       []Op
	qregs     []Register
	cregs     []Register
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
	if op.Gate == Measure {
		if len(op.Clbits) != 1 {
			panic(fmt.Sprintf("circuit: measure takes 1 classical bit, got %d", len(op.Clbits)))
		}
		if nc := c.NumClbits(); op.Clbits[0] < 0 || op.Clbits[0] >= nc {
			panic(fmt.Sprintf("circuit: classical bit %d out of range [0,%d)", op.Clbits[0], nc))
		}
	} else if len(op.Clbits) != 0 {
		panic(fmt.Sprintf("circuit: %s takes no classical bits", op.Gate.Name()))
	}
	// Pairwise for the usual few qubits; a set for wide ops (a barrier over
	// a large register), so that the check stays linear.
	var seen map[int]bool
	if len(op.Qubits) > 16 {
		seen = make(map[int]bool, len(op.Qubits))
	}
	for i, q := range op.Qubits {
		if q < 0 || q >= c.numQubits {
			panic(fmt.Sprintf("circuit: qubit %d out of range [0,%d)", q, c.numQubits))
		}
		repeated := seen[q]
		if seen != nil {
			seen[q] = true
		} else {
			repeated = slices.Contains(op.Qubits[:i], q)
		}
		if repeated {
			panic(fmt.Sprintf("circuit: repeated qubit %d in %s", q, op.Gate.Name()))
		}
	}
}

// Append adds op at the end. It panics on a malformed op (programmer error:
// parsers validate input before building ops).
func (c *Circuit) Append(op Op) {
	c.check(op)
	c.ops = append(c.ops, op)
}

// AppendGate appends gate g on qubits with the given parameters (a
// convenience for Append; the slices are copied).
func (c *Circuit) AppendGate(g Gate, qubits []int, params ...float64) {
	c.Append(Op{Gate: g, Qubits: slices.Clone(qubits), Params: slices.Clone(params)})
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
	d := &Circuit{numQubits: c.numQubits, ops: make([]Op, len(c.ops)),
		qregs: slices.Clone(c.qregs), cregs: slices.Clone(c.cregs)}
	for i, op := range c.ops {
		d.ops[i] = op.Clone()
	}
	return d
}

// QRegs returns the quantum registers whose concatenation (in order) makes
// up the circuit's qubits. Without registers set, it is one register "q" of
// NumQubits qubits.
func (c *Circuit) QRegs() []Register {
	if len(c.qregs) == 0 {
		return []Register{{Name: "q", Size: c.numQubits}}
	}
	return slices.Clone(c.qregs)
}

// SetQRegs names the circuit's qubits by registers; the sizes must sum to
// NumQubits and the names must be distinct and non-empty.
func (c *Circuit) SetQRegs(regs []Register) {
	n := 0
	for i, r := range regs {
		if r.Name == "" || r.Size < 1 {
			panic(fmt.Sprintf("circuit: bad quantum register %q[%d]", r.Name, r.Size))
		}
		for _, p := range regs[:i] {
			if p.Name == r.Name {
				panic(fmt.Sprintf("circuit: repeated register name %q", r.Name))
			}
		}
		n += r.Size
	}
	if n != c.numQubits {
		panic(fmt.Sprintf("circuit: quantum registers hold %d qubits, circuit has %d", n, c.numQubits))
	}
	c.qregs = slices.Clone(regs)
}

// AddCReg appends a classical register of size ≥ 1; its bits follow those
// of the registers added before it in the flat numbering Op.Clbits uses.
func (c *Circuit) AddCReg(name string, size int) {
	if name == "" || size < 1 {
		panic(fmt.Sprintf("circuit: bad classical register %q[%d]", name, size))
	}
	for _, r := range c.cregs {
		if r.Name == name {
			panic(fmt.Sprintf("circuit: repeated classical register %q", name))
		}
	}
	c.cregs = append(c.cregs, Register{Name: name, Size: size})
}

// CRegs returns the classical registers in order.
func (c *Circuit) CRegs() []Register { return slices.Clone(c.cregs) }

// NumClbits is the total size of the classical registers.
func (c *Circuit) NumClbits() int {
	n := 0
	for _, r := range c.cregs {
		n += r.Size
	}
	return n
}
