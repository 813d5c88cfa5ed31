package circuit

import (
	"fmt"
	"math"

	"github.com/bqskit-mpi/bqskit-mpi/linalg"
)

// constGate is a gate with no parameters and a fixed unitary.
type constGate struct {
	name string
	nq   int
	u    []complex128 // 2^nq x 2^nq row-major; never modified after init
}

func (g *constGate) Name() string   { return g.name }
func (g *constGate) NumQubits() int { return g.nq }
func (g *constGate) NumParams() int { return 0 }

func (g *constGate) Unitary(params []float64, dst linalg.Matrix) {
	checkDst(g, dst)
	copy(dst.Data, g.u)
}

func (g *constGate) Grad(params []float64, dst []linalg.Matrix) {}

func (g *constGate) String() string { return g.name }

// baseFunc writes, for k < 0, the base unitary at p, and for k >= 0 its
// derivative with respect to p[k], into the d x d block of dst whose
// top-left element is dst[0] and whose rows are stride apart. The block is
// fully overwritten.
type baseFunc func(p []float64, k int, dst []complex128, stride int)

// paramGate is a parameterized gate: ctrl control qubits (the first ones,
// controlled on |1...1>) over a base unitary on nq-ctrl qubits.
type paramGate struct {
	name string
	nq   int
	np   int
	ctrl int
	base baseFunc
}

func (g *paramGate) Name() string   { return g.name }
func (g *paramGate) NumQubits() int { return g.nq }
func (g *paramGate) NumParams() int { return g.np }
func (g *paramGate) String() string { return g.name }

func (g *paramGate) Unitary(params []float64, dst linalg.Matrix) {
	checkDst(g, dst)
	checkParams(g, params)
	dim := 1 << g.nq
	bd := 1 << (g.nq - g.ctrl)
	off := dim - bd
	if g.ctrl > 0 {
		clear(dst.Data)
		for i := 0; i < off; i++ {
			dst.Data[i*dim+i] = 1
		}
	}
	g.base(params, -1, dst.Data[off*dim+off:], dim)
}

func (g *paramGate) Grad(params []float64, dst []linalg.Matrix) {
	checkParams(g, params)
	if len(dst) != g.np {
		panic(fmt.Sprintf("circuit: %s.Grad got %d matrices, want %d", g.name, len(dst), g.np))
	}
	dim := 1 << g.nq
	bd := 1 << (g.nq - g.ctrl)
	off := dim - bd
	for k := range dst {
		checkDst(g, dst[k])
		if g.ctrl > 0 {
			clear(dst[k].Data)
		}
		g.base(params, k, dst[k].Data[off*dim+off:], dim)
	}
}

func checkDst(g Gate, dst linalg.Matrix) {
	d := 1 << g.NumQubits()
	if dst.Rows != d || dst.Cols != d || len(dst.Data) < d*d {
		panic(fmt.Sprintf("circuit: %s needs a %dx%d matrix, got %dx%d", g.Name(), d, d, dst.Rows, dst.Cols))
	}
}

func checkParams(g Gate, p []float64) {
	if len(p) != g.NumParams() {
		panic(fmt.Sprintf("circuit: %s takes %d params, got %d", g.Name(), g.NumParams(), len(p)))
	}
}

// set2 writes a 2x2 block.
func set2(dst []complex128, stride int, a, b, c, d complex128) {
	dst[0], dst[1] = a, b
	dst[stride], dst[stride+1] = c, d
}

func expi(x float64) complex128 {
	s, c := math.Sincos(x)
	return complex(c, s)
}

// u3base: U3(θ, φ, λ) = [[c, −e^{iλ}s], [e^{iφ}s, e^{i(φ+λ)}c]], c = cos θ/2,
// s = sin θ/2 (p holds θ, φ, λ from index 0). Shared by u3/u/U, u2 (θ = π/2,
// φ, λ) and cu (with a global phase).
func u3block(theta, phi, lam float64, k int, dst []complex128, stride int) {
	s, c := math.Sincos(theta / 2)
	cs, cc := complex(s, 0), complex(c, 0)
	el, ep, epl := expi(lam), expi(phi), expi(phi+lam)
	switch k {
	case -1:
		set2(dst, stride, cc, -el*cs, ep*cs, epl*cc)
	case 0: // d/dθ
		set2(dst, stride, -cs/2, -el*cc/2, ep*cc/2, -epl*cs/2)
	case 1: // d/dφ
		set2(dst, stride, 0, 0, 1i*ep*cs, 1i*epl*cc)
	case 2: // d/dλ
		set2(dst, stride, 0, -1i*el*cs, 0, 1i*epl*cc)
	}
}

