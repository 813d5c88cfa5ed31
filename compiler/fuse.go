package compiler

import (
	"math"
	"math/cmplx"

	"github.com/bqskit-mpi/bqskit-mpi/circuit"
	"github.com/bqskit-mpi/bqskit-mpi/linalg"
)

// mat2 is a 2x2 complex matrix, row-major.
type mat2 [4]complex128

var ident2 = mat2{1, 0, 0, 1}

// mul2 returns a·b.
func mul2(a, b mat2) mat2 {
	return mat2{
		a[0]*b[0] + a[1]*b[2], a[0]*b[1] + a[1]*b[3],
		a[2]*b[0] + a[3]*b[2], a[2]*b[1] + a[3]*b[3],
	}
}

// gateMat2 evaluates a single-qubit op's unitary.
func gateMat2(op circuit.Op) mat2 {
	m := linalg.New(2, 2)
	op.Gate.Unitary(op.Params, m)
	return mat2(m.Data)
}

// U3Params returns (θ, φ, λ) such that U3(θ, φ, λ) equals u up to a global
// phase, by the closed form of the reference: S = det(u)^(-1/2)·u,
// θ = 2·atan2(|S10|, |S00|), φ = arg S11 + arg S10, λ = arg S11 − arg S10.
func U3Params(u [4]complex128) (theta, phi, lam float64) {
	det := u[0]*u[3] - u[1]*u[2]
	s := 1 / cmplx.Sqrt(det)
	s00, s10, s11 := u[0]*s, u[2]*s, u[3]*s
	theta = 2 * math.Atan2(cmplx.Abs(s10), cmplx.Abs(s00))
	a11, a10 := cmplx.Phase(s11), cmplx.Phase(s10)
	if cmplx.Abs(s10) < 1e-300 {
		a10 = 0
	}
	if cmplx.Abs(s11) < 1e-300 {
		a11 = 0
	}
	return theta, a11 + a10, a11 - a10
}

// u3Op returns the U3 op on qubit q equal to m up to phase.
func u3Op(q int, m mat2) circuit.Op {
	t, p, l := U3Params(m)
	return circuit.Op{Gate: circuit.U3, Qubits: []int{q}, Params: []float64{t, p, l}}
}

// identityTol is the cost 1 − |Tr U|/2 below which a fused single-qubit
// product counts as the identity and is dropped.
const identityTol = 1e-14

func isIdentity2(m mat2) bool {
	return 1-cmplx.Abs(m[0]+m[3])/2 < identityTol
}

// FuseSingleQubit merges every maximal run of single-qubit gates on a qubit
// into one U3 placed just before the next multi-qubit op or directive on
// that qubit (or at the end). Runs whose product is the identity up to phase
// are dropped. The result equals c up to a global phase.
func FuseSingleQubit(c *circuit.Circuit) *circuit.Circuit { return fuse(c, false) }

// FillU3 rewrites c so that every qubit starts with a U3 and every
// multi-qubit gate is followed by a U3 on each of its qubits (the existing
// single-qubit gates fused into them, identities where there were none):
// the parameterized template that scanning gate removal re-instantiates.
func FillU3(c *circuit.Circuit) *circuit.Circuit { return fuse(c, true) }

func fuse(c *circuit.Circuit, fill bool) *circuit.Circuit {
	n := c.NumQubits()
	out := emptyLike(c)
	pend := make([]mat2, n)
	has := make([]bool, n)  // a run of single-qubit gates is pending on q
	need := make([]bool, n) // fill: a U3 must be emitted on q even without gates
	// single[q] is the op when the pending run on q is exactly one U3: it is
	// emitted unchanged, which makes fusion idempotent and exact on it.
	single := make([]*circuit.Op, n)
	for q := range n {
		need[q] = fill
	}
	flush := func(q int) {
		switch {
		case has[q] && single[q] != nil:
			out.Append(single[q].Clone())
		case has[q] && (fill || !isIdentity2(pend[q])):
			out.Append(u3Op(q, pend[q]))
		case !has[q] && need[q]:
			out.Append(u3Op(q, ident2))
		}
		has[q], need[q], single[q] = false, false, nil
	}
	ops := c.Ops()
	for i, op := range ops {
		if len(op.Qubits) == 1 && !isDirective(op.Gate) {
			q := op.Qubits[0]
			g := gateMat2(op)
			if has[q] {
				pend[q] = mul2(g, pend[q])
				single[q] = nil
			} else {
				pend[q], has[q] = g, true
				if op.Gate == circuit.U3 {
					single[q] = &ops[i]
				}
			}
			continue
		}
		for _, q := range op.Qubits {
			flush(q)
		}
		out.Append(op.Clone())
		if fill && !isDirective(op.Gate) {
			for _, q := range op.Qubits {
				need[q] = true
			}
		}
	}
	for q := range n {
		flush(q)
	}
	return out
}
