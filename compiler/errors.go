package compiler

import (
	"errors"
	"fmt"

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
	// ErrUnknownPass reports a workflow naming a pass the compiler does
	// not have; such an error also matches ErrWorkflow.
	ErrUnknownPass = errors.New("compiler: unknown pass")
)

// RequestError is an invalid request as NewPlan and ParseWorkflow report
// it: Kind is the sentinel it matches (ErrBadParam, ErrWorkflow,
// ErrUnknownPass, ErrUnsupported or ErrRequest) and Field the request
// field at fault (its JSON name: "optimization_level", "block_size",
// "workflow", "unitary", "qasm"; "" when none), so that front ends map it
// to their own codes without reading the message.
type RequestError struct {
	Kind  error
	Field string
	msg   string
}

// reqError builds a RequestError whose message is the kind's, then the
// formatted detail. An unknown pass reads as an invalid workflow.
func reqError(kind error, field, format string, args ...any) *RequestError {
	prefix := kind
	if kind == ErrUnknownPass {
		prefix = ErrWorkflow
	}
	return &RequestError{Kind: kind, Field: field, msg: prefix.Error() + ": " + fmt.Sprintf(format, args...)}
}

func (e *RequestError) Error() string { return e.msg }

// Unwrap returns the kind (and ErrWorkflow for an unknown pass).
func (e *RequestError) Unwrap() []error {
	if e.Kind == ErrUnknownPass {
		return []error{ErrUnknownPass, ErrWorkflow}
	}
	return []error{e.Kind}
}

// checkLevel and checkBlockSize are the one check of the optimization
// level and the block size (callers replace 0 by the default first).
func checkLevel(level int) error {
	if level < MinLevel || level > MaxLevel {
		return reqError(ErrBadParam, "optimization_level", "optimization_level: want an integer in [%d, %d], got %d", MinLevel, MaxLevel, level)
	}
	return nil
}

func checkBlockSize(bs int) error {
	if bs < MinBlockSize || bs > MaxBlockSize {
		return reqError(ErrBadParam, "block_size", "block_size: want an integer in [%d, %d], got %d", MinBlockSize, MaxBlockSize, bs)
	}
	return nil
}

// isDirective tells measure, reset and barrier apart from unitary gates.
func isDirective(g circuit.Gate) bool { return circuit.IsDirective(g) }
