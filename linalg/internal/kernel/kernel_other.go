//go:build !amd64

package kernel

// HasAVX2FMA is false: there is no vector kernel on this architecture.
const HasAVX2FMA = false

// ZMul has no vector kernel on this architecture and always reports false.
func ZMul(dst, a, b []complex128, m, k, n int) bool { return false }

// Apply1 has no vector kernel on this architecture and always reports false.
func Apply1(x []complex128, s int, g00, g01, g10, g11 complex128) bool { return false }

// Apply2 has no vector kernel on this architecture and always reports false.
func Apply2(x []complex128, s0, s1 int, g *[16]complex128) bool { return false }
