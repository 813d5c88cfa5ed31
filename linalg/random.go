package linalg

import (
	"fmt"
	"math"
	"math/cmplx"
	"math/rand/v2"
)

// HaarRandom returns an n x n unitary drawn from the Haar measure, using
// only rng for randomness (the same seed gives the same matrix). n is the
// matrix dimension, not a qubit count: pass 1<<q for a q-qubit unitary.
//
// Method (Mezzadri, "How to generate random matrices from the classical
// compact groups", Notices AMS 2007): Z has i.i.d. standard complex
// Gaussian entries; Z = QR; the result is Q·Λ with Λ = diag(R_ii/|R_ii|),
// which makes the factorisation unique and Q·Λ Haar-distributed. Here the
// QR is modified Gram–Schmidt (two passes), which produces R_ii > 0
// directly, so Λ = I and Q is already the corrected factor. It is run on
// the rows of Z (the QR of Zᵀ, itself an i.i.d. Gaussian matrix) so that
// the inner loops are contiguous; the result is Haar either way.
func HaarRandom(n int, rng *rand.Rand) Matrix {
	if n < 1 {
		panic(fmt.Sprintf("linalg: HaarRandom dimension %d", n))
	}
	q := New(n, n)
	for {
		for i := range q.Data {
			q.Data[i] = complex(rng.NormFloat64(), rng.NormFloat64()) * complex(math.Sqrt2/2, 0)
		}
		if gramSchmidtRows(q) {
			return q
		}
		// A numerically dependent Gaussian matrix has probability zero;
		// draw again rather than return a non-unitary matrix.
	}
}

// gramSchmidtRows orthonormalises the rows of the square matrix q in place
// (two passes of modified Gram–Schmidt per row) and reports false if a row
// became numerically zero.
func gramSchmidtRows(q Matrix) bool {
	n := q.Rows
	for j := 0; j < n; j++ {
		rj := q.Data[j*n : j*n+n]
		norm0 := sqNorm(rj)
		for pass := 0; pass < 2; pass++ {
			for p := 0; p < j; p++ {
				rp := q.Data[p*n : p*n+n]
				rp = rp[:len(rj)]
				// proj = <r_p, r_j> = Σ conj(r_p[c]) r_j[c]
				var proj complex128
				for c, v := range rj {
					proj += cmplx.Conj(rp[c]) * v
				}
				for c, v := range rp {
					rj[c] -= proj * v
				}
			}
		}
		norm := sqNorm(rj)
		if norm0 == 0 || !(norm > 1e-20*norm0) {
			return false
		}
		inv := complex(1/math.Sqrt(norm), 0)
		for c := range rj {
			rj[c] *= inv
		}
	}
	return true
}

func sqNorm(v []complex128) float64 {
	var s float64
	for _, x := range v {
		s += real(x)*real(x) + imag(x)*imag(x)
	}
	return s
}
