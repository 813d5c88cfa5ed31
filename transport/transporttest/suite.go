package transporttest

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/bqskit-mpi/bqskit-mpi/transport"
)

// Factory builds n connected endpoints for one subtest.
type Factory func(t *testing.T, n int) []transport.Transport

// Config describes what the transport under test supports.
type Config struct {
	// MaxPeers is the largest n the factory accepts (0: no limit). The
	// many-peers test uses min(MaxPeers, 8) endpoints and is skipped below 3.
	MaxPeers int
	// BlockingSend says that Send blocks once enough packets are queued for
	// a receiver that does not read. The suite then checks that cancelling
	// ctx releases a blocked Send with ctx.Err(). When false that subtest
	// is skipped (an unbounded transport never blocks).
	BlockingSend bool
	// Timeout bounds each wait for a packet (default 30 s). It only turns a
	// hang into a failure; nothing is asserted about speed.
	Timeout time.Duration
}

// Run runs every conformance subtest.
func Run(t *testing.T, mk Factory, cfg Config) {
	if cfg.Timeout <= 0 {
		cfg.Timeout = 30 * time.Second
	}
	s := suite{mk: mk, cfg: cfg}
	t.Run("Self", s.self)
	t.Run("OrderPerPair", s.order)
	t.Run("ExactlyOnceUnmodified", s.exactlyOnce)
	t.Run("LargePayload", s.large)
	t.Run("BothDirections", s.bothDirections)
	t.Run("ManyPeers", s.manyPeers)
	t.Run("SendAfterClose", s.sendAfterClose)
	t.Run("RecvClosedAfterClose", s.recvClosed)
	t.Run("UnknownPeer", s.unknownPeer)
	t.Run("BlockedSendCancel", s.blockedSend)
}

type suite struct {
	mk  Factory
	cfg Config
}

func (s suite) pair(t *testing.T) (a, b transport.Transport) {
	t.Helper()
	eps := s.mk(t, 2)
	if len(eps) != 2 {
		t.Fatalf("factory returned %d endpoints, want 2", len(eps))
	}
	return eps[0], eps[1]
}

// recv waits for one packet on tr.
func (s suite) recv(t *testing.T, tr transport.Transport) transport.Packet {
	t.Helper()
	select {
	case p, ok := <-tr.Recv():
		if !ok {
			t.Fatalf("peer %d: Recv channel closed unexpectedly", tr.Self())
		}
		return p
	case <-time.After(s.cfg.Timeout):
		t.Fatalf("peer %d: no packet within %v", tr.Self(), s.cfg.Timeout)
	}
	return transport.Packet{}
}

func seqPayload(seq uint32, size int, rng *rand.Rand) []byte {
	if size < 8 {
		size = 8
	}
	b := make([]byte, size)
	binary.LittleEndian.PutUint32(b[0:4], seq)
	i := 8
	for ; i+8 <= size; i += 8 {
		binary.LittleEndian.PutUint64(b[i:], rng.Uint64())
	}
	for ; i < size; i++ {
		b[i] = byte(rng.Uint32())
	}
	binary.LittleEndian.PutUint32(b[4:8], crc32.ChecksumIEEE(b[8:]))
	return b
}

func checkPayload(t *testing.T, from transport.PeerID, b []byte, want uint32) {
	t.Helper()
	if len(b) < 8 {
		t.Fatalf("packet from %d: %d bytes, want at least 8", from, len(b))
	}
	if got := binary.LittleEndian.Uint32(b[0:4]); got != want {
		t.Fatalf("packet from %d: sequence %d, want %d (reordered, lost or duplicated)", from, got, want)
	}
	if crc := crc32.ChecksumIEEE(b[8:]); crc != binary.LittleEndian.Uint32(b[4:8]) {
		t.Fatalf("packet from %d, sequence %d: payload corrupted", from, want)
	}
}

func (s suite) self(t *testing.T) {
	a, b := s.pair(t)
	if a.Self() == b.Self() {
		t.Fatalf("two endpoints share id %d", a.Self())
	}
}

