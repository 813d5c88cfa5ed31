package linalg

import (
	"errors"
	"fmt"
	"math"
	"math/cmplx"
	"testing"
)

// directSum returns a ⊕ b.
func directSum(a, b Matrix) Matrix {
	n := a.Rows + b.Rows
	m := New(n, n)
	for i := 0; i < a.Rows; i++ {
		copy(m.Data[i*n:i*n+a.Cols], a.Data[i*a.Cols:(i+1)*a.Cols])
	}
	for i := 0; i < b.Rows; i++ {
		r := a.Rows + i
		copy(m.Data[r*n+a.Cols:r*n+n], b.Data[i*b.Cols:(i+1)*b.Cols])
	}
	return m
}

// csMatrix returns [[C, −S], [S, C]] for the angles theta.
func csMatrix(theta []float64) Matrix {
	h := len(theta)
	m := New(2*h, 2*h)
	for i, th := range theta {
		c, s := complex(math.Cos(th), 0), complex(math.Sin(th), 0)
		m.Set(i, i, c)
		m.Set(i, h+i, -s)
		m.Set(h+i, i, s)
		m.Set(h+i, h+i, c)
	}
	return m
}

func checkCSD(t *testing.T, u Matrix, d CSD, tol float64) {
	t.Helper()
	h := u.Rows / 2
	if len(d.Theta) != h {
		t.Fatalf("%d angles, want %d", len(d.Theta), h)
	}
	for i, th := range d.Theta {
		if th < -1e-15 || th > math.Pi/2+1e-15 {
			t.Fatalf("θ_%d = %g outside [0, π/2]", i, th)
		}
	}
	for name, f := range map[string]Matrix{"L0": d.L0, "L1": d.L1, "R0": d.R0, "R1": d.R1} {
		if f.Rows != h || f.Cols != h || !IsUnitary(f, 1e-12) {
			t.Fatalf("%s is %dx%d or not unitary", name, f.Rows, f.Cols)
		}
	}
	got := naiveMul(naiveMul(directSum(d.L0, d.L1), csMatrix(d.Theta)), directSum(d.R0, d.R1))
	assertClose(t, "(L0⊕L1)·CS·(R0⊕R1)", got, u, tol)
}

func TestCosineSine(t *testing.T) {
	rng := newRNG(31)
	for _, n := range []int{2, 4, 8, 16, 32, 64} {
		for rep := 0; rep < 3; rep++ {
			t.Run(fmt.Sprintf("n=%d/%d", n, rep), func(t *testing.T) {
				u := HaarRandom(n, rng)
				orig := u.Clone()
				d, err := CosineSine(u)
				if err != nil {
					t.Fatal(err)
				}
				assertClose(t, "input preserved", u, orig, 0)
				checkCSD(t, u, d, 1e-13)
			})
		}
	}
}

// Structured inputs: identity (all θ = 0), the swap of the halves (all θ
// = π/2), a permutation, and a block-diagonal unitary.
func TestCosineSineStructured(t *testing.T) {
	rng := newRNG(32)
	swap := New(8, 8)
	for i := 0; i < 4; i++ {
		swap.Set(i, 4+i, 1)
		swap.Set(4+i, i, 1)
	}
	perm := New(8, 8)
	for i, j := range []int{3, 0, 6, 1, 7, 2, 5, 4} {
		perm.Set(i, j, 1)
	}
	for _, tc := range []struct {
		name string
		u    Matrix
	}{
		{"identity", Identity(8)},
		{"swap halves", swap},
		{"permutation", perm},
		{"block diagonal", directSum(HaarRandom(4, rng), HaarRandom(4, rng))},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d, err := CosineSine(tc.u)
			if err != nil {
				t.Fatal(err)
			}
			checkCSD(t, tc.u, d, 1e-13)
		})
	}
}

func TestCosineSineNotFinite(t *testing.T) {
	u := Identity(4)
	u.Set(2, 1, complex(math.NaN(), 0))
	if _, err := CosineSine(u); !errors.Is(err, ErrNotFinite) {
		t.Fatalf("err = %v, want ErrNotFinite", err)
	}
}

func TestSchur(t *testing.T) {
	rng := newRNG(33)
	diag := func(vals ...complex128) Matrix {
		m := New(len(vals), len(vals))
		for i, v := range vals {
			m.Set(i, i, v)
		}
		return m
	}
	// A unitary with a 3-fold repeated eigenvalue, in a random basis.
	q := HaarRandom(6, rng)
	deg := naiveMul(naiveMul(q, diag(1i, 1i, 1i, -1, cmplx.Exp(0.3i), cmplx.Exp(0.3i))), q.Adjoint())
	perm := New(6, 6)
	for i, j := range []int{1, 2, 0, 4, 5, 3} {
		perm.Set(i, j, 1)
	}
	for _, tc := range []struct {
		name   string
		a      Matrix
		normal bool
	}{
		{"haar 1", HaarRandom(1, rng), true},
		{"haar 8", HaarRandom(8, rng), true},
		{"haar 32", HaarRandom(32, rng), true},
		{"identity", Identity(8), true},
		{"permutation", perm, true},
		{"degenerate unitary", deg, true},
		{"general", randMatrix(rng, 7, 7), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			n := tc.a.Rows
			tm, z, err := Schur(tc.a)
			if err != nil {
				t.Fatal(err)
			}
			if !IsUnitary(z, 1e-13) {
				t.Fatal("Z not unitary")
			}
			for i := 0; i < n; i++ {
				for j := 0; j < i; j++ {
					if tm.At(i, j) != 0 {
						t.Fatalf("T(%d,%d) = %v below the diagonal", i, j, tm.At(i, j))
					}
				}
				if tc.normal {
					for j := i + 1; j < n; j++ {
						if cmplx.Abs(tm.At(i, j)) > 1e-13 {
							t.Fatalf("normal input: T(%d,%d) = %v off the diagonal", i, j, tm.At(i, j))
						}
					}
				}
			}
			assertClose(t, "Z·T·Z†", naiveMul(naiveMul(z, tm), z.Adjoint()), tc.a, 1e-13*float64(n))
		})
	}
}
