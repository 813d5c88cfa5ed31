package mpiruntime

import (
	"testing"
	"time"

	"github.com/bqskit-mpi/bqskit-mpi/transport"
)

// FuzzReceive feeds arbitrary MPI message sequences (tag, payload) from a
// raw peer into a transport: the pump must deliver well-formed messages and
// stop with ErrProtocol on malformed ones, never panic or hang.
func FuzzReceive(f *testing.F) {
	f.Add([]byte{1, 3, 'a', 'b', 'c'})
	f.Add([]byte{3, 8, 0x10, 0x27, 0, 0, 0, 0, 0, 0, 4, 2, 'x', 'y'})
	f.Add([]byte{4, 1, 'z'})
	f.Add([]byte{2, 1, 0, 9, 1, 0})
	f.Fuzz(func(t *testing.T, script []byte) {
		net := newFakeNet(2, 1<<30)
		members := [][]transport.PeerID{{0, 1}}
		a, err := newTransport(transportConfig{self: 0, link: &fakeLink{net: net, rank: 0}, members: members, chunk: 16, idle: IdleSpin})
		if err != nil {
			t.Fatal(err)
		}
		go a.loop()
		defer a.Close()
		raw := &fakeLink{net: net, rank: 1}
		sent := 0
		for len(script) >= 2 {
			tag, n := int(script[0]%6), int(script[1])
			script = script[2:]
			n = min(n, len(script))
			if n == 0 {
				continue
			}
			raw.send(0, 0, tag, script[:n])
			script = script[n:]
			sent++
		}
		// Drain until the peer's messages are all consumed or the pump
		// stopped on a protocol error.
		deadline := time.After(10 * time.Second)
		for {
			net.mu.Lock()
			left := len(net.queues[0])
			net.mu.Unlock()
			if left == 0 {
				return
			}
			select {
			case <-a.Recv():
			case <-a.Done():
				return
			case <-time.After(time.Millisecond): // look at the queue again
			case <-deadline:
				t.Fatalf("pump neither consumed %d messages nor stopped", left)
			}
		}
	})
}
