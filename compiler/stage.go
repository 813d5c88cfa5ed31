package compiler

import (
	"context"
	"time"

	"go.uber.org/zap"

	"github.com/bqskit-mpi/bqskit-mpi/batch"
)

// Stage names, as progress reports give them.
const (
	StageResynthesis = "resynthesis"
	StageGateRemoval = "gate removal"
	StageRetarget    = "retarget"
	StageBlocks      = "blocks"
)

// StageName names the work a for_each_block pass does to its blocks, for
// progress displays: "resynthesis" when its workflow synthesizes,
// "gate removal" when it removes gates, "retarget" when it only
// retargets, else "blocks".
func StageName(p Pass) string {
	var synth, removal, retarget bool
	var walk func([]Pass)
	walk = func(ps []Pass) {
		for _, q := range ps {
			switch q.Name {
			case PassSynthesize:
				synth = true
			case PassScanningGateRemoval:
				removal = true
			case PassRetarget:
				retarget = true
			}
			walk(q.Workflow)
		}
	}
	walk(p.Workflow)
	switch {
	case synth:
		return StageResynthesis
	case removal:
		return StageGateRemoval
	case retarget:
		return StageRetarget
	}
	return StageBlocks
}

// report sends the blocks done and total to the progress callbacks.
func (e *engine) report() {
	if e.progress != nil {
		e.progress(e.doneBlk, e.totalBlk)
	}
	if e.stageProgress != nil {
		e.stageProgress(e.stageName, e.doneBlk, e.totalBlk)
	}
}

// compileStaged is Compile with a stage-naming progress callback too.
func compileStaged(ctx context.Context, r Request, exec batch.Executor, log *zap.Logger, progress func(done, total int), stageProgress func(stage string, done, total int)) (Result, error) {
	p, err := NewPlan(r)
	if err != nil {
		return Result{}, err
	}
	c, data, err := p.run(ctx, exec, log, progress, stageProgress)
	if err != nil {
		return Result{}, err
	}
	res := resultFor(c, data, r.WithMapping)
	if r.RequestData {
		res.Data = data
	}
	return res, nil
}

// recordPartition records a pass that leaves the circuit partitioned
// (quick_partition, for_each_block): the two-qubit count is the blocks'.
func (e *engine) recordPartition(pass string, part *Partition, start time.Time) {
	two := 0
	for _, b := range part.Blocks {
		n, _ := gateCounts(b.Ops)
		two += n
	}
	e.data.Stages = append(e.data.Stages, StageData{Pass: pass, TwoQubitGates: two, Seconds: time.Since(start).Seconds()})
}
