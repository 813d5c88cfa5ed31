package linalg

import (
	"fmt"
	"math"
	"math/cmplx"
	"math/rand/v2"
	"testing"
)

func newRNG(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, 0x9e3779b97f4a7c15)) }

func randMatrix(rng *rand.Rand, r, c int) Matrix {
	m := New(r, c)
	for i := range m.Data {
		m.Data[i] = complex(rng.NormFloat64(), rng.NormFloat64())
	}
	return m
}

func naiveMul(a, b Matrix) Matrix {
	d := New(a.Rows, b.Cols)
	for i := 0; i < a.Rows; i++ {
		for j := 0; j < b.Cols; j++ {
			var s complex128
			for k := 0; k < a.Cols; k++ {
				s += a.At(i, k) * b.At(k, j)
			}
			d.Set(i, j, s)
		}
	}
	return d
}

func naiveAdjoint(a Matrix) Matrix {
	d := New(a.Cols, a.Rows)
	for i := 0; i < a.Rows; i++ {
		for j := 0; j < a.Cols; j++ {
			d.Set(j, i, cmplx.Conj(a.At(i, j)))
		}
	}
	return d
}

func assertClose(t *testing.T, what string, got, want Matrix, tol float64) {
	t.Helper()
	if got.Rows != want.Rows || got.Cols != want.Cols {
		t.Fatalf("%s: shape %dx%d, want %dx%d", what, got.Rows, got.Cols, want.Rows, want.Cols)
	}
	if d := MaxAbsDiff(got, want); !(d <= tol) {
		t.Fatalf("%s: max abs difference %g > %g", what, d, tol)
	}
}

var mulShapes = [][3]int{
	{1, 1, 1}, {2, 2, 2}, {3, 5, 2}, {4, 4, 4}, {2, 8, 1}, {7, 3, 9}, {8, 8, 8},
	{15, 15, 15}, {16, 16, 16}, {17, 5, 33}, {1, 40, 3}, {64, 64, 64}, {0, 3, 2}, {3, 0, 4},
}

func TestMul(t *testing.T) {
	rng := newRNG(1)
	for _, s := range mulShapes {
		m, k, n := s[0], s[1], s[2]
		t.Run(fmt.Sprintf("%dx%dx%d", m, k, n), func(t *testing.T) {
			a, b := randMatrix(rng, m, k), randMatrix(rng, k, n)
			want := naiveMul(a, b)
			tol := 1e-12 * float64(k+1)
			got := randMatrix(rng, m, n) // garbage must be overwritten
			Mul(got, a, b)
			assertClose(t, "Mul", got, want, tol)
			got = randMatrix(rng, m, n)
			mulKernel(got.Data, a.Data, b.Data, m, k, n)
			assertClose(t, "mulKernel", got, want, tol)
			got = randMatrix(rng, m, n)
			zgemm(false, false, m, n, k, a.Data, max(k, 1), b.Data, max(n, 1), got.Data, max(n, 1))
			assertClose(t, "zgemm", got, want, tol)

			// a†·b with a k... shaped as (k x m)† · (k x n)
			at := naiveAdjoint(a) // k x m
			got = randMatrix(rng, m, n)
			MulAdjA(got, at, b)
			assertClose(t, "MulAdjA", got, want, tol)
			bt := naiveAdjoint(b) // n x k
			got = randMatrix(rng, m, n)
			MulAdjB(got, a, bt)
			assertClose(t, "MulAdjB", got, want, tol)
		})
	}
}

func TestMulAdjLarge(t *testing.T) {
	// Above the crossover MulAdjA/MulAdjB go through zgemm with ConjTrans.
	rng := newRNG(2)
	a, b := randMatrix(rng, 20, 33), randMatrix(rng, 20, 18)
	want := naiveMul(naiveAdjoint(a), b)
	got := New(33, 18)
	MulAdjA(got, a, b)
	assertClose(t, "MulAdjA", got, want, 1e-11)
	c := randMatrix(rng, 25, 33)
	want = naiveMul(c, naiveAdjoint(a))
	got = New(25, 20)
	MulAdjB(got, c, a)
	assertClose(t, "MulAdjB", got, want, 1e-11)
}

func TestMulPanicsOnMisuse(t *testing.T) {
	a := New(2, 3)
	cases := map[string]func(){
		"shape":    func() { Mul(New(2, 2), a, New(2, 2)) },
		"alias":    func() { sq := New(3, 3); Mul(sq, sq, Identity(3)) },
		"dstShape": func() { Mul(New(3, 3), a, New(3, 2)) },
	}
	for name, f := range cases {
		t.Run(name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Fatal("no panic")
				}
			}()
			f()
		})
	}
}

