package instantiate

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/bqskit-mpi/bqskit-mpi/circuit"
	"github.com/bqskit-mpi/bqskit-mpi/linalg"
)

// seedStream is the second PCG word; the first is Options.Seed.
const seedStream = 0x9e3779b97f4a7c15

// Result describes one instantiation.
type Result struct {
	// Cost is c = 1 − |Tr(U†V)|/N at the returned parameters.
	Cost float64
	// Starts is the number of starts run (≤ Multistarts: the run stops
	// at the first success).
	Starts int
	// Iterations is the total number of LM iterations or QFactor sweeps.
	Iterations int
}

// Workspace instantiates one circuit structure repeatedly without
// allocating: it owns the circuit's evaluator and every solver buffer.
// It captures the structure when built (later edits to the circuit are
// not seen). A Workspace is not safe for concurrent use; use one per
// goroutine.
type Workspace struct {
	ev        *circuit.Evaluator
	n, dim    int
	np        int
	qfactorOK bool // every parameterized op is a circuit.UnitaryGate
	lmOK      bool // no op is a circuit.UnitaryGate

	prob    *frameProblem
	full    *unitaryProblem // full 2N² residual form (benchmark comparison)
	useFull bool
	lm      *lmWorkspace
	lmFull  *lmWorkspace
	qf      *qfWorkspace

	x   []float64
	pcg *rand.PCG
	rng *rand.Rand
}

// NewWorkspace captures c's structure. It fails (ErrInvalid) on a circuit
// wider than circuit.MaxUnitaryQubits.
func NewWorkspace(c *circuit.Circuit) (*Workspace, error) {
	if c.NumQubits() > circuit.MaxUnitaryQubits || c.NumQubits() < 1 {
		return nil, fmt.Errorf("%w: circuit has %d qubits, want 1..%d", ErrInvalid, c.NumQubits(), circuit.MaxUnitaryQubits)
	}
	w := &Workspace{n: c.NumQubits(), dim: 1 << c.NumQubits(), np: c.NumParams(), qfactorOK: true, lmOK: true}
	nvu := 0
	for _, op := range c.Ops() {
		if _, ok := op.Gate.(*circuit.UnitaryGate); ok {
			w.lmOK = false
			nvu++
		} else if op.Gate.NumParams() > 0 {
			w.qfactorOK = false
		}
	}
	if nvu == 0 {
		w.qfactorOK = false
	}
	w.ev = circuit.NewEvaluator(c)
	w.prob = newFrameProblem(c, w.ev)
	w.x = make([]float64, w.np)
	w.pcg = rand.NewPCG(0, seedStream)
	w.rng = rand.New(w.pcg)
	if w.lmOK {
		w.lm = newLMWorkspace(w.prob.numResiduals(), w.np)
	}
	if w.qfactorOK {
		w.qf = newQFWorkspace(c)
	}
	return w, nil
}

// NumParams is the number of circuit parameters.
func (w *Workspace) NumParams() int { return w.np }

