package linalg

import (
	"errors"
	"fmt"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/netlib/lapack/lapacke"
)

// ErrNotPositiveDefinite: the matrix handed to CholeskySolveReal (after
// adding its diagonal shift) is not numerically positive definite.
var ErrNotPositiveDefinite = errors.New("linalg: matrix is not positive definite")

// NormalEquationsReal sets g = AᵀA (cols x cols, row-major, both triangles
// filled) and atb = Aᵀb for the real rows x cols matrix A stored row-major
// in a, with b of len rows (atb may be nil to skip it). It uses BLAS
// dsyrk/dgemv (gonum's blas.Float64, implemented by gonum's netlib binding
// to OpenBLAS) and allocates nothing.
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
	// gonum's BLAS is row-major: a row-major A is rows x cols (lda =
	// cols) and AᵀA = Aᵀ·A; a column-major A is, read row-major, Aᵀ
	// (cols x rows, lda = rows), and AᵀA = Aᵀ·(Aᵀ)ᵀ.
	tr, lda := blas.Trans, cols
	if colMajor {
		tr, lda = blas.NoTrans, rows
	}
	blasImpl{}.Dsyrk(blas.Upper, tr, cols, rows, 1, a, lda, 0, g, cols)
	// dsyrk filled the upper triangle; mirror it.
	for i := 0; i < cols; i++ {
		for j := i + 1; j < cols; j++ {
			g[j*cols+i] = g[i*cols+j]
		}
	}
	if atb != nil {
		if colMajor {
			blasImpl{}.Dgemv(blas.NoTrans, cols, rows, 1, a, lda, b, 1, 0, atb, 1)
		} else {
			blasImpl{}.Dgemv(blas.Trans, rows, cols, 1, a, lda, b, 1, 0, atb, 1)
		}
	}
}

// CholeskyRealWork is a reusable workspace for CholeskySolveReal; the zero
// value is ready to use. Not safe for concurrent use.
type CholeskyRealWork struct {
	a []float64
}

// CholeskySolveReal solves (G + diag(shift))·x = rhs for a symmetric
// n x n matrix G (row-major; only its upper triangle is read) using LAPACK
// dpotrf (through gonum's netlib lapacke binding) and two BLAS dtrsv
// triangular solves (what dpotrs does, through gonum's blas.Float64).
// shift may be nil (no shift). G, shift and rhs are not modified; x (len
// n) may alias rhs. If the shifted matrix is not positive definite the
// error wraps ErrNotPositiveDefinite (for LM: raise λ and retry). With a
// reused w the call allocates no Go memory once n has been seen (LAPACKE's
// row-major dpotrf mallocs and frees a transposed copy in C).
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
	// LAPACKE's row-major interface (the only one gonum's lapacke binds)
	// copies the triangle to column-major storage and back on each call.
	// It reports failure without LAPACK's info: arguments are checked
	// above, so a failed dpotrf means a non-positive leading minor. The
	// factor U (G = UᵀU) is left in the upper triangle of w.a.
	if !lapacke.Dpotrf('U', n, w.a, n) {
		return fmt.Errorf("%w: %dx%d after the shift", ErrNotPositiveDefinite, n, n)
	}
	// dpotrs is two triangular solves with G = UᵀU: Uᵀy = rhs, U·x = y.
	// BLAS dtrsv does them in row-major order directly, which spares
	// LAPACKE's transposing copy of U.
	blasImpl{}.Dtrsv(blas.Upper, blas.Trans, blas.NonUnit, n, w.a, n, x, 1)
	blasImpl{}.Dtrsv(blas.Upper, blas.NoTrans, blas.NonUnit, n, w.a, n, x, 1)
	return nil
}