func TestMulNoAlloc(t *testing.T) {
	rng := newRNG(3)
	for _, n := range []int{4, 64} {
		a, b, d := randMatrix(rng, n, n), randMatrix(rng, n, n), New(n, n)
		if allocs := testing.AllocsPerRun(20, func() { Mul(d, a, b) }); allocs != 0 {
			t.Errorf("Mul %dx%d: %v allocations per call", n, n, allocs)
		}
	}
}

func TestAdjoint(t *testing.T) {
	rng := newRNG(4)
	for _, s := range [][2]int{{1, 1}, {2, 3}, {5, 1}, {8, 8}} {
		a := randMatrix(rng, s[0], s[1])
		want := naiveAdjoint(a)
		assertClose(t, "Matrix.Adjoint", a.Adjoint(), want, 0)
		d := randMatrix(rng, s[1], s[0])
		Adjoint(d, a)
		assertClose(t, "Adjoint", d, want, 0)
	}
}

func TestKron(t *testing.T) {
	rng := newRNG(5)
	for _, s := range [][4]int{{1, 1, 2, 2}, {2, 2, 2, 2}, {2, 3, 4, 1}, {3, 1, 2, 5}} {
		a, b := randMatrix(rng, s[0], s[1]), randMatrix(rng, s[2], s[3])
		k := Kron(a, b)
		if k.Rows != s[0]*s[2] || k.Cols != s[1]*s[3] {
			t.Fatalf("Kron shape %dx%d", k.Rows, k.Cols)
		}
		for i := 0; i < k.Rows; i++ {
			for j := 0; j < k.Cols; j++ {
				want := a.At(i/b.Rows, j/b.Cols) * b.At(i%b.Rows, j%b.Cols)
				if k.At(i, j) != want {
					t.Fatalf("Kron(%d,%d) = %v, want %v", i, j, k.At(i, j), want)
				}
			}
		}
	}
	// Mixed-product property: (A⊗B)(C⊗D) = AC ⊗ BD.
	a, b, c, d := randMatrix(rng, 2, 2), randMatrix(rng, 4, 4), randMatrix(rng, 2, 2), randMatrix(rng, 4, 4)
	assertClose(t, "mixed product", naiveMul(Kron(a, b), Kron(c, d)), Kron(naiveMul(a, c), naiveMul(b, d)), 1e-12)
}

func TestTraceAndCost(t *testing.T) {
	rng := newRNG(6)
	a, b := randMatrix(rng, 6, 6), randMatrix(rng, 6, 6)
	want := Trace(naiveMul(naiveAdjoint(a), b))
	if got := TraceAdjMul(a, b); cmplx.Abs(got-want) > 1e-12 {
		t.Fatalf("TraceAdjMul = %v, want %v", got, want)
	}
	var tr complex128
	for i := 0; i < 6; i++ {
		tr += a.At(i, i)
	}
	if Trace(a) != tr {
		t.Fatalf("Trace = %v, want %v", Trace(a), tr)
	}
	rect := randMatrix(rng, 3, 5)
	rect2 := randMatrix(rng, 3, 5)
	if got, want := TraceAdjMul(rect, rect2), Trace(naiveMul(naiveAdjoint(rect), rect2)); cmplx.Abs(got-want) > 1e-12 {
		t.Fatalf("TraceAdjMul rectangular = %v, want %v", got, want)
	}

	u := HaarRandom(8, rng)
	v := u.Clone()
	Scale(v, cmplx.Exp(complex(0, 1.234)))
	if c := Cost(u, v); math.Abs(c) > 1e-14 {
		t.Errorf("Cost(u, e^{iφ}u) = %g, want 0", c)
	}
	if d := Distance(u, v); d > 1e-6 {
		t.Errorf("Distance(u, e^{iφ}u) = %g, want ~0", d)
	}
	w := HaarRandom(8, rng)
	f := cmplx.Abs(Trace(naiveMul(naiveAdjoint(u), w))) / 8
	if c := Cost(u, w); math.Abs(c-(1-f)) > 1e-14 {
		t.Errorf("Cost = %g, want %g", c, 1-f)
	}
	if d := Distance(u, w); math.Abs(d-math.Sqrt(1-f*f)) > 1e-14 {
		t.Errorf("Distance = %g, want %g", d, math.Sqrt(1-f*f))
	}
	// Known pair: I vs Z on one qubit has Tr = 0, cost 1, distance 1.
	z := Matrix{Rows: 2, Cols: 2, Data: []complex128{1, 0, 0, -1}}
	if c, d := Cost(Identity(2), z), Distance(Identity(2), z); c != 1 || d != 1 {
		t.Errorf("Cost/Distance(I, Z) = %g, %g, want 1, 1", c, d)
	}
	// I vs S: |Tr| = |1 + i|/2 = 1/√2.
	s := Matrix{Rows: 2, Cols: 2, Data: []complex128{1, 0, 0, 1i}}
	if c, d := Cost(Identity(2), s), Distance(Identity(2), s); math.Abs(c-(1-math.Sqrt2/2)) > 1e-15 || math.Abs(d-math.Sqrt2/2) > 1e-15 {
		t.Errorf("Cost/Distance(I, S) = %g, %g", c, d)
	}
}

