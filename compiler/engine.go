package compiler

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"time"

	"go.uber.org/zap"

	"github.com/bqskit-mpi/bqskit-mpi/batch"
	"github.com/bqskit-mpi/bqskit-mpi/circuit"
	"github.com/bqskit-mpi/bqskit-mpi/linalg"
	"github.com/bqskit-mpi/bqskit-mpi/machine"
)

// StageData records the two-qubit count after one top-level pass.
type StageData struct {
	Pass          string  `json:"pass"`
	TwoQubitGates int     `json:"two_qubit_gates"`
	Seconds       float64 `json:"seconds"`
}

// BlockStageData records the per-block work of one for_each_block pass.
type BlockStageData struct {
	Pass     string    `json:"pass"`
	Blocks   int       `json:"blocks"`
	Replaced int       `json:"replaced"`
	Seconds  []float64 `json:"block_seconds"`
}

// PassData is what a compilation reports besides the circuit.
type PassData struct {
	// Stages lists the two-qubit count after every top-level pass, the
	// input first (pass "input").
	Stages []StageData `json:"stages"`
	// Blocks lists, per for_each_block pass, the seconds each block took.
	Blocks []BlockStageData `json:"blocks"`
	// ErrorBound combines the distances of accepted block replacements as
	// e = 1 − (1 − e)(1 − Σ d).
	ErrorBound float64 `json:"error_bound"`
	// Accepted counts accepted removals and replacements (each may add up
	// to ε to the cost).
	Accepted int `json:"accepted"`
	// Epsilon is the largest success threshold the workflow used.
	Epsilon float64 `json:"epsilon"`
	// InitialMapping and FinalMapping are set by the map pass: logical
	// qubit i (i ≥ the input's width: an idle ancilla) is on physical
	// qubit InitialMapping[i] at the start and FinalMapping[i] at the end.
	InitialMapping []int `json:"initial_mapping,omitempty"`
	FinalMapping   []int `json:"final_mapping,omitempty"`
	// ErrorThreshold is the request's error_threshold, and Refused counts
	// the block replacements and removals refused because they would
	// have taken the bound above it.
	ErrorThreshold *float64 `json:"error_threshold,omitempty"`
	Refused        int      `json:"refused_for_error,omitempty"`
}

// engine runs a workflow on a circuit.
type engine struct {
	exec      batch.Executor
	seed      uint64
	blockSize int
	log       *zap.Logger
	data      *PassData
	stage     uint64 // for_each_block executions so far (seed derivation)
	progress  func(done, total int)
	doneBlk   int
	totalBlk  int
	inst      instantiator
	// memo maps a block (its circuit and workflow) already processed in
	// this run to its result: an identical block later (loops re-partition
	// mostly unchanged circuits) gets the same result without new work.
	// It is filled in block order, so it does not depend on scheduling.
	memo map[[32]byte][]byte

	// stageProgress and stageName: see stage.go.
	stageProgress func(stage string, done, total int)
	stageName     string

	model *machine.Model // for the map and retarget_native passes

	input *circuit.Circuit // the compilation's input (keep_if_fewer's from_input)
	// errLimit is the error threshold (see withinErrorLimit); < 0: none.
	errLimit float64
	// blockModel, when set, gives each block of a for_each_block pass its
	// coupling and two-qubit gate (resynthesis on a machine, model.go).
	blockModel func(b *Block) (coupling [][2]int, gate string)
	// blockCoupling and blockGate restrict a block task's synthesis.
	blockCoupled  bool
	blockCoupling [][2]int
	blockGate     circuit.Gate
}

// mix derives a seed from a parent seed and indices (splitmix64 steps).
func mix(seed uint64, xs ...uint64) uint64 {
	z := seed
	for _, x := range xs {
		z += 0x9e3779b97f4a7c15 ^ x*0xbf58476d1ce4e5b9
		z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
		z = (z ^ (z >> 27)) * 0x94d049bb133111eb
		z ^= z >> 31
	}
	return z
}

func (e *engine) record(pass string, c *circuit.Circuit, start time.Time) {
	e.data.Stages = append(e.data.Stages, StageData{Pass: pass, TwoQubitGates: c.TwoQubitCount(), Seconds: time.Since(start).Seconds()})
}

