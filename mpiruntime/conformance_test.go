package mpiruntime

import (
	"testing"

	"github.com/bqskit-mpi/bqskit-mpi/transport"
	"github.com/bqskit-mpi/bqskit-mpi/transport/transporttest"
)

// TestConformanceFakeMPI runs the transport conformance suite against the
// pump over the in-process MPI model (eager below 4040 bytes, rendezvous
// above, like OpenMPI's shared-memory transport). The suite needs every
// endpoint in one process, which real MPI cannot give; the mpirun tests in
// mpi_test.go cover the real library.
func TestConformanceFakeMPI(t *testing.T) {
	transporttest.Run(t, func(t *testing.T, n int) []transport.Transport {
		net := newFakeNet(n, 4040)
		ids := make([]transport.PeerID, n)
		for i := range ids {
			ids[i] = transport.PeerID(i)
		}
		eps := make([]transport.Transport, n)
		for r := range eps {
			tr := mustTransport(t, transportConfig{self: transport.PeerID(r), link: &fakeLink{net: net, rank: r},
				members: [][]transport.PeerID{ids}})
			go tr.loop()
			t.Cleanup(func() { _ = tr.Close() })
			eps[r] = tr
		}
		return eps
	}, transporttest.Config{})
}
