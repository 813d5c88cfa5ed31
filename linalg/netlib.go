package linalg

import (
	"gonum.org/v1/gonum/blas"
	blasnetlib "gonum.org/v1/netlib/blas/netlib"
)

// blasImpl is the BLAS linalg calls through gonum's interfaces
// (blas.Float64, blas.Complex128): gonum's cgo binding to CBLAS
// (gonum.org/v1/netlib/blas/netlib), linked against OpenBLAS by the flags
// in cgo.go. It is a zero-size value named by type, so calls dispatch
// statically. LAPACK routines are called through
// gonum.org/v1/netlib/lapack/lapacke, whose functions are plain (gonum's
// lapack.Float64 interface is not implemented by netlib's lapack/netlib at
// the only version the module proxy serves, which does not build against
// gonum v0.17, and lapack.Complex128 is empty).
type blasImpl = blasnetlib.Implementation

// Compile-time checks that the implementation satisfies gonum's interfaces.
var (
	_ blas.Float64    = blasImpl{}
	_ blas.Complex128 = blasImpl{}
)