func u3base(p []float64, k int, dst []complex128, stride int) {
	u3block(p[0], p[1], p[2], k, dst, stride)
}

func u2base(p []float64, k int, dst []complex128, stride int) {
	if k >= 0 {
		k++ // params are (φ, λ): shift to U3's indices
	}
	u3block(math.Pi/2, p[0], p[1], k, dst, stride)
}

// cubase: e^{iγ}·U3(θ, φ, λ), params (θ, φ, λ, γ) (qelib1's cu target).
func cubase(p []float64, k int, dst []complex128, stride int) {
	g := expi(p[3])
	kk := k
	if k == 3 {
		kk = -1
	}
	u3block(p[0], p[1], p[2], kk, dst, stride)
	f := g
	if k == 3 {
		f = 1i * g
	}
	dst[0] *= f
	dst[1] *= f
	dst[stride] *= f
	dst[stride+1] *= f
}

// u1base: diag(1, e^{iλ}) (u1, p, cu1, cp, ccp).
func u1base(p []float64, k int, dst []complex128, stride int) {
	e := expi(p[0])
	if k < 0 {
		set2(dst, stride, 1, 0, 0, e)
	} else {
		set2(dst, stride, 0, 0, 0, 1i*e)
	}
}

// u0base: the identity with one ignored parameter (qelib1's idle gate u0(γ)).
func u0base(p []float64, k int, dst []complex128, stride int) {
	if k < 0 {
		set2(dst, stride, 1, 0, 0, 1)
	} else {
		set2(dst, stride, 0, 0, 0, 0)
	}
}

func rxbase(p []float64, k int, dst []complex128, stride int) {
	s, c := math.Sincos(p[0] / 2)
	cs, cc := complex(s, 0), complex(c, 0)
	if k < 0 {
		set2(dst, stride, cc, -1i*cs, -1i*cs, cc)
	} else {
		set2(dst, stride, -cs/2, -1i*cc/2, -1i*cc/2, -cs/2)
	}
}

func rybase(p []float64, k int, dst []complex128, stride int) {
	s, c := math.Sincos(p[0] / 2)
	cs, cc := complex(s, 0), complex(c, 0)
	if k < 0 {
		set2(dst, stride, cc, -cs, cs, cc)
	} else {
		set2(dst, stride, -cs/2, -cc/2, cc/2, -cs/2)
	}
}

func rzbase(p []float64, k int, dst []complex128, stride int) {
	m, pl := expi(-p[0]/2), expi(p[0]/2)
	if k < 0 {
		set2(dst, stride, m, 0, 0, pl)
	} else {
		set2(dst, stride, -0.5i*m, 0, 0, 0.5i*pl)
	}
}

// clear4 zeroes a 4x4 block.
func clear4(dst []complex128, stride int) {
	for r := 0; r < 4; r++ {
		clear(dst[r*stride : r*stride+4])
	}
}

// rxxbase: exp(−iθ/2·X⊗X).
func rxxbase(p []float64, k int, dst []complex128, stride int) {
	clear4(dst, stride)
	s, c := math.Sincos(p[0] / 2)
	d, a := complex(c, 0), complex(0, -s)
	if k >= 0 {
		d, a = complex(-s/2, 0), complex(0, -c/2)
	}
	for r := 0; r < 4; r++ {
		dst[r*stride+r] = d
		dst[r*stride+3-r] = a
	}
}

// ryybase: exp(−iθ/2·Y⊗Y).
func ryybase(p []float64, k int, dst []complex128, stride int) {
	clear4(dst, stride)
	s, c := math.Sincos(p[0] / 2)
	d, a := complex(c, 0), complex(0, s)
	if k >= 0 {
		d, a = complex(-s/2, 0), complex(0, c/2)
	}
	for r := 0; r < 4; r++ {
		dst[r*stride+r] = d
	}
	dst[3], dst[stride+2], dst[2*stride+1], dst[3*stride] = a, -a, -a, a
}

// rzzbase: exp(−iθ/2·Z⊗Z) = diag(e^{−iθ/2}, e^{iθ/2}, e^{iθ/2}, e^{−iθ/2}).
func rzzbase(p []float64, k int, dst []complex128, stride int) {
	clear4(dst, stride)
	m, pl := expi(-p[0]/2), expi(p[0]/2)
	if k >= 0 {
		m, pl = -0.5i*m, 0.5i*pl
	}
	dst[0], dst[stride+1], dst[2*stride+2], dst[3*stride+3] = m, pl, pl, m
}

