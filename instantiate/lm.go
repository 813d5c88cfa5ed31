package instantiate

import (
	"math"

	"github.com/bqskit-mpi/bqskit-mpi/linalg"
)

// lmProblem is a nonlinear least-squares problem: minimise ½‖r(x)‖² over
// x ∈ R^n with residuals r ∈ R^m.
type lmProblem interface {
	// cost returns ½‖r(x)‖².
	cost(x []float64) float64
	// jacobian writes r(x) into r and the Jacobian into jac, column-major:
	// jac[k*m+i] = ∂r_i/∂x_k.
	jacobian(x, r, jac []float64)
	// successCost returns c = 1 − |Tr(U†V)|/N for the x of the last cost
	// or jacobian call.
	successCost() float64
}

// lmSettings are the solver's knobs; the defaults are Ceres's (as BQSKit
// configures it).
type lmSettings struct {
	ftol, gtol, ptol float64
	maxIter          int
	initialRadius    float64
	// successTol: stop as soon as an iterate has successCost below it
	// (0: never; run to the tolerances above).
	successTol float64
}

// Ceres trust-region constants (ceres::Solver::Options defaults).
const (
	lmMaxRadius           = 1e16
	lmMinRadius           = 1e-32
	lmMinDiagonal         = 1e-6
	lmMaxDiagonal         = 1e32
	lmMinRelativeDecrease = 1e-3
	lmMaxInvalidSteps     = 5
)

// lmStatus says why the solver stopped.
type lmStatus int

const (
	lmMaxIterations lmStatus = iota
	lmGradientTol
	lmFunctionTol
	lmParameterTol
	lmMinRadiusReached
	lmNumericFailure
	lmCancelled
	lmSuccess // successCost fell below successTol
)

// lmWorkspace holds every buffer the solver needs for an m x n problem;
// solve allocates nothing.
type lmWorkspace struct {
	m, n  int
	r     []float64 // residuals at x
	jac   []float64 // Jacobian at x, scaled by the Jacobi scaling, m x n col-major
	aug   []float64 // augmented (m+n) x n matrix [J; D] for the QR solve
	rhs   []float64 // its right-hand side, len m+n
	scale []float64 // Jacobi scaling 1/(1+‖J_k‖), fixed at the start
	diag  []float64 // clamped squared column norms of the scaled Jacobian
	grad  []float64 // unscaled gradient Jᵀr
	step  []float64 // step in scaled coordinates
	delta []float64 // step in x coordinates
	xNew  []float64
	jstep []float64 // J·step (scaled J and step)
	ls    linalg.LeastSquaresRealWork

	cholesky bool      // solve the normal equations instead (Solver Cholesky)
	jtj      []float64 // JᵀJ of the scaled Jacobian, n x n
	gs       []float64 // −Jᵀr of the scaled Jacobian
	shift    []float64 // diag/radius
	cw       linalg.CholeskyRealWork
	jtjValid bool
}

func newLMWorkspace(m, n int) *lmWorkspace {
	return &lmWorkspace{
		m: m, n: n,
		r:     make([]float64, m),
		jac:   make([]float64, m*n),
		aug:   make([]float64, (m+n)*n),
		rhs:   make([]float64, m+n),
		scale: make([]float64, n),
		diag:  make([]float64, n),
		grad:  make([]float64, n),
		step:  make([]float64, n),
		delta: make([]float64, n),
		xNew:  make([]float64, n),
		jstep: make([]float64, m),
		jtj:   make([]float64, n*n),
		gs:    make([]float64, n),
		shift: make([]float64, n),
	}
}

// solveDamped sets w.step to the solution of min ‖[J; D]·step + [r; 0]‖
// with D = diag(sqrt(diag/radius)): by Householder QR (LAPACK dgels
// through linalg.LeastSquaresRealColMajor), or with the Cholesky solver
// through the normal equations (JᵀJ + D²)·step = −Jᵀr (linalg's dsyrk
// and dpotrf/dpotrs; JᵀJ formed once per Jacobian). It reports false
// when the solve fails.
func (w *lmWorkspace) solveDamped(radius float64) bool {
	m, n := w.m, w.n
	if w.cholesky {
		if !w.jtjValid {
			linalg.NormalEquationsRealColMajor(w.jtj, w.gs, w.jac, m, n, w.r)
			for k, g := range w.gs {
				w.gs[k] = -g
			}
			w.jtjValid = true
		}
		for k, d := range w.diag {
			w.shift[k] = d / radius
		}
		return linalg.CholeskySolveReal(w.step, w.jtj, n, w.shift, w.gs, &w.cw) == nil
	}
	// Column-major (m+n) x n: each column is J's column over D's.
	ma := m + n
	for k := 0; k < n; k++ {
		dst := w.aug[k*ma : k*ma+ma]
		copy(dst, w.jac[k*m:k*m+m])
		low := dst[m:]
		clear(low)
		low[k] = math.Sqrt(w.diag[k] / radius)
	}
	for i, v := range w.r {
		w.rhs[i] = -v
	}
	clear(w.rhs[m:])
	return linalg.LeastSquaresRealColMajor(w.step, w.aug, ma, n, w.rhs, &w.ls) == nil
}

func sumSq(v []float64) float64 {
	var s float64
	for _, x := range v {
		s += x * x
	}
	return s
}

