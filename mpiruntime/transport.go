package mpiruntime

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"sync"
	"time"

	"go.uber.org/zap"

	"github.com/bqskit-mpi/bqskit-mpi/transport"
)

// Message tags. Every MPI message carries at least one byte.
const (
	tagMsg   = 1 // a whole message
	tagEmpty = 2 // an empty message: one padding byte
	tagBig   = 3 // start of a chunked message: total length, 8 bytes little-endian
	tagChunk = 4 // next piece of the chunked message in progress from that source
)

// DefaultChunkSize is the largest payload sent as one MPI message. Larger
// payloads go as a length header and pieces of at most this size. It is
// below OpenMPI's shared-memory eager limit (4096 bytes including the
// matching header; measured: 4040-byte messages go eagerly, 4050 do not), so
// every MPI_Send the pump issues completes without the receiver having
// posted a receive, and two ranks sending large messages to each other at
// once cannot both block in MPI_Send. Raise it only together with
// btl_vader_eager_limit (and the eager limit of every other transport the
// job uses).
const DefaultChunkSize = 4000

// pollBatch bounds the messages received in one pass before the pump looks
// at its outgoing queue again.
const pollBatch = 256

// partialSpin is how long the pump polls without yielding while a chunked
// message is incomplete. Yielding or sleeping there lets the sender's
// eager buffers fill and stalls it: 8 MiB took 2.5 s with the sleep policy
// on a loaded machine, 57 ms with spin.
const partialSpin = 10 * time.Millisecond

// ErrProtocol reports a malformed message sequence from a peer.
var ErrProtocol = errors.New("mpiruntime: protocol error")

// route says how to reach a peer: communicator index and rank in it.
type route struct{ comm, rank int }

type outMsg struct {
	to   transport.PeerID
	data []byte
}

type partialMsg struct {
	buf   []byte // grows as pieces arrive, up to total
	total int
}

// initialPartial bounds the buffer allocated for a chunked message before
// its pieces arrive, so a wrong length header costs no more than what is
// actually sent.
const initialPartial = 1 << 20

// Transport is the MPI implementation of transport.Transport. PeerIDs are
// ranks in MPI_COMM_WORLD, but messages travel on the tree's communicators:
// a rank reaches the members of the groups it belongs to (its parent, its
// siblings and its children). One pump goroutine owns every MPI call; Send
// only queues, so it never blocks.
type Transport struct {
	self    transport.PeerID
	link    link
	routes  map[transport.PeerID]route
	members [][]transport.PeerID // per communicator: comm rank -> world rank
	chunk   int
	idle    IdlePolicy
	log     *zap.Logger

	mu      sync.Mutex
	out     []outMsg
	closing bool
	waker   *waker

	recvCh chan transport.Packet
	done   chan struct{}
	err    error // written by the pump before done is closed

	// pump-owned
	pending  []transport.Packet
	partial  map[route]*partialMsg
	senders  map[transport.PeerID]*peerSender // see sender.go
	sendStop chan struct{}
	sendWG   sync.WaitGroup
}

type transportConfig struct {
	self    transport.PeerID
	link    link
	members [][]transport.PeerID
	chunk   int
	idle    IdlePolicy
	log     *zap.Logger
	waker   *waker // nil: make one
}

func newTransport(cfg transportConfig) (*Transport, error) {
	w := cfg.waker
	if w == nil {
		var err error
		if w, err = newWaker(); err != nil {
			return nil, err
		}
	}
	if cfg.chunk <= 0 {
		cfg.chunk = DefaultChunkSize
	}
	if cfg.log == nil {
		cfg.log = zap.NewNop()
	}
	t := &Transport{
		self:    cfg.self,
		link:    cfg.link,
		routes:  map[transport.PeerID]route{},
		members: cfg.members,
		chunk:   cfg.chunk,
		idle:    cfg.idle,
		log:     cfg.log,
		waker:   w,
		recvCh:  make(chan transport.Packet, 1024),
		done:    make(chan struct{}),
		partial: map[route]*partialMsg{},
	}
	for c, ms := range cfg.members {
		for r, p := range ms {
			if p != cfg.self {
				t.routes[p] = route{comm: c, rank: r}
			}
		}
	}
	return t, nil
}

