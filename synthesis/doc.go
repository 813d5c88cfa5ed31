// Package synthesis turns a target unitary into a circuit over {cx, u3}
// by search: QSearch (A*) and LEAP (A* with prefix commits), as BQSKit's
// QSearchSynthesisPass and LEAPSynthesisPass with the FourParamGenerator.
//
// # Entry points
//
// Synthesize(ctx, target, level, opts) is what the compiler calls: QSearch
// below 3 qubits, LEAP otherwise, with the level's multistarts (1, 2, 4, 8)
// and LEAP min prefix size (3, 4, 7, 9) for levels 1..4. It returns the
// circuit (cx and u3 only) and its cost c = 1 − |Tr(U†V)|/N. QSearch and
// LEAP return a Result with search statistics. When the threshold is not
// reached, the best circuit found is returned together with an error
// wrapping ErrNotReached; bad input gives ErrInvalid; cancellation returns
// an error wrapping ctx.Err() promptly (instantiations poll the context
// every iteration).
//
// # Search
//
// Layers: the root is a U3 on every qubit; a successor appends, for one
// coupled pair (a, b), CX(a→b), RY(a), RZ(a), RY(b), RX(b). Pairs come in
// coupling order ((0,1), (0,2), (1,2), ... for all-to-all). For more than
// 2 qubits, a pair whose last 3 layers already end the circuit
// uninterrupted is skipped (FourParamGenerator.count_outer_cnots; a layer
// interrupts when it touches either qubit of the pair). The frontier is a
// min-heap on f = 10·c + (number of CX), FIFO among equal f. Popping a node
// instantiates all its successors as one batch; the first successor (in
// successor order) below the threshold is the answer. LEAP keeps the
// history of (layer, best cost) at each new best, fits a least-squares
// line to it, predicts the cost at the new layer and commits a prefix
// (clears the frontier) when the prediction minus the new cost is
// negative and at least min_prefix_size layers were added since the last
// prefix; this is the test in BQSKit's check_leap_condition. Deviations:
// a committed prefix is pushed once (BQSKit pushes it twice), and the
// number of layers is bounded (MaxLayers, default DefaultMaxLayers(n)).
//
// # Parallel work and determinism
//
// Successor instantiation is the unit of parallel work: each batch is a
// []Job, encoded and mapped as TaskInstantiate tasks on Options.Executor
// (a batch.Executor; the compiler passes the runtime's). By default every
// start of every successor is its own job (Multistarts × successors jobs
// per batch, seeded from the node's seed and the start index), and a
// node's result is picked as a sequential multistart picks it: its first
// start below the threshold, else its lowest cost;
// Options.SequentialStarts makes one job per successor run its starts in
// sequence instead (BQSKit's layout). Without an executor, a search runs
// its batches on NewLocalExecutor(Options.Workers), goroutines owned by
// each batch. A Job is self-contained (qubit count, layer sequence,
// target, seed, multistarts, threshold) and encodes with MarshalBinary, so
// a runtime can ship it to another process and run it with
// InstantiateTask. Each job's seed is derived from the search seed and its
// layer sequence, never from scheduling, and results are consumed in job
// order: for a fixed seed the result does not depend on the executor or
// its number of workers.
//
// The instantiations use LM with the phase-invariant residual by default
// (see package instantiate); Options.Residual selects BQSKit's residual.
// # Quantum Shannon Decomposition
//
// QSD(ctx, target, opts) decomposes a 2^n x 2^n unitary exactly, without
// search (Shende, Bullock and Markov, IEEE TCAD 2006): the cosine-sine
// decomposition (linalg.CosineSine) splits U on its first qubit into two
// multiplexors around a multiplexed Ry; each multiplexor A0 ⊕ A1 is
// demultiplexed into (I ⊗ V)·(D ⊕ D†)·(I ⊗ W) from the Schur
// decomposition of the unitary A0·A1† (linalg.Schur, an orthonormal
// eigenbasis also for repeated eigenvalues), D ⊕ D† being a multiplexed
// Rz; V and W recurse on the remaining qubits. Multiplexed rotations use
// the Gray-code construction (2^k rotations and 2^k CX for k controls);
// the Ry ones use CZ, whose last one is absorbed into the neighbouring
// multiplexor (one CX less per step). Recursion stops at 2-qubit leaves
// (all on the last two qubits), synthesized last and in reverse order:
// each but the first as a diagonal followed by the 2-CX template (two
// BuildCircuit layers), the diagonal commuting with the multiplexors in
// between and merged into the previous leaf, the first as the 3-CX
// template; all instantiated by LM to cost < 1e-15 (accepted below 1e-13;
// a failed 2-CX fit falls back to the 3-CX template, a failed 3-CX fit to
// one more exact level, 5 CX). CX counts: (23/48)·4^n − (3/2)·2^n + 4/3,
// 3, 20, 100, 444, 1868 for 2..6 qubits, the paper's figure (a generic
// n-qubit unitary needs at least (4^n − 3n − 1)/4: 14, 61, 252, 1020 for
// 3..6). Measured on the shared 2-core VM (loaded): 5 qubits in 25 ms, 6
// qubits in 0.4 s, cost 4e-15 and 3e-14. The compiler uses
// QSD for unitary input of 5 and 6 qubits and shortens its output with its
// circuit workflow.
//
// ToCXU3 converts the search circuit (u3, cx, ry, rz, rx) to cx and u3,
// merging each run of single-qubit gates into one u3; U3Params is the
// closed form it uses.
package synthesis
