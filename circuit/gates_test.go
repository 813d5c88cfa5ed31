package circuit

import (
	"math"
	"math/cmplx"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/bqskit-mpi/bqskit-mpi/linalg"
)

// qasmList is COMPILER_REFERENCE.md's list of QASM gate names BQSKit reads.
const qasmList = `u1 u2 u3 U u p rx ry rz rxx ryy rzz crx cry crz cp ccp cu1 cu2 cu3 cu fsim x y z
h s sdg t tdg sx sxdg v id u0 cx CX cy cz ch cs ct csx cv swap iswap sqisw ecr b xx yy zz
syc ccx iccx cswap rccx rc3x c3x c4x c3sqrtx`

// wantShape is the (qubits, params) of each gate, written independently of
// the gate table.
var wantShape = map[string][2]int{
	"u1": {1, 1}, "u2": {1, 2}, "u3": {1, 3}, "U": {1, 3}, "u": {1, 3}, "p": {1, 1},
	"rx": {1, 1}, "ry": {1, 1}, "rz": {1, 1}, "rxx": {2, 1}, "ryy": {2, 1}, "rzz": {2, 1},
	"crx": {2, 1}, "cry": {2, 1}, "crz": {2, 1}, "cp": {2, 1}, "ccp": {3, 1},
	"cu1": {2, 1}, "cu2": {2, 2}, "cu3": {2, 3}, "cu": {2, 4}, "fsim": {2, 2},
	"x": {1, 0}, "y": {1, 0}, "z": {1, 0}, "h": {1, 0}, "s": {1, 0}, "sdg": {1, 0},
	"t": {1, 0}, "tdg": {1, 0}, "sx": {1, 0}, "sxdg": {1, 0}, "v": {1, 0}, "id": {1, 0},
	"u0": {1, 1}, "cx": {2, 0}, "CX": {2, 0}, "cy": {2, 0}, "cz": {2, 0}, "ch": {2, 0},
	"cs": {2, 0}, "ct": {2, 0}, "csx": {2, 0}, "cv": {2, 0}, "swap": {2, 0},
	"iswap": {2, 0}, "sqisw": {2, 0}, "ecr": {2, 0}, "b": {2, 0}, "xx": {2, 0},
	"yy": {2, 0}, "zz": {2, 0}, "syc": {2, 0}, "ccx": {3, 0}, "iccx": {3, 0},
	"cswap": {3, 0}, "rccx": {3, 0}, "rc3x": {4, 0}, "c3x": {4, 0}, "c4x": {5, 0},
	"c3sqrtx": {4, 0},
}

func TestGateTableCoversReferenceList(t *testing.T) {
	names := strings.Fields(qasmList)
	if len(names) != len(wantShape) {
		t.Fatalf("test tables disagree: %d names, %d shapes", len(names), len(wantShape))
	}
	for _, name := range names {
		g, ok := LookupGate(name)
		if !ok {
			t.Errorf("LookupGate(%q) not found", name)
			continue
		}
		sh := wantShape[name]
		if g.NumQubits() != sh[0] || g.NumParams() != sh[1] {
			t.Errorf("%s: %d qubits %d params, want %d %d", name, g.NumQubits(), g.NumParams(), sh[0], sh[1])
		}
		if g.Name() != strings.ToLower(name) {
			t.Errorf("%s: Name() = %q, want lower-case QASM name", name, g.Name())
		}
		if IsDirective(g) {
			t.Errorf("%s is a directive", name)
		}
	}
	if len(GateNames()) != len(names) {
		t.Errorf("GateNames has %d names, reference list %d", len(GateNames()), len(names))
	}
	for _, bad := range []string{"measure", "reset", "barrier", "Cx", "foo", ""} {
		if _, ok := LookupGate(bad); ok {
			t.Errorf("LookupGate(%q) found a gate", bad)
		}
	}
}

func gateMatrix(g Gate, p ...float64) linalg.Matrix {
	d := 1 << g.NumQubits()
	m := linalg.New(d, d)
	g.Unitary(p, m)
	return m
}

func randParams(rng *rand.Rand, n int) []float64 {
	p := make([]float64, n)
	for i := range p {
		p[i] = rng.Float64()*4*math.Pi - 2*math.Pi
	}
	return p
}

