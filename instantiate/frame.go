package instantiate

import (
	"math"
	"math/cmplx"

	"github.com/bqskit-mpi/bqskit-mpi/circuit"
	"github.com/bqskit-mpi/bqskit-mpi/linalg"
)

// frameProblem is the least-squares problem of unitaryProblem written in
// the frame of the circuit's own unitary, which halves the number of
// residual rows without changing the Levenberg–Marquardt iterates.
//
// With W = w·V (w = 1, or e^{−iφ} for the phase-invariant residual) the
// full residual is r = vec(W − U) ∈ R^{2N²}. The map X ↦ W†X is
// orthogonal, so one may use E = W†r = I − W†U instead. Every Jacobian
// column becomes Y_k = W†·∂r/∂θ_k = V†·∂V/∂θ_k (− i·∂φ/∂θ_k·I when
// phase-invariant), an anti-Hermitian matrix: the columns live in the
// N²-dimensional space of anti-Hermitian matrices, and the Hermitian part
// H of E is orthogonal to all of them. The residual vector is therefore
// [coordinates of the anti-Hermitian part A of E in an orthonormal basis
// (N² entries); ‖H‖] with Jacobian rows [coordinates of Y_k; 0]:
// ‖r‖, Jᵀr, JᵀJ and every model decrease are those of the full problem.
//
// The columns come from one sweep: with B the product of the ops before
// op i, Y for a parameter of op i is B†·(G_i†·∂G_i on its qubits)·B.
type frameProblem struct {
	n, dim         int
	ops            []frameOp
	ev             *circuit.Evaluator // cost-only evaluations
	target         linalg.Matrix
	phaseInvariant bool

	v    linalg.Matrix // V
	b, t linalg.Matrix // sweep product, scratch
	p    linalg.Matrix // V†U
	bh   linalg.Matrix // B†
	y    linalg.Matrix // Y_k scratch
	wts  []complex128  // phase weights (see phaseWeights)
	work []complex128
	gadj linalg.Matrix // scratch for G† (largest gate size)
}

type frameOp struct {
	gate   circuit.Gate
	qubits []int
	off    int
	g      linalg.Matrix
	dg     []linalg.Matrix // ∂G/∂θ_j
	gdg    []linalg.Matrix // G†·∂G/∂θ_j
}

func newFrameProblem(c *circuit.Circuit, ev *circuit.Evaluator) *frameProblem {
	n := c.NumQubits()
	dim := 1 << n
	p := &frameProblem{n: n, dim: dim, ev: ev,
		v: linalg.New(dim, dim), b: linalg.New(dim, dim), t: linalg.New(dim, dim), p: linalg.New(dim, dim)}
	off, maxD := 0, 2
	for _, op := range c.Ops() {
		np := op.Gate.NumParams()
		if circuit.IsDirective(op.Gate) {
			off += np
			continue
		}
		d := 1 << op.Gate.NumQubits()
		maxD = max(maxD, d)
		fo := frameOp{gate: op.Gate, qubits: append([]int(nil), op.Qubits...), off: off, g: linalg.New(d, d)}
		for j := 0; j < np; j++ {
			fo.dg = append(fo.dg, linalg.New(d, d))
			fo.gdg = append(fo.gdg, linalg.New(d, d))
		}
		p.ops = append(p.ops, fo)
		off += np
	}
	p.bh = linalg.New(dim, dim)
	p.y = linalg.New(dim, dim)
	p.wts = make([]complex128, dim*dim)
	p.work = make([]complex128, maxD*dim)
	p.gadj = linalg.New(maxD, maxD)
	return p
}

// numResiduals is N² + 1.
func (p *frameProblem) numResiduals() int { return p.dim*p.dim + 1 }

// phase returns w and t = Tr(U†V) for the V in p.v.
func (p *frameProblem) phase() (w, t complex128) {
	t = linalg.TraceAdjMul(p.target, p.v)
	if !p.phaseInvariant {
		return 1, t
	}
	a := cmplx.Abs(t)
	if !(a > 1e-300) {
		return 1, t
	}
	return complex(real(t)/a, -imag(t)/a), t
}

// cost is ½‖wV − U‖² at x, computed entrywise.
func (p *frameProblem) cost(x []float64) float64 {
	p.ev.Unitary(x, p.v)
	w, _ := p.phase()
	var s float64
	u := p.target.Data[:len(p.v.Data)]
	for i, v := range p.v.Data {
		d := w*v - u[i]
		s += real(d)*real(d) + imag(d)*imag(d)
	}
	return 0.5 * s
}

// ahCoords writes the orthonormal coordinates of the anti-Hermitian part
// of y into dst (len N²): √2·Re, √2·Im of (y_ij − conj(y_ji))/2 for i < j,
// then Im y_ii. It returns ‖Hermitian part‖² of y.
func ahCoords(y linalg.Matrix, dst []float64) (herm2 float64) {
	d := y.Rows
	k := 0
	for i := 0; i < d; i++ {
		row := y.Data[i*d : i*d+d]
		for j := i + 1; j < d; j++ {
			a, b := row[j], y.Data[j*d+i]
			ar := 0.5 * (real(a) - real(b))
			ai := 0.5 * (imag(a) + imag(b))
			hr := 0.5 * (real(a) + real(b))
			hi := 0.5 * (imag(a) - imag(b))
			dst[k] = math.Sqrt2 * ar
			dst[k+1] = math.Sqrt2 * ai
			k += 2
			herm2 += 2 * (hr*hr + hi*hi)
		}
	}
	for i := 0; i < d; i++ {
		v := y.Data[i*d+i]
		dst[k] = imag(v)
		k++
		herm2 += real(v) * real(v)
	}
	return herm2
}

