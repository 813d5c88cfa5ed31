package instantiate

import (
	"errors"
	"fmt"
)

// Sentinel errors.
var (
	// ErrInvalid: bad options or a target that does not fit the circuit.
	ErrInvalid = errors.New("instantiate: invalid input")
	// ErrUnsupported: the circuit cannot be instantiated by the chosen
	// method (e.g. LM on variable unitary gates, QFactor on fixed-form
	// parameterized gates).
	ErrUnsupported = errors.New("instantiate: unsupported circuit")
)

// Method selects the optimiser.
type Method int

const (
	// Auto uses QFactor when every parameterized op of the circuit is a
	// variable unitary gate (circuit.UnitaryGate), LM otherwise.
	Auto Method = iota
	// LM is Levenberg–Marquardt (Ceres-style trust region; Options.Solver
	// picks the linear solve).
	LM
	// QFactor is the SVD sweep for circuits of variable unitary gates.
	QFactor
)

func (m Method) String() string {
	switch m {
	case Auto:
		return "auto"
	case LM:
		return "lm"
	case QFactor:
		return "qfactor"
	}
	return fmt.Sprintf("Method(%d)", int(m))
}

// Residual selects the least-squares residual LM minimises.
type Residual int

const (
	// DefaultResidual is PhaseInvariant (measured to help; see the
	// package documentation).
	DefaultResidual Residual = iota
	// BQSKitResidual is r = vec(V·U† − I) (as BQSKit): not phase-invariant.
	BQSKitResidual
	// PhaseInvariant is r = vec(e^{−iφ}V − U), φ = arg Tr(U†V).
	PhaseInvariant
)

func (r Residual) String() string {
	switch r {
	case DefaultResidual:
		return "default"
	case BQSKitResidual:
		return "bqskit"
	case PhaseInvariant:
		return "phase-invariant"
	}
	return fmt.Sprintf("Residual(%d)", int(r))
}

// Solver selects how LM solves its damped linear least-squares step.
type Solver int

const (
	// CholeskySolver (the default, the zero value) solves the normal
	// equations (JᵀJ + D²)·step = −Jᵀr by Cholesky, forming JᵀJ once per
	// Jacobian: measured 1.6–1.8× less CPU per instantiation than QR with
	// the same success rate from one start on 3-qubit templates of 2–8
	// layers (see the package documentation); it squares J's condition
	// number.
	CholeskySolver Solver = iota
	// QRSolver solves [J; D]·step ≈ [−r; 0] by Householder QR (LAPACK
	// dgels), as Ceres's DENSE_QR.
	QRSolver
)

func (s Solver) String() string {
	switch s {
	case QRSolver:
		return "qr"
	case CholeskySolver:
		return "cholesky"
	}
	return fmt.Sprintf("Solver(%d)", int(s))
}

// Defaults (BQSKit's).
const (
	DefaultSuccessThreshold  = 1e-8
	DefaultFunctionTolerance = 1e-6
	DefaultGradientTolerance = 1e-10
	// DefaultParameterTolerance is Ceres's default parameter tolerance.
	DefaultParameterTolerance = 1e-8
	// DefaultInitialRadius is Ceres's initial trust-region radius.
	DefaultInitialRadius = 1e4
	// MaxMultistarts bounds Options.Multistarts.
	MaxMultistarts = 1 << 16
)

// Options configure an instantiation. The zero value is valid: one start,
// seed 0, success threshold 1e-8, the defaults below.
type Options struct {
	// Seed seeds the random starting points (math/rand/v2 PCG).
	Seed uint64
	// Multistarts is the number of random starts (0 means 1), run in
	// sequence; the lowest cost wins and the run stops at the first start
	// whose cost is below SuccessThreshold.
	Multistarts int
	// Start, when not nil, is the first LM start's point (one value per
	// parameter) instead of a random one: a warm start that refines known
	// parameters. Later starts are random.
	Start []float64
	// SuccessThreshold on c = 1 − |Tr(U†V)|/N (0 means 1e-8). LM stops a
	// start at its first iterate below it; a multistart stops at the
	// first such start.
	SuccessThreshold float64
	// Method picks LM or QFactor (Auto by default).
	Method Method
	// Residual picks LM's residual (DefaultResidual by default).
	Residual Residual
	// Solver picks LM's linear solver (CholeskySolver by default).
	Solver Solver
	// FunctionTolerance, GradientTolerance, ParameterTolerance: LM stopping
	// rules as in Ceres (0 means the defaults 1e-6, 1e-10, 1e-8).
	FunctionTolerance, GradientTolerance, ParameterTolerance float64
	// MaxIterations caps LM iterations per start (0 means 100 × number of
	// parameters, as BQSKit).
	MaxIterations int
	// QFactor holds QFactor's stopping rules.
	QFactor QFactorOptions
}

