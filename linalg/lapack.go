package linalg

/*
#include <lapacke.h>
*/
import "C"

import (
	"errors"
	"fmt"
	"math"
	"unsafe"

	"gonum.org/v1/netlib/lapack/lapacke"
)

// Sentinel errors; returned errors wrap them (test with errors.Is).
var (
	// ErrNotFinite: an input entry is NaN or infinite.
	ErrNotFinite = errors.New("linalg: non-finite input")
	// ErrNoConvergence: LAPACK's SVD iteration did not converge.
	ErrNoConvergence = errors.New("linalg: SVD did not converge")
	// ErrRankDeficient: the least-squares matrix does not have full rank.
	ErrRankDeficient = errors.New("linalg: matrix is rank deficient")
	// ErrLAPACK: LAPACK rejected an argument (a bug in this package).
	ErrLAPACK = errors.New("linalg: LAPACK argument error")
)

// zgesvd and zgels are called through gonum.org/v1/netlib/lapack/lapacke,
// which binds LAPACKE's row-major interface only: LAPACKE copies each
// matrix argument to column-major storage (a C malloc and a transpose) and
// back on every call. Its functions report success as a bool without
// LAPACK's info, so those errors cannot say which diagonal or
// superdiagonal failed; arguments are checked here first, so a false
// return is a numerical failure.
//
// dgels (LeastSquaresReal, LM's QR step) is the one routine still called
// directly through cgo, in column-major layout: through netlib it made the
// 4-layer instantiation benchmark with the QR solver 12.5% slower (see
// doc.go), over the 5% the design allows.

// SVD is a reusable workspace for singular value decompositions
// A = U·diag(s)·V† of rows x cols complex matrices (LAPACK zgesvd). The zero
// value is ready to use; storage is allocated when a shape (or, for one
// shape, the full variant) is first seen, so repeated factorisations of one
// shape allocate nothing, whichever variants they alternate between. An SVD
// must not be used by several goroutines at once.
type SVD struct {
	rows, cols int
	shaped     bool // buffers below belong to rows x cols
	full       bool // the last Factorize computed U and V†
	valid      bool // the last Factorize succeeded

	a     []complex128 // copy of the input (zgesvd destroys it)
	s     []float64
	u     []complex128 // rows x rows, row-major (nil until full is used)
	vh    []complex128 // cols x cols, row-major
	work  []complex128
	lwork [2]int // optimal lwork for values only / full; 0 = not queried
	rwork []float64
	dummy []complex128
}

// ensure readies the buffers for a rows x cols factorisation of the given
// variant.
func (w *SVD) ensure(rows, cols int, full bool) error {
	if !w.shaped || w.rows != rows || w.cols != cols {
		mn := min(rows, cols)
		*w = SVD{rows: rows, cols: cols, shaped: true}
		w.a = make([]complex128, rows*cols)
		w.s = make([]float64, mn)
		w.rwork = make([]float64, max(1, 5*mn))
		w.dummy = make([]complex128, 1)
		w.work = make([]complex128, 1)
	}
	v := 0
	if full {
		v = 1
		if w.u == nil {
			w.u = make([]complex128, rows*rows)
			w.vh = make([]complex128, cols*cols)
		}
	}
	if w.lwork[v] != 0 {
		return nil
	}
	if min(rows, cols) == 0 {
		// Nothing to factorise: the factors of an empty matrix are
		// identities of their (possibly zero) sizes.
		if full {
			Matrix{Rows: rows, Cols: rows, Data: w.u}.SetIdentity()
			Matrix{Rows: cols, Cols: cols, Data: w.vh}.SetIdentity()
		}
		w.lwork[v] = 1
		return nil
	}
	var opt [1]complex128
	if !w.call(full, opt[:], -1) {
		return fmt.Errorf("%w: zgesvd workspace query for %dx%d failed", ErrLAPACK, rows, cols)
	}
	w.lwork[v] = max(1, int(real(opt[0])))
	if w.lwork[v] > len(w.work) {
		w.work = make([]complex128, w.lwork[v])
	}
	return nil
}