// fsimbase: [[1,0,0,0],[0,cos θ,−i sin θ,0],[0,−i sin θ,cos θ,0],[0,0,0,e^{−iφ}]].
func fsimbase(p []float64, k int, dst []complex128, stride int) {
	clear4(dst, stride)
	s, c := math.Sincos(p[0])
	e := expi(-p[1])
	switch k {
	case -1:
		dst[0] = 1
		dst[stride+1], dst[stride+2] = complex(c, 0), complex(0, -s)
		dst[2*stride+1], dst[2*stride+2] = complex(0, -s), complex(c, 0)
		dst[3*stride+3] = e
	case 0:
		dst[stride+1], dst[stride+2] = complex(-s, 0), complex(0, -c)
		dst[2*stride+1], dst[2*stride+2] = complex(0, -c), complex(-s, 0)
	case 1:
		dst[3*stride+3] = -1i * e
	}
}

// matrix helpers used only while building the constant tables at init.

func mat(d int, vals ...complex128) []complex128 {
	if len(vals) != d*d {
		panic("circuit: bad constant matrix")
	}
	return vals
}

func diag(vals ...complex128) []complex128 {
	d := len(vals)
	m := make([]complex128, d*d)
	for i, v := range vals {
		m[i*d+i] = v
	}
	return m
}

// controlled returns the matrix of base (on b qubits) with nctrl controls
// prepended (acting when all controls are |1>).
func controlled(nctrl int, base []complex128) []complex128 {
	bd := isqrt(len(base))
	dim := bd << nctrl
	m := make([]complex128, dim*dim)
	off := dim - bd
	for i := 0; i < off; i++ {
		m[i*dim+i] = 1
	}
	for r := 0; r < bd; r++ {
		copy(m[(off+r)*dim+off:(off+r)*dim+off+bd], base[r*bd:(r+1)*bd])
	}
	return m
}

func isqrt(n int) int {
	d := 1
	for d*d < n {
		d++
	}
	return d
}

func matmul(a, b []complex128) []complex128 {
	d := isqrt(len(a))
	m := make([]complex128, d*d)
	for i := 0; i < d; i++ {
		for k := 0; k < d; k++ {
			aik := a[i*d+k]
			for j := 0; j < d; j++ {
				m[i*d+j] += aik * b[k*d+j]
			}
		}
	}
	return m
}

func kron2(a, b []complex128) []complex128 {
	da, db := isqrt(len(a)), isqrt(len(b))
	d := da * db
	m := make([]complex128, d*d)
	for i := 0; i < da; i++ {
		for j := 0; j < da; j++ {
			for k := 0; k < db; k++ {
				for l := 0; l < db; l++ {
					m[(i*db+k)*d+j*db+l] = a[i*da+j] * b[k*db+l]
				}
			}
		}
	}
	return m
}

func lincomb(coef []complex128, ms ...[]complex128) []complex128 {
	m := make([]complex128, len(ms[0]))
	for i, x := range ms {
		for j := range x {
			m[j] += coef[i] * x[j]
		}
	}
	return m
}

func paramMatrix(base baseFunc, nq int, p ...float64) []complex128 {
	d := 1 << nq
	m := make([]complex128, d*d)
	base(p, -1, m, d)
	return m
}

func cg(name string, u []complex128) *constGate {
	nq := 0
	for (1<<nq)*(1<<nq) < len(u) {
		nq++
	}
	if (1<<nq)*(1<<nq) != len(u) {
		panic("circuit: constant gate matrix is not 2^k x 2^k")
	}
	return &constGate{name: name, nq: nq, u: u}
}

var (
	r2    = complex(1/math.Sqrt2, 0)
	sxMat = mat(2, complex(0.5, 0.5), complex(0.5, -0.5), complex(0.5, -0.5), complex(0.5, 0.5))
	xMat  = mat(2, 0, 1, 1, 0)
	yMat  = mat(2, 0, -1i, 1i, 0)
	zMat  = mat(2, 1, 0, 0, -1)
	hMat  = mat(2, r2, r2, r2, -r2)
	idMat = diag(1, 1)
)

