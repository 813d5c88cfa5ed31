package linalg

import (
	"errors"
	"fmt"
	"math"
	"math/cmplx"
	"slices"
	"testing"
)

func TestSVD(t *testing.T) {
	rng := newRNG(21)
	var w SVD // reused across shapes on purpose
	for _, s := range [][2]int{{1, 1}, {2, 2}, {4, 4}, {3, 5}, {5, 3}, {8, 8}, {1, 6}, {16, 16}, {7, 2}} {
		r, c := s[0], s[1]
		t.Run(fmt.Sprintf("%dx%d", r, c), func(t *testing.T) {
			a := randMatrix(rng, r, c)
			orig := a.Clone()
			if err := w.Factorize(a, true); err != nil {
				t.Fatal(err)
			}
			assertClose(t, "input preserved", a, orig, 0)
			sv := slices.Clone(w.Values())
			if len(sv) != min(r, c) {
				t.Fatalf("%d singular values, want %d", len(sv), min(r, c))
			}
			for i := range sv {
				if sv[i] < 0 || (i > 0 && sv[i] > sv[i-1]) {
					t.Fatalf("singular values not non-negative descending: %v", sv)
				}
			}
			u, vh := w.U(), w.VH()
			if !IsUnitary(u, 1e-12) || !IsUnitary(vh, 1e-12) {
				t.Fatal("U or V† not unitary")
			}
			// Reconstruct A = U Σ V†.
			us := New(r, c)
			for i := 0; i < r; i++ {
				for j := 0; j < min(r, c); j++ {
					us.Set(i, j, u.At(i, j)*complex(sv[j], 0))
				}
			}
			assertClose(t, "U Σ V†", naiveMul(us, vh), a, 1e-12*float64(r+c))

			// Values-only variant agrees.
			if err := w.Factorize(a, false); err != nil {
				t.Fatal(err)
			}
			for i, v := range w.Values() {
				if math.Abs(v-sv[i]) > 1e-12*sv[0] {
					t.Fatalf("values-only σ_%d = %g, full gave %g", i, v, sv[i])
				}
			}
		})
	}
}

func TestSVDKnown(t *testing.T) {
	// diag(3, -2i, 0.5) permuted: singular values 3, 2, 0.5.
	a := Matrix{Rows: 3, Cols: 3, Data: []complex128{0, -2i, 0, 0, 0, 0.5, 3, 0, 0}}
	var w SVD
	if err := w.Factorize(a, false); err != nil {
		t.Fatal(err)
	}
	want := []float64{3, 2, 0.5}
	for i, v := range w.Values() {
		if math.Abs(v-want[i]) > 1e-15 {
			t.Fatalf("σ = %v, want %v", w.Values(), want)
		}
	}
	// A unitary has all singular values 1.
	if err := w.Factorize(HaarRandom(8, newRNG(5)), false); err != nil {
		t.Fatal(err)
	}
	for _, v := range w.Values() {
		if math.Abs(v-1) > 1e-13 {
			t.Fatalf("unitary σ = %v", w.Values())
		}
	}
}

func TestSVDEmpty(t *testing.T) {
	for _, s := range [][2]int{{0, 0}, {0, 3}, {2, 0}} {
		var w SVD
		if err := w.Factorize(New(s[0], s[1]), true); err != nil {
			t.Fatalf("%dx%d: %v", s[0], s[1], err)
		}
		if len(w.Values()) != 0 {
			t.Fatalf("%dx%d: values %v", s[0], s[1], w.Values())
		}
		assertClose(t, "U", w.U(), Identity(s[0]), 0)
		assertClose(t, "V†", w.VH(), Identity(s[1]), 0)
	}
}

func TestSVDNotFinite(t *testing.T) {
	a := Identity(3)
	a.Set(1, 2, complex(math.Inf(1), 0))
	var w SVD
	err := w.Factorize(a, true)
	if !errors.Is(err, ErrNotFinite) {
		t.Fatalf("err = %v, want ErrNotFinite", err)
	}
	if want := "(1, 2)"; !containsStr(err.Error(), want) {
		t.Fatalf("error %q does not name entry %s", err, want)
	}
}

func containsStr(s, sub string) bool {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return true
		}
	}
	return false
}

func TestSVDNoAlloc(t *testing.T) {
	a := randMatrix(newRNG(22), 8, 8)
	var w SVD
	for _, full := range []bool{true, false} {
		if err := w.Factorize(a, full); err != nil {
			t.Fatal(err)
		}
	}
	// Once both variants have been seen, alternating between them is free.
	full := false
	if n := testing.AllocsPerRun(10, func() { full = !full; _ = w.Factorize(a, full) }); n != 0 {
		t.Errorf("alternating Factorize: %v allocations per call", n)
	}
	// And the results after alternating are right.
	if err := w.Factorize(a, true); err != nil {
		t.Fatal(err)
	}
	sv := w.Values()
	us := New(8, 8)
	for i := 0; i < 8; i++ {
		for j := 0; j < 8; j++ {
			us.Set(i, j, w.U().At(i, j)*complex(sv[j], 0))
		}
	}
	assertClose(t, "U Σ V† after alternating", naiveMul(us, w.VH()), a, 1e-12)
}

