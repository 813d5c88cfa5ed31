package linalg

/*
#include <complex.h>
#include <stdint.h>
#include <cblas.h>

// The thread-pool controls of the BLAS libraries linalg knows (OpenBLAS,
// MKL, BLIS), as weak references: a site build (-tags siteblas) may link a
// CBLAS that has none of them, and then they are null.
#pragma weak openblas_set_num_threads
#pragma weak openblas_get_num_threads
#pragma weak MKL_Set_Num_Threads
#pragma weak MKL_Get_Max_Threads
#pragma weak bli_thread_set_num_threads
#pragma weak bli_thread_get_num_threads
void openblas_set_num_threads(int);
int openblas_get_num_threads(void);
void MKL_Set_Num_Threads(int);
int MKL_Get_Max_Threads(void);
void bli_thread_set_num_threads(int64_t);
int64_t bli_thread_get_num_threads(void);

static int blas_set_threads(int n) {
	if (openblas_set_num_threads) { openblas_set_num_threads(n); return 1; }
	if (MKL_Set_Num_Threads) { MKL_Set_Num_Threads(n); return 1; }
	if (bli_thread_set_num_threads) { bli_thread_set_num_threads(n); return 1; }
	return 0;
}

static int blas_get_threads(void) {
	if (openblas_get_num_threads) return openblas_get_num_threads();
	if (MKL_Get_Max_Threads) return MKL_Get_Max_Threads();
	if (bli_thread_get_num_threads) return (int)bli_thread_get_num_threads();
	return 0;
}

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

// SetBLASThreads sets the size of the BLAS library's thread pool for this
// process (process-wide native state, like OPENBLAS_NUM_THREADS or
// MKL_NUM_THREADS, which it overrides): OpenBLAS's, MKL's or BLIS's,
// whichever is linked. Call it once at start-up, before any solver runs:
// with one rank or worker per core use 1, so that the library does not
// start threads that compete with them. It reports false, doing nothing,
// when the linked BLAS has none of these controls (a site build with
// another CBLAS). n < 1 panics.
func SetBLASThreads(n int) bool {
	if n < 1 {
		panic("linalg: SetBLASThreads needs n ≥ 1")
	}
	return C.blas_set_threads(C.int(n)) != 0
}

// BLASThreads returns the size of the BLAS library's thread pool (see
// SetBLASThreads), or 0 when the linked BLAS has no control linalg knows.
func BLASThreads() int { return int(C.blas_get_threads()) }

// ptrLess reports whether p is at a lower address than q.
func ptrLess(p, q *complex128) bool {
	return uintptr(unsafe.Pointer(p)) < uintptr(unsafe.Pointer(q))
}