// Fixed (parameter-free) gates. Matrices follow BQSKit (big-endian: the
// first qubit of an op is the most significant index; controls come first).
var (
	ID    Gate = cg("id", idMat)
	X     Gate = cg("x", xMat)
	Y     Gate = cg("y", yMat)
	Z     Gate = cg("z", zMat)
	H     Gate = cg("h", hMat)
	S     Gate = cg("s", diag(1, 1i))
	Sdg   Gate = cg("sdg", diag(1, -1i))
	T     Gate = cg("t", diag(1, expi(math.Pi/4)))
	Tdg   Gate = cg("tdg", diag(1, expi(-math.Pi/4)))
	SX    Gate = cg("sx", sxMat)                                                                                  // 1/2·[[1+i, 1−i], [1−i, 1+i]]
	SXdg  Gate = cg("sxdg", mat(2, complex(0.5, -0.5), complex(0.5, 0.5), complex(0.5, 0.5), complex(0.5, -0.5))) // SX†
	V     Gate = cg("v", sxMat)                                                                                   // same matrix as sx
	CX    Gate = cg("cx", controlled(1, xMat))
	CY    Gate = cg("cy", controlled(1, yMat))
	CZ    Gate = cg("cz", controlled(1, zMat))
	CH    Gate = cg("ch", controlled(1, hMat))
	CS    Gate = cg("cs", diag(1, 1, 1, 1i))
	CT    Gate = cg("ct", diag(1, 1, 1, expi(math.Pi/4)))
	CSX   Gate = cg("csx", controlled(1, sxMat))
	CV    Gate = cg("cv", controlled(1, sxMat))
	Swap  Gate = cg("swap", mat(4, 1, 0, 0, 0, 0, 0, 1, 0, 0, 1, 0, 0, 0, 0, 0, 1))
	ISwap Gate = cg("iswap", mat(4, 1, 0, 0, 0, 0, 0, 1i, 0, 0, 1i, 0, 0, 0, 0, 0, 1))
	// SqISwap is √iSWAP.
	SqISwap Gate = cg("sqisw", mat(4, 1, 0, 0, 0, 0, r2, 1i*r2, 0, 0, 1i*r2, r2, 0, 0, 0, 0, 1))
	// ECR is the echoed cross-resonance gate in BQSKit's (big-endian) form.
	ECR Gate = cg("ecr", mat(4,
		0, 0, r2, 1i*r2,
		0, 0, 1i*r2, r2,
		r2, -1i*r2, 0, 0,
		-1i*r2, r2, 0, 0))
	// B is the Berkeley gate exp(iπ/4·X⊗X)·exp(iπ/8·Y⊗Y) (BQSKit's BGate).
	B Gate = cg("b", matmul(
		lincomb([]complex128{complex(math.Cos(math.Pi/4), 0), complex(0, math.Sin(math.Pi/4))}, kron2(idMat, idMat), kron2(xMat, xMat)),
		lincomb([]complex128{complex(math.Cos(math.Pi/8), 0), complex(0, math.Sin(math.Pi/8))}, kron2(idMat, idMat), kron2(yMat, yMat))))
	// XX, YY, ZZ are the Ising couplings at π/2: rxx(π/2), ryy(π/2), rzz(π/2).
	XX Gate = cg("xx", paramMatrix(rxxbase, 2, math.Pi/2))
	YY Gate = cg("yy", paramMatrix(ryybase, 2, math.Pi/2))
	ZZ Gate = cg("zz", paramMatrix(rzzbase, 2, math.Pi/2))
	// Syc is Google's Sycamore gate, fsim(π/2, π/6).
	Syc   Gate = cg("syc", paramMatrix(fsimbase, 2, math.Pi/2, math.Pi/6))
	CCX   Gate = cg("ccx", controlled(2, xMat))
	ICCX  Gate = cg("iccx", controlled(2, mat(2, 0, 1i, 1i, 0)))
	CSwap Gate = cg("cswap", controlled(1, mat(4, 1, 0, 0, 0, 0, 0, 1, 0, 0, 1, 0, 0, 0, 0, 0, 1)))
	C3X   Gate = cg("c3x", controlled(3, xMat))
	C4X   Gate = cg("c4x", controlled(4, xMat))
	// C3SqrtX is the triply controlled √X (sx) gate.
	C3SqrtX Gate = cg("c3sqrtx", controlled(3, sxMat))
	// RCCX and RC3X are qelib1.inc's relative-phase Toffoli gates; their
	// matrices are the products of their qelib1.inc definitions.
	RCCX Gate = cg("rccx", rccxMatrix())
	RC3X Gate = cg("rc3x", rc3xMatrix())
)

