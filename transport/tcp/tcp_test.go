package tcp_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"

	"github.com/bqskit-mpi/bqskit-mpi/transport"
	"github.com/bqskit-mpi/bqskit-mpi/transport/tcp"
	"github.com/bqskit-mpi/bqskit-mpi/transport/transporttest"
)

var testToken = []byte("test cluster token")

func ctxT(t *testing.T, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

// mesh builds n transports (ids 10, 13, 16, ...) linked pairwise over
// loopback: for each pair the higher id dials the lower one's listener and
// introduces itself with its id.
func mesh(t *testing.T, n int, opts tcp.Options) []*tcp.Transport {
	t.Helper()
	if opts.Token == nil {
		opts.Token = testToken
	}
	ids := make([]transport.PeerID, n)
	trs := make([]*tcp.Transport, n)
	lns := make([]*tcp.Listener, n)
	for i := range n {
		ids[i] = transport.PeerID(10 + 3*i)
		tr, err := tcp.New(ids[i], opts)
		if err != nil {
			t.Fatal(err)
		}
		trs[i] = tr
		t.Cleanup(func() { _ = tr.Close() })
		ln, err := tcp.Listen("127.0.0.1:0", opts)
		if err != nil {
			t.Fatal(err)
		}
		lns[i] = ln
	}
	ctx := ctxT(t, 30*time.Second)
	var wg sync.WaitGroup
	errs := make(chan error, 2*n*n)
	for i := range n {
		// Accept i linked peers that dial i (every j > i).
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range n - 1 - i {
				c, err := lns[i].Accept(ctx)
				if err != nil {
					errs <- err
					return
				}
				b, err := c.ReadMsg()
				if err != nil || len(b) != 4 {
					errs <- fmt.Errorf("introduction: %v", err)
					return
				}
				if err := trs[i].Add(transport.PeerID(binary.LittleEndian.Uint32(b)), c); err != nil {
					errs <- err
				}
			}
		}()
		for j := range i {
			wg.Add(1)
			go func() {
				defer wg.Done()
				c, err := tcp.Dial(ctx, lns[j].Addr().String(), opts)
				if err != nil {
					errs <- err
					return
				}
				if err := c.WriteMsg(binary.LittleEndian.AppendUint32(nil, uint32(ids[i]))); err != nil {
					errs <- err
					return
				}
				if err := trs[i].Add(ids[j], c); err != nil {
					errs <- err
				}
			}()
		}
	}
	wg.Wait()
	for _, ln := range lns {
		_ = ln.Close()
	}
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	return trs
}

func TestConformance(t *testing.T) {
	t.Cleanup(func() { goleak.VerifyNone(t) })
	transporttest.Run(t, func(t *testing.T, n int) []transport.Transport {
		trs := mesh(t, n, tcp.Options{})
		out := make([]transport.Transport, n)
		for i, tr := range trs {
			out[i] = tr
		}
		return out
	}, transporttest.Config{})
}

func observed() (*zap.Logger, *observer.ObservedLogs) {
	core, logs := observer.New(zap.DebugLevel)
	return zap.New(core), logs
}