// run executes top-level passes on c.
func (e *engine) run(ctx context.Context, passes []Pass, c *circuit.Circuit) (*circuit.Circuit, error) {
	var part *Partition
	for _, p := range passes {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		start := time.Now()
		var err error
		switch p.Name {
		case PassQuickPartition:
			k := p.BlockSize
			if k == 0 {
				k = e.blockSize
			}
			part, err = QuickPartition(c, k)
			if err != nil {
				return nil, err
			}
			e.log.Debug("partitioned", zap.Int("blocks", len(part.Blocks)), zap.Int("block_size", k))
			e.recordPartition(p.Name, part, start)
			continue
		case PassExtendBlockSize:
			part.ExtendBlockSize()
			continue
		case PassForEachBlock:
			if err := e.forEachBlock(ctx, p, part); err != nil {
				return nil, err
			}
			e.recordPartition(p.Name, part, start)
			continue
		case PassUnfold:
			c = part.Unfold()
			part = nil
		case PassWhileTwoQubitDrops, PassWhileChanging:
			c, err = e.loop(ctx, p, c)
		case PassKeepIfFewer:
			c, err = e.keepIfFewer(ctx, p, c)
		case PassMap, PassRetargetNative:
			c, err = e.modelPass(ctx, p, c)
		case PassResynthRouted, PassResynthNative:
			c, err = e.resynthPass(ctx, p, c)
		default:
			var acc int
			before := c
			c, acc, err = e.blockPass(ctx, p, c, nil, mix(e.seed, e.stage, 1<<32))
			if err == nil && acc > 0 {
				// Only small circuits get here (scanning at top level is
				// bounded), so the exact distance is cheap.
				d := linalg.Distance(before.Unitary(), c.Unitary())
				if bound := combineError(e.data.ErrorBound, d); e.withinErrorLimit(bound) {
					e.data.Accepted += acc
					e.data.ErrorBound = bound
				} else {
					c = before
					e.data.Refused++
				}
			}
		}
		if err != nil {
			return nil, err
		}
		e.record(p.Name, c, start)
	}
	if part != nil {
		c = part.Unfold()
	}
	return c, nil
}

func (e *engine) loop(ctx context.Context, p Pass, c *circuit.Circuit) (*circuit.Circuit, error) {
	iters := p.MaxIterations
	if iters == 0 {
		iters = DefaultLoopIters
	}
	for it := 0; it < iters; it++ {
		before := c
		next, err := e.run(ctx, p.Workflow, c)
		if err != nil {
			return nil, err
		}
		c = next
		e.log.Debug("loop iteration", zap.String("pass", p.Name), zap.Int("iteration", it),
			zap.Int("two_qubit_before", before.TwoQubitCount()), zap.Int("two_qubit_after", c.TwoQubitCount()))
		if p.Name == PassWhileTwoQubitDrops && twoQubitCost(c) >= twoQubitCost(before) {
			break
		}
		if p.Name == PassWhileChanging && sameOps(before, c) {
			break
		}
	}
	return c, nil
}

// keepIfFewer runs a keep_if_fewer pass: its workflow from c (from the
// compilation's input with from_input), whose result is kept only when it
// has fewer two-qubit gates (twoQubitCost) than c. Otherwise c is returned and the pass data's error bound,
// accepted count and mappings are those before the pass, so a rejected
// workflow adds no error.
func (e *engine) keepIfFewer(ctx context.Context, p Pass, c *circuit.Circuit) (*circuit.Circuit, error) {
	saved := *e.data
	from := c
	if p.Fresh {
		// The workflow's stages are numbered from the start, as in a
		// compilation of its own; later stages continue after both.
		outer := e.stage
		e.stage = 0
		defer func() { e.stage += outer }()
	}
	if p.FromInput {
		from = e.input
		// The alternative's error adds to none of the current circuit's.
		e.data.ErrorBound, e.data.Accepted = 0, 0
		e.data.InitialMapping, e.data.FinalMapping = nil, nil
	}
	next, err := e.run(ctx, p.Workflow, from)
	if err != nil {
		return nil, err
	}
	before, after := twoQubitCost(c), twoQubitCost(next)
	e.log.Debug("keep_if_fewer", zap.Int("two_qubit_before", before), zap.Int("two_qubit_after", after))
	if after < before {
		return next, nil
	}
	e.data.ErrorBound, e.data.Accepted = saved.ErrorBound, saved.Accepted
	e.data.InitialMapping, e.data.FinalMapping = saved.InitialMapping, saved.FinalMapping
	return c, nil
}

