package circuit

import (
	"fmt"
	"slices"

	"github.com/bqskit-mpi/bqskit-mpi/linalg"
)

// Evaluator computes a circuit's unitary, and its derivatives with respect
// to every parameter, for many parameter vectors without allocating. It
// captures the circuit's structure (gates, qubits, parameter layout) when
// built; later changes to the circuit are not seen. An Evaluator holds
// scratch space: use one per goroutine.
type Evaluator struct {
	n, dim, np int
	ops        []evalOp
	r, l, tmp  linalg.Matrix
	work       []complex128
}

type evalOp struct {
	gate   Gate
	qubits []int
	off    int // index of the op's first parameter in the circuit vector
	u      linalg.Matrix
	uadj   linalg.Matrix
	grads  []linalg.Matrix
}

// NewEvaluator captures c's structure. Directives are skipped (they have no
// parameters). It panics when c is wider than MaxUnitaryQubits.
func NewEvaluator(c *Circuit) *Evaluator {
	if c.numQubits > MaxUnitaryQubits {
		panic(fmt.Sprintf("circuit: NewEvaluator on %d qubits (at most %d)", c.numQubits, MaxUnitaryQubits))
	}
	dim := 1 << c.numQubits
	e := &Evaluator{n: c.numQubits, dim: dim}
	maxK := 0
	for _, op := range c.ops {
		np := op.Gate.NumParams()
		if !IsDirective(op.Gate) {
			k := op.Gate.NumQubits()
			maxK = max(maxK, k)
			d := 1 << k
			eo := evalOp{
				gate:   op.Gate,
				qubits: slices.Clone(op.Qubits),
				off:    e.np,
				u:      linalg.New(d, d),
				uadj:   linalg.New(d, d),
				grads:  make([]linalg.Matrix, np),
			}
			for i := range eo.grads {
				eo.grads[i] = linalg.New(d, d)
			}
			e.ops = append(e.ops, eo)
		}
		e.np += np
	}
	e.r = linalg.New(dim, dim)
	e.l = linalg.New(dim, dim)
	e.tmp = linalg.New(dim, dim)
	e.work = make([]complex128, 1<<maxK)
	return e
}

// NumParams is the length of the parameter vectors the Evaluator takes
// (the circuit's NumParams when it was captured).
func (e *Evaluator) NumParams() int { return e.np }

// NumQubits is the circuit width.
func (e *Evaluator) NumQubits() int { return e.n }

func (e *Evaluator) check(params []float64, dst linalg.Matrix) {
	if len(params) != e.np {
		panic(fmt.Sprintf("circuit: Evaluator got %d params, want %d", len(params), e.np))
	}
	if dst.Rows != e.dim || dst.Cols != e.dim || len(dst.Data) != e.dim*e.dim {
		panic(fmt.Sprintf("circuit: Evaluator needs a %dx%d matrix, got %dx%d", e.dim, e.dim, dst.Rows, dst.Cols))
	}
}

// Unitary writes the circuit's unitary at params into dst (2^n x 2^n).
func (e *Evaluator) Unitary(params []float64, dst linalg.Matrix) {
	e.check(params, dst)
	dst.SetIdentity()
	for i := range e.ops {
		op := &e.ops[i]
		op.gate.Unitary(params[op.off:op.off+len(op.grads)], op.u)
		linalg.ApplyLeft(dst, op.u, op.qubits, e.n, e.work)
	}
}

// UnitaryAndGrad writes the unitary V at params into dst and ∂V/∂params[j]
// into grads[j] for every j, in one sweep: with R = V and L = I, for each op
// i in order, R ← R·G_i†, then ∂V/∂θ = R·(∂G_i on its qubits)·L for each of
// the op's parameters, then L ← G_i·L. This relies on every gate matrix
// being unitary at params (true for all gates; for UnitaryGate, true when
// its parameters spell a unitary). No allocation.
func (e *Evaluator) UnitaryAndGrad(params []float64, dst linalg.Matrix, grads []linalg.Matrix) {
	e.Unitary(params, dst)
	if len(grads) != e.np {
		panic(fmt.Sprintf("circuit: UnitaryAndGrad got %d gradient matrices, want %d", len(grads), e.np))
	}
	for j := range grads {
		if grads[j].Rows != e.dim || grads[j].Cols != e.dim || len(grads[j].Data) != e.dim*e.dim {
			panic(fmt.Sprintf("circuit: gradient %d is %dx%d, want %dx%d", j, grads[j].Rows, grads[j].Cols, e.dim, e.dim))
		}
	}
	if e.np == 0 {
		return
	}
	e.r.CopyFrom(dst)
	e.l.SetIdentity()
	for i := range e.ops {
		op := &e.ops[i]
		d := op.u.Rows
		for a := 0; a < d; a++ {
			for b := 0; b < d; b++ {
				x := op.u.Data[b*d+a]
				op.uadj.Data[a*d+b] = complex(real(x), -imag(x))
			}
		}
		linalg.ApplyRight(e.r, op.uadj, op.qubits, e.n, e.work)
		if len(op.grads) > 0 {
			op.gate.Grad(params[op.off:op.off+len(op.grads)], op.grads)
			for k, dg := range op.grads {
				e.tmp.CopyFrom(e.r)
				linalg.ApplyRight(e.tmp, dg, op.qubits, e.n, e.work)
				linalg.Mul(grads[op.off+k], e.tmp, e.l)
			}
		}
		linalg.ApplyLeft(e.l, op.u, op.qubits, e.n, e.work)
	}
}
