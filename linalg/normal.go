package linalg

/*
#include <cblas.h>
#include <lapacke.h>
*/
import "C"

import (
	"errors"
	"fmt"
	"unsafe"
)

// ErrNotPositiveDefinite: the matrix handed to CholeskySolveReal (after
// adding its diagonal shift) is not numerically positive definite.
var ErrNotPositiveDefinite = errors.New("linalg: matrix is not positive definite")

// NormalEquationsReal sets g = AᵀA (cols x cols, row-major, both triangles
// filled) and atb = Aᵀb for the real rows x cols matrix A stored row-major
// in a, with b of len rows (atb may be nil to skip it). It uses OpenBLAS
// dsyrk/dgemv and allocates nothing.
//
// Together with CholeskySolveReal this is the cheap alternative to
// LeastSquaresReal for Levenberg–Marquardt: form AᵀA and Aᵀr once per
// Jacobian, then each trial damping λ costs only a small Cholesky solve
// of (AᵀA + λ·D)·δ = −Aᵀr. It squares the condition number, which QR
// (LeastSquaresReal) does not.
func NormalEquationsReal(g, atb, a []float64, rows, cols int, b []float64) {
	normalEquationsReal(g, atb, a, rows, cols, b, false)
}

// NormalEquationsRealColMajor is NormalEquationsReal for A stored
// column-major (element (i, j) at a[i+j·rows]).
func NormalEquationsRealColMajor(g, atb, a []float64, rows, cols int, b []float64) {
	normalEquationsReal(g, atb, a, rows, cols, b, true)
}

func normalEquationsReal(g, atb, a []float64, rows, cols int, b []float64, colMajor bool) {
	if rows < 0 || cols < 0 || len(a) != rows*cols || len(g) != cols*cols || (atb != nil && (len(atb) != cols || len(b) != rows)) {
		panic(fmt.Sprintf("linalg: NormalEquationsReal shapes %dx%d with len(a)=%d len(g)=%d len(atb)=%d len(b)=%d", rows, cols, len(a), len(g), len(atb), len(b)))
	}
	if cols == 0 {
		return
	}
	if rows == 0 {
		clear(g)
		clear(atb)
		return
	}
	// Row-major A (lda = cols) and column-major A (lda = rows) are both
	// handed to BLAS in their own order; G is symmetric, so its order is moot.
	order, lda := C.enum_CBLAS_ORDER(C.CblasRowMajor), cols
	if colMajor {
		order, lda = C.CblasColMajor, rows
	}
	C.cblas_dsyrk(order, C.CblasUpper, C.CblasTrans, C.int(cols), C.int(rows),
		1, (*C.double)(unsafe.Pointer(&a[0])), C.int(lda), 0, (*C.double)(unsafe.Pointer(&g[0])), C.int(cols))
	// dsyrk filled the upper triangle in BLAS's order: row-major upper for
	// row-major, column-major upper (= row-major lower) for column-major.
	for i := 0; i < cols; i++ {
		for j := i + 1; j < cols; j++ {
			if colMajor {
				g[i*cols+j] = g[j*cols+i]
			} else {
				g[j*cols+i] = g[i*cols+j]
			}
		}
	}
	if atb != nil {
		C.cblas_dgemv(order, C.CblasTrans, C.int(rows), C.int(cols), 1,
			(*C.double)(unsafe.Pointer(&a[0])), C.int(lda), (*C.double)(unsafe.Pointer(&b[0])), 1,
			0, (*C.double)(unsafe.Pointer(&atb[0])), 1)
	}
}

// CholeskyRealWork is a reusable workspace for CholeskySolveReal; the zero
// value is ready to use. Not safe for concurrent use.
type CholeskyRealWork struct {
	a []float64
}

// CholeskySolveReal solves (G + diag(shift))·x = rhs for a symmetric
// n x n matrix G (row-major; only its upper triangle is read) using LAPACK
// dpotrf/dpotrs. shift may be nil (no shift). G, shift and rhs are not
// modified; x (len n) may alias rhs. If the shifted matrix is not
// positive definite the error wraps ErrNotPositiveDefinite (for LM: raise
// λ and retry). With a reused w the call allocates nothing once n has been
// seen.
func CholeskySolveReal(x, g []float64, n int, shift, rhs []float64, w *CholeskyRealWork) error {
	if n < 0 || len(g) != n*n || len(x) != n || len(rhs) != n || (shift != nil && len(shift) != n) {
		panic(fmt.Sprintf("linalg: CholeskySolveReal n=%d with len(g)=%d len(x)=%d len(rhs)=%d len(shift)=%d", n, len(g), len(x), len(rhs), len(shift)))
	}
	if n == 0 {
		return nil
	}
	if err := checkFiniteReal(g, n, "CholeskySolveReal matrix"); err != nil {
		return err
	}
	if err := checkFiniteReal(rhs, 1, "CholeskySolveReal right-hand side"); err != nil {
		return err
	}
	if shift != nil {
		if err := checkFiniteReal(shift, 1, "CholeskySolveReal shift"); err != nil {
			return err
		}
	}
	if w == nil {
		w = new(CholeskyRealWork)
	}
	if len(w.a) != n*n {
		w.a = make([]float64, n*n)
	}
	copy(w.a, g)
	if shift != nil {
		for i, s := range shift {
			w.a[i*n+i] += s
		}
	}
	copy(x, rhs)
	// Row-major upper = column-major lower of the same memory.
	info := C.LAPACKE_dpotrf_work(C.LAPACK_COL_MAJOR, 'L', C.lapack_int(n), (*C.double)(unsafe.Pointer(&w.a[0])), C.lapack_int(n))
	switch {
	case info > 0:
		return fmt.Errorf("%w: %dx%d, leading minor %d", ErrNotPositiveDefinite, n, n, int(info))
	case info < 0:
		return fmt.Errorf("%w: dpotrf argument %d", ErrLAPACK, -int(info))
	}
	info = C.LAPACKE_dpotrs_work(C.LAPACK_COL_MAJOR, 'L', C.lapack_int(n), 1, (*C.double)(unsafe.Pointer(&w.a[0])), C.lapack_int(n),
		(*C.double)(unsafe.Pointer(&x[0])), C.lapack_int(n))
	if info != 0 {
		return fmt.Errorf("%w: dpotrs argument %d", ErrLAPACK, -int(info))
	}
	return nil
}