// call runs zgesvd on the row-major rows x cols copy in w.a (destroyed),
// writing U (rows x rows) and V† (cols x cols) row-major when full is set.
func (w *SVD) call(full bool, work []complex128, lwork int) bool {
	job := byte('N')
	uBuf, ldu := w.dummy, 1
	vtBuf, ldvt := w.dummy, 1
	if full {
		job = 'A'
		uBuf, ldu = w.u, w.rows
		vtBuf, ldvt = w.vh, w.cols
	}
	// Only called with rows, cols ≥ 1, so every buffer is non-empty.
	return lapacke.Zgesvd(job, job, w.rows, w.cols, w.a, w.cols, w.s, uBuf, ldu, vtBuf, ldvt, work, lwork, w.rwork)
}

// Factorize computes the SVD of a. With full set it also computes the
// square factors U (a.Rows x a.Rows) and V† (a.Cols x a.Cols); otherwise
// only the singular values. a is not modified. Results stay valid until the
// next Factorize.
func (w *SVD) Factorize(a Matrix, full bool) error {
	if len(a.Data) != a.Rows*a.Cols {
		panic(fmt.Sprintf("linalg: SVD of a %dx%d matrix with %d entries", a.Rows, a.Cols, len(a.Data)))
	}
	w.valid = false
	if err := checkFinite(a.Data, a.Cols, "SVD"); err != nil {
		return err
	}
	if err := w.ensure(a.Rows, a.Cols, full); err != nil {
		return err
	}
	w.full = full
	if len(a.Data) == 0 {
		w.valid = true
		return nil // ensure set the identity factors
	}
	copy(w.a, a.Data)
	if !w.call(full, w.work, len(w.work)) {
		return fmt.Errorf("%w: %dx%d matrix", ErrNoConvergence, a.Rows, a.Cols)
	}
	w.valid = true
	return nil
}

// Values returns the singular values of the last factorised matrix in
// descending order (min(rows, cols) of them). The slice is the workspace's
// own: copy it to keep it past the next Factorize. It panics if the last
// Factorize failed or none was made.
func (w *SVD) Values() []float64 {
	if !w.valid {
		panic("linalg: SVD.Values without a successful Factorize")
	}
	return w.s
}

// U returns the left singular vectors (rows x rows, unitary, columns in the
// order of Values) of the last factorised matrix; it panics unless that
// Factorize had full set. The matrix is the workspace's own storage.
func (w *SVD) U() Matrix {
	if !w.valid || !w.full {
		panic("linalg: SVD.U without a successful full factorisation")
	}
	return Matrix{Rows: w.rows, Cols: w.rows, Data: w.u}
}

// VH returns V† (cols x cols, unitary; row i is the conjugate of the i-th
// right singular vector) of the last factorised matrix; it panics unless
// that Factorize had full set. The matrix is the workspace's own storage.
func (w *SVD) VH() Matrix {
	if !w.valid || !w.full {
		panic("linalg: SVD.VH without a successful full factorisation")
	}
	return Matrix{Rows: w.cols, Cols: w.cols, Data: w.vh}
}

func checkFinite(d []complex128, cols int, what string) error {
	for i, v := range d {
		if math.IsNaN(real(v)) || math.IsNaN(imag(v)) || math.IsInf(real(v), 0) || math.IsInf(imag(v), 0) {
			return fmt.Errorf("%w: %s input entry (%d, %d) is %v", ErrNotFinite, what, i/cols, i%cols, v)
		}
	}
	return nil
}

func checkFiniteReal(d []float64, cols int, what string) error {
	for i, v := range d {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return fmt.Errorf("%w: %s entry (%d, %d) is %v", ErrNotFinite, what, i/cols, i%cols, v)
		}
	}
	return nil
}

