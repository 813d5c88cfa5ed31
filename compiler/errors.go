package compiler

import (
	"errors"

	"github.com/bqskit-mpi/bqskit-mpi/circuit"
)

// Sentinel errors; wrapped with %w and a message naming the field or op.
var (
	// ErrBadParam reports an out-of-range or malformed option or pass parameter.
	ErrBadParam = errors.New("compiler: bad parameter")
	// ErrWorkflow reports an invalid workflow specification.
	ErrWorkflow = errors.New("compiler: invalid workflow")
	// ErrUnsupported reports an input the compiler cannot handle (gate, size).
	ErrUnsupported = errors.New("compiler: unsupported input")
	// ErrRequest reports a request or task argument that cannot be decoded.
	ErrRequest = errors.New("compiler: bad request")
	// ErrVerify reports a verification that could not be carried out.
	ErrVerify = errors.New("compiler: verification")
)

// isDirective tells measure, reset and barrier apart from unitary gates.
func isDirective(g circuit.Gate) bool { return circuit.IsDirective(g) }
