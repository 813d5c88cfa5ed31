package linalg

import (
	"errors"
	"fmt"
	"math"
	"testing"
)

func randReal(n int, seed uint64) []float64 {
	rng := newRNG(seed)
	v := make([]float64, n)
	for i := range v {
		v[i] = rng.NormFloat64()
	}
	return v
}

func TestNormalEquationsReal(t *testing.T) {
	for _, s := range [][2]int{{1, 1}, {6, 3}, {150, 30}, {40, 40}} {
		m, n := s[0], s[1]
		t.Run(fmt.Sprintf("%dx%d", m, n), func(t *testing.T) {
			a, b := randReal(m*n, uint64(m)), randReal(m, uint64(n))
			g, atb := randReal(n*n, 1), randReal(n, 2) // garbage to overwrite
			NormalEquationsReal(g, atb, a, m, n, b)
			for i := 0; i < n; i++ {
				var want float64
				for r := 0; r < m; r++ {
					want += a[r*n+i] * b[r]
				}
				if math.Abs(atb[i]-want) > 1e-12*float64(m) {
					t.Fatalf("Aᵀb[%d] = %g, want %g", i, atb[i], want)
				}
				for j := 0; j < n; j++ {
					var want float64
					for r := 0; r < m; r++ {
						want += a[r*n+i] * a[r*n+j]
					}
					if math.Abs(g[i*n+j]-want) > 1e-12*float64(m) {
						t.Fatalf("AᵀA[%d,%d] = %g, want %g", i, j, g[i*n+j], want)
					}
				}
			}
			// The column-major entry point gives the same G and Aᵀb.
			acm := make([]float64, m*n)
			for i := 0; i < m; i++ {
				for j := 0; j < n; j++ {
					acm[i+j*m] = a[i*n+j]
				}
			}
			g2, atb2 := randReal(n*n, 4), randReal(n, 5)
			NormalEquationsRealColMajor(g2, atb2, acm, m, n, b)
			for i := range g {
				if math.Abs(g2[i]-g[i]) > 1e-12*float64(m) {
					t.Fatalf("column-major G[%d] = %g, row-major %g", i, g2[i], g[i])
				}
			}
			for i := range atb {
				if math.Abs(atb2[i]-atb[i]) > 1e-12*float64(m) {
					t.Fatalf("column-major Aᵀb[%d] = %g, row-major %g", i, atb2[i], atb[i])
				}
			}
			// Unshifted Cholesky solve matches the QR least-squares solution.
			x := make([]float64, n)
			var cw CholeskyRealWork
			if err := CholeskySolveReal(x, g, n, nil, atb, &cw); err != nil {
				t.Fatal(err)
			}
			xq := make([]float64, n)
			if err := LeastSquaresReal(xq, a, m, n, b, nil); err != nil {
				t.Fatal(err)
			}
			for i := range x {
				if math.Abs(x[i]-xq[i]) > 1e-8*(1+math.Abs(xq[i])) {
					t.Fatalf("x[%d] = %g, QR gives %g", i, x[i], xq[i])
				}
			}
			// Shifted (LM damping): (AᵀA + diag(d))x = Aᵀb equals the QR
			// solution of the augmented system [A; diag(√d)] x ≈ [b; 0].
			d := randReal(n, 3)
			for i := range d {
				d[i] = math.Abs(d[i]) + 0.1
			}
			if err := CholeskySolveReal(x, g, n, d, atb, &cw); err != nil {
				t.Fatal(err)
			}
			aug := make([]float64, (m+n)*n)
			copy(aug, a)
			for i := 0; i < n; i++ {
				aug[(m+i)*n+i] = math.Sqrt(d[i])
			}
			baug := make([]float64, m+n)
			copy(baug, b)
			if err := LeastSquaresReal(xq, aug, m+n, n, baug, nil); err != nil {
				t.Fatal(err)
			}
			for i := range x {
				if math.Abs(x[i]-xq[i]) > 1e-9*(1+math.Abs(xq[i])) {
					t.Fatalf("damped x[%d] = %g, augmented QR gives %g", i, x[i], xq[i])
				}
			}
		})
	}
}

func TestCholeskySolveRealErrors(t *testing.T) {
	g := []float64{1, 2, 2, 1} // eigenvalues 3, −1
	x := make([]float64, 2)
	var w CholeskyRealWork
	if err := CholeskySolveReal(x, g, 2, nil, []float64{1, 1}, &w); !errors.Is(err, ErrNotPositiveDefinite) {
		t.Fatalf("indefinite: err = %v, want ErrNotPositiveDefinite", err)
	}
	// A large enough shift makes it definite.
	if err := CholeskySolveReal(x, g, 2, []float64{2, 2}, []float64{1, 1}, &w); err != nil {
		t.Fatalf("shifted: %v", err)
	}
	if math.Abs(x[0]-0.2) > 1e-15 || math.Abs(x[1]-0.2) > 1e-15 { // [[3 2][2 3]]x = 1 → x = 1/5
		t.Fatalf("x = %v, want [0.2 0.2]", x)
	}
	if err := CholeskySolveReal(x, []float64{1, 0, 0, math.NaN()}, 2, nil, []float64{1, 1}, &w); !errors.Is(err, ErrNotFinite) {
		t.Fatalf("NaN: err = %v, want ErrNotFinite", err)
	}
	// No allocation in the steady state.
	g = []float64{4, 1, 1, 3}
	rhs := []float64{1, 2}
	if n := testing.AllocsPerRun(10, func() { _ = CholeskySolveReal(x, g, 2, nil, rhs, &w) }); n != 0 {
		t.Errorf("%v allocations per call", n)
	}
}
