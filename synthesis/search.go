package synthesis

import (
	"context"
	"fmt"
	"math"
	"math/bits"
	"slices"

	"go.uber.org/zap"

	"github.com/bqskit-mpi/bqskit-mpi/circuit"
	"github.com/bqskit-mpi/bqskit-mpi/linalg"
)

// Result is the outcome of a search.
type Result struct {
	// Circuit is the synthesized circuit over {cx, u3} (see ToCXU3), or
	// over {Options.Gate, u3}.
	Circuit *circuit.Circuit
	// Cost is c = 1 − |Tr(U†V)|/N of Circuit against the target.
	Cost float64
	// Layers is the number of layers (= two-qubit gates).
	Layers int
	// Expanded counts frontier nodes expanded; Instantiations counts
	// instantiation jobs run (initial layer included); Prefixes counts
	// LEAP prefix commits.
	Expanded, Instantiations, Prefixes int
}

// Synthesize is the compiler's entry point: it synthesizes target with
// the level's settings (multistarts 1, 2, 4, 8 and LEAP min prefix 3, 4,
// 7, 9 for levels 1..4; explicit non-zero opts fields win), using QSearch
// below 3 qubits and LEAP otherwise, as BQSKit's compile() does. It
// returns the circuit over {cx, u3} and its cost c = 1 − |Tr(U†V)|/N.
// When the threshold is not reached the best circuit is returned with an
// error wrapping ErrNotReached; on cancellation it returns an error
// wrapping ctx.Err() and no circuit.
func Synthesize(ctx context.Context, target linalg.Matrix, level int, opts Options) (*circuit.Circuit, float64, error) {
	ms, mp, err := LevelOptions(level)
	if err != nil {
		return nil, 0, err
	}
	if opts.Multistarts == 0 {
		opts.Multistarts = ms
	}
	if opts.MinPrefixSize == 0 {
		opts.MinPrefixSize = mp
	}
	var res *Result
	n, _ := numQubits(target)
	if n < 3 {
		res, err = QSearch(ctx, target, opts)
	} else {
		res, err = LEAP(ctx, target, opts)
	}
	if res == nil || ctx.Err() != nil {
		return nil, 0, err
	}
	return res.Circuit, res.Cost, err
}

// QSearch runs A* search synthesis (BQSKit's QSearchSynthesisPass): pop
// the best node, instantiate all its successors as one batch through the
// executor, return the first (in successor order) below the threshold,
// otherwise push them all.
func QSearch(ctx context.Context, target linalg.Matrix, opts Options) (*Result, error) {
	return search(ctx, target, opts, false)
}

// LEAP runs QSearch with prefix commits (BQSKit's LEAPSynthesisPass): at
// each new best cost, a least-squares line is fitted to the history of
// (layer, best cost) before it; when the new best lies above the line's
// prediction (BQSKit's test: predicted − cost < 0) and at least
// MinPrefixSize layers were added since the last prefix, the frontier is
// cleared and the search continues from that circuit.
func LEAP(ctx context.Context, target linalg.Matrix, opts Options) (*Result, error) {
	return search(ctx, target, opts, true)
}

func numQubits(target linalg.Matrix) (int, error) {
	d := target.Rows
	if d != target.Cols || d < 2 || bits.OnesCount(uint(d)) != 1 || len(target.Data) != d*d {
		return 0, fmt.Errorf("%w: target is %dx%d, want 2^n x 2^n with n >= 1", ErrInvalid, target.Rows, target.Cols)
	}
	return bits.TrailingZeros(uint(d)), nil
}

