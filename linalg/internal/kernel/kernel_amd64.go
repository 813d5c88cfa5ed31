//go:build amd64

package kernel

import "golang.org/x/sys/cpu"

// HasAVX2FMA is fixed at start-up from the CPU's feature flags.
var HasAVX2FMA = cpu.X86.HasAVX2 && cpu.X86.HasFMA

//go:noescape
func zmulAVX2(dst, a, b *complex128, m, k, n int)

// ZMul sets dst (m x n) = a (m x k) · b (k x n), all row-major and tightly
// packed, with the AVX2/FMA kernel when the CPU has it and n is even, and
// reports whether it did (false: nothing was written). Slices too short
// for the shape panic.
func ZMul(dst, a, b []complex128, m, k, n int) bool {
	if !HasAVX2FMA || m < 1 || k < 1 || n < 2 || n%2 != 0 {
		return false
	}
	_ = dst[m*n-1]
	_ = a[m*k-1]
	_ = b[k*n-1]
	zmulAVX2(&dst[0], &a[0], &b[0], m, k, n)
	return true
}

//go:noescape
func apply1AVX2(x *complex128, n, s int, gm *[8]float64)

//go:noescape
func apply2AVX2(x *complex128, n, s0, s1 int, gm *[32][4]float64)

//go:noescape
func apply1s1AVX2(x *complex128, n int, gm *[4][4]float64)

//go:noescape
func apply2s1AVX2(x *complex128, n, hi int, gm *[16][4]float64)

// pairVec lays out two complex coefficients (one per ymm complex slot) as
// their real-part and imaginary-part vectors.
func pairVec(c0, c1 complex128) (re, im [4]float64) {
	return [4]float64{real(c0), real(c0), real(c1), real(c1)},
		[4]float64{imag(c0), imag(c0), imag(c1), imag(c1)}
}

// Apply1 applies the 2x2 matrix [[g00 g01] [g10 g11]] in place to every
// pair (x[i], x[i+s]) whose index i has the stride-s bit clear (x splits
// into alternating blocks of length s), with AVX2/FMA, and reports whether
// it did. It applies when the CPU has AVX2/FMA, s is 1 or even, and len(x)
// is a positive multiple of 2s.
func Apply1(x []complex128, s int, g00, g01, g10, g11 complex128) bool {
	if HasAVX2FMA && s == 1 && len(x) > 0 && len(x)%2 == 0 {
		var gm [4][4]float64
		gm[0], gm[1] = pairVec(g00, g11)
		gm[2], gm[3] = pairVec(g01, g10)
		apply1s1AVX2(&x[0], len(x), &gm)
		return true
	}
	if !HasAVX2FMA || s < 2 || s%2 != 0 || len(x) == 0 || len(x)%(2*s) != 0 {
		return false
	}
	g := [8]float64{real(g00), imag(g00), real(g01), imag(g01), real(g10), imag(g10), real(g11), imag(g11)}
	apply1AVX2(&x[0], len(x), s, &g)
	return true
}

// Apply2 applies the 4x4 row-major matrix g in place to every quadruple
// (x[i], x[i+s1], x[i+s0], x[i+s0+s1]) whose index has both stride bits
// clear, with AVX2/FMA, and reports whether it did. It applies when the
// CPU has AVX2/FMA, s0 ≠ s1, the smaller stride is 1 or even and divides
// the larger one (which must then be even), and len(x) is a positive
// multiple of 2·max(s0, s1).
func Apply2(x []complex128, s0, s1 int, g *[16]complex128) bool {
	hi, lo := max(s0, s1), min(s0, s1)
	if HasAVX2FMA && lo == 1 && hi >= 2 && hi%2 == 0 && len(x) > 0 && len(x)%(2*hi) == 0 {
		// Gate index bits (b0, b1) belong to strides (s0, s1). The kernel
		// wants the stride-1 qubit second; if it is first, relabel the gate
		// by swapping index bits, G'[i][j] = G[π(i)][π(j)], π = (1 2).
		p := g
		var swapped [16]complex128
		if s0 == 1 {
			perm := [4]int{0, 2, 1, 3}
			for i := 0; i < 4; i++ {
				for j := 0; j < 4; j++ {
					swapped[4*i+j] = g[4*perm[i]+perm[j]]
				}
			}
			p = &swapped
		}
		var gm [16][4]float64
		for blk := 0; blk < 2; blk++ {
			r, o := 2*blk, 8*blk
			gm[o+0], gm[o+1] = pairVec(p[4*r+0], p[4*r+5])
			gm[o+2], gm[o+3] = pairVec(p[4*r+1], p[4*r+4])
			gm[o+4], gm[o+5] = pairVec(p[4*r+2], p[4*r+7])
			gm[o+6], gm[o+7] = pairVec(p[4*r+3], p[4*r+6])
		}
		apply2s1AVX2(&x[0], len(x), hi, &gm)
		return true
	}
	if !HasAVX2FMA || lo < 2 || lo%2 != 0 || hi == lo || hi%(2*lo) != 0 || len(x) == 0 || len(x)%(2*hi) != 0 {
		return false
	}
	var gx [32][4]float64
	for i, v := range g {
		r, im := real(v), imag(v)
		gx[2*i] = [4]float64{r, r, r, r}
		gx[2*i+1] = [4]float64{im, im, im, im}
	}
	apply2AVX2(&x[0], len(x), s0, s1, &gx)
	return true
}