func TestIsUnitary(t *testing.T) {
	rng := newRNG(7)
	u := HaarRandom(4, rng)
	bad := u.Clone()
	bad.Data[5] += 1e-6
	nan := u.Clone()
	nan.Data[0] = complex(math.NaN(), 0)
	cases := []struct {
		name string
		m    Matrix
		tol  float64
		want bool
	}{
		{"haar", u, 1e-12, true},
		{"identity", Identity(8), 0, true},
		{"perturbed", bad, 1e-9, false},
		{"perturbed loose", bad, 1e-5, true},
		{"nan", nan, 1, false},
		{"non-square", New(2, 3), 1, false},
		{"scaled", Matrix{Rows: 1, Cols: 1, Data: []complex128{2}}, 1e-9, false},
		{"phase", Matrix{Rows: 1, Cols: 1, Data: []complex128{1i}}, 1e-15, true},
	}
	for _, c := range cases {
		if got := IsUnitary(c.m, c.tol); got != c.want {
			t.Errorf("%s: IsUnitary = %v, want %v", c.name, got, c.want)
		}
	}
}

func TestHaarRandom(t *testing.T) {
	for n := 1; n <= 16; n++ {
		u := HaarRandom(n, newRNG(uint64(n)))
		if !IsUnitary(u, 1e-12) {
			t.Fatalf("HaarRandom(%d) is not unitary", n)
		}
	}
	a, b := HaarRandom(4, newRNG(99)), HaarRandom(4, newRNG(99))
	assertClose(t, "same seed", a, b, 0)
	if c := HaarRandom(4, newRNG(100)); MaxAbsDiff(a, c) < 1e-3 {
		t.Fatal("different seeds gave the same matrix")
	}
	// Haar moments: E[U_ij] = 0 and E[|U_ij|²] = 1/n. Without the phase
	// correction (e.g. Householder QR taken as is) the diagonal mean is
	// biased away from 0; this catches that.
	const n, samples = 4, 4000
	rng := newRNG(2024)
	var diagMean complex128
	var mod2 float64
	for s := 0; s < samples; s++ {
		u := HaarRandom(n, rng)
		diagMean += u.At(0, 0) + u.At(1, 1) + u.At(2, 2) + u.At(3, 3)
		mod2 += real(u.At(1, 2) * cmplx.Conj(u.At(1, 2)))
	}
	diagMean /= 4 * samples
	mod2 /= samples
	if cmplx.Abs(diagMean) > 0.03 {
		t.Errorf("mean diagonal entry %v, want ~0", diagMean)
	}
	if math.Abs(mod2-1.0/n) > 0.02 {
		t.Errorf("E|U_12|² = %g, want %g", mod2, 1.0/n)
	}
}

func TestBLASThreads(t *testing.T) {
	old := BLASThreads()
	if old < 1 {
		if SetBLASThreads(1) {
			t.Fatalf("BLASThreads = %d, but SetBLASThreads found a control", old)
		}
		t.Skip("the linked BLAS has no thread-pool control linalg knows")
	}
	if !SetBLASThreads(1) {
		t.Fatal("SetBLASThreads found no control, but BLASThreads did")
	}
	if got := BLASThreads(); got != 1 {
		t.Fatalf("after SetBLASThreads(1): %d", got)
	}
	SetBLASThreads(old)
	if got := BLASThreads(); got != old {
		t.Fatalf("after restoring %d: %d", old, got)
	}
}