// Parameterized gates. Parameter order is that of QASM.
var (
	// U3(θ, φ, λ) = [[c, −e^{iλ}s], [e^{iφ}s, e^{i(φ+λ)}c]], c = cos θ/2, s = sin θ/2.
	U3 Gate = &paramGate{name: "u3", nq: 1, np: 3, base: u3base}
	// U is QASM's `u` (and the built-in `U`): the same matrix as U3.
	U Gate = &paramGate{name: "u", nq: 1, np: 3, base: u3base}
	// U2(φ, λ) = U3(π/2, φ, λ).
	U2 Gate = &paramGate{name: "u2", nq: 1, np: 2, base: u2base}
	// U1(λ) = diag(1, e^{iλ}).
	U1 Gate = &paramGate{name: "u1", nq: 1, np: 1, base: u1base}
	// P(λ) = diag(1, e^{iλ}) (qelib1.inc's phase gate; same matrix as u1).
	P Gate = &paramGate{name: "p", nq: 1, np: 1, base: u1base}
	// U0(γ) is qelib1.inc's idle gate: the identity, whatever γ.
	U0 Gate = &paramGate{name: "u0", nq: 1, np: 1, base: u0base}
	// RX(θ) = [[c, −is], [−is, c]], c = cos θ/2, s = sin θ/2.
	RX Gate = &paramGate{name: "rx", nq: 1, np: 1, base: rxbase}
	// RY(θ) = [[c, −s], [s, c]].
	RY Gate = &paramGate{name: "ry", nq: 1, np: 1, base: rybase}
	// RZ(θ) = diag(e^{−iθ/2}, e^{iθ/2}).
	RZ Gate = &paramGate{name: "rz", nq: 1, np: 1, base: rzbase}
	// RXX(θ) = exp(−iθ/2·X⊗X); RYY, RZZ likewise.
	RXX Gate = &paramGate{name: "rxx", nq: 2, np: 1, base: rxxbase}
	RYY Gate = &paramGate{name: "ryy", nq: 2, np: 1, base: ryybase}
	RZZ Gate = &paramGate{name: "rzz", nq: 2, np: 1, base: rzzbase}
	// Controlled rotations: control first, block diag(I, R(θ)).
	CRX Gate = &paramGate{name: "crx", nq: 2, np: 1, ctrl: 1, base: rxbase}
	CRY Gate = &paramGate{name: "cry", nq: 2, np: 1, ctrl: 1, base: rybase}
	CRZ Gate = &paramGate{name: "crz", nq: 2, np: 1, ctrl: 1, base: rzbase}
	// CP(λ) = CU1(λ) = diag(1, 1, 1, e^{iλ}); CCP(λ) = diag(1, ..., 1, e^{iλ}) on 3 qubits.
	CP  Gate = &paramGate{name: "cp", nq: 2, np: 1, ctrl: 1, base: u1base}
	CU1 Gate = &paramGate{name: "cu1", nq: 2, np: 1, ctrl: 1, base: u1base}
	CCP Gate = &paramGate{name: "ccp", nq: 3, np: 1, ctrl: 2, base: u1base}
	// CU2(φ, λ) and CU3(θ, φ, λ) are controlled U2 and U3.
	CU2 Gate = &paramGate{name: "cu2", nq: 2, np: 2, ctrl: 1, base: u2base}
	CU3 Gate = &paramGate{name: "cu3", nq: 2, np: 3, ctrl: 1, base: u3base}
	// CU(θ, φ, λ, γ) is controlled e^{iγ}·U3(θ, φ, λ) (qelib1.inc's cu).
	CU Gate = &paramGate{name: "cu", nq: 2, np: 4, ctrl: 1, base: cubase}
	// FSim(θ, φ) = [[1,0,0,0],[0,cos θ,−i sin θ,0],[0,−i sin θ,cos θ,0],[0,0,0,e^{−iφ}]].
	FSim Gate = &paramGate{name: "fsim", nq: 2, np: 2, base: fsimbase}
)

// seqOp is one step of a qelib1.inc definition used to build a constant matrix.
type seqOp struct {
	g Gate
	q []int
	p []float64
}

