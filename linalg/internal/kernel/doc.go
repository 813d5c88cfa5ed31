// Package kernel holds linalg's hand-written SIMD kernels (amd64 AVX2+FMA
// assembly). It is separate from linalg only because Go does not allow
// assembly files in a package that uses cgo. Callers check the boolean
// result and fall back to portable code when a kernel does not apply.
package kernel
