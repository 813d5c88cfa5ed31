package instantiate

import (
	"math/cmplx"

	"github.com/bqskit-mpi/bqskit-mpi/circuit"
	"github.com/bqskit-mpi/bqskit-mpi/linalg"
)

// unitaryProblem is the least-squares form of "make the circuit's unitary
// V(θ) equal the target U".
//
// ResidualBQSKit: r = [vec Re(V − U); vec Im(V − U)]. BQSKit uses
// vec(V·U† − I); the two differ by the real-orthogonal map X ↦ X·U† of
// C^{N×N} (U is unitary), which leaves ‖r‖, JᵀJ, Jᵀr and the Jacobian's
// column norms (hence every Levenberg–Marquardt iterate, Jacobi scaling
// included) unchanged, and saves one N³ product per parameter.
//
// ResidualPhaseInvariant: r = vec(e^{−iφ}V − U) with φ = arg Tr(U†V), so
// ½‖r‖² = N·(1 − |Tr(U†V)|/N) is exactly N times the success cost, and
// the Jacobian is exact: ∂r/∂θ_k = e^{−iφ}(∂V_k − i·V·∂φ/∂θ_k) with
// ∂φ/∂θ_k = Im(Tr(U†∂V_k)/Tr(U†V)).
type unitaryProblem struct {
	ev             *circuit.Evaluator
	target         linalg.Matrix
	v              linalg.Matrix
	grads          []linalg.Matrix
	phaseInvariant bool
}

func newUnitaryProblem(ev *circuit.Evaluator, dim int) *unitaryProblem {
	p := &unitaryProblem{ev: ev, v: linalg.New(dim, dim), grads: make([]linalg.Matrix, ev.NumParams())}
	for i := range p.grads {
		p.grads[i] = linalg.New(dim, dim)
	}
	return p
}

// numResiduals is 2N².
func (p *unitaryProblem) numResiduals() int { return 2 * len(p.v.Data) }

// phase returns e^{−iφ} with φ = arg Tr(U†V), and Tr(U†V) itself.
func (p *unitaryProblem) phase() (w, t complex128) {
	t = linalg.TraceAdjMul(p.target, p.v)
	a := cmplx.Abs(t)
	if !(a > 1e-300) {
		return 1, t
	}
	return complex(real(t)/a, -imag(t)/a), t
}

func (p *unitaryProblem) fillResiduals(r []float64, w complex128) {
	nn := len(p.v.Data)
	u := p.target.Data[:nn]
	for i, v := range p.v.Data {
		d := w*v - u[i]
		r[i] = real(d)
		r[nn+i] = imag(d)
	}
}

func (p *unitaryProblem) cost(x []float64) float64 {
	p.ev.Unitary(x, p.v)
	w := complex(1, 0)
	if p.phaseInvariant {
		w, _ = p.phase()
	}
	var s float64
	u := p.target.Data[:len(p.v.Data)]
	for i, v := range p.v.Data {
		d := w*v - u[i]
		s += real(d)*real(d) + imag(d)*imag(d)
	}
	return 0.5 * s
}

func (p *unitaryProblem) jacobian(x, r, jac []float64) {
	p.ev.UnitaryAndGrad(x, p.v, p.grads)
	nn := len(p.v.Data)
	m := 2 * nn
	if !p.phaseInvariant {
		p.fillResiduals(r, 1)
		for k, g := range p.grads {
			col := jac[k*m : k*m+m]
			for i, v := range g.Data[:nn] {
				col[i] = real(v)
				col[nn+i] = imag(v)
			}
		}
		return
	}
	w, t := p.phase()
	p.fillResiduals(r, w)
	tAbs := cmplx.Abs(t)
	for k, g := range p.grads {
		col := jac[k*m : k*m+m]
		var dphi float64
		if tAbs > 1e-300 {
			dphi = imag(linalg.TraceAdjMul(p.target, g) / t)
		}
		// ∂r = w·(∂V − i·dphi·V)
		c := complex(0, -dphi)
		vd := p.v.Data[:nn]
		for i, gv := range g.Data[:nn] {
			d := w * (gv + c*vd[i])
			col[i] = real(d)
			col[nn+i] = imag(d)
		}
	}
}

// successCost is c = 1 − |Tr(U†V)|/N for the V last evaluated.
func (p *unitaryProblem) successCost() float64 {
	return 1 - cmplx.Abs(linalg.TraceAdjMul(p.target, p.v))/float64(p.v.Rows)
}
