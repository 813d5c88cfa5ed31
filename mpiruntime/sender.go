package mpiruntime

import (
	"encoding/binary"
	"runtime"
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
//
// Fast path: handing a message to another goroutine doubled the 64-byte
// round trip (p50 170 -> 355-410 µs on the loaded development machine), so
// the pump still sends small messages itself while the peer's sender is
// idle and the small messages sent directly since the pump last heard from
// that peer total at most directBudget bytes: far below what a stopped
// receiver absorbs before MPI_Send blocks (about 50 messages of 64 bytes
// were taken, i.e. its 4 KB shared-memory fast box), so the pump cannot
// block; everything else goes through the sender.
//
// Measured with pingpong_test.go (2 ranks, load average 15-25 on 2 cores,
// alternating old/new builds): 64-byte round trip p50 85-167 µs before,
// 86-182 µs now; 64-byte stream 11,000-69,000 messages/s before,
// 28,000-380,000 now; 8 MiB sent and acknowledged 28-106 ms before
// (6 runs), 28-128 ms now in 5 of 6 runs but 3.2 s in one (the receiver's
// pump falls back to 1 ms sleeps when chunks pause for over 10 ms while the
// sender thread waits for a core; not reproduced with the pump sending).

// closeFlushTimeout bounds how long the pump, when closing, waits for the
// senders to send what is queued; a peer that never receives cannot hold
// the rank forever.
const closeFlushTimeout = 5 * time.Second

// Fast-path bounds (see above): largest message and bytes (with 64 bytes
// of per-message overhead) sent directly between two receipts from a peer.
const (
	directMax    = 256
	directBudget = 1024
)

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
	direct  int // pump only: bytes sent directly since the peer was last heard
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

// heard resets the direct-send budget of peer from. Pump only.
func (t *Transport) heard(from transport.PeerID) {
	if s := t.senders[from]; s != nil {
		s.direct = 0
	}
}

// enqueue sends m directly when the fast path allows, else queues it for
// the sender goroutine. Pump only.
func (s *peerSender) enqueue(m outMsg) {
	if n := len(m.data); n > 0 && n <= directMax && s.direct+n+64 <= directBudget && s.pending.Load() == 0 {
		s.direct += n + 64
		s.t.link.send(s.r.comm, s.r.rank, tagMsg, m.data)
		return
	}
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
	// Its own thread: the MPI_Send calls of a chunked message follow each
	// other without a hand-over between threads.
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
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