// twoQubitCost is c's two-qubit gate count with every gate on three or
// more qubits counted as its fixed decomposition's CX count: loops and
// keep_if_fewer compare circuits whose wide gates are still whole
// (retarget's keep_multi_qubit) with circuits where they were
// resynthesized.
func twoQubitCost(c *circuit.Circuit) int {
	n := 0
	for _, op := range c.Ops() {
		switch {
		case isDirective(op.Gate) || len(op.Qubits) < 2:
		case len(op.Qubits) == 2:
			n++
		default:
			b := &builder{out: circuit.New(c.NumQubits())}
			if err := b.op(op); err != nil {
				n++ // no decomposition: Retarget reports it when it runs
				continue
			}
			n += b.out.TwoQubitCount()
		}
	}
	return n
}

// hasWideGate reports whether c holds a gate on three or more qubits.
func hasWideGate(c *circuit.Circuit) bool {
	for _, op := range c.Ops() {
		if len(op.Qubits) >= 3 && !isDirective(op.Gate) {
			return true
		}
	}
	return false
}

// sameOps reports whether a and b have identical ops (gates, qubits, params).
func sameOps(a, b *circuit.Circuit) bool {
	if a.Len() != b.Len() {
		return false
	}
	for i, x := range a.Ops() {
		y := b.Op(i)
		if x.Gate != y.Gate || !slices.Equal(x.Qubits, y.Qubits) || !slices.Equal(x.Params, y.Params) {
			return false
		}
	}
	return true
}

// gateCounts returns the numbers of multi-qubit and single-qubit gates.
func gateCounts(ops []circuit.Op) (two, one int) {
	for _, op := range ops {
		switch {
		case isDirective(op.Gate):
		case len(op.Qubits) >= 2:
			two++
		default:
			one++
		}
	}
	return two, one
}

// blockArgs is the argument of the per-block task. Coupling and Gate,
// when set, restrict its synthesis to the block's coupled pairs and
// build it from that two-qubit gate (a machine's; see model.go).
type blockArgs struct {
	Circuit  wireCircuit `json:"circuit"`
	Workflow []Pass      `json:"workflow"`
	Seed     uint64      `json:"seed"`
	Coupled  bool        `json:"coupled,omitempty"`
	Coupling [][2]int    `json:"coupling,omitempty"`
	Gate     string      `json:"gate,omitempty"`
}

// blockResult is the per-block task's result.
type blockResult struct {
	Circuit  wireCircuit `json:"circuit"`
	Accepted int         `json:"accepted"`
	Distance float64     `json:"distance"`
	Seconds  float64     `json:"seconds"`
}