func TestAuthentication(t *testing.T) {
	t.Cleanup(func() { goleak.VerifyNone(t) })
	log, logs := observed()
	ln, err := tcp.Listen("127.0.0.1:0", tcp.Options{Token: testToken, Logger: log, HandshakeTimeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	addr := ln.Addr().String()
	// Wrong token: both sides refuse, the dialer without retrying.
	_, err = tcp.Dial(ctxT(t, 10*time.Second), addr, tcp.Options{Token: []byte("other token")})
	if !errors.Is(err, tcp.ErrAuth) {
		t.Fatalf("dial with a wrong token: %v, want ErrAuth", err)
	}
	// Not a bqskit-mpi link at all.
	raw, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = raw.Write([]byte("GET / HTTP/1.0\r\n\r\n....................."))
	buf := make([]byte, 1)
	_ = raw.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := raw.Read(buf); err == nil {
		t.Fatal("the listener answered a non-bqskit client")
	}
	_ = raw.Close()
	// A client that says nothing is dropped after the handshake timeout.
	idle, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer idle.Close()
	// The right token passes and messages flow.
	c, err := tcp.Dial(ctxT(t, 10*time.Second), addr, tcp.Options{Token: testToken})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	s, err := ln.Accept(ctxT(t, 10*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := c.WriteMsg([]byte("hello")); err != nil {
		t.Fatal(err)
	}
	if b, err := s.ReadMsg(); err != nil || string(b) != "hello" {
		t.Fatalf("ReadMsg: %q, %v", b, err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) && logs.FilterMessage("rejected connection").Len() < 3 {
		time.Sleep(10 * time.Millisecond)
	}
	rej := logs.FilterMessage("rejected connection").All()
	if len(rej) != 3 {
		t.Fatalf("%d rejections logged, want 3 (bad token, bad magic, silent)", len(rej))
	}
	for _, e := range rej {
		if e.ContextMap()["from"] == nil || e.ContextMap()["error"] == nil {
			t.Fatalf("rejection log lacks the address or reason: %v", e.ContextMap())
		}
	}
	if _, err := tcp.Listen("127.0.0.1:0", tcp.Options{}); !errors.Is(err, tcp.ErrNoToken) {
		t.Fatalf("Listen without a token: %v", err)
	}
}

// Dial retries until the listener appears, and gives up at its deadline.
func TestDialRetry(t *testing.T) {
	t.Cleanup(func() { goleak.VerifyNone(t) })
	probe, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := probe.Addr().String()
	_ = probe.Close()
	_, err = tcp.Dial(ctxT(t, 300*time.Millisecond), addr, tcp.Options{Token: testToken})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("dial with nobody listening: %v, want DeadlineExceeded", err)
	}
	lnc := make(chan *tcp.Listener, 1)
	go func() {
		time.Sleep(300 * time.Millisecond)
		l, err := tcp.Listen(addr, tcp.Options{Token: testToken})
		if err != nil {
			t.Error(err)
		}
		lnc <- l
	}()
	c, err := tcp.Dial(ctxT(t, 20*time.Second), addr, tcp.Options{Token: testToken})
	if err != nil {
		t.Fatalf("dial before the listener started: %v", err)
	}
	_ = c.Close()
	if ln := <-lnc; ln != nil {
		_ = ln.Close()
	}
}

func waitLost(t *testing.T, tr *tcp.Transport, want transport.PeerID, within time.Duration) {
	t.Helper()
	select {
	case id := <-tr.Lost():
		if id != want {
			t.Fatalf("lost %d, want %d", id, want)
		}
	case <-time.After(within):
		t.Fatalf("peer %d not reported lost within %v", want, within)
	}
}

// A peer that stops sending (heartbeats included) is lost after the
// deadline; a closed one at once; neither is reported twice, and Send to
// it fails.
func TestLoss(t *testing.T) {
	t.Cleanup(func() { goleak.VerifyNone(t) })
	hb := transport.Heartbeat{Interval: 20 * time.Millisecond, Deadline: 300 * time.Millisecond}
	trs := mesh(t, 3, tcp.Options{Heartbeat: hb})
	a, b, c := trs[0], trs[1], trs[2]
	// Idle links survive several deadlines thanks to heartbeats.
	time.Sleep(4 * hb.Deadline)
	select {
	case id := <-a.Lost():
		t.Fatalf("idle peer %d reported lost", id)
	default:
	}
	// A raw authenticated connection that never sends anything stands
	// for a stopped process.
	ln, err := tcp.Listen("127.0.0.1:0", tcp.Options{Token: testToken})
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	silent, err := tcp.Dial(ctxT(t, 10*time.Second), ln.Addr().String(), tcp.Options{Token: testToken})
	if err != nil {
		t.Fatal(err)
	}
	defer silent.Close()
	sc, err := ln.Accept(ctxT(t, 10*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Add(99, sc); err != nil {
		t.Fatal(err)
	}
	// The silence is counted from the peer's last message, at or after its
	// handshake: start the clock before dialling.
	start := time.Now()
	dup, err := tcp.Dial(ctxT(t, 10*time.Second), ln.Addr().String(), tcp.Options{Token: testToken})
	if err != nil {
		t.Fatal(err)
	}
	defer dup.Close()
	dc, err := ln.Accept(ctxT(t, 10*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Add(99, dc); !errors.Is(err, tcp.ErrDuplicatePeer) {
		t.Fatalf("second Add of peer 99: %v", err)
	}
	waitLost(t, a, 99, 20*hb.Deadline)
	if d := time.Since(start); d < hb.Deadline {
		t.Fatalf("silent peer lost after %v, before the %v deadline", d, hb.Deadline)
	}
	if err := a.Send(context.Background(), 99, []byte("x")); !errors.Is(err, transport.ErrUnknownPeer) {
		t.Fatalf("Send to a lost peer: %v", err)
	}
	// Closing c: a and b see it lost (connection closed).
	_ = c.Close()
	waitLost(t, a, c.Self(), 20*hb.Deadline)
	waitLost(t, b, c.Self(), 20*hb.Deadline)
	// a and b still talk.
	if err := a.Send(context.Background(), b.Self(), []byte("still here")); err != nil {
		t.Fatal(err)
	}
	select {
	case p := <-b.Recv():
		if !bytes.Equal(p.Data, []byte("still here")) || p.From != a.Self() {
			t.Fatalf("got %q from %d", p.Data, p.From)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no packet")
	}
	select {
	case id := <-a.Lost():
		t.Fatalf("peer %d reported lost again", id)
	case <-time.After(2 * hb.Deadline):
	}
}

// Messages queued before Close still leave (a Shutdown sent just before
// the node closes its transport reaches its children).
func TestCloseFlushes(t *testing.T) {
	t.Cleanup(func() { goleak.VerifyNone(t) })
	trs := mesh(t, 2, tcp.Options{})
	a, b := trs[0], trs[1]
	payload := bytes.Repeat([]byte("z"), 3<<20)
	for i := range 5 {
		if err := a.Send(context.Background(), b.Self(), append([]byte{byte(i)}, payload...)); err != nil {
			t.Fatal(err)
		}
	}
	_ = a.Close()
	for i := range 5 {
		select {
		case p := <-b.Recv():
			if p.Data[0] != byte(i) || len(p.Data) != len(payload)+1 {
				t.Fatalf("packet %d: %d bytes, first %d", i, len(p.Data), p.Data[0])
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("packet %d queued before Close never arrived", i)
		}
	}
	waitLost(t, b, a.Self(), 10*time.Second)
}

func TestFrameLimit(t *testing.T) {
	t.Cleanup(func() { goleak.VerifyNone(t) })
	trs := mesh(t, 2, tcp.Options{MaxFrame: 1024})
	a, b := trs[0], trs[1]
	if err := a.Send(context.Background(), b.Self(), make([]byte, 2048)); !errors.Is(err, tcp.ErrFrameTooLarge) {
		t.Fatalf("Send above the limit: %v", err)
	}
	if err := a.Send(context.Background(), b.Self(), make([]byte, 1024)); err != nil {
		t.Fatalf("Send at the limit: %v", err)
	}
	select {
	case p := <-b.Recv():
		if len(p.Data) != 1024 {
			t.Fatalf("got %d bytes", len(p.Data))
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no packet")
	}
}

// CloseAfterPeers: the parent's message still leaves, the parent waits for
// the child to close its end and reports no loss; a peer that never
// closes holds it only until the timeout.
func TestCloseAfterPeers(t *testing.T) {
	t.Cleanup(func() { goleak.VerifyNone(t) })
	trs := mesh(t, 3, tcp.Options{})
	a, b, c := trs[0], trs[1], trs[2]
	if err := a.Send(context.Background(), b.Self(), []byte("shutdown")); err != nil {
		t.Fatal(err)
	}
	done := make(chan time.Duration, 1)
	go func() {
		start := time.Now()
		_ = a.CloseAfterPeers(20*time.Second, []transport.PeerID{b.Self(), c.Self()})
		done <- time.Since(start)
	}()
	time.Sleep(100 * time.Millisecond) // CloseAfterPeers has begun
	_ = c.Close()                      // a sees c go but must not report it
	select {
	case p := <-b.Recv():
		if string(p.Data) != "shutdown" {
			t.Fatalf("got %q", p.Data)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the message sent before CloseAfterPeers never arrived")
	}
	_ = b.Close()
	select {
	case d := <-done:
		t.Logf("CloseAfterPeers returned %v after the call", d)
	case <-time.After(15 * time.Second):
		t.Fatal("CloseAfterPeers did not return after every peer closed")
	}
	for id := range a.Lost() {
		t.Errorf("peer %d reported lost during CloseAfterPeers", id)
	}
	// A peer that stays: the timeout bounds the wait.
	trs = mesh(t, 2, tcp.Options{})
	start := time.Now()
	_ = trs[0].CloseAfterPeers(200*time.Millisecond, []transport.PeerID{trs[1].Self()})
	if d := time.Since(start); d < 200*time.Millisecond || d > 5*time.Second {
		t.Fatalf("CloseAfterPeers with a peer that stays took %v, want about 200ms", d)
	}
	_ = trs[1].Close()
}