// evalJacobian evaluates r and J at x, computes the unscaled gradient
// Jᵀr, then scales J's columns by w.scale. When initScale is set, the
// scale is first computed from this Jacobian (Ceres does so once, at the
// starting point). It returns ‖Jᵀr‖∞.
func (w *lmWorkspace) evalJacobian(p lmProblem, x []float64, initScale bool) float64 {
	m := w.m
	w.jtjValid = false
	p.jacobian(x, w.r, w.jac)
	var gmax float64
	for k := 0; k < w.n; k++ {
		col := w.jac[k*m : k*m+m]
		var g, ss float64
		for i, v := range col {
			g += v * w.r[i]
			ss += v * v
		}
		w.grad[k] = g
		if a := math.Abs(g); a > gmax || a != a {
			gmax = a
		}
		if initScale {
			w.scale[k] = 1 / (1 + math.Sqrt(ss))
		}
		s := w.scale[k]
		for i := range col {
			col[i] *= s
		}
	}
	return gmax
}

// solve runs Levenberg–Marquardt from x (updated in place) as Ceres's
// trust-region minimiser with the LEVENBERG_MARQUARDT strategy does (dense
// QR or, with w.cholesky, the normal equations), stopping early once the
// success cost falls below s.successTol, and returns the final cost ½‖r‖², the number of
// iterations (accepted plus rejected steps) and why it stopped. done is
// polled once per iteration (nil: never cancelled).
func (w *lmWorkspace) solve(done <-chan struct{}, p lmProblem, x []float64, s lmSettings) (cost float64, iters int, status lmStatus) {
	m, n := w.m, w.n
	gmax := w.evalJacobian(p, x, true)
	cost = 0.5 * sumSq(w.r)
	if math.IsNaN(cost) || math.IsInf(cost, 0) {
		return cost, 0, lmNumericFailure
	}
	if s.successTol > 0 && p.successCost() < s.successTol {
		return cost, 0, lmSuccess
	}
	if gmax <= s.gtol {
		return cost, 0, lmGradientTol
	}
	radius := s.initialRadius
	decreaseFactor := 2.0
	reuseDiag := false
	invalid := 0
	// Ceres leaves its |x| at −1 until the first accepted step, which
	// disables the parameter tolerance until then.
	xnorm := -1.0
	for {
		if done != nil {
			select {
			case <-done:
				return cost, iters, lmCancelled
			default:
			}
		}
		if iters >= s.maxIter {
			return cost, iters, lmMaxIterations
		}
		iters++

		// Levenberg–Marquardt step: minimise ‖J·step + r‖² + ‖D·step‖²
		// with D = sqrt(diag(JᵀJ)/radius), solved as the least-squares
		// problem [J; D]·step ≈ [−r; 0] by QR.
		if !reuseDiag {
			for k := 0; k < n; k++ {
				d := sumSq(w.jac[k*m : k*m+m])
				w.diag[k] = min(max(d, lmMinDiagonal), lmMaxDiagonal)
			}
		}
		ok := w.solveDamped(radius)

		// Predicted decrease of the linear model: ½‖r‖² − ½‖r + J·step‖².
		modelChange := math.NaN()
		if ok {
			clear(w.jstep)
			for k := 0; k < n; k++ {
				sk := w.step[k]
				col := w.jac[k*m : k*m+m]
				for i, v := range col {
					w.jstep[i] += v * sk
				}
			}
			var dot, sq float64
			for i, v := range w.jstep {
				dot += w.r[i] * v
				sq += v * v
			}
			modelChange = -(dot + 0.5*sq)
		}
		if !(modelChange > 0) {
			// Invalid step: shrink the trust region as for a rejected
			// step; Ceres gives up after 5 in a row.
			invalid++
			if invalid >= lmMaxInvalidSteps {
				return cost, iters, lmNumericFailure
			}
			radius /= decreaseFactor
			decreaseFactor *= 2
			reuseDiag = true
			if radius < lmMinRadius {
				return cost, iters, lmMinRadiusReached
			}
			continue
		}

		invalid = 0
		var stepNorm float64
		for k := 0; k < n; k++ {
			d := w.step[k] * w.scale[k]
			w.delta[k] = d
			w.xNew[k] = x[k] + d
			stepNorm += d * d
		}
		stepNorm = math.Sqrt(stepNorm)
		newCost := p.cost(w.xNew)

		if stepNorm <= s.ptol*(xnorm+s.ptol) {
			return cost, iters, lmParameterTol
		}
		costChange := cost - newCost
		if math.Abs(costChange) <= s.ftol*math.Abs(cost) {
			return cost, iters, lmFunctionTol
		}
		rho := costChange / modelChange
		if !(rho > lmMinRelativeDecrease) || math.IsNaN(newCost) {
			radius /= decreaseFactor
			decreaseFactor *= 2
			reuseDiag = true
			if radius < lmMinRadius {
				return cost, iters, lmMinRadiusReached
			}
			continue
		}

		// Accepted. p.cost left the unitary at x evaluated: stop here,
		// before the next Jacobian, once it is good enough.
		copy(x, w.xNew)
		if s.successTol > 0 && p.successCost() < s.successTol {
			return newCost, iters, lmSuccess
		}
		xnorm = math.Sqrt(sumSq(x))
		gmax = w.evalJacobian(p, x, false)
		cost = 0.5 * sumSq(w.r)
		t := 2*rho - 1
		radius = min(radius/max(1.0/3, 1-t*t*t), lmMaxRadius)
		decreaseFactor = 2
		reuseDiag = false
		if gmax <= s.gtol {
			return cost, iters, lmGradientTol
		}
	}
}