// checkFiniteRealLayout is checkFiniteReal naming (row, col) for either
// storage order.
func checkFiniteRealLayout(d []float64, rows, cols int, colMajor bool, what string) error {
	if !colMajor {
		return checkFiniteReal(d, cols, what)
	}
	for i, v := range d {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return fmt.Errorf("%w: %s entry (%d, %d) is %v", ErrNotFinite, what, i%rows, i/rows, v)
		}
	}
	return nil
}

// LeastSquaresWork is a reusable workspace for LeastSquares. The zero
// value is ready to use; storage is reallocated only when the problem shape
// changes. Not safe for concurrent use.
type LeastSquaresWork struct {
	m, n, nrhs int
	ready      bool
	a, b, work []complex128
}

func (w *LeastSquaresWork) ensure(m, n, nrhs int) error {
	if w.ready && w.m == m && w.n == n && w.nrhs == nrhs {
		return nil
	}
	w.m, w.n, w.nrhs, w.ready = m, n, nrhs, false
	w.a = make([]complex128, max(1, m*n))
	w.b = make([]complex128, max(1, max(m, n)*nrhs))
	var opt [1]complex128
	if !lapacke.Zgels('N', m, n, nrhs, w.a, max(1, n), w.b, max(1, nrhs), opt[:], -1) {
		return fmt.Errorf("%w: zgels workspace query for %dx%d failed", ErrLAPACK, m, n)
	}
	w.work = make([]complex128, max(1, int(real(opt[0]))))
	w.ready = true
	return nil
}

// LeastSquares sets x to the solution of min ‖a·x − b‖_F (LAPACK zgels,
// Householder QR; for a.Rows < a.Cols the minimum-norm solution, via LQ).
// a is m x n, b is m x r, x must be n x r; a and b are not modified. a must
// have full rank, otherwise the error wraps ErrRankDeficient. w may be nil
// (a temporary workspace is allocated); with a reused w the call allocates
// nothing once the shape has been seen.
func LeastSquares(x, a, b Matrix, w *LeastSquaresWork) error {
	m, n, r := a.Rows, a.Cols, b.Cols
	if b.Rows != m || x.Rows != n || x.Cols != r || len(a.Data) != m*n || len(b.Data) != m*r || len(x.Data) != n*r {
		panic(fmt.Sprintf("linalg: LeastSquares shapes x %dx%d, a %dx%d, b %dx%d", x.Rows, x.Cols, a.Rows, a.Cols, b.Rows, b.Cols))
	}
	if m == 0 || n == 0 || r == 0 {
		clear(x.Data)
		return nil
	}
	if err := checkFinite(a.Data, n, "LeastSquares matrix"); err != nil {
		return err
	}
	if err := checkFinite(b.Data, r, "LeastSquares right-hand side"); err != nil {
		return err
	}
	if w == nil {
		w = new(LeastSquaresWork)
	}
	if err := w.ensure(m, n, r); err != nil {
		return err
	}
	// Row-major: a is m x n (lda = n), b is max(m, n) x r (ldb = r); the
	// solution comes back in b's first n rows.
	copy(w.a, a.Data)
	copy(w.b, b.Data)
	if !lapacke.Zgels('N', m, n, r, w.a, n, w.b, r, w.work, len(w.work)) {
		return fmt.Errorf("%w: %dx%d matrix has a zero diagonal in its triangular factor", ErrRankDeficient, m, n)
	}
	copy(x.Data, w.b[:n*r])
	return nil
}

// LeastSquaresRealWork is a reusable workspace for LeastSquaresReal. The
// zero value is ready to use; storage is reallocated only when the problem
// shape changes. Not safe for concurrent use.
type LeastSquaresRealWork struct {
	m, n       int
	ready      bool
	a, b, work []float64
}

