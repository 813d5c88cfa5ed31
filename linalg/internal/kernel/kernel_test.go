package kernel

import (
	"math/cmplx"
	"math/rand/v2"
	"testing"
)

func TestZMul(t *testing.T) {
	if !HasAVX2FMA {
		t.Skip("CPU without AVX2/FMA: ZMul reports false and linalg uses Go code")
	}
	rng := rand.New(rand.NewPCG(1, 2))
	rnd := func(n int) []complex128 {
		v := make([]complex128, n)
		for i := range v {
			v[i] = complex(rng.NormFloat64(), rng.NormFloat64())
		}
		return v
	}
	for m := 1; m <= 9; m++ {
		for k := 1; k <= 9; k++ {
			for n := 2; n <= 20; n += 2 {
				a, b, d := rnd(m*k), rnd(k*n), rnd(m*n+1)
				guard := d[m*n]
				if !ZMul(d[:m*n], a, b, m, k, n) {
					t.Fatalf("%dx%dx%d: kernel not used", m, k, n)
				}
				if d[m*n] != guard {
					t.Fatalf("%dx%dx%d: wrote past the end", m, k, n)
				}
				for i := 0; i < m; i++ {
					for j := 0; j < n; j++ {
						var s complex128
						for p := 0; p < k; p++ {
							s += a[i*k+p] * b[p*n+j]
						}
						if cmplx.Abs(d[i*n+j]-s) > 1e-12 {
							t.Fatalf("%dx%dx%d: (%d,%d) = %v, want %v", m, k, n, i, j, d[i*n+j], s)
						}
					}
				}
			}
		}
	}
	for _, s := range [][3]int{{2, 2, 3}, {0, 2, 2}, {2, 0, 2}} {
		if ZMul(make([]complex128, 16), make([]complex128, 16), make([]complex128, 16), s[0], s[1], s[2]) {
			t.Errorf("shape %v accepted", s)
		}
	}
}

func randC(rng *rand.Rand, n int) []complex128 {
	v := make([]complex128, n)
	for i := range v {
		v[i] = complex(rng.NormFloat64(), rng.NormFloat64())
	}
	return v
}

func TestApply1(t *testing.T) {
	if !HasAVX2FMA {
		t.Skip("CPU without AVX2/FMA")
	}
	rng := rand.New(rand.NewPCG(3, 4))
	for _, s := range []int{1, 2, 4, 6, 8, 16} {
		for _, blocks := range []int{1, 2, 5} {
			n := 2 * s * blocks
			x := randC(rng, n+1)
			g := randC(rng, 4)
			want := append([]complex128(nil), x...)
			for hi := 0; hi < n; hi += 2 * s {
				for i := hi; i < hi+s; i++ {
					a, b := want[i], want[i+s]
					want[i] = g[0]*a + g[1]*b
					want[i+s] = g[2]*a + g[3]*b
				}
			}
			if !Apply1(x[:n], s, g[0], g[1], g[2], g[3]) {
				t.Fatalf("s=%d n=%d: kernel not used", s, n)
			}
			for i := range x {
				if cmplx.Abs(x[i]-want[i]) > 1e-13 {
					t.Fatalf("s=%d n=%d: x[%d] = %v, want %v", s, n, i, x[i], want[i])
				}
			}
		}
	}
	for _, c := range []struct{ n, s int }{{7, 1}, {12, 3}, {12, 4}, {0, 2}} {
		if Apply1(make([]complex128, c.n), c.s, 1, 0, 0, 1) {
			t.Errorf("n=%d s=%d accepted", c.n, c.s)
		}
	}
}

func TestApply2(t *testing.T) {
	if !HasAVX2FMA {
		t.Skip("CPU without AVX2/FMA")
	}
	rng := rand.New(rand.NewPCG(5, 6))
	for _, st := range [][2]int{{1, 2}, {2, 1}, {1, 4}, {8, 1}, {2, 4}, {4, 2}, {2, 8}, {16, 2}, {4, 8}, {8, 4}, {6, 12}, {2, 32}} {
		s0, s1 := st[0], st[1]
		hi := max(s0, s1)
		for _, groups := range []int{1, 3} {
			n := 2 * hi * groups
			x := randC(rng, n+1)
			var g [16]complex128
			copy(g[:], randC(rng, 16))
			want := append([]complex128(nil), x...)
			for i := 0; i < n; i++ {
				if (i/s0)%2 != 0 || (i/s1)%2 != 0 {
					continue
				}
				idx := [4]int{i, i + s1, i + s0, i + s0 + s1}
				var v [4]complex128
				for j, p := range idx {
					v[j] = want[p]
				}
				for r, p := range idx {
					want[p] = g[4*r]*v[0] + g[4*r+1]*v[1] + g[4*r+2]*v[2] + g[4*r+3]*v[3]
				}
			}
			if !Apply2(x[:n], s0, s1, &g) {
				t.Fatalf("s=%v n=%d: kernel not used", st, n)
			}
			for i := range x {
				if cmplx.Abs(x[i]-want[i]) > 1e-12 {
					t.Fatalf("s=%v n=%d: x[%d] = %v, want %v", st, n, i, x[i], want[i])
				}
			}
		}
	}
	var g [16]complex128
	for _, c := range []struct{ n, s0, s1 int }{{6, 1, 3}, {16, 4, 4}, {24, 2, 6}, {12, 2, 4}, {12, 1, 4}} {
		if Apply2(make([]complex128, c.n), c.s0, c.s1, &g) {
			t.Errorf("n=%d s0=%d s1=%d accepted", c.n, c.s0, c.s1)
		}
	}
}
