// Package compiler turns circuits into shorter ones over {CX, U3}: the
// passes BQSKit's compile() runs, as data-driven workflows that spread over
// the runtime.
//
// # Passes
//
// Retarget rewrites any supported gate into CX and U3 (closed-form U3 for
// single-qubit gates, textbook decompositions for the rest). QuickPartition
// splits a circuit into convex blocks of at most k qubits (directives are
// blocks of their own, so blocks never cross measure, reset or barrier);
// Partition.ExtendBlockSize and Partition.Unfold complete it. FillU3 and
// FuseSingleQubit shape single-qubit gates. Scanning gate removal, QSearch
// and LEAP resynthesis (package synthesis) run per block inside
// for_each_block, which maps every block's workflow to one TaskBlock task
// and keeps a new block only when it has fewer two-qubit gates, then fewer
// single-qubit gates. A kept block is then refined from its parameters
// (a warm-started LM run to convergence, threshold 1e-15), since search
// stops each instantiation just under ε = 1e-8: qft5's level-2 output is
// 3e-8 from its input instead of 1.2e-5. Search successor instantiations run as
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
// more than one) with a final retarget_native. Request.SynthesisEpsilon
// sets every pass's threshold that sets none; Request.ErrorThreshold
// makes for_each_block refuse replacements that would take the error
// bound over it (PassData.Refused).
//
// # Workflows
//
// A workflow is a list of Pass values, usually from Level (optimization
// levels 1 to 3), UnitaryLevel (unitary input), or ParseWorkflow (JSON
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
// random states up to 28). MaxUnitaryInputQubits (4) bounds unitary
// input; circuit.MaxUnitaryQubits (14) bounds any unitary built.
package compiler
