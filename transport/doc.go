// Package transport defines how runtime nodes exchange opaque byte messages
// (the Transport interface) and provides the in-memory implementation used by
// the embedded runtime and by tests (MemNetwork).
//
// Callers build one endpoint per node, read incoming packets from Recv until
// it is closed, and Close every endpoint they created. The MPI transport
// lives in package mpiruntime (there is no TCP transport yet); every
// implementation must pass the conformance suite in transport/transporttest.
package transport