func (e *engine) forEachBlock(ctx context.Context, p Pass, part *Partition) error {
	e.stage++
	var idx []int       // partition index of every non-directive block
	var keys [][32]byte // memo key of every non-directive block
	var todo []int      // positions in idx that need a task
	var args [][]byte
	for i, b := range part.Blocks {
		if b.Directive {
			continue
		}
		wc := toWire(b.Circuit())
		ba := blockArgs{Circuit: wc, Workflow: p.Workflow, Seed: mix(e.seed, e.stage, uint64(i))}
		if e.blockModel != nil {
			ba.Coupling, ba.Gate = e.blockModel(&part.Blocks[i])
			ba.Coupled = true
		}
		key, err := blockKey(wc, p.Workflow, ba.Coupling, ba.Gate)
		if err != nil {
			return err
		}
		idx = append(idx, i)
		keys = append(keys, key)
		if _, ok := e.memo[key]; ok {
			continue
		}
		a, err := json.Marshal(ba)
		if err != nil {
			return fmt.Errorf("compiler: encoding block %d: %w", i, err)
		}
		todo = append(todo, len(idx)-1)
		args = append(args, a)
	}
	e.totalBlk += len(args)
	base := e.doneBlk
	e.stageName = StageName(p)
	e.report()
	computed, err := e.exec.Map(ctx, TaskBlock, args, func(finished int) {
		e.doneBlk = base + finished
		e.report()
	})
	if err != nil {
		return err
	}
	e.doneBlk = base + len(args)
	if e.memo == nil {
		e.memo = map[[32]byte][]byte{}
	}
	for j, pos := range todo {
		e.memo[keys[pos]] = computed[j]
	}
	res := make([][]byte, len(idx))
	for j := range idx {
		res[j] = e.memo[keys[j]]
	}
	e.log.Debug("for_each_block", zap.Int("blocks", len(idx)), zap.Int("computed", len(args)), zap.Int("reused", len(idx)-len(args)))
	stats := BlockStageData{Pass: PassForEachBlock, Blocks: len(idx), Seconds: make([]float64, len(idx))}
	sum := 0.0
	for j, raw := range res {
		var r blockResult
		if err := json.Unmarshal(raw, &r); err != nil {
			return fmt.Errorf("%w: block %d result: %v", ErrRequest, idx[j], err)
		}
		stats.Seconds[j] = r.Seconds
		nc, err := fromWire(r.Circuit)
		if err != nil {
			return fmt.Errorf("block %d result: %w", idx[j], err)
		}
		b := &part.Blocks[idx[j]]
		if nc.NumQubits() != len(b.Qubits) {
			return fmt.Errorf("%w: block %d result has %d qubits, want %d", ErrRequest, idx[j], nc.NumQubits(), len(b.Qubits))
		}
		o2, o1 := gateCounts(b.Ops)
		n2, n1 := gateCounts(nc.Ops())
		if old := b.Circuit(); hasWideGate(old) {
			// A gate kept whole (retarget's keep_multi_qubit) must not
			// survive the block: the fallback is its fixed decomposition,
			// and the new block is judged against that.
			fixed, err := Retarget(old)
			if err != nil {
				return fmt.Errorf("block %d: %w", idx[j], err)
			}
			f2, f1 := gateCounts(fixed.Ops())
			stats.Replaced++
			if !hasWideGate(nc) && (n2 < f2 || (n2 == f2 && n1 <= f1)) &&
				e.withinErrorLimit(combineError(e.data.ErrorBound, sum+r.Distance)) {
				b.SetCircuit(nc)
				e.data.Accepted += r.Accepted
				sum += r.Distance
			} else {
				b.SetCircuit(fixed)
			}
			continue
		}
		if n2 < o2 || (n2 == o2 && n1 < o1) {
			if !e.withinErrorLimit(combineError(e.data.ErrorBound, sum+r.Distance)) {
				e.data.Refused++
				continue
			}
			b.SetCircuit(nc)
			stats.Replaced++
			e.data.Accepted += r.Accepted
			sum += r.Distance
		}
	}
	e.data.ErrorBound = combineError(e.data.ErrorBound, sum)
	e.data.Blocks = append(e.data.Blocks, stats)
	e.log.Debug("for_each_block done", zap.Int("blocks", len(idx)), zap.Int("replaced", stats.Replaced))
	return nil
}

// blockKey identifies a block's work: its circuit and its workflow (and
// the coupling and gate its synthesis is restricted to).
func blockKey(c wireCircuit, w []Pass, coupling [][2]int, gate string) ([32]byte, error) {
	b, err := json.Marshal(struct {
		C  wireCircuit `json:"c"`
		W  []Pass      `json:"w"`
		CP [][2]int    `json:"cp,omitempty"`
		G  string      `json:"g,omitempty"`
	}{c, w, coupling, gate})
	if err != nil {
		return [32]byte{}, fmt.Errorf("compiler: encoding block key: %w", err)
	}
	return sha256.Sum256(b), nil
}

// epsilonOf returns a pass's success threshold: its success_threshold
// (default DefaultEpsilon), times PreciseFactor when precise is set.
func epsilonOf(p Pass) float64 {
	eps := DefaultEpsilon
	if p.SuccessThreshold > 0 {
		eps = p.SuccessThreshold
	}
	if p.Precise {
		eps *= PreciseFactor
	}
	return eps
}

// workflowEpsilon is the largest threshold any pass of w uses.
func workflowEpsilon(w []Pass) float64 {
	eps := DefaultEpsilon
	for _, p := range w {
		if p.Name == PassScanningGateRemoval || p.Name == PassSynthesize {
			eps = math.Max(eps, epsilonOf(p))
		}
		eps = math.Max(eps, workflowEpsilon(p.Workflow))
	}
	return eps
}
