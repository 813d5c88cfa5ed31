package tcp

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"time"

	"go.uber.org/zap"

	"github.com/bqskit-mpi/bqskit-mpi/transport"
)

// ErrDuplicatePeer is returned by Add for a peer that already has a link.
var ErrDuplicatePeer = errors.New("tcp: peer already linked")

// closeFlushTimeout bounds how long Close waits for queued messages to
// leave on each link.
const closeFlushTimeout = 2 * time.Second

// Transport is the TCP implementation of transport.Transport (and
// transport.LossReporter): one authenticated connection per peer, added
// with Add. Send queues per link and never blocks. Build it with New.
type Transport struct {
	self transport.PeerID
	opts Options
	log  *zap.Logger

	mu     sync.Mutex
	links  map[transport.PeerID]*link
	gone   map[transport.PeerID]bool
	closed bool
	quiet  bool // CloseAfterPeers: links closing is expected
	lostQ  []transport.PeerID

	recv     chan transport.Packet
	lost     chan transport.PeerID
	lostWake chan struct{}
	drain    chan struct{} // closed by Close: writers flush and return
	done     chan struct{} // closed by Close after the writers: readers return
	writers  sync.WaitGroup
	others   sync.WaitGroup
	once     sync.Once
}

type link struct {
	t    *Transport
	peer transport.PeerID
	conn *Conn

	mu    sync.Mutex
	queue [][]byte
	wake  chan struct{}
	dead  chan struct{}
	fail1 sync.Once
}

// New returns a transport for node self with no links yet.
func New(self transport.PeerID, opts Options) (*Transport, error) {
	opts, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	t := &Transport{
		self: self, opts: opts, log: opts.Logger.With(zap.Int32("self", int32(self))),
		links: map[transport.PeerID]*link{}, gone: map[transport.PeerID]bool{},
		recv: make(chan transport.Packet, 64), lost: make(chan transport.PeerID), lostWake: make(chan struct{}, 1),
		drain: make(chan struct{}), done: make(chan struct{}),
	}
	t.others.Add(1)
	go t.forwardLost()
	return t, nil
}

// Add makes c the link to peer and starts moving messages on it. The
// transport owns c from then on (it closes it on loss or Close).
func (t *Transport) Add(peer transport.PeerID, c *Conn) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	switch {
	case t.closed:
		_ = c.Close()
		return transport.ErrClosed
	case t.links[peer] != nil:
		_ = c.Close()
		return fmt.Errorf("%w: %d", ErrDuplicatePeer, peer)
	}
	c.maxFrame = t.opts.MaxFrame
	l := &link{t: t, peer: peer, conn: c, wake: make(chan struct{}, 1), dead: make(chan struct{})}
	t.links[peer] = l
	delete(t.gone, peer)
	t.writers.Add(1)
	t.others.Add(1)
	go l.writeLoop()
	go l.readLoop()
	return nil
}

// Self implements transport.Transport.
func (t *Transport) Self() transport.PeerID { return t.self }

// Recv implements transport.Transport.
func (t *Transport) Recv() <-chan transport.Packet { return t.recv }

// Lost implements transport.LossReporter: each peer whose link was lost,
// once. Closed by Close.
func (t *Transport) Lost() <-chan transport.PeerID { return t.lost }

// Peers returns the peers with a live link.
func (t *Transport) Peers() []transport.PeerID {
	t.mu.Lock()
	defer t.mu.Unlock()
	ps := make([]transport.PeerID, 0, len(t.links))
	for p := range t.links {
		ps = append(ps, p)
	}
	return ps
}

// Send implements transport.Transport. It queues data for the link to
// peer to and returns at once; a peer without a live link (never added,
// or lost) is an error wrapping transport.ErrUnknownPeer.
func (t *Transport) Send(ctx context.Context, to transport.PeerID, data []byte) error {
	if len(data) > t.opts.MaxFrame {
		return fmt.Errorf("%w: %d bytes to peer %d, limit %d", ErrFrameTooLarge, len(data), to, t.opts.MaxFrame)
	}
	t.mu.Lock()
	if t.closed {
		t.mu.Unlock()
		return transport.ErrClosed
	}
	l := t.links[to]
	gone := t.gone[to]
	t.mu.Unlock()
	if l == nil {
		if gone {
			return fmt.Errorf("%w: peer %d was lost", transport.ErrUnknownPeer, to)
		}
		return fmt.Errorf("%w: %d", transport.ErrUnknownPeer, to)
	}
	l.mu.Lock()
	select {
	case <-l.dead:
		l.mu.Unlock()
		return fmt.Errorf("%w: peer %d was lost", transport.ErrUnknownPeer, to)
	default:
	}
	l.queue = append(l.queue, data)
	l.mu.Unlock()
	select {
	case l.wake <- struct{}{}:
	default:
	}
	return nil
}

