package linalg

import (
	"fmt"
	"testing"
)

// fullOperator builds the 2^n x 2^n matrix of gate g acting on qubits
// (big-endian) straight from the definition: entry (r, c) is
// G[gi(r), gi(c)] when r and c agree on every other qubit, else 0.
func fullOperator(g Matrix, qubits []int, n int) Matrix {
	dim := 1 << n
	bit := func(x, q int) int { return x >> (n - 1 - q) & 1 }
	gi := func(x int) int {
		j := 0
		for _, q := range qubits {
			j = j<<1 | bit(x, q)
		}
		return j
	}
	mask := 0
	for _, q := range qubits {
		mask |= 1 << (n - 1 - q)
	}
	f := New(dim, dim)
	for r := 0; r < dim; r++ {
		for c := 0; c < dim; c++ {
			if r&^mask == c&^mask {
				f.Set(r, c, g.At(gi(r), gi(c)))
			}
		}
	}
	return f
}

// qubitTuples lists every ordered tuple of k distinct qubits out of n.
func qubitTuples(n, k int) [][]int {
	if k == 0 {
		return [][]int{{}}
	}
	var out [][]int
	for _, t := range qubitTuples(n, k-1) {
		for q := 0; q < n; q++ {
			used := false
			for _, p := range t {
				used = used || p == q
			}
			if !used {
				out = append(out, append(append([]int(nil), t...), q))
			}
		}
	}
	return out
}

func TestApplyLeftRight(t *testing.T) {
	rng := newRNG(11)
	for n := 1; n <= 4; n++ {
		dim := 1 << n
		for k := 0; k <= n; k++ {
			for _, qs := range qubitTuples(n, k) {
				t.Run(fmt.Sprintf("n%d_q%v", n, qs), func(t *testing.T) {
					g := randMatrix(rng, 1<<k, 1<<k)
					f := fullOperator(g, qs, n)
					for _, cols := range []int{dim, 1, 3} {
						m := randMatrix(rng, dim, cols)
						want := naiveMul(f, m)
						got := m.Clone()
						ApplyLeft(got, g, qs, n, nil)
						assertClose(t, fmt.Sprintf("ApplyLeft %dx%d", dim, cols), got, want, 1e-12)

						// Work sizes: exactly 2^k (one vector at a time for
						// k ≥ 3), 3·2^k (blocked, chunks of 1) and 2^k·cols.
						for _, wl := range []int{1 << k, 3 << k, (1 << k) * cols} {
							got = m.Clone()
							ApplyLeft(got, g, qs, n, make([]complex128, wl))
							assertClose(t, fmt.Sprintf("ApplyLeft work %d", wl), got, want, 1e-12)
						}

						mr := randMatrix(rng, cols, dim)
						want = naiveMul(mr, f)
						got = mr.Clone()
						ApplyRight(got, g, qs, n, nil)
						assertClose(t, fmt.Sprintf("ApplyRight %dx%d", cols, dim), got, want, 1e-12)
						for _, wl := range []int{1 << k, 3 << k, (1 << k) * cols} {
							got = mr.Clone()
							ApplyRight(got, g, qs, n, make([]complex128, wl))
							assertClose(t, fmt.Sprintf("ApplyRight work %d", wl), got, want, 1e-12)
						}
					}
				})
			}
		}
	}
}

func TestApplyUnitaryComposition(t *testing.T) {
	// Building a circuit unitary by ApplyLeft equals the product of Kron
	// expansions: CX(0,1) after H(0) on 2 qubits, applied to |00>, gives a
	// Bell state.
	h := Matrix{Rows: 2, Cols: 2, Data: []complex128{1, 1, 1, -1}}
	Scale(h, complex(1/1.4142135623730951, 0))
	cx := Matrix{Rows: 4, Cols: 4, Data: []complex128{1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1, 0, 0, 1, 0}}
	psi := Matrix{Rows: 4, Cols: 1, Data: []complex128{1, 0, 0, 0}}
	ApplyLeft(psi, h, []int{0}, 2, nil)
	ApplyLeft(psi, cx, []int{0, 1}, 2, nil)
	r := complex(1/1.4142135623730951, 0)
	assertClose(t, "bell", psi, Matrix{Rows: 4, Cols: 1, Data: []complex128{r, 0, 0, r}}, 1e-15)
	// CX with control 1, target 0 maps |01> (qubit 1 set) to |11>.
	psi = Matrix{Rows: 4, Cols: 1, Data: []complex128{0, 1, 0, 0}}
	ApplyLeft(psi, cx, []int{1, 0}, 2, nil)
	assertClose(t, "reversed cx", psi, Matrix{Rows: 4, Cols: 1, Data: []complex128{0, 0, 0, 1}}, 0)
}

