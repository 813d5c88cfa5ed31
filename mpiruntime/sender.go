package mpiruntime

import (
	"encoding/binary"
	"sync"
	"sync/atomic"
	"time"

	"github.com/bqskit-mpi/bqskit-mpi/transport"
)

// Outgoing messages leave through one sender goroutine per peer rather
// than from the pump itself. MPI_Send to a rank that has stopped receiving
// (a SIGSTOPped or hung process) blocks: measured with OpenMPI's
// shared-memory transport, a 4000-byte send blocks at once and 64-byte
// sends after about 50 messages. Sent from the pump, that froze the whole
// rank: nothing more was received from anyone, so a server with one
// stopped worker lost all of them. With a sender per peer (MPI is
// initialised with MPI_THREAD_MULTIPLE) only the messages for the stopped
// rank wait; the pump keeps receiving and the other peers keep being
// served, so the node loop's heartbeat deadline can route around the
// stopped rank. Order per peer is kept (one sender, one queue).

// closeFlushTimeout bounds how long the pump, when closing, waits for the
// senders to send what is queued; a peer that never receives cannot hold
// the rank forever.
const closeFlushTimeout = 5 * time.Second

type peerSender struct {
	t       *Transport
	to      transport.PeerID
	r       route
	mu      sync.Mutex
	q       []outMsg
	wake    chan struct{}
	pending atomic.Int64 // queued or being sent
	hdr     []byte       // 8 bytes; own allocations (cgo)
	pad     []byte
}

// sender returns the sender for peer to, starting it on first use. Pump
// goroutine only.
func (t *Transport) sender(to transport.PeerID) *peerSender {
	s := t.senders[to]
	if s == nil {
		if t.senders == nil {
			t.senders = map[transport.PeerID]*peerSender{}
			t.sendStop = make(chan struct{})
		}
		s = &peerSender{t: t, to: to, r: t.routes[to], wake: make(chan struct{}, 1), hdr: make([]byte, 8), pad: make([]byte, 1)}
		t.senders[to] = s
		t.sendWG.Add(1)
		go s.run()
	}
	return s
}

func (s *peerSender) enqueue(m outMsg) {
	s.pending.Add(1)
	s.mu.Lock()
	s.q = append(s.q, m)
	s.mu.Unlock()
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

func (s *peerSender) run() {
	defer s.t.sendWG.Done()
	var batch []outMsg
	for {
		s.mu.Lock()
		batch, s.q = s.q, batch[:0]
		s.mu.Unlock()
		if len(batch) == 0 {
			select {
			case <-s.wake:
				continue
			case <-s.t.sendStop:
				return
			}
		}
		for i := range batch {
			s.send(batch[i].data)
			batch[i] = outMsg{}
			s.pending.Add(-1)
		}
	}
}

func (s *peerSender) send(data []byte) {
	l, r, chunk := s.t.link, s.r, s.t.chunk
	n := len(data)
	switch {
	case n == 0:
		l.send(r.comm, r.rank, tagEmpty, s.pad)
	case n <= chunk:
		l.send(r.comm, r.rank, tagMsg, data)
	default:
		binary.LittleEndian.PutUint64(s.hdr, uint64(n))
		l.send(r.comm, r.rank, tagBig, s.hdr)
		for off := 0; off < n; off += chunk {
			l.send(r.comm, r.rank, tagChunk, data[off:min(off+chunk, n)])
		}
	}
}

// sendersBusy lists the peers with messages not yet sent. Pump only.
func (t *Transport) sendersBusy() []transport.PeerID {
	var busy []transport.PeerID
	for p, s := range t.senders {
		if s.pending.Load() > 0 {
			busy = append(busy, p)
		}
	}
	return busy
}

// stopSenders ends the idle senders and waits for them, at most
// closeFlushTimeout for one blocked in MPI_Send (it is then left behind:
// its peer never received; the process is ending). Pump only.
func (t *Transport) stopSenders() {
	if t.sendStop == nil {
		return
	}
	close(t.sendStop)
	done := make(chan struct{})
	go func() {
		t.sendWG.Wait()
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(closeFlushTimeout):
	}
}
