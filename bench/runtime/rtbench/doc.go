// Package rtbench holds the runtime benchmarks of `make bench-runtime`
// (bench/runtime) so that every runtime mode (embedded, MPI, TCP) measures
// the same workloads: register the tasks with Register in every process,
// then call the benchmark functions against the server's client API.
package rtbench