func (s suite) order(t *testing.T) {
	a, b := s.pair(t)
	const n = 5000
	rng := rand.New(rand.NewPCG(1, 2))
	ctx := context.Background()
	errc := make(chan error, 1)
	go func() {
		for i := uint32(0); i < n; i++ {
			if err := a.Send(ctx, b.Self(), seqPayload(i, 16, rng)); err != nil {
				errc <- fmt.Errorf("send %d: %w", i, err)
				return
			}
		}
		errc <- nil
	}()
	for i := uint32(0); i < n; i++ {
		p := s.recv(t, b)
		if p.From != a.Self() {
			t.Fatalf("packet %d from %d, want %d", i, p.From, a.Self())
		}
		checkPayload(t, p.From, p.Data, i)
	}
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
}

func (s suite) exactlyOnce(t *testing.T) {
	a, b := s.pair(t)
	rng := rand.New(rand.NewPCG(3, 4))
	const n = 500
	var sent, toSend [][]byte
	for i := uint32(0); i < n; i++ {
		p := seqPayload(i, 8+rng.IntN(4096), rng)
		sent = append(sent, bytes.Clone(p))
		toSend = append(toSend, p)
	}
	errc := make(chan error, 1)
	go func() {
		for i, p := range toSend {
			if err := a.Send(context.Background(), b.Self(), p); err != nil {
				errc <- fmt.Errorf("send %d: %w", i, err)
				return
			}
		}
		errc <- nil
	}()
	for i := uint32(0); i < n; i++ {
		p := s.recv(t, b)
		checkPayload(t, p.From, p.Data, i)
		if !bytes.Equal(p.Data, sent[i]) {
			t.Fatalf("packet %d differs from what was sent", i)
		}
	}
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
	// Nothing more may arrive: an extra packet would be a duplicate.
	select {
	case p, ok := <-b.Recv():
		if ok {
			t.Fatalf("unexpected extra packet of %d bytes from %d", len(p.Data), p.From)
		}
	case <-time.After(50 * time.Millisecond):
	}
}

func (s suite) large(t *testing.T) {
	a, b := s.pair(t)
	rng := rand.New(rand.NewPCG(5, 6))
	const size = 8 << 20
	pa := seqPayload(7, size, rng)
	pb := seqPayload(9, size, rng)
	ctx := context.Background()
	var wg sync.WaitGroup
	errs := make([]error, 2)
	wg.Add(2)
	go func() { defer wg.Done(); errs[0] = a.Send(ctx, b.Self(), bytes.Clone(pa)) }()
	go func() { defer wg.Done(); errs[1] = b.Send(ctx, a.Self(), bytes.Clone(pb)) }()
	gb := s.recv(t, b)
	ga := s.recv(t, a)
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatalf("send 8 MiB: %v", err)
		}
	}
	if !bytes.Equal(gb.Data, pa) || !bytes.Equal(ga.Data, pb) {
		t.Fatal("8 MiB payload corrupted")
	}
}

