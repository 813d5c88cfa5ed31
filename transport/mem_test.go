package transport_test

import (
	"testing"

	"go.uber.org/goleak"

	"github.com/bqskit-mpi/bqskit-mpi/transport"
	"github.com/bqskit-mpi/bqskit-mpi/transport/transporttest"
)

func memFactory(opts transport.MemOptions) transporttest.Factory {
	return func(t *testing.T, n int) []transport.Transport {
		ids := make([]transport.PeerID, n)
		for i := range ids {
			ids[i] = transport.PeerID(i * 3) // non-contiguous ids on purpose
		}
		net := transport.NewMemNetworkWithOptions(opts, ids...)
		t.Cleanup(func() { _ = net.Close() })
		eps := make([]transport.Transport, n)
		for i, id := range ids {
			eps[i] = net.Endpoint(id)
		}
		return eps
	}
}

func TestMemConformance(t *testing.T) {
	defer goleak.VerifyNone(t)
	transporttest.Run(t, memFactory(transport.MemOptions{}), transporttest.Config{})
}

func TestMemBoundedConformance(t *testing.T) {
	defer goleak.VerifyNone(t)
	transporttest.Run(t, memFactory(transport.MemOptions{QueueLimit: 16}), transporttest.Config{BlockingSend: true})
}

func TestMemEndpointUnknown(t *testing.T) {
	net := transport.NewMemNetwork(0, 1)
	defer net.Close()
	if net.Endpoint(7) != nil {
		t.Fatal("Endpoint(7) of a network of {0,1} is not nil")
	}
}
