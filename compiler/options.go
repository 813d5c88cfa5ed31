package compiler

import (
	"math"
)

// MaxEpsilon is the largest synthesis_epsilon (and pass
// success_threshold) accepted.
const MaxEpsilon = 1e-2

// checkCompileOptions checks BQSKit's compile options of a request:
// synthesis_epsilon in [0, MaxEpsilon] (0: the default) and
// error_threshold in [0, 1]. Errors name the field.
func checkCompileOptions(r Request) error {
	if e := r.SynthesisEpsilon; e < 0 || e > MaxEpsilon || math.IsNaN(e) {
		return reqError(ErrBadParam, "synthesis_epsilon", "synthesis_epsilon: want a number in (0, %g] (0: the default %g), got %v", MaxEpsilon, DefaultEpsilon, e)
	}
	if t := r.ErrorThreshold; t != nil && (*t < 0 || *t > 1 || math.IsNaN(*t)) {
		return reqError(ErrBadParam, "error_threshold", "error_threshold: want a number in [0, 1], got %v", *t)
	}
	return nil
}

// withEpsilon returns w with every scanning_gate_removal and synthesize
// pass that sets no success_threshold given eps (0: w unchanged).
func withEpsilon(w []Pass, eps float64) []Pass {
	if eps == 0 {
		return w
	}
	out := make([]Pass, len(w))
	for i, p := range w {
		if (p.Name == PassScanningGateRemoval || p.Name == PassSynthesize || p.Name == PassResynthRouted || p.Name == PassResynthNative) && p.SuccessThreshold == 0 {
			p.SuccessThreshold = eps
		}
		if p.Workflow != nil {
			p.Workflow = withEpsilon(p.Workflow, eps)
		}
		out[i] = p
	}
	return out
}

// combineError is the error bound after adding distances summing to sum
// to the bound e: 1 − (1 − e)(1 − sum).
func combineError(e, sum float64) float64 { return 1 - (1-e)*(1-sum) }

// nonSquaredError is BQSKit's comparison value of an error bound e (a
// distance): 1 − sqrt(1 − e²).
func nonSquaredError(e float64) float64 { return 1 - math.Sqrt(math.Max(1-e*e, 0)) }

// withinErrorLimit reports whether the bound e keeps to the engine's
// error threshold (always, without one).
func (e *engine) withinErrorLimit(bound float64) bool {
	return e.errLimit < 0 || nonSquaredError(bound) <= e.errLimit
}