func TestApplyNoAlloc(t *testing.T) {
	rng := newRNG(12)
	m := randMatrix(rng, 16, 16)
	work := make([]complex128, 16*8)
	for k := 1; k <= 3; k++ {
		g := randMatrix(rng, 1<<k, 1<<k)
		qs := []int{3, 0, 2}[:k]
		if a := testing.AllocsPerRun(20, func() { ApplyLeft(m, g, qs, 4, work) }); a != 0 {
			t.Errorf("ApplyLeft k=%d: %v allocations", k, a)
		}
		if a := testing.AllocsPerRun(20, func() { ApplyRight(m, g, qs, 4, work) }); a != 0 {
			t.Errorf("ApplyRight k=%d: %v allocations", k, a)
		}
	}
}

func TestApplyPanicsOnMisuse(t *testing.T) {
	m := New(8, 8)
	cases := map[string]func(){
		"repeated":   func() { ApplyLeft(m, Identity(4), []int{1, 1}, 3, nil) },
		"range":      func() { ApplyLeft(m, Identity(2), []int{3}, 3, nil) },
		"negative":   func() { ApplyRight(m, Identity(2), []int{-1}, 3, nil) },
		"gate shape": func() { ApplyLeft(m, Identity(2), []int{0, 1}, 3, nil) },
		"rows":       func() { ApplyLeft(New(4, 8), Identity(2), []int{0}, 3, nil) },
		"cols":       func() { ApplyRight(New(8, 4), Identity(2), []int{0}, 3, nil) },
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

// TestApplyKernelsPortable checks the portable Go loops directly: on a CPU
// with AVX2/FMA, ApplyLeft/ApplyRight mostly run the assembly kernels, so
// the fallbacks would otherwise go untested.
func TestApplyKernelsPortable(t *testing.T) {
	rng := newRNG(13)
	for _, s := range []int{1, 2, 3, 4, 6, 8} {
		for _, blocks := range []int{1, 3} {
			n := 2 * s * blocks
			x := randMatrix(rng, 1, n).Data
			g := randMatrix(rng, 1, 4).Data
			want := append([]complex128(nil), x...)
			for hi := 0; hi < n; hi += 2 * s {
				for i := hi; i < hi+s; i++ {
					a, b := want[i], want[i+s]
					want[i] = g[0]*a + g[1]*b
					want[i+s] = g[2]*a + g[3]*b
				}
			}
			apply1Go(x, s, g[0], g[1], g[2], g[3])
			assertClose(t, fmt.Sprintf("apply1Go s=%d n=%d", s, n), Matrix{Rows: 1, Cols: n, Data: x}, Matrix{Rows: 1, Cols: n, Data: want}, 1e-13)
		}
	}
	for _, st := range [][2]int{{1, 2}, {2, 1}, {1, 4}, {8, 1}, {2, 4}, {4, 2}, {3, 6}, {12, 3}, {2, 16}} {
		s0, s1 := st[0], st[1]
		for _, groups := range []int{1, 2} {
			n := 2 * max(s0, s1) * groups
			x := randMatrix(rng, 1, n).Data
			var g [16]complex128
			copy(g[:], randMatrix(rng, 4, 4).Data)
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
			apply2Go(x, s0, s1, &g)
			assertClose(t, fmt.Sprintf("apply2Go s=%v n=%d", st, n), Matrix{Rows: 1, Cols: n, Data: x}, Matrix{Rows: 1, Cols: n, Data: want}, 1e-12)
		}
	}
}