func (w *LeastSquaresRealWork) ensure(m, n int) error {
	if w.ready && w.m == m && w.n == n {
		return nil
	}
	w.m, w.n, w.ready = m, n, false
	w.a = make([]float64, max(1, m*n))
	w.b = make([]float64, max(1, m, n))
	var opt [1]float64
	info := C.LAPACKE_dgels_work(C.LAPACK_COL_MAJOR, 'N', C.lapack_int(m), C.lapack_int(n), 1,
		(*C.double)(unsafe.Pointer(&w.a[0])), C.lapack_int(max(1, m)),
		(*C.double)(unsafe.Pointer(&w.b[0])), C.lapack_int(max(1, m, n)),
		(*C.double)(unsafe.Pointer(&opt[0])), -1)
	if info != 0 {
		return fmt.Errorf("%w: dgels workspace query for %dx%d returned info %d", ErrLAPACK, m, n, int(info))
	}
	w.work = make([]float64, max(1, int(opt[0])))
	w.ready = true
	return nil
}

// LeastSquaresReal sets x (len cols) to the solution of min ‖A·x − b‖₂ for
// the real rows x cols matrix A stored row-major in a (len rows·cols) and b
// of len rows (LAPACK dgels, Householder QR; for rows < cols the
// minimum-norm solution). a and b are not modified. A must have full rank,
// otherwise the error wraps ErrRankDeficient. w may be nil (a temporary
// workspace is allocated); with a reused w the call allocates nothing once
// the shape has been seen. This is the inner solve of Levenberg–Marquardt:
// pass the damped system [J; √λ·D] and [−r; 0].
func LeastSquaresReal(x, a []float64, rows, cols int, b []float64, w *LeastSquaresRealWork) error {
	return leastSquaresReal(x, a, rows, cols, b, w, false)
}

// LeastSquaresRealColMajor is LeastSquaresReal for A stored column-major
// (element (i, j) at a[i+j·rows]), which saves the transposing copy.
func LeastSquaresRealColMajor(x, a []float64, rows, cols int, b []float64, w *LeastSquaresRealWork) error {
	return leastSquaresReal(x, a, rows, cols, b, w, true)
}

func leastSquaresReal(x, a []float64, rows, cols int, b []float64, w *LeastSquaresRealWork, colMajor bool) error {
	if rows < 0 || cols < 0 || len(a) != rows*cols || len(b) != rows || len(x) != cols {
		panic(fmt.Sprintf("linalg: LeastSquaresReal shapes %dx%d with len(a)=%d len(b)=%d len(x)=%d", rows, cols, len(a), len(b), len(x)))
	}
	if rows == 0 || cols == 0 {
		clear(x)
		return nil
	}
	if err := checkFiniteRealLayout(a, rows, cols, colMajor, "LeastSquaresReal matrix"); err != nil {
		return err
	}
	if err := checkFiniteReal(b, 1, "LeastSquaresReal right-hand side"); err != nil {
		return err
	}
	if w == nil {
		w = new(LeastSquaresRealWork)
	}
	if err := w.ensure(rows, cols); err != nil {
		return err
	}
	m, n := rows, cols
	if colMajor {
		copy(w.a, a)
	} else {
		for i := 0; i < m; i++ {
			row := a[i*n : i*n+n]
			for j, v := range row {
				w.a[i+j*m] = v
			}
		}
	}
	copy(w.b, b)
	info := C.LAPACKE_dgels_work(C.LAPACK_COL_MAJOR, 'N', C.lapack_int(m), C.lapack_int(n), 1,
		(*C.double)(unsafe.Pointer(&w.a[0])), C.lapack_int(m),
		(*C.double)(unsafe.Pointer(&w.b[0])), C.lapack_int(max(m, n)),
		(*C.double)(unsafe.Pointer(&w.work[0])), C.lapack_int(len(w.work)))
	switch {
	case info > 0:
		return fmt.Errorf("%w: %dx%d matrix, zero diagonal %d in its triangular factor", ErrRankDeficient, m, n, int(info))
	case info < 0:
		return fmt.Errorf("%w: dgels argument %d", ErrLAPACK, -int(info))
	}
	copy(x, w.b[:n])
	return nil
}