func TestGatesUnitary(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, name := range GateNames() {
		g, _ := LookupGate(name)
		for trial := 0; trial < 5; trial++ {
			m := gateMatrix(g, randParams(rng, g.NumParams())...)
			if !linalg.IsUnitary(m, 1e-13) {
				t.Errorf("%s is not unitary: %v", name, m.Data)
			}
		}
	}
}

// maxRelErr is max|a−b| / max(max|b|, 1e-300).
func maxRelErr(a, b linalg.Matrix) float64 {
	var num, den float64
	for i := range a.Data {
		num = max(num, cmplx.Abs(a.Data[i]-b.Data[i]))
		den = max(den, cmplx.Abs(b.Data[i]))
	}
	if den == 0 {
		return num
	}
	return num / den
}

func TestGateDerivativesFiniteDifference(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	const h = 1e-5
	for _, name := range GateNames() {
		g, _ := LookupGate(name)
		np := g.NumParams()
		if np == 0 {
			continue
		}
		d := 1 << g.NumQubits()
		for trial := 0; trial < 5; trial++ {
			p := randParams(rng, np)
			grads := make([]linalg.Matrix, np)
			for k := range grads {
				grads[k] = linalg.New(d, d)
				for i := range grads[k].Data { // garbage: Grad must overwrite
					grads[k].Data[i] = complex(7, -3)
				}
			}
			g.Grad(p, grads)
			for k := 0; k < np; k++ {
				pp := append([]float64(nil), p...)
				pm := append([]float64(nil), p...)
				pp[k] += h
				pm[k] -= h
				up, um := gateMatrix(g, pp...), gateMatrix(g, pm...)
				fd := linalg.New(d, d)
				for i := range fd.Data {
					fd.Data[i] = (up.Data[i] - um.Data[i]) / (2 * h)
				}
				if e := maxRelErr(grads[k], fd); e > 1e-6 {
					t.Errorf("%s param %d at %v: relative error %.3g", name, k, p, e)
				}
			}
		}
	}
}

func TestGateUnitaryOverwritesDst(t *testing.T) {
	for _, name := range GateNames() {
		g, _ := LookupGate(name)
		d := 1 << g.NumQubits()
		a := linalg.New(d, d)
		b := linalg.New(d, d)
		for i := range b.Data {
			b.Data[i] = complex(5, 5)
		}
		p := make([]float64, g.NumParams())
		for i := range p {
			p[i] = 0.3 * float64(i+1)
		}
		g.Unitary(p, a)
		g.Unitary(p, b)
		if linalg.MaxAbsDiff(a, b) != 0 {
			t.Errorf("%s.Unitary depends on dst's previous contents", name)
		}
	}
}

func approxEqual(t *testing.T, what string, got, want linalg.Matrix, tol float64) {
	t.Helper()
	if got.Rows != want.Rows || got.Cols != want.Cols {
		t.Fatalf("%s: shape %dx%d, want %dx%d", what, got.Rows, got.Cols, want.Rows, want.Cols)
	}
	if d := linalg.MaxAbsDiff(got, want); d > tol {
		t.Errorf("%s: max difference %.3g\ngot  %v\nwant %v", what, d, got.Data, want.Data)
	}
}

// phaseEqual checks |Tr(A†B)|/N = 1 within tol (equal up to global phase).
func phaseEqual(t *testing.T, what string, got, want linalg.Matrix, tol float64) {
	t.Helper()
	if c := linalg.Cost(got, want); c > tol {
		t.Errorf("%s: not equal up to phase (cost %.3g)", what, c)
	}
}

func m2(vals ...complex128) linalg.Matrix {
	d := 1
	for d*d < len(vals) {
		d++
	}
	return linalg.Matrix{Rows: d, Cols: d, Data: vals}
}

