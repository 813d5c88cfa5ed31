package transport

import (
	"context"
	"fmt"
	"sync"
)

// MemOptions configures an in-memory network.
type MemOptions struct {
	// QueueLimit bounds the packets queued for one receiver. With 0 (the
	// default) queues are unbounded and Send never blocks, which is what the
	// embedded runtime uses: its node loops must never wait on each other.
	// With a positive limit, Send blocks while the receiver has QueueLimit
	// undelivered packets, until space frees, ctx ends or either end closes.
	QueueLimit int
}

// MemNetwork is a set of in-memory endpoints that can reach each other.
// Build it with NewMemNetwork, take each endpoint with Endpoint, and close
// every endpoint when done (each endpoint owns one delivery goroutine).
type MemNetwork struct {
	eps map[PeerID]*Mem
}

// NewMemNetwork returns a network with one endpoint per id, with unbounded
// queues. Duplicate ids are a programmer error and panic.
func NewMemNetwork(ids ...PeerID) *MemNetwork {
	return NewMemNetworkWithOptions(MemOptions{}, ids...)
}

// NewMemNetworkWithOptions is NewMemNetwork with options.
func NewMemNetworkWithOptions(opts MemOptions, ids ...PeerID) *MemNetwork {
	n := &MemNetwork{eps: make(map[PeerID]*Mem, len(ids))}
	for _, id := range ids {
		if _, dup := n.eps[id]; dup {
			panic(fmt.Sprintf("transport: duplicate peer id %d", id))
		}
		n.eps[id] = newMem(n, id, opts.QueueLimit)
	}
	return n
}

// Endpoint returns the endpoint for id, or nil when id is not in the network.
func (n *MemNetwork) Endpoint(id PeerID) *Mem { return n.eps[id] }

// Close closes every endpoint of the network.
func (n *MemNetwork) Close() error {
	for _, ep := range n.eps {
		_ = ep.Close()
	}
	return nil
}

// Mem is one endpoint of a MemNetwork. Data passed to Send is handed to the
// receiver without copying.
type Mem struct {
	net   *MemNetwork
	self  PeerID
	limit int

	mu      sync.Mutex
	queue   []Packet
	spare   []Packet
	pending int // packets in queue or taken by the delivery goroutine, not yet on recv
	closed  bool

	wake  chan struct{} // cap 1: the queue became non-empty
	space chan struct{} // closed and replaced when the queue shrinks (bounded mode)
	done  chan struct{} // closed by Close
	recv  chan Packet
	exit  chan struct{} // closed when the delivery goroutine has returned
	once  sync.Once
}

func newMem(n *MemNetwork, id PeerID, limit int) *Mem {
	m := &Mem{
		net:   n,
		self:  id,
		limit: limit,
		wake:  make(chan struct{}, 1),
		space: make(chan struct{}),
		done:  make(chan struct{}),
		recv:  make(chan Packet, 64),
		exit:  make(chan struct{}),
	}
	go m.deliver()
	return m
}

// Self implements Transport.
func (m *Mem) Self() PeerID { return m.self }

// Recv implements Transport.
func (m *Mem) Recv() <-chan Packet { return m.recv }

// Send implements Transport. Sending to an endpoint that has been closed
// returns an error wrapping ErrUnknownPeer.
func (m *Mem) Send(ctx context.Context, to PeerID, data []byte) error {
	select {
	case <-m.done:
		return ErrClosed
	default:
	}
	dst := m.net.eps[to]
	if dst == nil {
		return fmt.Errorf("%w: %d", ErrUnknownPeer, to)
	}
	return dst.enqueue(ctx, m, Packet{From: m.self, Data: data})
}

func (m *Mem) enqueue(ctx context.Context, sender *Mem, p Packet) error {
	for {
		m.mu.Lock()
		if m.closed {
			m.mu.Unlock()
			return fmt.Errorf("%w: peer %d is closed", ErrUnknownPeer, m.self)
		}
		if m.pending == 0 {
			// Fast path: nothing queued ahead, hand the packet straight to
			// the receiver's channel when it has room (order is kept:
			// nothing older is waiting).
			select {
			case m.recv <- p:
				m.mu.Unlock()
				return nil
			default:
			}
		}
		if m.limit <= 0 || len(m.queue) < m.limit {
			m.queue = append(m.queue, p)
			m.pending++
			first := len(m.queue) == 1
			m.mu.Unlock()
			if first {
				select {
				case m.wake <- struct{}{}:
				default:
				}
			}
			return nil
		}
		space := m.space
		m.mu.Unlock()
		select {
		case <-space:
		case <-ctx.Done():
			return ctx.Err()
		case <-sender.done:
			return ErrClosed
		case <-m.done:
			// loop: enqueue reports the closed receiver
		}
	}
}

// deliver moves queued packets to the Recv channel until Close.
func (m *Mem) deliver() {
	defer close(m.exit)
	defer close(m.recv)
	var batch []Packet
	for {
		m.mu.Lock()
		batch, m.queue = m.queue, m.spare[:0]
		m.spare = nil
		if m.limit > 0 && len(batch) > 0 {
			close(m.space)
			m.space = make(chan struct{})
		}
		m.mu.Unlock()
		if len(batch) == 0 {
			select {
			case <-m.wake:
				continue
			case <-m.done:
				return
			}
		}
		for i := range batch {
			select {
			case m.recv <- batch[i]:
			case <-m.done:
				return
			}
			batch[i] = Packet{}
		}
		m.mu.Lock()
		m.pending -= len(batch)
		if m.spare == nil {
			m.spare = batch[:0]
		}
		m.mu.Unlock()
	}
}

// Close implements Transport. Packets still queued for this endpoint are
// dropped; the Recv channel is closed once the delivery goroutine returns,
// which Close waits for.
func (m *Mem) Close() error {
	m.once.Do(func() {
		m.mu.Lock()
		m.closed = true
		m.queue = nil
		m.mu.Unlock()
		close(m.done)
		<-m.exit
	})
	return nil
}

var _ Transport = (*Mem)(nil)
