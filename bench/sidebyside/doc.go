// Command sidebyside (`make bench`, `make bench-quick`) measures bqskit-mpi
// and BQSKit 1.2.1 side by side on the same inputs, alternating the two
// systems item by item, and writes bench/results/latest.json, latest.md and
// PNG plots (package bench/report).
//
// BQSKit's side is bench/bqskitside/side.py in the virtual environment
// bench/.venv (`make bench-venv`): it starts BQSKit's attached runtime on
// free loopback ports (never 7472) and answers JSON requests on stdin. When
// the environment is missing or BQSKit fails to start, the report says so
// and our side still runs. Our side is bin/bqskit-compile (compiles,
// --verify, --json), bench/runtime (the runtime benchmarks, embedded and
// under mpirun) and package instantiate for the instantiation calls.
//
// Comparisons: runtime (empty tasks via map, nested map), xrank (subtask
// round trip that crosses processes), instantiate (3-qubit templates of 2,
// 4, 6 and 8 layers, the same targets), compile (the suite at levels 1-3,
// several seeds, 2 workers), synthesis (random 3-qubit unitaries and
// Toffoli at level 3), scaling (1 and 2 workers; more with
// --scaling-workers and --scaling-ranks on a bigger machine). --quick runs
// a reduced plan that still fills every table.
//
// Robustness: every item has a timeout (recorded as a timeout, the BQSKit
// side restarted), a failure is recorded with its error, and each
// comparison has a time budget after which the items not yet started are
// reported as skipped. Raw measurements are appended to
// bench/results/raw.jsonl as they are taken; --resume continues an
// interrupted run from them. The outputs are rewritten after each
// comparison.
package main
