// Package instantiate finds parameters for a parameterized circuit so that
// its unitary matches a target unitary up to global phase: the numerical
// core that search synthesis and gate deletion spend their time in.
//
// # Use
//
// Instantiate(ctx, c, target, opts) is the one-shot form. For repeated
// instantiation of one circuit structure, build a Workspace once
// (NewWorkspace) and call its Instantiate: after the first call it
// allocates nothing. A Workspace is not safe for concurrent use; use one per
// goroutine. The context is polled once per LM iteration or QFactor sweep,
// so cancellation stops the work within an iteration; the best parameters
// so far are returned with an error wrapping ctx.Err(). Errors wrap
// ErrInvalid (bad options, target of the wrong size) or ErrUnsupported
// (a circuit the chosen method cannot handle).
//
// The success cost is c = 1 − |Tr(U†V)|/N; Options.SuccessThreshold
// (default 1e-8) ends an LM start at its first iterate below it and a
// multistart at the first start below it.
//
// # Levenberg–Marquardt (Method LM)
//
// As BQSKit's Ceres set-up: trust-region minimiser with the
// Levenberg–Marquardt strategy, cost ½‖r‖², Jacobi scaling of the
// Jacobian's columns (fixed at the starting point), initial radius 1e4,
// damped step (JᵀJ + D²)·step = −Jᵀr (see Solver below), step
// acceptance at relative decrease > 1e-3, radius update
// radius/max(1/3, 1−(2ρ−1)³) on success and halving with a doubling factor
// on failure, function tolerance 1e-6 (relative cost change), gradient
// tolerance 1e-10 (max norm), parameter tolerance 1e-8, at most 100 ×
// (number of parameters) iterations, at most 5 consecutive invalid steps.
// Unlike Ceres, LM also stops as soon as an iterate's success cost c is
// below Options.SuccessThreshold: it checks c at the starting point and
// after each accepted step, before the next Jacobian. This ends a
// successful start earlier, with c just below the threshold rather than at
// convergence. With the phase-invariant residual ½‖r‖² = N·c and accepted
// steps only lower it, so no start's success changes; with BQSKitResidual
// it can only turn a failed start into a success. Options.Start gives the
// first start's point (a warm start): the compiler refines each accepted
// block from the parameters search found, with a threshold far below ε, so
// outputs keep full precision while the search itself stops early.
//
// Residuals. BQSKitResidual is BQSKit's r = vec(V·U† − I);
// PhaseInvariant (the default) is r = vec(e^{−iφ}V − U) with
// φ = arg Tr(U†V), whose ½‖r‖² is exactly N·c and whose Jacobian is exact
// (see residual.go). Measured on 3-qubit templates with targets drawn from
// the same template (BenchmarkInstantiate3q, one start, 200 targets), the
// phase-invariant residual succeeds far more often: 100% vs 10.5% at 2
// layers, 45% vs 5% at 4 layers, 14% vs 2.5% at 6 layers (1% each at 8),
// at the same cost per iteration and a similar number of iterations.
//
// Both residuals are solved in the frame of the circuit's own unitary
// (frame.go): the Jacobian's columns V†·∂V/∂θ_k are anti-Hermitian, so the
// residual space shrinks from 2N² to N²+1 rows without changing any
// iterate (TestFrameMatchesFullResidual compares with the full 2N²
// residual built from circuit.Evaluator.UnitaryAndGrad), which makes each
// QR about 1.5× cheaper. The frame Jacobian comes from one forward sweep
// over the circuit (gate unitaries and analytic gate derivatives from
// circuit.Gate): for a parameter of op i, B†·(G_i†·∂G_i)·B with B the
// product of the ops before i.
//
// Solver: CholeskySolver (the default) solves the damped step through
// the normal equations: JᵀJ and Jᵀr by BLAS dsyrk/dgemv once per Jacobian
// (reused for rejected steps), then per trial damping a Cholesky
// factorisation (LAPACK dpotrf) and two triangular solves (BLAS dtrsv),
// all in linalg (NormalEquationsRealColMajor, CholeskySolveReal). QRSolver
// solves the least-squares problem [J; D]·step ≈ [−r; 0] by Householder QR
// (LAPACK dgels through linalg.LeastSquaresRealColMajor), as Ceres's
// DENSE_QR; it does not square J's condition number. Measured with
// BenchmarkSolverSuccess (-benchtime 200x: 200 targets per template drawn
// from the template at random parameters, one start each, phase-invariant
// residual, same targets and starts for both solvers; CPU time of the
// benchmark's thread, load average 21 from other jobs on the 2-core VM):
//
//	layers  success QR  success Cholesky   cpu-µs/inst QR/Chol   cpu-µs/success QR/Chol
//	  2       100%          100%              535 / 307              535 / 307
//	  4        45%           45%             2219 / 1327            4932 / 2949
//	  6        10%           10%             4141 / 2409           41405 / 24086
//	  8         4%            4%             5907 / 3514          147664 / 87847
//
// The success counts are equal (200, 90, 20 and 8 of 200; mean iterations
// agree to 0.3%) and Cholesky costs 40–43% less CPU, so it is the default. (Its
// instantiations per CPU-second: 3261, 754, 415, 285 at 2/4/6/8 layers.)
//
// Stopping at the success threshold, measured with
// BenchmarkInstantiateSolver (64 targets, one start each, -benchtime 200x;
// binaries before and after run alternately, 6 rounds, medians, load
// average 21–31): the median CPU time of a successful instantiation fell
// 10% (QR) and 16% (Cholesky) at 4 layers, 23% and 24% at 8 layers, with
// the same success counts; time per instantiation hardly changes there
// because failed starts (55% and 96%) run to their tolerances as before.
// The old default (QR, no early stop) against the new (Cholesky, early
// stop), CPU µs:
//
//	layers   per instantiation   per success (median)   inst/CPU-s
//	  4         2232 → 1473          917 → 516            448 → 679
//	  8         5723 → 3800         4239 → 2019           175 → 263
//
// Multistart: Multistarts starts, every parameter uniform in [0, 2π) from
// a PCG seeded with Options.Seed, run in sequence; the lowest cost wins.
//
// # QFactor (Method QFactor)
//
// For circuits whose parameterized gates are all circuit.UnitaryGate
// (constant gates such as cx may be mixed in): the tensor V·U† is swept
// backward then forward, each variable gate replaced by X·W† from the SVD
// W·Σ·X† of its environment (linalg.SVD, LAPACK zgesvd). Stopping rules as
// BQSKit's: cost below DistTol (1e-16), or after MinIters (1000) sweeps a
// cost change at most DiffTolA + DiffTolR·|cost| (1e-12, 1e-6), at most
// MaxIters (100000) sweeps; the tensor is rebuilt every ReinitDelay (40)
// sweeps. Starts are Haar-random unitaries for every variable gate (BQSKit
// draws raw parameters; for matrix-parameterised gates a random unitary is
// the natural start). Method Auto picks QFactor for such circuits and LM
// otherwise.
//
// No compile reaches QFactor today: the compiler's passes (scanning gate
// removal, QSearch/LEAP) instantiate circuits of u3 and cx with Method LM,
// and no workflow pass builds circuits of variable unitary gates. It is
// kept, with its tests (TestQFactor*), as the instantiater for such
// circuits (BQSKit's choice for them) for the day a pass produces them,
// e.g. a QFactor-based resynthesis; it costs nothing at run time.
package instantiate
