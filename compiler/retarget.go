package compiler

import (
	"fmt"
	"math"
	"math/cmplx"

	"github.com/bqskit-mpi/bqskit-mpi/circuit"
	"github.com/bqskit-mpi/bqskit-mpi/linalg"
)

// emptyLike returns an empty circuit with c's width and registers.
func emptyLike(c *circuit.Circuit) *circuit.Circuit {
	out := circuit.New(c.NumQubits())
	if c.NumQubits() > 0 {
		out.SetQRegs(c.QRegs())
	}
	for _, r := range c.CRegs() {
		out.AddCReg(r.Name, r.Size)
	}
	return out
}

// Retarget rewrites c over the gate set {CX, U3}: every single-qubit gate
// becomes one U3 by the closed form (id and u0 are dropped), cx and u3 are
// kept, and every other gate is replaced by a textbook decomposition
// (controlled single-qubit gates by the A·X·B·X·C construction, multiply
// controlled ones by Barenco et al.'s recursion, ccx by its 6-CNOT circuit,
// the Ising and excitation-preserving families through rzz). Measure, reset
// and barrier ops stay in place. The result equals c up to a global phase.
func Retarget(c *circuit.Circuit) (*circuit.Circuit, error) { return retarget(c, 0) }

// retarget is Retarget keeping ops on 3 to keep qubits unchanged (the
// retarget pass's keep_multi_qubit): they stay whole until a partition
// block around them is resynthesized (synthesize_unsupported), as
// BQSKit's multi-qudit retargeting does.
func retarget(c *circuit.Circuit, keep int) (*circuit.Circuit, error) {
	b := &builder{out: emptyLike(c)}
	for i, op := range c.Ops() {
		if k := len(op.Qubits); k >= 3 && k <= keep && !isDirective(op.Gate) {
			b.out.Append(op.Clone())
			continue
		}
		if err := b.op(op); err != nil {
			return nil, fmt.Errorf("op %d: %w", i, err)
		}
	}
	return b.out, nil
}

// native reports whether every op of c is cx, u3 or a directive.
func native(c *circuit.Circuit) bool {
	for _, op := range c.Ops() {
		if !nativeOp(op) {
			return false
		}
	}
	return true
}

func nativeOp(op circuit.Op) bool {
	return op.Gate == circuit.CX || op.Gate == circuit.U3 || isDirective(op.Gate)
}

// builder appends {CX, U3} ops to out.
type builder struct{ out *circuit.Circuit }

func (b *builder) one(q int, m mat2) { b.out.Append(u3Op(q, m)) }
func (b *builder) cx(c, t int) {
	b.out.Append(circuit.Op{Gate: circuit.CX, Qubits: []int{c, t}})
}

func rzMat(t float64) mat2 { return mat2{cmplx.Rect(1, -t/2), 0, 0, cmplx.Rect(1, t/2)} }
func ryMat(t float64) mat2 {
	s, c := math.Sincos(t / 2)
	return mat2{complex(c, 0), complex(-s, 0), complex(s, 0), complex(c, 0)}
}
func rxMat(t float64) mat2 {
	s, c := math.Sincos(t / 2)
	return mat2{complex(c, 0), complex(0, -s), complex(0, -s), complex(c, 0)}
}
func phaseMat(t float64) mat2 { return mat2{1, 0, 0, cmplx.Rect(1, t)} }

var (
	hMat2   = mat2{complex(1/math.Sqrt2, 0), complex(1/math.Sqrt2, 0), complex(1/math.Sqrt2, 0), complex(-1/math.Sqrt2, 0)}
	xMat2   = mat2{0, 1, 1, 0}
	sMat2   = mat2{1, 0, 0, 1i}
	sdgMat2 = mat2{1, 0, 0, -1i}
	tMat2   = phaseMat(math.Pi / 4)
	tdgMat2 = phaseMat(-math.Pi / 4)
)

func adj2(m mat2) mat2 {
	return mat2{cmplx.Conj(m[0]), cmplx.Conj(m[2]), cmplx.Conj(m[1]), cmplx.Conj(m[3])}
}

// sqrt2x2 returns a square root of the unitary u (V·V = u).
func sqrt2x2(u mat2) mat2 {
	det := u[0]*u[3] - u[1]*u[2]
	s := cmplx.Sqrt(det)
	tr := u[0] + u[3]
	if cmplx.Abs(tr+2*s) < cmplx.Abs(tr-2*s) {
		s = -s
	}
	t := cmplx.Sqrt(tr + 2*s)
	return mat2{(u[0] + s) / t, u[1] / t, u[2] / t, (u[3] + s) / t}
}