// Close implements transport.Transport: Send fails from now on, messages
// already queued get up to 2 s to leave, then every connection closes and
// Recv and Lost close. Losses during Close are not reported.
func (t *Transport) Close() error {
	t.once.Do(func() {
		t.mu.Lock()
		t.closed = true
		t.mu.Unlock()
		close(t.drain)
		// A write in progress to a slow or stopped peer must not hold
		// Close longer than the flush bound.
		t.mu.Lock()
		for _, l := range t.links {
			_ = l.conn.c.SetWriteDeadline(time.Now().Add(closeFlushTimeout))
		}
		t.mu.Unlock()
		t.writers.Wait()
		close(t.done)
		t.mu.Lock()
		ls := make([]*link, 0, len(t.links))
		for _, l := range t.links {
			ls = append(ls, l)
		}
		t.mu.Unlock()
		for _, l := range ls {
			l.fail(nil)
		}
		t.others.Wait()
		close(t.recv)
		close(t.lost)
	})
	return nil
}

// CloseAfterPeers ends a clean shutdown without alarming either side:
// from now on a link that closes is neither logged nor reported lost;
// queued messages keep leaving; it waits until none of peers (a node's
// children) has a live link, or timeout has passed, then calls Close. A
// parent calls it after sending its children the shutdown: the children
// close their links when they stop, and see no lost parent either.
func (t *Transport) CloseAfterPeers(timeout time.Duration, peers []transport.PeerID) error {
	t.mu.Lock()
	t.quiet = true
	t.mu.Unlock()
	live := func() bool {
		t.mu.Lock()
		defer t.mu.Unlock()
		for _, p := range peers {
			if t.links[p] != nil {
				return true
			}
		}
		return false
	}
	for deadline := time.Now().Add(timeout); live() && time.Now().Before(deadline); {
		time.Sleep(2 * time.Millisecond)
	}
	return t.Close()
}

func (t *Transport) forwardLost() {
	defer t.others.Done()
	for {
		t.mu.Lock()
		var next transport.PeerID
		have := len(t.lostQ) > 0
		if have {
			next = t.lostQ[0]
			t.lostQ = t.lostQ[1:]
		}
		t.mu.Unlock()
		if !have {
			select {
			case <-t.lostWake:
				continue
			case <-t.done:
				return
			}
		}
		select {
		case t.lost <- next:
		case <-t.done:
			return
		}
	}
}

// fail closes the link and, unless the transport is closing (err == nil),
// logs why and reports the peer lost.
func (l *link) fail(err error) {
	l.fail1.Do(func() {
		close(l.dead)
		_ = l.conn.Close()
		t := l.t
		t.mu.Lock()
		if t.links[l.peer] == l {
			delete(t.links, l.peer)
			t.gone[l.peer] = true
		}
		report := !t.closed && !t.quiet && err != nil
		if report {
			t.lostQ = append(t.lostQ, l.peer)
		}
		t.mu.Unlock()
		if !report {
			return
		}
		t.log.Warn("link lost", zap.Int32("peer", int32(l.peer)), zap.Stringer("remote", l.conn.RemoteAddr()),
			zap.String("reason", t.reason(err)))
		select {
		case t.lostWake <- struct{}{}:
		default:
		}
	})
}

func (t *Transport) reason(err error) string {
	var ne net.Error
	switch {
	case errors.As(err, &ne) && ne.Timeout():
		return fmt.Sprintf("no traffic or progress for %v (heartbeat deadline): %v", t.opts.Heartbeat.Deadline, err)
	case errors.Is(err, io.EOF):
		return "connection closed by the peer"
	}
	return err.Error()
}

func (l *link) writeLoop() {
	defer l.t.writers.Done()
	hb := l.t.opts.Heartbeat
	w := bufio.NewWriterSize(l.conn.c, 64<<10)
	timer := time.NewTimer(hb.Interval)
	defer timer.Stop()
	var batch [][]byte
	draining := false
	for {
		l.mu.Lock()
		batch, l.queue = l.queue, batch[:0]
		l.mu.Unlock()
		var err error
		timeout := hb.Deadline
		if draining {
			timeout = closeFlushTimeout
		}
		if len(batch) == 0 {
			if draining {
				return
			}
			select {
			case <-l.wake:
				continue
			case <-l.dead:
				return
			case <-l.t.drain:
				draining = true
				continue
			case <-timer.C:
				err = l.conn.c.SetWriteDeadline(time.Now().Add(timeout))
				if err == nil {
					err = writeFrame(w, l.conn.c, frameHeartbeat, nil, 0)
				}
			}
		} else {
			err = l.conn.c.SetWriteDeadline(time.Now().Add(timeout))
			for i, b := range batch {
				if err == nil {
					err = writeFrame(w, l.conn.c, frameData, b, timeout)
				}
				batch[i] = nil
			}
		}
		if err == nil {
			err = w.Flush()
		}
		if err != nil {
			if !draining {
				l.fail(err)
			}
			return
		}
		timer.Reset(hb.Interval)
	}
}

func (l *link) readLoop() {
	defer l.t.others.Done()
	c := l.conn
	for {
		typ, b, err := readFrame(c.r, c.c, l.t.opts.MaxFrame, l.t.opts.Heartbeat.Deadline)
		if err != nil {
			select {
			case <-l.dead:
			default:
				l.fail(err)
			}
			return
		}
		if typ != frameData {
			continue
		}
		select {
		case l.t.recv <- transport.Packet{From: l.peer, Data: b}:
		case <-l.t.done:
			return
		}
	}
}

var (
	_ transport.Transport    = (*Transport)(nil)
	_ transport.LossReporter = (*Transport)(nil)
)