func search(ctx context.Context, target linalg.Matrix, opts Options, leap bool) (*Result, error) {
	n, err := numQubits(target)
	if err != nil {
		return nil, err
	}
	s, err := opts.resolve(n)
	if err != nil {
		return nil, err
	}
	for i, v := range target.Data {
		if math.IsNaN(real(v)) || math.IsNaN(imag(v)) || math.IsInf(real(v), 0) || math.IsInf(imag(v), 0) {
			return nil, fmt.Errorf("%w: target entry (%d, %d) is %v", ErrInvalid, i/target.Cols, i%target.Cols, v)
		}
	}
	if !linalg.IsUnitary(target, 1e-8) {
		return nil, fmt.Errorf("%w: target is not unitary (tolerance 1e-8)", ErrInvalid)
	}
	name := "qsearch"
	if leap {
		name = "leap"
	}
	log := s.log.Named(name)
	st := &Result{}
	// Each node's instantiation is `per` jobs: one per start when the
	// starts are split (the default), else one job running them all.
	per := s.multistarts
	if s.sequential {
		per = 1
	}
	addJobs := func(jobs []Job, pairs []Pair) []Job {
		base := jobSeed(s.seed, pairs)
		j := Job{NumQubits: n, Gate: s.gate, Pairs: pairs, Target: target, Seed: base,
			Multistarts: s.multistarts, SuccessThreshold: s.eps, Residual: s.residual, Solver: s.solver}
		if s.sequential {
			return append(jobs, j)
		}
		j.Multistarts = 1
		for k := 0; k < per; k++ {
			j.Seed = startSeed(base, k)
			jobs = append(jobs, j)
		}
		return jobs
	}
	// merge picks a node's result from its per jobs' results as a
	// sequential multistart would: the first start (in start order) below
	// the threshold, otherwise the first of the lowest cost.
	merge := func(rs []JobResult) JobResult {
		bi := 0
		for k, r := range rs {
			if r.Cost < s.eps {
				return r
			}
			if r.Cost < rs[bi].Cost {
				bi = k
			}
		}
		return rs[bi]
	}
	run := func(jobs []Job) ([]JobResult, error) {
		results, err := runJobs(ctx, s.exec, jobs)
		if err != nil {
			return nil, err
		}
		st.Instantiations += len(jobs)
		for i := range results {
			want := InitialParams(n) + LayerParams(s.gate)*len(jobs[i].Pairs)
			if len(results[i].Params) != want {
				return nil, fmt.Errorf("synthesis: executor returned %d parameters for job %d, want %d", len(results[i].Params), i, want)
			}
			if math.IsNaN(results[i].Cost) {
				results[i].Cost = math.Inf(1)
			}
		}
		out := make([]JobResult, len(jobs)/per)
		for i := range out {
			out[i] = merge(results[i*per : (i+1)*per])
		}
		return out, nil
	}
	finish := func(best *node, ferr error) (*Result, error) {
		c, err := ToU3With(BuildLayers(n, s.gate, best.pairs, best.params), s.gate)
		if err != nil {
			return nil, err
		}
		st.Circuit = c
		st.Cost = linalg.Cost(target, c.Unitary())
		st.Layers = len(best.pairs)
		return st, ferr
	}

	res, err := run(addJobs(nil, nil))
	if err != nil {
		return nil, err
	}
	best := &node{params: res[0].Params, cost: res[0].Cost}
	log.Debug("initial layer", zap.Float64("cost", best.cost))
	if best.cost < s.eps {
		return finish(best, nil)
	}
	var fr frontier
	fr.add(best)
	bestLayers := []float64{0}
	bestDists := []float64{best.cost}
	lastPrefix := 0

	for fr.Len() > 0 {
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("synthesis: %w", err)
		}
		top := fr.pop()
		st.Expanded++
		layer := len(top.pairs)
		succ := successors(n, s.coupling, top.pairs)
		if len(succ) == 0 {
			continue
		}
		jobs := make([]Job, 0, len(succ)*per)
		for _, p := range succ {
			jobs = addJobs(jobs, append(slices.Clip(top.pairs), p))
		}
		results, err := run(jobs)
		if err != nil {
			return nil, err
		}
		for i, r := range results {
			nd := &node{pairs: jobs[i*per].Pairs, params: r.Params, cost: r.Cost}
			if nd.cost < s.eps {
				log.Debug("success", zap.Int("layers", layer+1), zap.Float64("cost", nd.cost))
				return finish(nd, nil)
			}
			if nd.cost < best.cost {
				best = nd
				log.Debug("new best", zap.Int("layers", layer+1), zap.Float64("cost", nd.cost))
				if leap && leapCondition(layer+1, nd.cost, &bestLayers, &bestDists, lastPrefix, s.minPrefix) {
					log.Debug("prefix", zap.Int("layers", layer+1))
					lastPrefix = layer + 1
					fr.clear()
					st.Prefixes++
				}
			}
			// BQSKit adds a freshly committed prefix twice (once on
			// commit, once here); one copy is enough.
			if layer+1 < s.maxLayers {
				fr.add(nd)
			}
		}
	}
	log.Debug("frontier empty", zap.Int("best_layers", len(best.pairs)), zap.Float64("best_cost", best.cost))
	return finish(best, fmt.Errorf("%w: best cost %.3g with %d layers (threshold %g, layer limit %d)", ErrNotReached, best.cost, len(best.pairs), s.eps, s.maxLayers))
}

// leapCondition is LEAP's prefix rule: fit y = m·x + b by least squares
// to the (layer, best cost) history, predict the cost at newLayer, record
// the new point, and commit when the prediction is below the new cost
// and at least minPrefix layers were added since the last prefix.
func leapCondition(newLayer int, cost float64, layers, dists *[]float64, lastPrefix, minPrefix int) bool {
	xs, ys := *layers, *dists
	predicted := math.NaN()
	if len(xs) >= 2 {
		var mx, my float64
		for i := range xs {
			mx += xs[i]
			my += ys[i]
		}
		mx /= float64(len(xs))
		my /= float64(len(xs))
		var sxx, sxy float64
		for i := range xs {
			sxx += (xs[i] - mx) * (xs[i] - mx)
			sxy += (xs[i] - mx) * (ys[i] - my)
		}
		if sxx > 0 {
			m := sxy / sxx
			predicted = m*float64(newLayer) + (my - m*mx)
		}
	}
	*layers = append(xs, float64(newLayer))
	*dists = append(ys, cost)
	if math.IsNaN(predicted) {
		return false
	}
	return predicted-cost < 0 && newLayer-lastPrefix >= minPrefix
}