func TestGateMatricesExplicit(t *testing.T) {
	r := 1 / math.Sqrt2
	th, ph, la := 0.7, -1.3, 2.1
	c, s := math.Cos(th/2), math.Sin(th/2)
	cases := []struct {
		name string
		g    Gate
		p    []float64
		want linalg.Matrix
	}{
		{"u3", U3, []float64{th, ph, la}, m2(complex(c, 0), -cmplx.Exp(complex(0, la))*complex(s, 0),
			cmplx.Exp(complex(0, ph))*complex(s, 0), cmplx.Exp(complex(0, ph+la))*complex(c, 0))},
		{"rx", RX, []float64{th}, m2(complex(c, 0), complex(0, -s), complex(0, -s), complex(c, 0))},
		{"ry", RY, []float64{th}, m2(complex(c, 0), complex(-s, 0), complex(s, 0), complex(c, 0))},
		{"rz", RZ, []float64{th}, m2(cmplx.Exp(complex(0, -th/2)), 0, 0, cmplx.Exp(complex(0, th/2)))},
		{"u1", U1, []float64{la}, m2(1, 0, 0, cmplx.Exp(complex(0, la)))},
		{"u2", U2, []float64{ph, la}, m2(complex(r, 0), -cmplx.Exp(complex(0, la))*complex(r, 0),
			cmplx.Exp(complex(0, ph))*complex(r, 0), cmplx.Exp(complex(0, ph+la))*complex(r, 0))},
		{"x", X, nil, m2(0, 1, 1, 0)},
		{"h", H, nil, m2(complex(r, 0), complex(r, 0), complex(r, 0), complex(-r, 0))},
		{"t", T, nil, m2(1, 0, 0, complex(r, r))},
		{"cx", CX, nil, m2(1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1, 0, 0, 1, 0)},
		{"cz", CZ, nil, m2(1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, -1)},
		{"swap", Swap, nil, m2(1, 0, 0, 0, 0, 0, 1, 0, 0, 1, 0, 0, 0, 0, 0, 1)},
		{"iswap", ISwap, nil, m2(1, 0, 0, 0, 0, 0, 1i, 0, 0, 1i, 0, 0, 0, 0, 0, 1)},
		{"crz", CRZ, []float64{th}, m2(1, 0, 0, 0, 0, 1, 0, 0, 0, 0, cmplx.Exp(complex(0, -th/2)), 0, 0, 0, 0, cmplx.Exp(complex(0, th/2)))},
		{"cp", CP, []float64{la}, m2(1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, cmplx.Exp(complex(0, la)))},
		{"rzz", RZZ, []float64{th}, m2(cmplx.Exp(complex(0, -th/2)), 0, 0, 0, 0, cmplx.Exp(complex(0, th/2)), 0, 0,
			0, 0, cmplx.Exp(complex(0, th/2)), 0, 0, 0, 0, cmplx.Exp(complex(0, -th/2)))},
		{"rxx", RXX, []float64{th}, m2(complex(c, 0), 0, 0, complex(0, -s), 0, complex(c, 0), complex(0, -s), 0,
			0, complex(0, -s), complex(c, 0), 0, complex(0, -s), 0, 0, complex(c, 0))},
		{"fsim", FSim, []float64{th, ph}, m2(1, 0, 0, 0, 0, complex(math.Cos(th), 0), complex(0, -math.Sin(th)), 0,
			0, complex(0, -math.Sin(th)), complex(math.Cos(th), 0), 0, 0, 0, 0, cmplx.Exp(complex(0, -ph)))},
		{"syc", Syc, nil, m2(1, 0, 0, 0, 0, 0, -1i, 0, 0, -1i, 0, 0, 0, 0, 0, cmplx.Exp(complex(0, -math.Pi/6)))},
		{"xx", XX, nil, m2(complex(r, 0), 0, 0, complex(0, -r), 0, complex(r, 0), complex(0, -r), 0,
			0, complex(0, -r), complex(r, 0), 0, complex(0, -r), 0, 0, complex(r, 0))},
	}
	for _, tc := range cases {
		approxEqual(t, tc.name, gateMatrix(tc.g, tc.p...), tc.want, 1e-15)
	}
	// Identities between gates.
	approxEqual(t, "sx·sx = x", matMul(gateMatrix(SX), gateMatrix(SX)), gateMatrix(X), 1e-15)
	approxEqual(t, "sxdg = sx†", gateMatrix(SXdg), gateMatrix(SX).Adjoint(), 1e-15)
	approxEqual(t, "h = u2(0,π)", gateMatrix(U2, 0, math.Pi), gateMatrix(H), 1e-15)
	approxEqual(t, "x = u3(π,0,π)", gateMatrix(U3, math.Pi, 0, math.Pi), gateMatrix(X), 1e-15)
	approxEqual(t, "y = u3(π,π/2,π/2)", gateMatrix(U3, math.Pi, math.Pi/2, math.Pi/2), gateMatrix(Y), 1e-15)
	approxEqual(t, "s = p(π/2)", gateMatrix(P, math.Pi/2), gateMatrix(S), 1e-15)
	approxEqual(t, "u0 = id", gateMatrix(U0, 1.234), gateMatrix(ID), 0)
	approxEqual(t, "sqisw² = iswap", matMul(gateMatrix(SqISwap), gateMatrix(SqISwap)), gateMatrix(ISwap), 1e-15)
	approxEqual(t, "cu(θ,φ,λ,0) = cu3", gateMatrix(CU, th, ph, la, 0), gateMatrix(CU3, th, ph, la), 1e-15)
	approxEqual(t, "cu2 = cu3(π/2,…)", gateMatrix(CU2, ph, la), gateMatrix(CU3, math.Pi/2, ph, la), 1e-15)
	approxEqual(t, "cs² = cz", matMul(gateMatrix(CS), gateMatrix(CS)), gateMatrix(CZ), 1e-15)
	approxEqual(t, "ct² = cs", matMul(gateMatrix(CT), gateMatrix(CT)), gateMatrix(CS), 1e-15)
	approxEqual(t, "csx² = cx", matMul(gateMatrix(CSX), gateMatrix(CSX)), gateMatrix(CX), 1e-15)
	approxEqual(t, "ecr² = I", matMul(gateMatrix(ECR), gateMatrix(ECR)), linalg.Identity(4), 1e-15)
	approxEqual(t, "c3sqrtx² = c3x", matMul(gateMatrix(C3SqrtX), gateMatrix(C3SqrtX)), gateMatrix(C3X), 1e-15)
	approxEqual(t, "iccx² = ccz-like", matMul(gateMatrix(ICCX), gateMatrix(ICCX)),
		m2(diag(1, 1, 1, 1, 1, 1, -1, -1)...), 1e-15)
}