// Self is this rank's world rank.
func (t *Transport) Self() transport.PeerID { return t.self }

// Recv returns the channel of incoming packets; it is closed when the pump
// stops.
func (t *Transport) Recv() <-chan transport.Packet { return t.recvCh }

// Peers returns the world ranks this rank can send to, besides itself.
func (t *Transport) Peers() []transport.PeerID {
	out := make([]transport.PeerID, 0, len(t.routes))
	for _, ms := range t.members {
		for _, p := range ms {
			if p != t.self {
				out = append(out, p)
			}
		}
	}
	return out
}

// Send queues data for peer to. It never blocks. The caller must not modify
// data afterwards.
func (t *Transport) Send(ctx context.Context, to transport.PeerID, data []byte) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if _, ok := t.routes[to]; !ok && to != t.self {
		return fmt.Errorf("%w: rank %d is not a neighbour of rank %d in the manager tree", transport.ErrUnknownPeer, to, t.self)
	}
	t.mu.Lock()
	if t.closing {
		t.mu.Unlock()
		return transport.ErrClosed
	}
	t.out = append(t.out, outMsg{to: to, data: data})
	t.waker.wake() // under mu: the pump closes the eventfd under mu
	t.mu.Unlock()
	return nil
}

// Close sends what is already queued, stops the pump, closes the Recv
// channel (dropping undelivered packets) and returns once the pump has
// stopped. It is safe to call more than once.
func (t *Transport) Close() error {
	t.mu.Lock()
	if !t.closing {
		t.closing = true
		t.waker.wake()
	}
	t.mu.Unlock()
	<-t.done
	return nil
}

// Done is closed when the pump has stopped (after Close or a fatal error).
func (t *Transport) Done() <-chan struct{} { return t.done }

// Err returns the fatal error that stopped the pump, if any; valid after
// Done is closed.
func (t *Transport) Err() error {
	select {
	case <-t.done:
		return t.err
	default:
		return nil
	}
}

// loop is the pump. It runs on the goroutine that owns MPI and returns when
// the transport is closed and its queue flushed, or on a protocol error.
func (t *Transport) loop() {
	defer func() {
		t.mu.Lock()
		t.closing = true // Send now fails with ErrClosed and no longer wakes
		t.out = nil
		t.waker.close()
		t.mu.Unlock()
		t.pending = nil
		t.stopSenders()
		close(t.recvCh)
		close(t.done)
	}()
	var (
		batch        []outMsg
		idleStart    time.Time
		closingSince time.Time
	)
	nothingQueued := func() bool {
		t.mu.Lock()
		defer t.mu.Unlock()
		return len(t.out) == 0 && !t.closing
	}
	for {
		t.mu.Lock()
		batch = append(batch[:0], t.out...)
		clear(t.out)
		t.out = t.out[:0]
		closing := t.closing
		t.mu.Unlock()

		worked := len(batch) > 0
		for i := range batch {
			t.sendOne(batch[i])
		}
		clear(batch)
		if t.pollIn(pollBatch) {
			worked = true
		}
		t.deliver()
		if t.err != nil {
			return
		}
		if closing && len(batch) == 0 {
			t.mu.Lock()
			empty := len(t.out) == 0
			t.mu.Unlock()
			if closingSince.IsZero() {
				closingSince = time.Now()
			}
			if empty {
				busy := t.sendersBusy()
				if len(busy) == 0 {
					return
				}
				if time.Since(closingSince) > closeFlushTimeout {
					t.log.Warn("closing with messages not sent: these ranks are not receiving", zap.Any("ranks", busy))
					return
				}
			}
		}
		if worked {
			idleStart = time.Time{}
			continue
		}
		if len(t.partial) > 0 {
			// The rest of a chunked message is on its way and its sender
			// is waiting in MPI_Send for us to drain: poll without
			// yielding the core, for up to partialSpin without progress.
			now := time.Now()
			if idleStart.IsZero() {
				idleStart = now
			}
			if now.Sub(idleStart) < partialSpin {
				continue
			}
		}
		switch t.idle {
		case IdleSpin:
		case IdleYield:
			yieldCPU()
		default:
			now := time.Now()
			if idleStart.IsZero() {
				idleStart = now
			}
			idleFor := now.Sub(idleStart)
			if idleFor < SpinWindow {
				yieldCPU()
				continue
			}
			// Sleep an eighth of the time already idle: a message that
			// ends a long quiet spell waits at most ~1/8 longer than it
			// would have, and a quiet rank wakes about 1000 times a second.
			d := min(max(idleFor/8, MinSleep), MaxSleep)
			if len(t.pending) > 0 {
				d = MinSleep // the consumer is draining Recv
			}
			t.waker.sleep(d, nothingQueued)
		}
	}
}