func TestSVDMisuse(t *testing.T) {
	bad := Identity(2)
	bad.Data[0] = complex(math.NaN(), 0)
	cases := []struct {
		name string
		f    func(w *SVD)
	}{
		{"Values before Factorize", func(w *SVD) { w.Values() }},
		{"Values after failure", func(w *SVD) { _ = w.Factorize(Identity(2), true); _ = w.Factorize(bad, true); w.Values() }},
		{"U after failure", func(w *SVD) { _ = w.Factorize(Identity(2), true); _ = w.Factorize(bad, true); w.U() }},
		{"VH after values only", func(w *SVD) { _ = w.Factorize(Identity(2), false); w.VH() }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Fatal("no panic")
				}
			}()
			var w SVD
			c.f(&w)
		})
	}
}

// normalSolve solves (AᴴA) x = Aᴴ b by Gaussian elimination with partial
// pivoting: the reference for an overdetermined full-rank least squares.
func normalSolve(a, b Matrix) Matrix {
	ah := naiveAdjoint(a)
	g := naiveMul(ah, a)
	rhs := naiveMul(ah, b)
	n := g.Rows
	for col := 0; col < n; col++ {
		p := col
		for r := col + 1; r < n; r++ {
			if cmplx.Abs(g.At(r, col)) > cmplx.Abs(g.At(p, col)) {
				p = r
			}
		}
		for j := 0; j < n; j++ {
			x, y := g.At(col, j), g.At(p, j)
			g.Set(col, j, y)
			g.Set(p, j, x)
		}
		for j := 0; j < rhs.Cols; j++ {
			x, y := rhs.At(col, j), rhs.At(p, j)
			rhs.Set(col, j, y)
			rhs.Set(p, j, x)
		}
		for r := col + 1; r < n; r++ {
			f := g.At(r, col) / g.At(col, col)
			for j := col; j < n; j++ {
				g.Set(r, j, g.At(r, j)-f*g.At(col, j))
			}
			for j := 0; j < rhs.Cols; j++ {
				rhs.Set(r, j, rhs.At(r, j)-f*rhs.At(col, j))
			}
		}
	}
	x := New(n, rhs.Cols)
	for j := 0; j < rhs.Cols; j++ {
		for r := n - 1; r >= 0; r-- {
			s := rhs.At(r, j)
			for c := r + 1; c < n; c++ {
				s -= g.At(r, c) * x.At(c, j)
			}
			x.Set(r, j, s/g.At(r, r))
		}
	}
	return x
}

func TestLeastSquares(t *testing.T) {
	rng := newRNG(23)
	var w LeastSquaresWork
	for _, s := range [][3]int{{1, 1, 1}, {4, 4, 1}, {10, 3, 1}, {12, 5, 3}, {40, 8, 2}} {
		m, n, r := s[0], s[1], s[2]
		a, b := randMatrix(rng, m, n), randMatrix(rng, m, r)
		ac, bc := a.Clone(), b.Clone()
		x := New(n, r)
		if err := LeastSquares(x, a, b, &w); err != nil {
			t.Fatal(err)
		}
		assertClose(t, "a preserved", a, ac, 0)
		assertClose(t, "b preserved", b, bc, 0)
		assertClose(t, fmt.Sprintf("%dx%d normal equations", m, n), x, normalSolve(a, b), 1e-10)
		x2 := New(n, r)
		if err := LeastSquares(x2, a, b, nil); err != nil {
			t.Fatal(err)
		}
		assertClose(t, "nil workspace", x2, x, 0)
	}
	// Underdetermined: minimum-norm solution x = Aᴴ(AAᴴ)⁻¹b solves Ax = b
	// exactly and lies in the row space of A.
	a, b := randMatrix(rng, 3, 6), randMatrix(rng, 3, 1)
	x := New(6, 1)
	if err := LeastSquares(x, a, b, &w); err != nil {
		t.Fatal(err)
	}
	assertClose(t, "underdetermined Ax=b", naiveMul(a, x), b, 1e-12)
	y := normalSolve(naiveAdjoint(a), x) // x = Aᴴ y must be consistent
	assertClose(t, "row space", naiveMul(naiveAdjoint(a), y), x, 1e-10)
}

