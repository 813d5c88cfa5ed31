package compiler

import (
	"context"
	"fmt"
	"math/bits"

	"github.com/bqskit-mpi/bqskit-mpi/circuit"
	"github.com/bqskit-mpi/bqskit-mpi/linalg"
	"github.com/bqskit-mpi/bqskit-mpi/synthesis"
)

// synth synthesizes target over {CX, U3}: QSearch below 3 qubits, LEAP
// otherwise, as BQSKit's compile(). Each batch of successor instantiations
// runs as TaskInstantiate tasks through the engine's executor, so one
// large block spreads over many workers. A search that ends above the
// threshold returns its best circuit with an error wrapping
// synthesis.ErrNotReached.
//
// maxLayers bounds the number of CX layers (0: the synthesis default).
func (e *engine) synth(ctx context.Context, target linalg.Matrix, p Pass, seed uint64, maxLayers int) (*circuit.Circuit, error) {
	n := bits.Len(uint(target.Rows)) - 1
	opts := synthesis.Options{
		Multistarts:      max(p.Multistarts, 1),
		MinPrefixSize:    p.MinPrefix,
		Seed:             seed,
		SuccessThreshold: epsilonOf(p),
		MaxLayers:        maxLayers,
		Runner:           &batchRunner{exec: e.exec},
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

// batchRunner runs synthesis jobs as TaskInstantiate tasks.
type batchRunner struct{ exec Executor }

// Run implements synthesis.BatchRunner.
func (b *batchRunner) Run(ctx context.Context, jobs []synthesis.Job) ([]synthesis.JobResult, error) {
	args := make([][]byte, len(jobs))
	for i, j := range jobs {
		a, err := j.MarshalBinary()
		if err != nil {
			return nil, err
		}
		args[i] = a
	}
	raw, err := b.exec.Map(ctx, TaskInstantiate, args, nil)
	if err != nil {
		return nil, err
	}
	out := make([]synthesis.JobResult, len(raw))
	for i, r := range raw {
		if err := out[i].UnmarshalBinary(r); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// instantiateTask runs one encoded synthesis.Job.
func instantiateTask(ctx context.Context, args []byte) ([]byte, error) {
	var j synthesis.Job
	if err := j.UnmarshalBinary(args); err != nil {
		return nil, fmt.Errorf("%w: instantiation job: %w", ErrRequest, err)
	}
	r, err := synthesis.RunJob(ctx, j)
	if err != nil {
		return nil, err
	}
	return r.MarshalBinary()
}