func (s suite) bothDirections(t *testing.T) {
	a, b := s.pair(t)
	const n = 3000
	ctx := context.Background()
	var wg sync.WaitGroup
	errs := make([]error, 2)
	send := func(k int, from, to transport.Transport, seed uint64) {
		defer wg.Done()
		rng := rand.New(rand.NewPCG(seed, 1))
		for i := uint32(0); i < n; i++ {
			if err := from.Send(ctx, to.Self(), seqPayload(i, 8+rng.IntN(512), rng)); err != nil {
				errs[k] = fmt.Errorf("peer %d send %d: %w", from.Self(), i, err)
				return
			}
		}
	}
	wg.Add(2)
	go send(0, a, b, 11)
	go send(1, b, a, 12)
	recvErrs := make(chan error, 2)
	recvAll := func(tr transport.Transport) {
		for i := uint32(0); i < n; i++ {
			select {
			case p, ok := <-tr.Recv():
				if !ok {
					recvErrs <- fmt.Errorf("peer %d: Recv closed after %d packets", tr.Self(), i)
					return
				}
				if got := binary.LittleEndian.Uint32(p.Data[0:4]); got != i {
					recvErrs <- fmt.Errorf("peer %d: packet %d has sequence %d", tr.Self(), i, got)
					return
				}
			case <-time.After(s.cfg.Timeout):
				recvErrs <- fmt.Errorf("peer %d: timed out after %d packets", tr.Self(), i)
				return
			}
		}
		recvErrs <- nil
	}
	go recvAll(a)
	go recvAll(b)
	for range 2 {
		if err := <-recvErrs; err != nil {
			t.Error(err)
		}
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
}

func (s suite) manyPeers(t *testing.T) {
	n := 8
	if s.cfg.MaxPeers > 0 && s.cfg.MaxPeers < n {
		n = s.cfg.MaxPeers
	}
	if n < 3 {
		t.Skipf("transport supports only %d peers", n)
	}
	eps := s.mk(t, n)
	if len(eps) != n {
		t.Fatalf("factory returned %d endpoints, want %d", len(eps), n)
	}
	const per = 200
	ctx := context.Background()
	var wg sync.WaitGroup
	sendErr := make(chan error, n)
	for k, ep := range eps {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(k), 99))
			for i := uint32(0); i < per; i++ {
				for _, dst := range eps {
					if dst.Self() == ep.Self() {
						continue
					}
					if err := ep.Send(ctx, dst.Self(), seqPayload(i, 8+rng.IntN(256), rng)); err != nil {
						sendErr <- fmt.Errorf("peer %d to %d: %w", ep.Self(), dst.Self(), err)
						return
					}
				}
			}
		}()
	}
	recvErr := make(chan error, n)
	for _, ep := range eps {
		go func() {
			next := map[transport.PeerID]uint32{}
			for got := 0; got < per*(n-1); got++ {
				select {
				case p, ok := <-ep.Recv():
					if !ok {
						recvErr <- fmt.Errorf("peer %d: Recv closed", ep.Self())
						return
					}
					seq := binary.LittleEndian.Uint32(p.Data[0:4])
					if seq != next[p.From] {
						recvErr <- fmt.Errorf("peer %d: from %d sequence %d, want %d", ep.Self(), p.From, seq, next[p.From])
						return
					}
					next[p.From]++
				case <-time.After(s.cfg.Timeout):
					recvErr <- fmt.Errorf("peer %d: timed out after %d packets", ep.Self(), got)
					return
				}
			}
			recvErr <- nil
		}()
	}
	for range eps {
		if err := <-recvErr; err != nil {
			t.Error(err)
		}
	}
	wg.Wait()
	close(sendErr)
	for err := range sendErr {
		t.Error(err)
	}
}

func (s suite) sendAfterClose(t *testing.T) {
	a, b := s.pair(t)
	if err := a.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := a.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	err := a.Send(context.Background(), b.Self(), []byte("late"))
	if !errors.Is(err, transport.ErrClosed) {
		t.Fatalf("Send after Close = %v, want ErrClosed", err)
	}
}

func (s suite) recvClosed(t *testing.T) {
	a, b := s.pair(t)
	// Leave something buffered: it may be drained or dropped.
	if err := a.Send(context.Background(), b.Self(), []byte("pending")); err != nil {
		t.Fatalf("Send: %v", err)
	}
	if err := b.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	deadline := time.After(s.cfg.Timeout)
	for {
		select {
		case _, ok := <-b.Recv():
			if !ok {
				return
			}
		case <-deadline:
			t.Fatalf("Recv channel not closed within %v of Close", s.cfg.Timeout)
		}
	}
}

func (s suite) unknownPeer(t *testing.T) {
	a, b := s.pair(t)
	bad := a.Self()
	if b.Self() > bad {
		bad = b.Self()
	}
	bad += 1000
	err := a.Send(context.Background(), bad, []byte("x"))
	if !errors.Is(err, transport.ErrUnknownPeer) {
		t.Fatalf("Send to unknown peer %d = %v, want ErrUnknownPeer", bad, err)
	}
}

func (s suite) blockedSend(t *testing.T) {
	if !s.cfg.BlockingSend {
		t.Skip("transport does not block senders (unbounded queues)")
	}
	a, b := s.pair(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	payload := make([]byte, 1024)
	errc := make(chan error, 1)
	go func() {
		for i := 0; i < 1<<20; i++ {
			if err := a.Send(ctx, b.Self(), payload); err != nil {
				errc <- err
				return
			}
		}
		errc <- fmt.Errorf("1 GiB sent to a peer that never reads without blocking")
	}()
	// Give the sender time to fill the queue and block, then cancel.
	time.Sleep(100 * time.Millisecond)
	cancel()
	select {
	case err := <-errc:
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("blocked Send returned %v, want context.Canceled", err)
		}
	case <-time.After(s.cfg.Timeout):
		t.Fatalf("blocked Send not released within %v of cancel", s.cfg.Timeout)
	}
}