// QFactorOptions are QFactor's stopping rules (zero fields take BQSKit's
// defaults).
type QFactorOptions struct {
	// DiffTolA, DiffTolR: after MinIters sweeps, stop when the cost change
	// of a sweep is at most DiffTolA + DiffTolR·|cost| (1e-12, 1e-6).
	DiffTolA, DiffTolR float64
	// DistTol: stop when the cost is below it (1e-16).
	DistTol float64
	// MinIters, MaxIters bound the number of sweeps (1000, 100000).
	MinIters, MaxIters int
	// ReinitDelay: rebuild the circuit tensor from scratch every this many
	// sweeps to shed rounding drift (40).
	ReinitDelay int
}

func (o Options) withDefaults(numParams int) (Options, error) {
	if o.Multistarts < 0 || o.Multistarts > MaxMultistarts {
		return o, fmt.Errorf("%w: Multistarts = %d, want 0..%d", ErrInvalid, o.Multistarts, MaxMultistarts)
	}
	if o.Multistarts == 0 {
		o.Multistarts = 1
	}
	var err error
	fdef := func(name string, v *float64, def float64) {
		if err != nil {
			return
		}
		if *v < 0 || *v != *v {
			err = fmt.Errorf("%w: %s = %v, want a non-negative number", ErrInvalid, name, *v)
		}
		if *v == 0 {
			*v = def
		}
	}
	idef := func(name string, v *int, def int) {
		if err != nil {
			return
		}
		if *v < 0 {
			err = fmt.Errorf("%w: %s = %d, want >= 0", ErrInvalid, name, *v)
		}
		if *v == 0 {
			*v = def
		}
	}
	fdef("SuccessThreshold", &o.SuccessThreshold, DefaultSuccessThreshold)
	fdef("FunctionTolerance", &o.FunctionTolerance, DefaultFunctionTolerance)
	fdef("GradientTolerance", &o.GradientTolerance, DefaultGradientTolerance)
	fdef("ParameterTolerance", &o.ParameterTolerance, DefaultParameterTolerance)
	fdef("QFactor.DiffTolA", &o.QFactor.DiffTolA, 1e-12)
	fdef("QFactor.DiffTolR", &o.QFactor.DiffTolR, 1e-6)
	fdef("QFactor.DistTol", &o.QFactor.DistTol, 1e-16)
	idef("MaxIterations", &o.MaxIterations, 100*numParams)
	idef("QFactor.MinIters", &o.QFactor.MinIters, 1000)
	idef("QFactor.MaxIters", &o.QFactor.MaxIters, 100000)
	idef("QFactor.ReinitDelay", &o.QFactor.ReinitDelay, 40)
	if err != nil {
		return o, err
	}
	if o.Start != nil && len(o.Start) != numParams {
		return o, fmt.Errorf("%w: Start has %d values, the circuit %d parameters", ErrInvalid, len(o.Start), numParams)
	}
	switch o.Method {
	case Auto, LM, QFactor:
	default:
		return o, fmt.Errorf("%w: unknown Method %d", ErrInvalid, int(o.Method))
	}
	switch o.Solver {
	case QRSolver, CholeskySolver:
	default:
		return o, fmt.Errorf("%w: unknown Solver %d", ErrInvalid, int(o.Solver))
	}
	switch o.Residual {
	case DefaultResidual:
		o.Residual = PhaseInvariant
	case BQSKitResidual, PhaseInvariant:
	default:
		return o, fmt.Errorf("%w: unknown Residual %d", ErrInvalid, int(o.Residual))
	}
	return o, nil
}
