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
// single-qubit gates. Search successor instantiations run as
// TaskInstantiate tasks, so one large block spreads over many workers.
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
// Callers either register the tasks in a runtime (Register, then submit
// TaskCompile with EncodeRequest's bytes and read DecodeResult from the
// result), or call Compile with an Executor (LocalExecutor runs the tasks
// in-process). NewPlan validates a Request up front (level, block size,
// workflow, input), so front ends can report bad input before starting
// any work. Results depend only on the input, the workflow and the seed,
// never on the number of workers. Verify compares two circuits (exact
// unitaries up to 10 qubits, seeded random states up to 28).
package compiler