// cu appends controlled-u (control c, target t) as C, CX, B, CX, A and a
// phase on the control, where u = e^{iα}·Rz(β)·Ry(γ)·Rz(δ), A = Rz(β)Ry(γ/2),
// B = Ry(−γ/2)Rz(−(δ+β)/2), C = Rz((δ−β)/2) (Nielsen & Chuang §4.3).
func (b *builder) cu(c, t int, u mat2) {
	gamma, beta, delta := U3Params(u)
	// u = e^{iα}·U3(γ, β, δ), U3(γ, β, δ) = e^{i(β+δ)/2}·Rz(β)Ry(γ)Rz(δ).
	m := linalg.New(2, 2)
	circuit.U3.Unitary([]float64{gamma, beta, delta}, m)
	k := 0
	for i := 1; i < 4; i++ {
		if cmplx.Abs(m.Data[i]) > cmplx.Abs(m.Data[k]) {
			k = i
		}
	}
	alpha := cmplx.Phase(u[k]/m.Data[k]) + (beta+delta)/2
	b.one(t, rzMat((delta-beta)/2))
	b.cx(c, t)
	b.one(t, mul2(ryMat(-gamma/2), rzMat(-(delta+beta)/2)))
	b.cx(c, t)
	b.one(t, mul2(rzMat(beta), ryMat(gamma/2)))
	if math.Abs(math.Remainder(alpha, 2*math.Pi)) > 1e-15 {
		b.one(c, phaseMat(alpha))
	}
}

// ccx appends the 6-CNOT Toffoli (controls a, c1; target t).
func (b *builder) ccx(a, c1, t int) {
	b.one(t, hMat2)
	b.cx(c1, t)
	b.one(t, tdgMat2)
	b.cx(a, t)
	b.one(t, tMat2)
	b.cx(c1, t)
	b.one(t, tdgMat2)
	b.cx(a, t)
	b.one(c1, tMat2)
	b.one(t, mul2(hMat2, tMat2))
	b.cx(a, c1)
	b.one(a, tMat2)
	b.one(c1, tdgMat2)
	b.cx(a, c1)
}

// mcu appends u controlled by every qubit of ctrls (all |1>) on target t.
func (b *builder) mcu(ctrls []int, t int, u mat2) {
	switch len(ctrls) {
	case 0:
		b.one(t, u)
		return
	case 1:
		b.cu(ctrls[0], t, u)
		return
	}
	if len(ctrls) == 2 && u == xMat2 {
		b.ccx(ctrls[0], ctrls[1], t)
		return
	}
	// Barenco et al. Lemma 7.5 with V² = u.
	v := sqrt2x2(u)
	last, rest := ctrls[len(ctrls)-1], ctrls[:len(ctrls)-1]
	b.cu(last, t, v)
	b.mcu(rest, last, xMat2)
	b.cu(last, t, adj2(v))
	b.mcu(rest, last, xMat2)
	b.mcu(rest, t, v)
}

// rzz appends exp(−iθ/2·Z⊗Z).
func (b *builder) rzz(a, c int, theta float64) {
	b.cx(a, c)
	b.one(c, rzMat(theta))
	b.cx(a, c)
}

// rxx appends exp(−iθ/2·X⊗X).
func (b *builder) rxx(a, c int, theta float64) {
	b.one(a, hMat2)
	b.one(c, hMat2)
	b.rzz(a, c, theta)
	b.one(a, hMat2)
	b.one(c, hMat2)
}

// ryy appends exp(−iθ/2·Y⊗Y).
func (b *builder) ryy(a, c int, theta float64) {
	b.one(a, rxMat(math.Pi/2))
	b.one(c, rxMat(math.Pi/2))
	b.rzz(a, c, theta)
	b.one(a, rxMat(-math.Pi/2))
	b.one(c, rxMat(-math.Pi/2))
}

// rzx appends exp(−iθ/2·Z⊗X).
func (b *builder) rzx(a, c int, theta float64) {
	b.one(c, hMat2)
	b.rzz(a, c, theta)
	b.one(c, hMat2)
}

