// Package sumsq holds the runtime tasks that the runtime tests of several
// packages (hierarchy, tcptree, transport/tcp, mpiruntime) run on their
// trees, written once: "slowsq" squares an int64 after an optional delay,
// and "sumsq" computes the sum of i*i for i < n by mapping one slowsq
// subtask per i, so that a compile fans out over every worker. Nothing
// outside tests imports it.
//
// Arguments and results are int64 values encoded by Enc (8 bytes, little
// endian); Dec reports any other length as an error. Want(n) is the value
// sumsq(n) must return.
package sumsq