func (p *frameProblem) jacobian(x, r, jac []float64) {
	nn := p.dim * p.dim
	m := nn + 1
	// Sweep: B = I; for each op, Y_k = B†·(G†∂G ⊗ I)·B, then B ← G·B.
	p.b.SetIdentity()
	for i := range p.ops {
		op := &p.ops[i]
		np := len(op.dg)
		op.gate.Unitary(x[op.off:op.off+np], op.g)
		if np > 0 {
			op.gate.Grad(x[op.off:op.off+np], op.dg)
			d := op.g.Rows
			gadj := linalg.Matrix{Rows: d, Cols: d, Data: p.gadj.Data[:d*d]}
			linalg.Adjoint(gadj, op.g)
			linalg.Adjoint(p.bh, p.b)
			for j := 0; j < np; j++ {
				linalg.Mul(op.gdg[j], gadj, op.dg[j])
				p.t.CopyFrom(p.b)
				linalg.ApplyLeft(p.t, op.gdg[j], op.qubits, p.n, p.work)
				k := op.off + j
				col := jac[k*m : k*m+m]
				linalg.Mul(p.y, p.bh, p.t)
				ahUpperCoords(p.y, col[:nn])
				col[nn] = 0
			}
		}
		linalg.ApplyLeft(p.b, op.g, op.qubits, p.n, p.work)
	}
	p.v.CopyFrom(p.b)
	w, t := p.phase()

	// Residual: E = I − w̄·V†U.
	linalg.MulAdjA(p.p, p.v, p.target)
	wb := complex(real(w), -imag(w))
	for i := range p.p.Data {
		p.t.Data[i] = -wb * p.p.Data[i]
	}
	for i := 0; i < p.dim; i++ {
		p.t.Data[i*p.dim+i] += 1
	}
	h2 := ahCoords(p.t, r[:nn])
	r[nn] = math.Sqrt(h2)

	if !p.phaseInvariant || !(cmplx.Abs(t) > 1e-300) {
		return
	}
	// Phase-invariant columns: Y_k − i·∂φ_k·I with ∂φ_k = Im(t_k/t),
	// t_k = Tr(U†∂V_k) = Tr(U†V·Y_k) = Σ_ij conj(P_ij)·Y_ij (P = V†U),
	// a fixed complex linear form of Y_k's coordinates.
	p.phaseWeights()
	for k := 0; k < len(jac)/m; k++ {
		col := jac[k*m : k*m+m]
		var tr, ti float64
		for c, v := range col[:nn] {
			wt := p.wts[c]
			tr += v * real(wt)
			ti += v * imag(wt)
		}
		dphi := imag(complex(tr, ti) / t)
		diag := col[nn-p.dim : nn]
		for i := range diag {
			diag[i] -= dphi
		}
	}
}

// phaseWeights sets wts so that Σ_c coord_c·wts_c = Σ_ij conj(P_ij)·Y_ij
// for every anti-Hermitian Y with coordinates coord (see ahCoords): for
// i < j, Y_ij = (a + i·b)/√2 and Y_ji = −conj(Y_ij), so the pair
// contributes a·(α − β)/√2 + b·i(α + β)/√2 with α = conj(P_ij),
// β = conj(P_ji); a diagonal Y_ii = i·y contributes y·i·conj(P_ii).
func (p *frameProblem) phaseWeights() {
	d := p.dim
	c := 0
	for i := 0; i < d; i++ {
		for j := i + 1; j < d; j++ {
			a := cmplx.Conj(p.p.Data[i*d+j])
			b := cmplx.Conj(p.p.Data[j*d+i])
			p.wts[c] = (a - b) / math.Sqrt2
			p.wts[c+1] = 1i * (a + b) / math.Sqrt2
			c += 2
		}
	}
	for i := 0; i < d; i++ {
		p.wts[c] = 1i * cmplx.Conj(p.p.Data[i*d+i])
		c++
	}
}

// ahUpperCoords writes the coordinates (as ahCoords) of y, known to be
// anti-Hermitian, from its upper triangle.
func ahUpperCoords(y linalg.Matrix, dst []float64) {
	d := y.Rows
	k := 0
	diagAt := d * (d - 1)
	for i := 0; i < d; i++ {
		row := y.Data[i*d+i : i*d+d]
		dst[diagAt+i] = imag(row[0])
		for _, v := range row[1:] {
			dst[k] = math.Sqrt2 * real(v)
			dst[k+1] = math.Sqrt2 * imag(v)
			k += 2
		}
	}
}

// successCost is c = 1 − |Tr(U†V)|/N for the V last evaluated.
func (p *frameProblem) successCost() float64 {
	return 1 - cmplx.Abs(linalg.TraceAdjMul(p.target, p.v))/float64(p.dim)
}