// deliver hands queued packets to the consumer without blocking.
func (t *Transport) deliver() {
	n := 0
	for n < len(t.pending) {
		select {
		case t.recvCh <- t.pending[n]:
			t.pending[n] = transport.Packet{}
			n++
		default:
			t.pending = t.pending[n:]
			return
		}
	}
	t.pending = t.pending[:0]
}

func (t *Transport) push(p transport.Packet) {
	if len(t.pending) == 0 {
		select {
		case t.recvCh <- p:
			return
		default:
		}
	}
	t.pending = append(t.pending, p)
}

func (t *Transport) sendOne(m outMsg) {
	if m.to == t.self {
		t.push(transport.Packet{From: t.self, Data: m.data})
		return
	}
	t.sender(m.to).enqueue(m)
}

// pollIn receives up to max waiting messages from every communicator and
// reports whether it received any.
func (t *Transport) pollIn(max int) bool {
	got := false
	for c := range t.members {
		for i := 0; i < max; i++ {
			ok, src, tag, n := t.link.probe(c)
			if !ok {
				break
			}
			got = true
			t.receive(c, src, tag, n)
		}
	}
	return got
}

func (t *Transport) receive(c, src, tag, n int) {
	from := t.members[c][src]
	t.heard(from)
	key := route{comm: c, rank: src}
	switch tag {
	case tagMsg:
		buf := make([]byte, n)
		t.link.recv(c, src, tag, buf)
		t.push(transport.Packet{From: from, Data: buf})
	case tagEmpty:
		t.link.recv(c, src, tag, make([]byte, n))
		t.push(transport.Packet{From: from, Data: []byte{}})
	case tagBig:
		buf := make([]byte, n)
		t.link.recv(c, src, tag, buf)
		if n != 8 || t.partial[key] != nil {
			t.fail(fmt.Errorf("%w: bad chunked-message header from rank %d (%d bytes)", ErrProtocol, from, n))
			return
		}
		total := binary.LittleEndian.Uint64(buf)
		if total <= uint64(t.chunk) || total > 1<<40 {
			t.fail(fmt.Errorf("%w: chunked message of %d bytes from rank %d", ErrProtocol, total, from))
			return
		}
		t.partial[key] = &partialMsg{buf: make([]byte, 0, min(total, initialPartial)), total: int(total)}
	case tagChunk:
		p := t.partial[key]
		if p == nil || n > p.total-len(p.buf) {
			t.link.recv(c, src, tag, make([]byte, n))
			t.fail(fmt.Errorf("%w: unexpected chunk of %d bytes from rank %d", ErrProtocol, n, from))
			return
		}
		l := len(p.buf)
		if cap(p.buf)-l < n {
			grown := make([]byte, l, min(p.total, max(2*cap(p.buf), l+n)))
			copy(grown, p.buf)
			p.buf = grown
		}
		p.buf = p.buf[:l+n]
		t.link.recv(c, src, tag, p.buf[l:])
		if len(p.buf) == p.total {
			delete(t.partial, key)
			t.push(transport.Packet{From: from, Data: p.buf})
		}
	default:
		t.link.recv(c, src, tag, make([]byte, n))
		t.fail(fmt.Errorf("%w: unknown tag %d from rank %d", ErrProtocol, tag, from))
	}
}

func (t *Transport) fail(err error) {
	if t.err == nil {
		t.err = err
		t.log.Error("mpi transport stopped", zap.Error(err))
	}
}
