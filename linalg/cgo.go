package linalg

// The netlib bindings (gonum.org/v1/netlib) carry no link flags of their own.
// This is the one place that names the native libraries they need:
// Debian's liblapacke-dev and libopenblas-dev.

/*
#cgo LDFLAGS: -llapacke -lopenblas
*/
import "C"
