package compiler

import (
	"context"
	"math/bits"
	"time"

	"go.uber.org/zap"

	"github.com/bqskit-mpi/bqskit-mpi/circuit"
	"github.com/bqskit-mpi/bqskit-mpi/linalg"
	"github.com/bqskit-mpi/bqskit-mpi/synthesis"
)

// QSDInputQubits is the narrowest unitary input decomposed by the Quantum
// Shannon Decomposition (synthesis.QSD) instead of searched by
// QSearch/LEAP: a generic 5-qubit unitary needs at least 252 CX, far
// beyond what search reaches in reasonable time. The QSD circuit then runs
// through the circuit workflow of the requested level (or the request's
// workflow, which is then a circuit workflow, not a block one), and the
// result is refined against the target when its cost is above
// unitaryPolishCost.
const QSDInputQubits = 5

// unitaryPolishCost: a QSD-based result whose cost (linalg.Cost) against
// the target is above this is refined by polish; unitaryMaxCost is the
// most it may keep after that (otherwise the exact QSD circuit is
// returned instead).
const (
	unitaryPolishCost = 1e-10
	unitaryMaxCost    = 1e-8
)

// qsdBlockThreshold is the success threshold the level workflow's
// removal and resynthesis passes get on a QSD circuit (instead of
// DefaultEpsilon): with 1e-8 per block, an inexact removal or two leave
// the whole circuit near cost 1e-8 (8e-9 measured on a 5-qubit unitary,
// one block whose removal LM cannot refine), and polishing a whole
// 6-qubit circuit from there took 4 minutes.
const qsdBlockThreshold = 1e-12

// qsdMaxLevel is the highest level whose workflow runs on a QSD circuit:
// level 3's resynthesis of every block of a 400-1700 CX circuit did not
// finish a 5-qubit target in 40 minutes, so levels 3 and 4 run level 2's
// workflow there (the exact QSD circuit shortened by gate removal).
const qsdMaxLevel = 2

// qsdLevel is the circuit workflow for a QSD circuit at level: Level's
// (at most qsdMaxLevel), with qsdBlockThreshold wherever a pass leaves the
// threshold unset.
func qsdLevel(level, blockSize int) ([]Pass, error) {
	if err := checkLevel(level); err != nil {
		return nil, err
	}
	w, err := Level(min(level, qsdMaxLevel), blockSize)
	if err != nil {
		return nil, err
	}
	return withThreshold(w, qsdBlockThreshold), nil
}

// withThreshold returns a copy of passes (nested workflows included) in
// which removal and resynthesis passes without a success threshold get
// eps.
func withThreshold(passes []Pass, eps float64) []Pass {
	out := make([]Pass, len(passes))
	for i, p := range passes {
		if p.SuccessThreshold == 0 && (p.Name == PassScanningGateRemoval || p.Name == PassSynthesize) {
			p.SuccessThreshold = eps
		}
		if p.Workflow != nil {
			p.Workflow = withThreshold(p.Workflow, eps)
		}
		out[i] = p
	}
	return out
}

// viaQSD reports whether the plan's input is a unitary wide enough for the
// Quantum Shannon Decomposition (QSDInputQubits and more).
func (p *Plan) viaQSD() bool {
	return p.Target != nil && bits.Len(uint(p.Target.Rows))-1 >= QSDInputQubits
}

// runQSD compiles a wide unitary target: the exact QSD circuit (stage
// "qsd"), the circuit workflow passes on it (partitioning and per-block
// resynthesis shorten it), then a check against the target: a result
// whose cost is above unitaryPolishCost is refined from its parameters
// (polish, stage "polish"), and one still at unitaryMaxCost or above is
// dropped for the QSD circuit itself, which is exact to rounding.
func (e *engine) runQSD(ctx context.Context, passes []Pass, target linalg.Matrix, seed uint64) (*circuit.Circuit, error) {
	start := time.Now()
	exact, err := synthesis.QSD(ctx, target, synthesis.QSDOptions{Seed: seed})
	if err != nil {
		return nil, err
	}
	e.record("qsd", exact, start)
	c, err := e.run(ctx, passes, exact.Clone())
	if err != nil {
		return nil, err
	}
	return e.checkUnitary(ctx, c, exact, target)
}

// checkUnitary is runQSD's last step: c, the workflow's result, is
// refined when its cost against target is above unitaryPolishCost and
// replaced by exact (the QSD circuit) when it stays at unitaryMaxCost or
// above.
func (e *engine) checkUnitary(ctx context.Context, c, exact *circuit.Circuit, target linalg.Matrix) (*circuit.Circuit, error) {
	cost := linalg.Cost(target, c.Unitary())
	if cost > unitaryPolishCost {
		start := time.Now()
		before := cost
		c = polish(ctx, c, target)
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		cost = linalg.Cost(target, c.Unitary())
		e.record("polish", c, start)
		e.log.Debug("unitary target: polished", zap.Float64("cost_before", before), zap.Float64("cost_after", cost))
	}
	if !(cost < unitaryMaxCost) {
		e.log.Warn("compiled circuit too far from the unitary target; returning the QSD circuit",
			zap.Float64("cost", cost), zap.Int("qsd_two_qubit_gates", exact.TwoQubitCount()))
		return exact, nil
	}
	return c, nil
}
