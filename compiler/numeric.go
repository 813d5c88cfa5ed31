package compiler

import (
	"context"
	"fmt"

	"go.uber.org/zap"

	"github.com/bqskit-mpi/bqskit-mpi/batch"
	"github.com/bqskit-mpi/bqskit-mpi/circuit"
	"github.com/bqskit-mpi/bqskit-mpi/instantiate"
	"github.com/bqskit-mpi/bqskit-mpi/linalg"
)

// instantiator finds parameters for c that make its unitary match target,
// from multistarts seeded random starts, stopping early below eps.
type instantiator func(ctx context.Context, c *circuit.Circuit, target linalg.Matrix, seed uint64, multistarts int, eps float64) ([]float64, float64, error)

func lmInstantiate(ctx context.Context, c *circuit.Circuit, target linalg.Matrix, seed uint64, multistarts int, eps float64) ([]float64, float64, error) {
	params, cost, err := instantiate.Instantiate(ctx, c, target, instantiate.Options{
		Seed: seed, Multistarts: multistarts, SuccessThreshold: eps, Method: instantiate.LM,
	})
	if err != nil {
		return nil, 0, fmt.Errorf("compiler: instantiation: %w", err)
	}
	return params, cost, nil
}

func newEngine(exec batch.Executor, seed uint64, blockSize int, log *zap.Logger) *engine {
	return &engine{exec: exec, seed: seed, blockSize: blockSize, log: log, data: &PassData{}, inst: lmInstantiate}
}