func matMul(a, b linalg.Matrix) linalg.Matrix {
	d := linalg.New(a.Rows, b.Cols)
	linalg.Mul(d, a, b)
	return d
}

// seq builds a circuit from a qelib1.inc-style definition.
func seq(n int, ops ...Op) linalg.Matrix {
	c := New(n)
	for _, op := range ops {
		c.Append(op)
	}
	return c.Unitary()
}

func op(g Gate, q []int, p ...float64) Op { return Op{Gate: g, Qubits: q, Params: p} }

// TestGatesMatchQelib1Definitions multiplies out qelib1.inc's definitions
// (with Circuit.Unitary) and compares them with the gates' matrices.
func TestGatesMatchQelib1Definitions(t *testing.T) {
	pi := math.Pi
	th, ph, la, ga := 0.7, -1.3, 2.1, 0.4
	a, b, c := []int{0}, []int{1}, []int{2}
	ab, ac, bc, cb := []int{0, 1}, []int{0, 2}, []int{1, 2}, []int{2, 1}
	ccx := []Op{op(H, c), op(CX, bc), op(Tdg, c), op(CX, ac), op(T, c), op(CX, bc), op(Tdg, c),
		op(CX, ac), op(T, b), op(T, c), op(H, c), op(CX, ab), op(T, a), op(Tdg, b), op(CX, ab)}
	approxEqual(t, "ccx", seq(3, ccx...), gateMatrix(CCX), 1e-14)
	cswap := append(append([]Op{op(CX, cb)}, op(CCX, []int{0, 1, 2})), op(CX, cb))
	approxEqual(t, "cswap", seq(3, cswap...), gateMatrix(CSwap), 1e-14)
	approxEqual(t, "cu3", seq(2, op(U1, a, (la+ph)/2), op(U1, b, (la-ph)/2), op(CX, ab),
		op(U3, b, -th/2, 0, -(ph+la)/2), op(CX, ab), op(U3, b, th/2, ph, 0)), gateMatrix(CU3, th, ph, la), 1e-14)
	approxEqual(t, "cu", seq(2, op(P, a, ga), op(P, a, (la+ph)/2), op(P, b, (la-ph)/2), op(CX, ab),
		op(U, b, -th/2, 0, -(ph+la)/2), op(CX, ab), op(U, b, th/2, ph, 0)), gateMatrix(CU, th, ph, la, ga), 1e-14)
	approxEqual(t, "crz", seq(2, op(U1, b, la/2), op(CX, ab), op(U1, b, -la/2), op(CX, ab)), gateMatrix(CRZ, la), 1e-14)
	approxEqual(t, "cry", seq(2, op(RY, b, la/2), op(CX, ab), op(RY, b, -la/2), op(CX, ab)), gateMatrix(CRY, la), 1e-14)
	approxEqual(t, "crx", seq(2, op(U1, b, pi/2), op(CX, ab), op(U3, b, -la/2, 0, 0), op(CX, ab),
		op(U3, b, la/2, -pi/2, 0)), gateMatrix(CRX, la), 1e-14)
	approxEqual(t, "cp", seq(2, op(P, a, la/2), op(CX, ab), op(P, b, -la/2), op(CX, ab), op(P, b, la/2)), gateMatrix(CP, la), 1e-14)
	approxEqual(t, "cu1", seq(2, op(U1, a, la/2), op(CX, ab), op(U1, b, -la/2), op(CX, ab), op(U1, b, la/2)), gateMatrix(CU1, la), 1e-14)
	approxEqual(t, "ch", seq(2, op(S, b), op(H, b), op(T, b), op(CX, ab), op(Tdg, b), op(H, b), op(Sdg, b)), gateMatrix(CH), 1e-14)
	approxEqual(t, "cy", seq(2, op(Sdg, b), op(CX, ab), op(S, b)), gateMatrix(CY), 1e-14)
	approxEqual(t, "csx", seq(2, op(H, b), op(CU1, ab, pi/2), op(H, b)), gateMatrix(CSX), 1e-14)
	phaseEqual(t, "rzz", seq(2, op(CX, ab), op(U1, b, th), op(CX, ab)), gateMatrix(RZZ, th), 1e-14)
	phaseEqual(t, "rxx", seq(2, op(U3, a, pi/2, th, 0), op(H, b), op(CX, ab), op(U1, b, -th), op(CX, ab),
		op(H, b), op(U2, a, -pi, pi-th)), gateMatrix(RXX, th), 1e-14)
	phaseEqual(t, "sx", seq(1, op(Sdg, a), op(H, a), op(Sdg, a)), gateMatrix(SX), 1e-14)
	approxEqual(t, "ccp", seq(3, op(CP, bc, la/2), op(CX, ab), op(CP, bc, -la/2), op(CX, ab), op(CP, ac, la/2)),
		gateMatrix(CCP, la), 1e-14)
	// c3sqrtx, qelib1.inc definition.
	d := []int{3}
	cu1 := func(x int, l float64) Op { return op(CU1, []int{x, 3}, l) }
	c3 := []Op{op(H, d), cu1(0, pi/8), op(H, d), op(CX, ab), op(H, d), cu1(1, -pi/8), op(H, d), op(CX, ab),
		op(H, d), cu1(1, pi/8), op(H, d), op(CX, bc), op(H, d), cu1(2, -pi/8), op(H, d), op(CX, ac),
		op(H, d), cu1(2, pi/8), op(H, d), op(CX, bc), op(H, d), cu1(2, -pi/8), op(H, d), op(CX, ac),
		op(H, d), cu1(2, pi/8), op(H, d)}
	approxEqual(t, "c3sqrtx", seq(4, c3...), gateMatrix(C3SqrtX), 1e-14)
	// rccx / rc3x: Toffoli up to relative phases (magnitudes equal).
	for _, tc := range []struct {
		g, ref Gate
	}{{RCCX, CCX}, {RC3X, C3X}} {
		u, ref := gateMatrix(tc.g), gateMatrix(tc.ref)
		for i := range u.Data {
			if math.Abs(cmplx.Abs(u.Data[i])-cmplx.Abs(ref.Data[i])) > 1e-14 {
				t.Errorf("%s: |entry %d| = %g, want %g", tc.g.Name(), i, cmplx.Abs(u.Data[i]), cmplx.Abs(ref.Data[i]))
				break
			}
		}
	}
}

func TestU3Params(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	us := []linalg.Matrix{gateMatrix(ID), gateMatrix(X), gateMatrix(Y), gateMatrix(Z), gateMatrix(H),
		gateMatrix(S), gateMatrix(SX), gateMatrix(RZ, 0.3), gateMatrix(RX, math.Pi)}
	for i := 0; i < 50; i++ {
		us = append(us, linalg.HaarRandom(2, rng))
	}
	for i, u := range us {
		th, ph, la := U3Params(u)
		if c := linalg.Cost(gateMatrix(U3, th, ph, la), u); c > 1e-14 {
			t.Errorf("case %d: U3(%g, %g, %g) differs from u (cost %g)", i, th, ph, la, c)
		}
	}
}
