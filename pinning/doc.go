// Package pinning pins a process (every one of its threads) to CPU cores,
// as the --cpus flag of bqskit-mpi asks.
//
// Parse reads the flag value: "" or "none" (no pinning), "auto" (one core
// per rank, chosen by node-local rank), or an explicit list of cores such
// as "0-3,8,10-11" that the ranks of a node share out in order. Select turns
// a Spec into the cores of one rank; Pin applies them to every thread in
// /proc/self/task with sched_setaffinity and sets GOMAXPROCS to match (or to a
// number the caller chooses, e.g. one more for a thread that polls).
// Threads started later inherit the mask of the thread that starts them, so
// callers should pin early and before starting thread pools of their own.
//
// OpenBLAS reads OPENBLAS_NUM_THREADS when the library is loaded, before
// main runs: EnsureBLASThreads re-executes the program with it set to 1
// unless the user set it.
package pinning
