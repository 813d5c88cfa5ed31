// Package soak holds the servers' soak test (build tag soak, `make soak`):
// 16 clients submitting, cancelling and disconnecting at random (seeded),
// with bad frames mixed in, against bqskit-server and against
// `mpirun -n 3 bqskit-mpi`, each for $SOAK_DURATION (default 3m). At the
// end every completed compile has been verified, every submit and every
// awaited result got an answer, the server's RSS is back within 20% of its
// value after warm-up, and its goroutine count (logged by the gateway when
// the last client leaves) is back to its value after warm-up.
//
// The package has no code outside its test; it is not part of `make test`.
package soak
