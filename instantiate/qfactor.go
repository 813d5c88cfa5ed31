package instantiate

import (
	"math"
	"math/cmplx"
	"math/rand/v2"

	"github.com/bqskit-mpi/bqskit-mpi/circuit"
	"github.com/bqskit-mpi/bqskit-mpi/linalg"
)

// qfOp is one op of a QFactor circuit.
type qfOp struct {
	gate     circuit.Gate
	vu       *circuit.UnitaryGate // nil for a constant gate
	qubits   []int
	off      int // first parameter index
	u, uadj  linalg.Matrix
	env      linalg.Matrix
	goff     []int // index offset of each gate basis state
	rest     []int // index offset of each basis state of the other qubits
	optimize bool
}

// qfWorkspace runs QFactor (BQSKit's bqskitrs QFactor): the circuit tensor
// T = V·U† is kept as a product; sweeping the ops backward then forward,
// each variable gate is replaced by the unitary that maximises
// Re Tr(G·E), E being its environment (T with the gate removed, traced
// over the other qubits): with E = W·Σ·X†, G = X·W†.
type qfWorkspace struct {
	n, dim int
	ops    []qfOp
	t      linalg.Matrix
	work   []complex128
	svd    linalg.SVD
	gs     []complex128 // Gram–Schmidt scratch
}

func newQFWorkspace(c *circuit.Circuit) *qfWorkspace {
	n := c.NumQubits()
	w := &qfWorkspace{n: n, dim: 1 << n, t: linalg.New(1<<n, 1<<n)}
	off, maxD := 0, 1
	for _, op := range c.Ops() {
		np := op.Gate.NumParams()
		if circuit.IsDirective(op.Gate) {
			off += np
			continue
		}
		k := op.Gate.NumQubits()
		d := 1 << k
		maxD = max(maxD, d)
		o := qfOp{gate: op.Gate, qubits: append([]int(nil), op.Qubits...), off: off,
			u: linalg.New(d, d), uadj: linalg.New(d, d)}
		if vu, ok := op.Gate.(*circuit.UnitaryGate); ok {
			o.vu = vu
			o.optimize = true
			o.env = linalg.New(d, d)
			o.goff = make([]int, d)
			o.rest = make([]int, w.dim/d)
			var mask int
			for _, q := range op.Qubits {
				mask |= 1 << (n - 1 - q)
			}
			for b := 0; b < d; b++ {
				x := 0
				for j, q := range op.Qubits {
					if b&(1<<(k-1-j)) != 0 {
						x |= 1 << (n - 1 - q)
					}
				}
				o.goff[b] = x
			}
			ri := 0
			for x := 0; x < w.dim; x++ {
				if x&mask == 0 {
					o.rest[ri] = x
					ri++
				}
			}
		}
		w.ops = append(w.ops, o)
		off += np
	}
	w.work = make([]complex128, maxD*w.dim)
	w.gs = make([]complex128, maxD)
	return w
}

// randomStart writes a Haar-random unitary into every variable gate's
// parameters (BQSKit draws raw parameters in [0, 2π); a random unitary is
// the natural start for gates parameterised by their matrix).
func (w *qfWorkspace) randomStart(rng *rand.Rand, x []float64) {
	for i := range w.ops {
		o := &w.ops[i]
		if !o.optimize {
			continue
		}
		haarInto(o.u, rng)
		o.vu.UnitaryToParams(o.u, x[o.off:o.off+o.vu.NumParams()])
	}
}

// haarInto fills the square matrix u with a Haar-random unitary
// (Gaussian matrix, modified Gram–Schmidt on its columns with one
// re-orthogonalisation; redrawn in the probability-zero degenerate case).
func haarInto(u linalg.Matrix, rng *rand.Rand) {
	d := u.Rows
	for {
		for i := range u.Data {
			u.Data[i] = complex(rng.NormFloat64(), rng.NormFloat64())
		}
		ok := true
		for j := 0; j < d && ok; j++ {
			for pass := 0; pass < 2; pass++ {
				for p := 0; p < j; p++ {
					var s complex128
					for i := 0; i < d; i++ {
						s += cmplx.Conj(u.Data[i*d+p]) * u.Data[i*d+j]
					}
					for i := 0; i < d; i++ {
						u.Data[i*d+j] -= s * u.Data[i*d+p]
					}
				}
			}
			var nrm float64
			for i := 0; i < d; i++ {
				v := u.Data[i*d+j]
				nrm += real(v)*real(v) + imag(v)*imag(v)
			}
			nrm = math.Sqrt(nrm)
			if !(nrm > 1e-12) {
				ok = false
				break
			}
			for i := 0; i < d; i++ {
				u.Data[i*d+j] /= complex(nrm, 0)
			}
		}
		if ok {
			return
		}
	}
}

