package service

import (
	"fmt"

	"go.uber.org/zap"

	"github.com/bqskit-mpi/bqskit-mpi/compiler"
	"github.com/bqskit-mpi/bqskit-mpi/hierarchy"
)

// RegisterCompiler registers the compiler's tasks in reg
// (compiler.RegisterWithLogger): inside the runtime their batches become
// subtasks, their progress and logs reach the client, and log, when not
// nil, also receives every record. Every process of a distributed runtime
// must call it on its registry (the same names everywhere).
func RegisterCompiler(reg *hierarchy.Registry, log *zap.Logger) error {
	if err := compiler.RegisterWithLogger(reg, log); err != nil {
		return fmt.Errorf("service: %w", err)
	}
	return nil
}
