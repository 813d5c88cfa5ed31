// Package compiler turns circuits into shorter ones over {CX, U3}: the
// passes BQSKit's compile() runs, as data-driven workflows that spread over
// the runtime.
//
// # Passes
//
// Retarget rewrites any supported gate into CX and U3 (closed-form U3 for
// single-qubit gates, textbook decompositions for the rest); the retarget
// pass's keep_multi_qubit keeps gates on 3 to MaxKeptGateQubits qubits
// (ccx, cswap, c3x, ...) whole until their partition block is
// resynthesized by synthesize_unsupported, as BQSKit does (fixed
// decompositions only where synthesis does not find fewer two-qubit
// gates). QuickPartition splits a circuit into convex blocks of at most k
// qubits (directives are blocks of their own, so blocks never cross
// measure, reset or barrier) and post-merges adjacent blocks whose qubit
// sets nest, as BQSKit's QuickPartitioner; Partition.ExtendBlockSize pads
// one-qubit blocks with an idle neighbour (BQSKit's ExtendBlockSizePass)
// and Partition.Unfold flattens. FillU3 and
// FuseSingleQubit shape single-qubit gates. Scanning gate removal, QSearch
// and LEAP resynthesis (package synthesis) run per block inside
// for_each_block, which maps every block's workflow to one TaskBlock task
// and keeps a new block only when it has fewer two-qubit gates, then fewer
// single-qubit gates. A kept block is then refined from its parameters
// (a warm-started LM run to convergence, threshold 1e-15), since search
// stops each instantiation just under ε = 1e-8: qft5's level-2 output is
// 3e-8 from its input instead of 1.2e-5. Scanning removal accepts the
// removal of a single-qubit gate only below 1e-12 (it gains no two-qubit
// gate, so it may not spend ε), passes marked precise (those levels 2
// to 4 add) accept at ε·PreciseFactor, so that a replacement which only
// approximates its block is not kept, and a keep_if_fewer body that gains
// nothing leaves the error bound as it was. Search successor instantiations run as
// TaskInstantiate tasks, so one large block spreads over many workers.
//
// # Machines
//
// With Request.Model, LevelWithModel appends to the level: map (SABRE
// placement and routing, package routing), per-block two-qubit removal,
// resynthesize_routed (blocks resynthesized with two-qubit gates only on
// their coupled pairs: blockArgs carries the block's coupling, and the
// search's layer generator uses only those pairs), retarget_native (fixed
// templates), and resynthesize_native (blocks resynthesized with the
// native two-qubit gate as the layer gate, when its cx template needs
// more than one) with a final retarget_native; above level 1 that level's
// mapped result replaces the level below's (compiled for the model
// first) only when it has fewer two-qubit gates. Request.SynthesisEpsilon
// sets every pass's threshold that sets none; Request.ErrorThreshold
// makes for_each_block refuse replacements that would take the error
// bound over it (PassData.Refused).
//
// # Workflows
//
// A workflow is a list of Pass values, usually from Level (optimization
// levels 1 to 4, each the level below plus passes inside keep_if_fewer,
// so a higher level never gives more two-qubit gates; see Level),
// UnitaryLevel (unitary input), or ParseWorkflow (JSON
// from a client: an array of {"pass": NAME, ...parameters}, validated with
// errors that name the field, e.g. "workflow[2].multistarts"). Passes are
// data; clients never send code.
//
// # Running
//
// The compiler does not know the runtime. Its tasks (TaskNames: TaskCompile,
// TaskBlock, TaskInstantiate) run through RunTask, which takes everything
// it needs explicitly in an Env: the batch.Executor that runs the task's
// own batches, a logger and a progress callback; the context carries
// cancellation only. A runtime registers each task name with a body that
// builds the Env and calls RunTask (package service does this for the
// hierarchy runtime: RegisterCompiler, mapping batches onto subtasks), then
// submits TaskCompile with EncodeRequest's bytes and reads DecodeResult
// from the result. In-process, Compile runs a request on any executor;
// NewLocalExecutor runs the tasks on goroutines of this process.
//
// NewPlan validates a Request up front and is the one place the
// optimization level (MinLevel..MaxLevel) and block size
// (MinBlockSize..MaxBlockSize) are checked; it parses the input once. Its
// request errors are *RequestError, whose Kind (ErrBadParam, ErrWorkflow,
// ErrUnknownPass, ErrUnsupported, ErrRequest) and Field let front ends
// answer without reading the message; QASM errors are *qasm.Error.
// Results depend only on the input, the workflow and the seed, never on
// the executor or the number of workers. Verify compares two circuits
// (exact unitaries, circuit.Circuit.Unitary, up to 10 qubits; seeded
// random states up to 28). MaxUnitaryInputQubits (6) bounds unitary
// input; circuit.MaxUnitaryQubits (14) bounds any unitary built.
//
// # Unitary input
//
// A unitary target of 1 to 4 qubits is one block: UnitaryLevel's passes
// (QSearch below 3 qubits, LEAP otherwise) run on it, and a request's
// workflow must be a block workflow. From QSDInputQubits (5) on, search
// is hopeless (a generic 5-qubit unitary needs at least 252 CX), so the
// target is decomposed exactly by synthesis.QSD (444 CX at 5 qubits, 1868
// at 6; stage "qsd" in PassData), the QSD circuit runs through the
// level's circuit workflow (Level, at most level 2: level 3 on every block of
// a QSD circuit did not finish in 40 minutes; with success threshold 1e-12 instead of
// 1e-8 for its removal and resynthesis passes, so that no inexact block
// replacement is kept; or the request's workflow, which is then a circuit
// workflow, as given), and the result is checked against the target:
// above cost 1e-10 it is refined by the same warm-started LM run that
// refines accepted blocks (stage "polish"), and a result still at cost
// 1e-8 or more would be replaced by the QSD circuit itself. Measured on
// seeded Haar-random unitaries at level 1 (2 workers, shared 2-core VM,
// load 18-24 from other jobs; CPU time of the test process):
//
//	qubits  QSD CX  level-1 CX  cost     CPU (user+sys)  wall
//	5         444       401     1.2e-14   7 + 2 s          31 s
//	6        1868      1705     3.5e-14  26 + 8 s          63 s
//
// Level 2 gave the same 401 CX on 5 qubits (105 s wall). Level 3, which
// runs LEAP on every block of the QSD circuit until the count stops
// dropping, had not finished a 5-qubit target after 40 minutes. No polish
// was needed. With the per-block threshold left at 1e-8 (and
// the earlier 507-CX QSD), one 5-qubit removal that LM could not refine
// left the circuit at cost 8e-9, and the polish took the whole 6-qubit
// circuit 231 s of a 336 s compile.
package compiler
