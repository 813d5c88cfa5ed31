package compiler

import (
	"context"
	"fmt"
	"math/bits"

	"github.com/bqskit-mpi/bqskit-mpi/circuit"
	"github.com/bqskit-mpi/bqskit-mpi/linalg"
	"github.com/bqskit-mpi/bqskit-mpi/synthesis"
)

// synth synthesizes target over {CX, U3} (over {blockGate, U3} and on
// blockCoupling's pairs in a block task on a machine, see resynth.go): QSearch below 3 qubits, LEAP
// otherwise, as BQSKit's compile(). Each batch of successor instantiations
// runs as TaskInstantiate tasks through the engine's executor, so one
// large block spreads over many workers. A search that ends above the
// threshold returns its best circuit with an error wrapping
// synthesis.ErrNotReached.
//
// maxLayers bounds the number of CX layers (0: the synthesis default).
func (e *engine) synth(ctx context.Context, target linalg.Matrix, p Pass, seed uint64, maxLayers int) (*circuit.Circuit, error) {
	n := bits.Len(uint(target.Rows)) - 1
	if e.blockCoupled && len(e.blockCoupling) == 0 {
		return nil, fmt.Errorf("%w: the block has no coupled pair", synthesis.ErrNotReached)
	}
	opts := synthesis.Options{
		Multistarts:      max(p.Multistarts, 1),
		MinPrefixSize:    p.MinPrefix,
		Seed:             seed,
		SuccessThreshold: epsilonOf(p),
		MaxLayers:        maxLayers,
		Coupling:         e.blockCoupling,
		Gate:             e.blockGate,
		Executor:         e.exec,
		Logger:           e.log.Named("synthesis"),
	}
	var res *synthesis.Result
	var err error
	if n < 3 {
		res, err = synthesis.QSearch(ctx, target, opts)
	} else {
		res, err = synthesis.LEAP(ctx, target, opts)
	}
	if res == nil || res.Circuit == nil {
		if err == nil {
			err = fmt.Errorf("%w: synthesis returned no circuit", ErrUnsupported)
		}
		return nil, err
	}
	return res.Circuit, err
}
