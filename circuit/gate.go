package circuit

import "github.com/bqskit-mpi/bqskit-mpi/linalg"

// Gate is an immutable quantum gate type. Gate values are shared freely
// between goroutines; they hold no per-use state.
type Gate interface {
	// Name is the lower-case QASM name ("cx", "u3", ...). Gates with no QASM
	// form (general unitaries) return a descriptive name.
	Name() string
	// NumQubits is the number of qubits the gate acts on.
	NumQubits() int
	// NumParams is the number of real parameters.
	NumParams() int
	// Unitary writes the 2^k x 2^k unitary at params into dst, which the
	// caller sizes. It must not allocate.
	Unitary(params []float64, dst linalg.Matrix)
	// Grad writes dU/dparams[i] into dst[i] for every parameter. It must not
	// allocate. Gates with no parameters do nothing.
	Grad(params []float64, dst []linalg.Matrix)
}