func adjointInto(dst, a linalg.Matrix) {
	d := a.Rows
	for i := 0; i < d; i++ {
		for j := 0; j < d; j++ {
			v := a.Data[j*d+i]
			dst.Data[i*d+j] = complex(real(v), -imag(v))
		}
	}
}

// initTensor sets T = G_m···G_1·U†.
func (w *qfWorkspace) initTensor(target linalg.Matrix) {
	adjointInto(w.t, target)
	for i := range w.ops {
		o := &w.ops[i]
		linalg.ApplyLeft(w.t, o.u, o.qubits, w.n, w.work)
	}
}

// update replaces the variable gate o by the maximiser of |Tr(G·E)| for
// its environment E in the current tensor (which excludes o). It reports
// false when the SVD fails (non-finite values).
func (w *qfWorkspace) update(o *qfOp) bool {
	d := o.u.Rows
	t := w.t.Data
	dim := w.dim
	// E[b][a] = Σ_r T[(b,r),(a,r)], so that Tr((G⊗I)·T) = Tr(G·E).
	for b := 0; b < d; b++ {
		rb := o.goff[b]
		for a := 0; a < d; a++ {
			ca := o.goff[a]
			var s complex128
			for _, r := range o.rest {
				s += t[(rb+r)*dim+ca+r]
			}
			o.env.Data[b*d+a] = s
		}
	}
	if err := w.svd.Factorize(o.env, true); err != nil {
		return false
	}
	// E = W·Σ·X† with W = U(), X† = VH(): G = X·W† = (W·X†)†.
	wm, xh := w.svd.U(), w.svd.VH()
	linalg.Mul(o.uadj, wm, xh)
	adjointInto(o.u, o.uadj)
	return true
}

// solve runs QFactor from the gates in x (updated in place) and returns
// the final cost c = 1 − |Tr(V·U†)|/N, the number of sweeps and whether
// it was cancelled through done.
func (w *qfWorkspace) solve(done <-chan struct{}, target linalg.Matrix, x []float64, o QFactorOptions) (cost float64, iters int, cancelled bool) {
	for i := range w.ops {
		op := &w.ops[i]
		np := op.gate.NumParams()
		op.gate.Unitary(x[op.off:op.off+np], op.u)
	}
	w.initTensor(target)
	nf := float64(w.dim)
	c1, c2 := 0.0, 1.0
	ok := true
	for ok {
		if iters > o.MinIters && math.Abs(c1-c2) <= o.DiffTolA+o.DiffTolR*math.Abs(c1) {
			break
		}
		if iters >= o.MaxIters {
			break
		}
		if done != nil {
			select {
			case <-done:
				cancelled = true
			default:
			}
			if cancelled {
				break
			}
		}
		iters++
		// Backward: peel G_i off the left, optimise, put it on the right.
		for i := len(w.ops) - 1; i >= 0 && ok; i-- {
			op := &w.ops[i]
			adjointInto(op.uadj, op.u)
			linalg.ApplyLeft(w.t, op.uadj, op.qubits, w.n, w.work)
			if op.optimize {
				ok = w.update(op)
			}
			linalg.ApplyRight(w.t, op.u, op.qubits, w.n, w.work)
		}
		// Forward: peel G_i off the right, optimise, put it on the left.
		for i := 0; i < len(w.ops) && ok; i++ {
			op := &w.ops[i]
			adjointInto(op.uadj, op.u)
			linalg.ApplyRight(w.t, op.uadj, op.qubits, w.n, w.work)
			if op.optimize {
				ok = w.update(op)
			}
			linalg.ApplyLeft(w.t, op.u, op.qubits, w.n, w.work)
		}
		c2 = c1
		c1 = 1 - cmplx.Abs(linalg.Trace(w.t))/nf
		if c1 <= o.DistTol {
			break
		}
		if iters%o.ReinitDelay == 0 {
			w.initTensor(target)
		}
	}
	for i := range w.ops {
		op := &w.ops[i]
		if op.optimize {
			op.vu.UnitaryToParams(op.u, x[op.off:op.off+op.vu.NumParams()])
		}
	}
	// Report the cost of the parameters returned, computed afresh.
	w.initTensor(target)
	return 1 - cmplx.Abs(linalg.Trace(w.t))/nf, iters, cancelled
}