// seqMatrix multiplies out a short gate sequence on n qubits (init only).
func seqMatrix(n int, seq []seqOp) []complex128 {
	dim := 1 << n
	u := make([]complex128, dim*dim)
	for i := 0; i < dim; i++ {
		u[i*dim+i] = 1
	}
	for _, s := range seq {
		k := s.g.NumQubits()
		g := linalg.New(1<<k, 1<<k)
		s.g.Unitary(s.p, g)
		full := embed(g.Data, k, s.q, n)
		u = matmul(full, u)
	}
	return u
}

// embed returns the 2^n x 2^n matrix of gate g (on qubits q) ⊗ identity.
func embed(g []complex128, k int, q []int, n int) []complex128 {
	dim := 1 << n
	m := make([]complex128, dim*dim)
	sub := func(x int) int { // gate index of basis state x
		s := 0
		for _, b := range q {
			s = s<<1 | (x>>(n-1-b))&1
		}
		return s
	}
	mask := 0
	for _, b := range q {
		mask |= 1 << (n - 1 - b)
	}
	gd := 1 << k
	for r := 0; r < dim; r++ {
		for c := 0; c < dim; c++ {
			if r&^mask != c&^mask {
				continue
			}
			m[r*dim+c] = g[sub(r)*gd+sub(c)]
		}
	}
	return m
}

func rccxMatrix() []complex128 {
	pi := math.Pi
	a, b, c := 0, 1, 2
	return seqMatrix(3, []seqOp{
		{U2, []int{c}, []float64{0, pi}},
		{U1, []int{c}, []float64{pi / 4}},
		{CX, []int{b, c}, nil},
		{U1, []int{c}, []float64{-pi / 4}},
		{CX, []int{a, c}, nil},
		{U1, []int{c}, []float64{pi / 4}},
		{CX, []int{b, c}, nil},
		{U1, []int{c}, []float64{-pi / 4}},
		{U2, []int{c}, []float64{0, pi}},
	})
}

func rc3xMatrix() []complex128 {
	pi := math.Pi
	a, b, c, d := 0, 1, 2, 3
	h := seqOp{U2, []int{d}, []float64{0, pi}}
	tp := seqOp{U1, []int{d}, []float64{pi / 4}}
	tm := seqOp{U1, []int{d}, []float64{-pi / 4}}
	cx := func(x int) seqOp { return seqOp{CX, []int{x, d}, nil} }
	return seqMatrix(4, []seqOp{
		h, tp, cx(c), tm, h, cx(a), tp, cx(b), tm, cx(a), tp, cx(b), tm, h, tp, cx(c), tm, h,
	})
}

// gateTable maps every QASM name this package knows to its gate. Built-in
// upper-case names (U, CX) map to their lower-case equivalents.
var gateTable = map[string]Gate{
	"u3": U3, "u": U, "U": U, "u2": U2, "u1": U1, "p": P, "u0": U0,
	"rx": RX, "ry": RY, "rz": RZ, "rxx": RXX, "ryy": RYY, "rzz": RZZ,
	"crx": CRX, "cry": CRY, "crz": CRZ, "cp": CP, "ccp": CCP,
	"cu1": CU1, "cu2": CU2, "cu3": CU3, "cu": CU, "fsim": FSim,
	"x": X, "y": Y, "z": Z, "h": H, "s": S, "sdg": Sdg, "t": T, "tdg": Tdg,
	"sx": SX, "sxdg": SXdg, "v": V, "id": ID,
	"cx": CX, "CX": CX, "cy": CY, "cz": CZ, "ch": CH, "cs": CS, "ct": CT,
	"csx": CSX, "cv": CV, "swap": Swap, "iswap": ISwap, "sqisw": SqISwap,
	"ecr": ECR, "b": B, "xx": XX, "yy": YY, "zz": ZZ, "syc": Syc,
	"ccx": CCX, "iccx": ICCX, "cswap": CSwap, "rccx": RCCX, "rc3x": RC3X,
	"c3x": C3X, "c4x": C4X, "c3sqrtx": C3SqrtX,
}

// LookupGate returns the gate for a QASM 2.0 gate name (case-sensitive, as
// QASM: "cx" and the built-in "CX", "u" and the built-in "U"). Directives
// (measure, reset, barrier) are not gates and are not found here.
func LookupGate(name string) (Gate, bool) {
	g, ok := gateTable[name]
	return g, ok
}

// GateNames returns every name LookupGate accepts, in no particular order.
func GateNames() []string {
	names := make([]string, 0, len(gateTable))
	for n := range gateTable {
		names = append(names, n)
	}
	return names
}
