package synthesis

import (
	"fmt"
	"math"
	"math/cmplx"

	"github.com/bqskit-mpi/bqskit-mpi/circuit"
	"github.com/bqskit-mpi/bqskit-mpi/linalg"
)

// U3Params returns (θ, φ, λ) such that U3(θ, φ, λ) equals the 2x2 unitary
// u up to a global phase: S = det(u)^{−1/2}·u, θ = 2·atan2(|S10|, |S00|),
// φ = arg S11 + arg S10, λ = arg S11 − arg S10 (u is row-major).
func U3Params(u [4]complex128) (theta, phi, lam float64) {
	det := u[0]*u[3] - u[1]*u[2]
	s := 1 / cmplx.Sqrt(det)
	s00, s10, s11 := u[0]*s, u[2]*s, u[3]*s
	theta = 2 * math.Atan2(cmplx.Abs(s10), cmplx.Abs(s00))
	a11, a10 := cmplx.Phase(s11), cmplx.Phase(s10)
	return theta, a11 + a10, a11 - a10
}

// ToCXU3 returns c rewritten over {cx, u3}: every maximal run of
// single-qubit gates on a qubit becomes one u3 (product, then U3Params),
// two-qubit gates must be cx and are kept. The result equals c up to a
// global phase. It fails (ErrInvalid) on any other multi-qubit gate or a
// directive.
func ToCXU3(c *circuit.Circuit) (*circuit.Circuit, error) {
	return ToU3With(c, circuit.CX)
}

// ToU3With is ToCXU3 for circuits whose two-qubit gates are g (kept with
// their parameters).
func ToU3With(c *circuit.Circuit, two circuit.Gate) (*circuit.Circuit, error) {
	n := c.NumQubits()
	out := circuit.New(n)
	pending := make([][4]complex128, n)
	has := make([]bool, n)
	g := linalg.New(2, 2)
	flush := func(q int) {
		if !has[q] {
			return
		}
		th, ph, la := U3Params(pending[q])
		out.Append(circuit.Op{Gate: circuit.U3, Qubits: []int{q}, Params: []float64{th, ph, la}})
		has[q] = false
	}
	for i, op := range c.Ops() {
		switch {
		case circuit.IsDirective(op.Gate):
			return nil, fmt.Errorf("%w: op %d (%s) is a directive", ErrInvalid, i, op.Gate.Name())
		case op.Gate.NumQubits() == 1:
			q := op.Qubits[0]
			op.Gate.Unitary(op.Params, g)
			m := [4]complex128{g.Data[0], g.Data[1], g.Data[2], g.Data[3]}
			if has[q] {
				p := pending[q]
				// m·p: the new gate acts after the pending ones.
				m = [4]complex128{
					m[0]*p[0] + m[1]*p[2], m[0]*p[1] + m[1]*p[3],
					m[2]*p[0] + m[3]*p[2], m[2]*p[1] + m[3]*p[3],
				}
			}
			pending[q], has[q] = m, true
		case op.Gate == two:
			flush(op.Qubits[0])
			flush(op.Qubits[1])
			out.Append(op.Clone())
		default:
			return nil, fmt.Errorf("%w: op %d (%s) is neither single-qubit nor %s", ErrInvalid, i, op.Gate.Name(), two.Name())
		}
	}
	for q := 0; q < n; q++ {
		flush(q)
	}
	return out, nil
}
