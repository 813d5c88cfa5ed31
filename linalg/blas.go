package linalg

/*
#include <complex.h>
#include <cblas.h>

// zgemm_rm computes C = op(A)·op(B) for row-major operands with alpha = 1,
// beta = 0 held on the C side, so the Go caller passes no pointers to
// scalars (which would escape to the heap on every call).
static void zgemm_rm(int ta, int tb, int m, int n, int k,
                     const void *a, int lda, const void *b, int ldb,
                     void *c, int ldc) {
	static const double complex one = 1.0, zero = 0.0;
	cblas_zgemm(CblasRowMajor, ta ? CblasConjTrans : CblasNoTrans,
	            tb ? CblasConjTrans : CblasNoTrans, m, n, k, &one, a, lda,
	            b, ldb, &zero, c, ldc);
}
*/
import "C"

import "unsafe"

// zgemm computes c (m x n) = op(a)·op(b) with OpenBLAS, all row-major;
// adjA/adjB select the conjugate transpose of a/b. Callers check shapes.
func zgemm(adjA, adjB bool, m, n, k int, a []complex128, lda int, b []complex128, ldb int, c []complex128, ldc int) {
	if m == 0 || n == 0 {
		return
	}
	if k == 0 {
		clear(c[:m*ldc])
		return
	}
	C.zgemm_rm(cbool(adjA), cbool(adjB), C.int(m), C.int(n), C.int(k),
		unsafe.Pointer(&a[0]), C.int(lda), unsafe.Pointer(&b[0]), C.int(ldb),
		unsafe.Pointer(&c[0]), C.int(ldc))
}

func cbool(b bool) C.int {
	if b {
		return 1
	}
	return 0
}

// SetBLASThreads sets the size of OpenBLAS's thread pool for this process
// (it is process-wide native state, like OPENBLAS_NUM_THREADS, which it
// overrides). Call it once at start-up, before any solver runs: with one
// rank or worker per core use 1, so that OpenBLAS does not start threads
// that compete with them. n < 1 panics.
func SetBLASThreads(n int) {
	if n < 1 {
		panic("linalg: SetBLASThreads needs n ≥ 1")
	}
	C.openblas_set_num_threads(C.int(n))
}

// BLASThreads returns the size of OpenBLAS's thread pool.
func BLASThreads() int { return int(C.openblas_get_num_threads()) }

// ptrLess reports whether p is at a lower address than q.
func ptrLess(p, q *complex128) bool {
	return uintptr(unsafe.Pointer(p)) < uintptr(unsafe.Pointer(q))
}
