// Command runtime (`make bench-runtime`) measures the task runtime and
// prints one JSON object per line: empty-task throughput, BQSKit's nested
// map test, and the subtask round trip. The workloads live in package
// rtbench so that other runtime modes (MPI, TCP) run the same ones.
package main