func TestLeastSquaresErrors(t *testing.T) {
	a := New(4, 2) // second column zero: rank 1
	for i := 0; i < 4; i++ {
		a.Set(i, 0, complex(float64(i+1), 0))
	}
	x := New(2, 1)
	if err := LeastSquares(x, a, New(4, 1), nil); !errors.Is(err, ErrRankDeficient) {
		t.Fatalf("rank-deficient: err = %v", err)
	}
	b := New(4, 1)
	b.Data[3] = complex(math.NaN(), 0)
	x4 := New(4, 1)
	if err := LeastSquares(x4, Identity(4), b, nil); !errors.Is(err, ErrNotFinite) {
		t.Fatalf("NaN right-hand side: err = %v, want ErrNotFinite", err)
	}
}

func TestLeastSquaresReal(t *testing.T) {
	rng := newRNG(24)
	var w LeastSquaresRealWork
	for _, s := range [][2]int{{1, 1}, {5, 5}, {20, 4}, {150, 30}, {30, 30}} {
		m, n := s[0], s[1]
		a := make([]float64, m*n)
		b := make([]float64, m)
		for i := range a {
			a[i] = rng.NormFloat64()
		}
		for i := range b {
			b[i] = rng.NormFloat64()
		}
		x := make([]float64, n)
		if err := LeastSquaresReal(x, a, m, n, b, &w); err != nil {
			t.Fatal(err)
		}
		// The column-major entry point gives the same answer.
		acm := make([]float64, m*n)
		for i := 0; i < m; i++ {
			for j := 0; j < n; j++ {
				acm[i+j*m] = a[i*n+j]
			}
		}
		xc := make([]float64, n)
		if err := LeastSquaresRealColMajor(xc, acm, m, n, b, &w); err != nil {
			t.Fatal(err)
		}
		for i := range x {
			if math.Abs(xc[i]-x[i]) > 1e-12*(1+math.Abs(x[i])) {
				t.Fatalf("%dx%d column-major: x[%d] = %g, row-major %g", m, n, i, xc[i], x[i])
			}
		}
		// Reference through the complex normal-equation solver.
		ac, bc := New(m, n), New(m, 1)
		for i, v := range a {
			ac.Data[i] = complex(v, 0)
		}
		for i, v := range b {
			bc.Data[i] = complex(v, 0)
		}
		ref := normalSolve(ac, bc)
		for i := range x {
			if d := math.Abs(x[i] - real(ref.Data[i])); d > 1e-9 {
				t.Fatalf("%dx%d: x[%d] = %g, normal equations give %g", m, n, i, x[i], real(ref.Data[i]))
			}
		}
		// Residual orthogonal to the column space: Aᵀ(Ax − b) = 0.
		res := make([]float64, m)
		for i := 0; i < m; i++ {
			s := -b[i]
			for j := 0; j < n; j++ {
				s += a[i*n+j] * x[j]
			}
			res[i] = s
		}
		for j := 0; j < n; j++ {
			var g float64
			for i := 0; i < m; i++ {
				g += a[i*n+j] * res[i]
			}
			if math.Abs(g) > 1e-10*float64(m) {
				t.Fatalf("%dx%d: (Aᵀr)_%d = %g", m, n, j, g)
			}
		}
	}
}

func TestLeastSquaresRealErrorsAndAllocs(t *testing.T) {
	var w LeastSquaresRealWork
	x := make([]float64, 2)
	zero := []float64{1, 0, 2, 0, 3, 0}
	if err := LeastSquaresReal(x, zero, 3, 2, []float64{1, 2, 3}, &w); !errors.Is(err, ErrRankDeficient) {
		t.Fatalf("zero column: err = %v, want ErrRankDeficient", err)
	}
	err := LeastSquaresReal(x, []float64{1, 0, 0, 0, 1, math.Inf(-1)}, 3, 2, []float64{1, 2, 3}, &w)
	if !errors.Is(err, ErrNotFinite) || !containsStr(err.Error(), "(2, 1)") {
		t.Fatalf("inf entry: err = %v, want ErrNotFinite naming (2, 1)", err)
	}
	err = LeastSquaresRealColMajor(x, []float64{1, 0, 0, 0, 1, math.Inf(-1)}, 3, 2, []float64{1, 2, 3}, &w)
	if !errors.Is(err, ErrNotFinite) || !containsStr(err.Error(), "(2, 1)") {
		t.Fatalf("column-major inf entry: err = %v, want ErrNotFinite naming (2, 1)", err)
	}

	rng := newRNG(25)
	m, n := 150, 30
	big := make([]float64, m*n)
	rhs := make([]float64, m)
	for i := range big {
		big[i] = rng.NormFloat64()
	}
	for i := range rhs {
		rhs[i] = rng.NormFloat64()
	}
	sol := make([]float64, n)
	if err := LeastSquaresReal(sol, big, m, n, rhs, &w); err != nil {
		t.Fatal(err)
	}
	if allocs := testing.AllocsPerRun(10, func() { _ = LeastSquaresReal(sol, big, m, n, rhs, &w) }); allocs != 0 {
		t.Errorf("LeastSquaresReal steady state: %v allocations per call", allocs)
	}
}
