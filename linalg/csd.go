package linalg

/*
#include <lapacke.h>
*/
import "C"

import (
	"errors"
	"fmt"
	"unsafe"
)

// Sentinel errors of the decompositions in this file.
var (
	// ErrCSD: LAPACK's cosine-sine decomposition (zuncsd) did not
	// converge.
	ErrCSD = errors.New("linalg: cosine-sine decomposition did not converge")
	// ErrSchur: LAPACK's Schur decomposition (zgees) did not converge.
	ErrSchur = errors.New("linalg: Schur decomposition did not converge")
)

// zuncsd and zgees are called directly through cgo (LAPACKE's _work
// functions in column-major order), as dgels is: gonum/netlib's lapacke
// binds zuncsd (Zuncsd) but reports success as a bool, hiding LAPACK's
// info, and it has no binding for zgees at all. Both are used once per
// multiplexor of a Quantum Shannon Decomposition, far off any hot path, so
// they allocate their workspaces per call.

// CSD is the cosine-sine decomposition of a 2h x 2h unitary U split into
// equal h x h quarters:
//
//	U = (L0 ⊕ L1) · [[C, −S], [S, C]] · (R0 ⊕ R1)
//
// with C = diag(cos θ_i), S = diag(sin θ_i), θ_i in [0, π/2], and L0, L1,
// R0, R1 h x h unitaries (LAPACK zuncsd with its default sign convention:
// the upper-right block is −S).
type CSD struct {
	L0, L1, R0, R1 Matrix
	Theta          []float64
}

// CosineSine returns the cosine-sine decomposition of the unitary u, whose
// dimension must be even (a non-square or odd-sized u is a programmer
// error and panics). u is not modified. u must be unitary to working
// precision (it is not checked; the factors are then only those of the
// nearest unitary in LAPACK's sense). A non-finite entry gives an error
// wrapping ErrNotFinite, a LAPACK failure one wrapping ErrCSD.
func CosineSine(u Matrix) (CSD, error) {
	m := u.Rows
	if u.Cols != m || len(u.Data) != m*m || m < 2 || m%2 != 0 {
		panic(fmt.Sprintf("linalg: CosineSine of a %dx%d matrix (want square, even size)", u.Rows, u.Cols))
	}
	if err := checkFinite(u.Data, m, "CosineSine"); err != nil {
		return CSD{}, err
	}
	h := m / 2
	x := toColMajor(u)
	u1 := make([]complex128, h*h)
	u2 := make([]complex128, h*h)
	v1t := make([]complex128, h*h)
	v2t := make([]complex128, h*h)
	theta := make([]float64, h)
	iwork := make([]C.lapack_int, h)
	call := func(work []complex128, lwork int, rwork []float64, lrwork int) C.lapack_int {
		cp := func(s []complex128, off int) *C.lapack_complex_double {
			return (*C.lapack_complex_double)(unsafe.Pointer(&s[off]))
		}
		ld := C.lapack_int(m)
		lh := C.lapack_int(h)
		return C.LAPACKE_zuncsd_work(C.LAPACK_COL_MAJOR, 'Y', 'Y', 'Y', 'Y', 'N', 'D',
			ld, lh, lh,
			cp(x, 0), ld, cp(x, h*m), ld, cp(x, h), ld, cp(x, h+h*m), ld,
			(*C.double)(unsafe.Pointer(&theta[0])),
			cp(u1, 0), lh, cp(u2, 0), lh, cp(v1t, 0), lh, cp(v2t, 0), lh,
			cp(work, 0), C.lapack_int(lwork),
			(*C.double)(unsafe.Pointer(&rwork[0])), C.lapack_int(lrwork),
			&iwork[0])
	}
	var wq [1]complex128
	var rq [1]float64
	if info := call(wq[:], -1, rq[:], -1); info != 0 {
		return CSD{}, fmt.Errorf("%w: zuncsd workspace query for %dx%d returned info %d", ErrLAPACK, m, m, int(info))
	}
	work := make([]complex128, max(1, int(real(wq[0]))))
	rwork := make([]float64, max(1, int(rq[0])))
	switch info := call(work, len(work), rwork, len(rwork)); {
	case info > 0:
		return CSD{}, fmt.Errorf("%w: %dx%d unitary, zbbcsd info %d", ErrCSD, m, m, int(info))
	case info < 0:
		return CSD{}, fmt.Errorf("%w: zuncsd argument %d", ErrLAPACK, -int(info))
	}
	return CSD{
		L0: fromColMajor(u1, h), L1: fromColMajor(u2, h),
		R0: fromColMajor(v1t, h), R1: fromColMajor(v2t, h),
		Theta: theta,
	}, nil
}

