// Command quality compiles circuits at several optimization levels and
// seeds on the in-process executor and prints, per run, the two-qubit
// count, the verified cost and distance to the input and the time, then a
// table of two-qubit counts per circuit and level (best and worst over the
// seeds) with BQSKit's reference figures where known, and the runs where
// a level gave more two-qubit gates than a lower level with the same seed.
// With --partition it prints QuickPartition's block counts instead.
//
//	go run ./bench/quality                      # the shared suite, L1-3, seeds 1-3
//	go run ./bench/quality --circuits tfim4,qft5 --levels 3 --seeds 1
//	go run ./bench/quality --partition
//
// A circuit name is a file NAME.qasm in --dir, or a path ending in .qasm.
// It exits with status 1 when a run fails, an output does not verify
// (cost above --max-cost) or levels are not monotone.
package main