// Instantiate searches parameters that make the circuit's unitary equal
// target up to global phase and writes the best found into dst
// (len(dst) == NumParams()). It returns the result of the best start.
// When ctx is cancelled it stops within an iteration or two and returns
// the best parameters so far with an error wrapping ctx.Err().
func (w *Workspace) Instantiate(ctx context.Context, target linalg.Matrix, opts Options, dst []float64) (Result, error) {
	if len(dst) != w.np {
		return Result{}, fmt.Errorf("%w: dst has %d entries, circuit has %d parameters", ErrInvalid, len(dst), w.np)
	}
	if target.Rows != w.dim || target.Cols != w.dim || len(target.Data) != w.dim*w.dim {
		return Result{}, fmt.Errorf("%w: target is %dx%d, circuit needs %dx%d", ErrInvalid, target.Rows, target.Cols, w.dim, w.dim)
	}
	for i, v := range target.Data {
		if math.IsNaN(real(v)) || math.IsNaN(imag(v)) || math.IsInf(real(v), 0) || math.IsInf(imag(v), 0) {
			return Result{}, fmt.Errorf("%w: target entry (%d, %d) is %v", ErrInvalid, i/w.dim, i%w.dim, v)
		}
	}
	o, err := opts.withDefaults(w.np)
	if err != nil {
		return Result{}, err
	}
	method := o.Method
	switch method {
	case Auto:
		method = LM
		if w.qfactorOK {
			method = QFactor
		}
	case LM:
		if !w.lmOK {
			return Result{}, fmt.Errorf("%w: LM cannot instantiate variable unitary gates (use QFactor)", ErrUnsupported)
		}
	case QFactor:
		if !w.qfactorOK {
			return Result{}, fmt.Errorf("%w: QFactor needs every parameterized gate to be a variable unitary gate", ErrUnsupported)
		}
	}
	if err := ctx.Err(); err != nil {
		return Result{}, fmt.Errorf("instantiate: %w", err)
	}
	w.prob.target = target
	w.prob.phaseInvariant = o.Residual == PhaseInvariant
	if w.useFull && w.full == nil {
		w.full = newUnitaryProblem(w.ev, w.dim)
		w.lmFull = newLMWorkspace(w.full.numResiduals(), w.np)
	}
	if w.full != nil {
		w.full.target = target
		w.full.phaseInvariant = w.prob.phaseInvariant
	}
	if w.np == 0 {
		w.ev.Unitary(w.x, w.prob.v)
		return Result{Cost: w.prob.successCost(), Starts: 1}, nil
	}

	w.pcg.Seed(o.Seed, seedStream)
	done := ctx.Done()
	best := Result{Cost: math.Inf(1)}
	var res Result
	for s := 0; s < o.Multistarts; s++ {
		var cost float64
		var iters int
		var cancelled bool
		if method == LM {
			if s == 0 && o.Start != nil {
				copy(w.x, o.Start)
			} else {
				for i := range w.x {
					w.x[i] = 2 * math.Pi * w.rng.Float64()
				}
			}
			settings := lmSettings{ftol: o.FunctionTolerance, gtol: o.GradientTolerance, ptol: o.ParameterTolerance, maxIter: o.MaxIterations, initialRadius: DefaultInitialRadius, successTol: o.SuccessThreshold}
			var st lmStatus
			w.lm.cholesky = o.Solver == CholeskySolver
			if w.useFull {
				w.lmFull.cholesky = w.lm.cholesky
				_, iters, st = w.lmFull.solve(done, w.full, w.x, settings)
			} else {
				_, iters, st = w.lm.solve(done, w.prob, w.x, settings)
			}
			cancelled = st == lmCancelled
			w.ev.Unitary(w.x, w.prob.v)
			cost = w.prob.successCost()
		} else {
			w.qf.randomStart(w.rng, w.x)
			cost, iters, cancelled = w.qf.solve(done, target, w.x, o.QFactor)
		}
		if math.IsNaN(cost) {
			cost = math.Inf(1)
		}
		res.Iterations += iters
		res.Starts++
		if cost < best.Cost || s == 0 {
			best.Cost = cost
			copy(dst, w.x)
		}
		if cancelled {
			break
		}
		if best.Cost < o.SuccessThreshold {
			break
		}
	}
	res.Cost = best.Cost
	if err := ctx.Err(); err != nil {
		return res, fmt.Errorf("instantiate: %w", err)
	}
	return res, nil
}

// Instantiate is the one-shot form: it builds a Workspace for c and
// returns the best parameters found and their cost c = 1 − |Tr(U†V)|/N.
// It does not modify c (call c.SetParams to apply the result).
func Instantiate(ctx context.Context, c *circuit.Circuit, target linalg.Matrix, opts Options) (params []float64, cost float64, err error) {
	w, err := NewWorkspace(c)
	if err != nil {
		return nil, 0, err
	}
	params = make([]float64, w.np)
	res, err := w.Instantiate(ctx, target, opts, params)
	if err != nil && res.Starts == 0 {
		return nil, 0, err
	}
	return params, res.Cost, err
}
