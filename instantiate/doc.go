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
// (default 1e-8) ends a multistart early.
//
// # Levenberg–Marquardt (Method LM)
//
// As BQSKit's Ceres set-up: trust-region minimiser with the
// Levenberg–Marquardt strategy, cost ½‖r‖², Jacobi scaling of the
// Jacobian's columns (fixed at the starting point), initial radius 1e4,
// damped step solved as the least-squares problem [J; D]·step ≈ [−r; 0] by
// Householder QR (LAPACK dgels through linalg.LeastSquaresReal), step
// acceptance at relative decrease > 1e-3, radius update
// radius/max(1/3, 1−(2ρ−1)³) on success and halving with a doubling factor
// on failure, function tolerance 1e-6 (relative cost change), gradient
// tolerance 1e-10 (max norm), parameter tolerance 1e-8, at most 100 ×
// (number of parameters) iterations, at most 5 consecutive invalid steps.
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
// Solver: QRSolver (default) is the QR least-squares solve above
// (linalg.LeastSquaresRealColMajor). CholeskySolver solves the same damped
// problem through the normal equations (JᵀJ by BLAS dsyrk once per
// Jacobian, reused for rejected steps; LAPACK dpotrf/dpotrs per trial):
// 1.5–2.4× less CPU per instantiation on 3-qubit templates of 4 and 8
// layers in our measurements, with the same iteration counts and success
// rates (BenchmarkInstantiateSolver); it squares the condition number of
// J, which QR does not.
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
