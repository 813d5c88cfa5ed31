//go:build !siteblas

package linalg

// This is the one place that names the native libraries linalg's cgo calls
// (blas.go, lapack.go) link against: Debian's liblapacke-dev and
// libopenblas-dev. gonum.org/v1/netlib carries no link flags of its own
// either, so a package that uses it must import linalg.
//
// Built with -tags siteblas this file drops out, and CGO_LDFLAGS alone names
// the CBLAS and LAPACKE libraries (MKL, a site OpenBLAS, ...); the Makefile
// sets both through scripts/cgo-flags.sh.

/*
#cgo LDFLAGS: -llapacke -lopenblas
*/
import "C"