// Schur returns the complex Schur decomposition A = Z·T·Z† of the square
// matrix a (LAPACK zgees, no reordering): Z unitary, T upper triangular
// with the eigenvalues of A on its diagonal. For a normal matrix (a
// unitary one, for instance) T is diagonal up to rounding and Z's columns
// are an orthonormal eigenbasis, also where eigenvalues are repeated. a is
// not modified; a non-square a panics. A non-finite entry gives an error
// wrapping ErrNotFinite, a LAPACK failure one wrapping ErrSchur.
func Schur(a Matrix) (t, z Matrix, err error) {
	n := a.Rows
	if a.Cols != n || len(a.Data) != n*n {
		panic(fmt.Sprintf("linalg: Schur of a %dx%d matrix", a.Rows, a.Cols))
	}
	if n == 0 {
		return New(0, 0), New(0, 0), nil
	}
	if err := checkFinite(a.Data, n, "Schur"); err != nil {
		return Matrix{}, Matrix{}, err
	}
	x := toColMajor(a)
	vs := make([]complex128, n*n)
	w := make([]complex128, n)
	rwork := make([]float64, n)
	var sdim C.lapack_int
	call := func(work []complex128, lwork int) C.lapack_int {
		cp := func(s []complex128) *C.lapack_complex_double {
			return (*C.lapack_complex_double)(unsafe.Pointer(&s[0]))
		}
		ld := C.lapack_int(n)
		return C.LAPACKE_zgees_work(C.LAPACK_COL_MAJOR, 'V', 'N', nil, ld,
			cp(x), ld, &sdim, cp(w), cp(vs), ld,
			cp(work), C.lapack_int(lwork),
			(*C.double)(unsafe.Pointer(&rwork[0])), nil)
	}
	var wq [1]complex128
	if info := call(wq[:], -1); info != 0 {
		return Matrix{}, Matrix{}, fmt.Errorf("%w: zgees workspace query for %dx%d returned info %d", ErrLAPACK, n, n, int(info))
	}
	work := make([]complex128, max(1, int(real(wq[0]))))
	switch info := call(work, len(work)); {
	case info > 0:
		return Matrix{}, Matrix{}, fmt.Errorf("%w: %dx%d matrix, %d eigenvalues not found", ErrSchur, n, n, int(info))
	case info < 0:
		return Matrix{}, Matrix{}, fmt.Errorf("%w: zgees argument %d", ErrLAPACK, -int(info))
	}
	return fromColMajor(x, n), fromColMajor(vs, n), nil
}

// toColMajor returns a copy of the square matrix a in column-major order.
func toColMajor(a Matrix) []complex128 {
	n := a.Rows
	x := make([]complex128, n*n)
	for i := 0; i < n; i++ {
		for j := 0; j < n; j++ {
			x[i+j*n] = a.Data[i*n+j]
		}
	}
	return x
}

// fromColMajor returns the n x n matrix stored column-major in x.
func fromColMajor(x []complex128, n int) Matrix {
	m := New(n, n)
	for i := 0; i < n; i++ {
		for j := 0; j < n; j++ {
			m.Data[i*n+j] = x[i+j*n]
		}
	}
	return m
}