// controlledBlock reports whether the gate's unitary u (on k qubits) is the
// identity except for its last 2x2 block, and returns that block.
func controlledBlock(u linalg.Matrix) (mat2, bool) {
	d := u.Rows
	for i := 0; i < d; i++ {
		for j := 0; j < d; j++ {
			if i >= d-2 && j >= d-2 {
				continue
			}
			want := complex128(0)
			if i == j {
				want = 1
			}
			if cmplx.Abs(u.At(i, j)-want) > 1e-14 {
				return mat2{}, false
			}
		}
	}
	return mat2{u.At(d-2, d-2), u.At(d-2, d-1), u.At(d-1, d-2), u.At(d-1, d-1)}, true
}

// op appends the {CX, U3} form of one op.
func (b *builder) op(op circuit.Op) error {
	g := op.Gate
	q := op.Qubits
	if isDirective(g) {
		b.out.Append(op.Clone())
		return nil
	}
	name := g.Name()
	switch {
	case name == "cx" || name == "CX":
		b.cx(q[0], q[1])
		return nil
	case name == "u3":
		b.out.Append(circuit.Op{Gate: circuit.U3, Qubits: []int{q[0]}, Params: append([]float64(nil), op.Params...)})
		return nil
	case name == "id" || name == "u0":
		return nil
	case g.NumQubits() == 1:
		b.one(q[0], gateMat2(op))
		return nil
	}
	p := op.Params
	switch name {
	case "cz":
		b.one(q[1], hMat2)
		b.cx(q[0], q[1])
		b.one(q[1], hMat2)
	case "cy":
		b.one(q[1], sdgMat2)
		b.cx(q[0], q[1])
		b.one(q[1], sMat2)
	case "swap":
		b.cx(q[0], q[1])
		b.cx(q[1], q[0])
		b.cx(q[0], q[1])
	case "cswap":
		b.cx(q[2], q[1])
		b.ccx(q[0], q[1], q[2])
		b.cx(q[2], q[1])
	case "rzz":
		b.rzz(q[0], q[1], p[0])
	case "zz":
		b.rzz(q[0], q[1], math.Pi/2)
	case "rxx":
		b.rxx(q[0], q[1], p[0])
	case "xx":
		b.rxx(q[0], q[1], math.Pi/2)
	case "ryy":
		b.ryy(q[0], q[1], p[0])
	case "yy":
		b.ryy(q[0], q[1], math.Pi/2)
	case "iswap":
		// exp(iπ/4·(XX+YY)).
		b.rxx(q[0], q[1], -math.Pi/2)
		b.ryy(q[0], q[1], -math.Pi/2)
	case "sqisw":
		b.rxx(q[0], q[1], -math.Pi/4)
		b.ryy(q[0], q[1], -math.Pi/4)
	case "b":
		b.rxx(q[0], q[1], -math.Pi/2)
		b.ryy(q[0], q[1], -math.Pi/4)
	case "fsim", "syc":
		theta, phi := math.Pi/2, math.Pi/6
		if name == "fsim" {
			theta, phi = p[0], p[1]
		}
		b.rxx(q[0], q[1], theta)
		b.ryy(q[0], q[1], theta)
		b.cu(q[0], q[1], phaseMat(-phi))
	case "ecr":
		b.rzx(q[0], q[1], math.Pi/4)
		b.one(q[0], xMat2)
		b.rzx(q[0], q[1], -math.Pi/4)
	case "rccx":
		a, c1, t := q[0], q[1], q[2]
		b.one(t, mul2(tMat2, hMat2))
		b.cx(c1, t)
		b.one(t, tdgMat2)
		b.cx(a, t)
		b.one(t, tMat2)
		b.cx(c1, t)
		b.one(t, mul2(hMat2, tdgMat2))
	case "rc3x":
		a, c1, c2, t := q[0], q[1], q[2], q[3]
		b.one(t, mul2(tMat2, hMat2))
		b.cx(c2, t)
		b.one(t, mul2(hMat2, tdgMat2))
		b.cx(a, t)
		b.one(t, tMat2)
		b.cx(c1, t)
		b.one(t, tdgMat2)
		b.cx(a, t)
		b.one(t, tMat2)
		b.cx(c1, t)
		b.one(t, mul2(tMat2, mul2(hMat2, tdgMat2)))
		b.cx(c2, t)
		b.one(t, mul2(hMat2, tdgMat2))
	default:
		k := g.NumQubits()
		u := linalg.New(1<<k, 1<<k)
		g.Unitary(p, u)
		m, ok := controlledBlock(u)
		if !ok {
			return fmt.Errorf("%w: gate %s has no decomposition into cx and u3", ErrUnsupported, name)
		}
		b.mcu(q[:k-1], q[k-1], m)
	}
	return nil
}
