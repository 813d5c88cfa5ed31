// Package linalg is the dense complex linear algebra under circuit
// simulation, instantiation and synthesis: a row-major complex128 Matrix,
// products (a hand-written Go kernel for tiny sizes, OpenBLAS zgemm above
// the measured crossover), adjoint, Kronecker product, in-place application
// of a k-qubit gate to chosen qubits of an n-qubit unitary or state
// (ApplyLeft/ApplyRight, big-endian qubit order as in BQSKit), traces, the
// cost and distance used to judge synthesis, a unitarity check, seeded
// Haar-random unitaries, LAPACK-backed SVD and least squares with reusable
// workspaces, the normal-equation/Cholesky pair Levenberg–Marquardt uses,
// and the two decompositions the Quantum Shannon Decomposition needs: the
// cosine-sine decomposition of a unitary split in equal halves
// (CosineSine, LAPACK zuncsd) and the complex Schur decomposition (Schur,
// zgees), which gives an orthonormal eigenbasis of a unitary matrix even
// for repeated eigenvalues.
//
// What callers must do:
//   - Destinations must not alias operands unless a function says so;
//     shape errors and aliasing are programmer errors and panic. Numeric
//     failures (no SVD convergence, rank deficiency, non-finite input) are
//     returned as errors wrapping the package's sentinel errors.
//   - Functions taking a dst or work argument allocate nothing when given
//     one of the documented size; use them in inner loops. Workspace types
//     (SVD, LeastSquaresWork, LeastSquaresRealWork, CholeskyRealWork) are
//     not safe for concurrent use: keep one per goroutine. CosineSine and
//     Schur allocate per call and are safe for concurrent use.
//   - Processes that run one solver per core (every MPI rank, every worker
//     pool sized to the CPUs) should call SetBLASThreads(1) at start-up (or
//     run with OPENBLAS_NUM_THREADS=1 or MKL_NUM_THREADS=1): the BLAS
//     library otherwise keeps its own
//     thread pool, which competes with them (measured: a 32x8 dgels took
//     8 µs of CPU with one thread and 20–80 µs wall with the pool).
//   - The package holds no mutable global state; randomness comes only from
//     the *rand.Rand passed to HaarRandom.
//
// # Kernels and measured figures
//
// Multiplication and the 1- and 2-qubit gate loops have three
// implementations: portable Go loops, AVX2/FMA assembly (package
// linalg/internal/kernel, used when the CPU has AVX2 and FMA, decided once
// at start-up), and OpenBLAS zgemm through cgo. Every path is tested
// against naive references on every machine that has it.
//
// Figures from `OPENBLAS_NUM_THREADS=1 go test -bench . -benchmem
// ./linalg/` (about a minute with -benchtime 0.3s) on the shared 2-core AMD
// EPYC development VM, Go 1.26, OpenBLAS 0.3.21, LAPACKE 3.11, 2026-11-23,
// load average 8–14 from other jobs. Wall-clock ns/op swung 2–10x between
// runs, so the benchmarks also report cpu-ns/op (CPU time of the
// benchmark's own thread per call), quoted here; read every figure as ±30%.
// Every call below allocates nothing (0 allocs/op).
//
//	Mul, n x n     Go loops   AVX2 asm   zgemm (cgo)   Mul picks
//	  2x2            14 ns      14 ns      180 ns      Go (unrolled)
//	  3x3            63 ns        –        220 ns      Go
//	  4x4            76 ns      30 ns      250 ns      asm
//	  5x5           250 ns        –        370 ns      Go
//	  6x6           430 ns     120 ns      290 ns      asm
//	  8x8           920 ns     140 ns      400 ns      asm
//	  16x16        5900 ns     720 ns     1360 ns      asm
//	  32x32       56000 ns    5400 ns     7500 ns      asm
//	  64x64      380000 ns   57000 ns    57000 ns      zgemm
//
// Crossover: zgemm has a fixed cost of about 200 ns per call, so the Go
// loops beat it up to 5x5; the assembly kernel (even column counts only)
// beats it up to 32x32 and ties at 64x64, where zgemm's cache blocking
// starts to pay. Mul therefore uses: 2x2 Go; AVX2 when the column count is
// even and the largest dimension is below 64 (simdMax); otherwise Go below
// 6 (mulCrossover) and zgemm from 6 on. MulAdjA/MulAdjB have no assembly
// kernel: Go below 6, zgemm from 6.
//
//	ApplyLeft / ApplyRight (in place, work = 2^k·Cols)  cpu-ns/op
//	  1-qubit gate on a 3-qubit unitary (8x8)        55–90
//	  2-qubit gate on a 3-qubit unitary             160–320
//	  3-qubit gate on a 3-qubit unitary (blocked)   480–730
//	  1-qubit gate on a 10-qubit unitary (1024²)    0.8–1.6 ms
//	  2-qubit gate on a 10-qubit unitary            1.8–2.7 ms
//	  3-qubit gate on a 10-qubit unitary            5.8 ms left, 11.5 ms right
//
// (The portable loops took 120–190 ns and 340–500 ns for the 1- and
// 2-qubit cases on 3 qubits, and the vector-at-a-time general path 1.2–1.5
// µs for the 3-qubit gate; 10-qubit cases are bound by memory bandwidth.)
//
// (The SVD, complex least-squares and Cholesky figures in the next table
// were measured with direct LAPACKE calls; for the netlib routes now used
// see the last section.)
//
//	SVD (zgesvd)        values only     full U, V†
//	  4x4                  3.4–5.5 µs     5.2–8.5 µs
//	  8x8                  8.5–11 µs      16–25 µs
//	  16x16                29–36 µs       71–80 µs
//
//	LeastSquaresReal 150x30 (dgels, QR)        60 µs quiet, 90–95 µs loaded
//	LeastSquaresReal 32x8                      5–8 µs
//	LeastSquares complex 64x16, 1 rhs (zgels)  50 µs
//	NormalEquationsReal 150x30 (dsyrk, dgemv)  9–13 µs
//	CholeskySolveReal 30x30 with shift         6–9 µs
//
// For Levenberg–Marquardt the normal-equation route (form AᵀA once per
// Jacobian, one Cholesky per trial damping) costs about a fifth of a QR
// solve of the augmented system, at the price of squaring the condition
// number; QR stays available for ill-conditioned problems.
//
// # Native libraries: gonum/netlib and direct calls
//
// BLAS and LAPACK are OpenBLAS and LAPACKE, linked by the flags in cgo.go
// (the only file that names them). linalg reaches them two ways.
//
// Through gonum.org/v1/netlib (v0.0.0-20190313105609-8cb42192e0e0, the
// only version the module proxy serves, with gonum v0.17.0):
//   - BLAS dsyrk and dgemv (NormalEquationsReal) and dtrsv (the two
//     triangular solves of CholeskySolveReal, in place of dpotrs) through
//     blas/netlib, behind gonum's blas.Float64 interface (netlib.go).
//   - LAPACK dpotrf (CholeskySolveReal), zgesvd (SVD) and zgels
//     (LeastSquares) through lapack/lapacke. gonum's lapack.Float64
//     interface does not fit: netlib's lapack/netlib, which implements it,
//     does not build against gonum v0.17 (it lacks Dlapmr), and gonum has
//     no complex LAPACK interface (lapack.Complex128 is empty). lapacke
//     binds only LAPACKE's row-major interface, which copies each matrix
//     to column-major storage and back on every call (C malloc, two
//     transposes) and reports a bool instead of LAPACK's info, so these
//     errors cannot name the failing minor or superdiagonal. Work arrays
//     stay the caller's: SVD and LeastSquaresWork query the optimal size
//     once per shape and reuse it; no Go allocation per call.
//
// Directly through cgo, where netlib cost more than the design allows (a
// routine more than 5% slower on the 4-layer instantiation benchmark):
//   - dgels (LeastSquaresReal and LeastSquaresRealColMajor, LM's QR step),
//     LAPACKE_dgels_work in column-major order with no copy by LAPACKE:
//     through lapacke, BenchmarkInstantiateSolver/layers=4/cholesky=false
//     took 12.5% more CPU (median of 6 alternated runs, 2146 → 2414
//     cpu-µs/op); handing the column-major matrix over as a row-major
//     transpose with trans 'T' (no copy of ours) took 46% more (2173 →
//     3181), because LAPACK then solves by LQ.
//   - zgemm (Mul, MulAdjA, MulAdjB from 6x6 on, outside the AVX2
//     kernel's range): netlib's Zgemm passes alpha and beta by address,
//     so both escape to the heap, 2 allocations per call, which breaks the
//     no-allocation contract above (TestMulNoAlloc); it also costs about
//     80 ns more per call (cpu-ns/op, median of 3: 6x6 204 → 276, 8x8 265
//     → 344, 16x16 949 → 1136; 64x64 equal at 37 µs). The 3-qubit
//     instantiation path does not call zgemm (8x8 products use the AVX2
//     kernel). BenchmarkMul/netlib-zgemm keeps the comparison.
//   - the thread-pool controls of OpenBLAS, MKL and BLIS (SetBLASThreads,
//     BLASThreads), which netlib does not bind; weak references, so that a
//     site build against a CBLAS without them links (they are then no-ops).
//   - zuncsd (CosineSine) and zgees (Schur), LAPACKE_zuncsd_work and
//     LAPACKE_zgees_work in column-major order: netlib's lapacke has no
//     binding for zgees at all, and its Zuncsd reports a bool instead of
//     LAPACK's info (a failure could not say whether zbbcsd failed to
//     converge or an argument was wrong) and goes through LAPACKE's
//     row-major copies. Neither is on a hot path (one call per
//     multiplexor of a QSD, 0.2 s for a whole 6-qubit decomposition), so
//     they allocate their workspaces per call. CosineSine uses zuncsd's
//     default sign convention: U = (L0 ⊕ L1)·[[C, −S], [S, C]]·(R0 ⊕ R1),
//     the upper-right block negative; zuncsd returns V1ᴴ and V2ᴴ, which
//     are R0 and R1 as they stand.
//
// Netlib against direct, measured 2026-12-01 on the shared 2-core VM with
// OPENBLAS_NUM_THREADS=1, binaries of the old and new code run alternately
// (6 rounds, medians of CPU time of the benchmark's thread; load average
// 21–31 from other jobs, so read ±5% as noise):
//
//	benchmark                                   direct    netlib   change
//	Instantiate 4 layers, Cholesky (µs/inst)      1445      1418     −2%   dsyrk, dgemv, dpotrf, dtrsv
//	Instantiate 8 layers, Cholesky (µs/inst)      3600      3700    +2.8%  (8 rounds)
//	QFactor 3 x 2-qubit unitaries (µs/inst)       7755      7869     +1.5% zgesvd 4x4
//	Instantiate 4 layers, QR (µs/inst)            2146      2414    +12.5% dgels: kept direct
//	CholeskySolveReal 30 (ns)                     4085      4615    +13%   LAPACKE's transposes
//	NormalEquationsReal 150x30 (ns)               9607      9496     −1%
//	SVD 4x4 values / full (ns)               2258/3310 2430/3556  +7%/+7%
//	SVD 8x8 values / full (ns)               5732/12086 5597/11554 −2%/−4%
//	SVD 16x16 values / full (ns)            17679/53009 18098/58707 +2%/+11%
//	LeastSquares complex 64x16 (ns)              23579     25144    +7%   zgels
//
// The SVD and complex least squares are not on any compile path today
// (QFactor is used only where a circuit has variable unitary gates); their
// instantiation-level figure is the QFactor row.
package linalg
