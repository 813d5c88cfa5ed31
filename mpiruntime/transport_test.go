package mpiruntime

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/bqskit-mpi/bqskit-mpi/transport"
)

func TestMain(m *testing.M) {
	if scenario := testScenarioFromEnv(); scenario != "" {
		runScenario(scenario) // under mpirun: see mpi_test.go; exits
	}
	goleak.VerifyTestMain(m)
}

// fakePair returns two transports, ranks 0 and 1, over a fake MPI whose
// eager limit is the real one's, running their pumps on goroutines.
func fakePair(t *testing.T, chunk int, idle IdlePolicy) (a, b *Transport) {
	t.Helper()
	net := newFakeNet(2, 4040)
	members := [][]transport.PeerID{{0, 1}}
	mk := func(r int) *Transport {
		tr := mustTransport(t, transportConfig{self: transport.PeerID(r), link: &fakeLink{net: net, rank: r},
			members: members, chunk: chunk, idle: idle})
		go tr.loop()
		return tr
	}
	a, b = mk(0), mk(1)
	t.Cleanup(func() {
		_ = a.Close()
		_ = b.Close()
	})
	return a, b
}

func mustTransport(t *testing.T, cfg transportConfig) *Transport {
	t.Helper()
	tr, err := newTransport(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

func payload(seed uint64, n int) []byte {
	rng := rand.New(rand.NewPCG(seed, 7))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(rng.Uint32())
	}
	return b
}

func recvOne(t *testing.T, tr *Transport) transport.Packet {
	t.Helper()
	select {
	case p, ok := <-tr.Recv():
		if !ok {
			t.Fatal("Recv channel closed")
		}
		return p
	case <-time.After(20 * time.Second):
		t.Fatal("no packet within 20 s")
	}
	return transport.Packet{}
}

func TestTransportSizesAndOrder(t *testing.T) {
	for _, idle := range []IdlePolicy{IdleSleep, IdleYield, IdleSpin} {
		t.Run(idle.String(), func(t *testing.T) {
			a, b := fakePair(t, 1000, idle)
			sizes := []int{0, 1, 999, 1000, 1001, 2999, 3000, 3001, 100_000}
			ctx := context.Background()
			for i, n := range sizes {
				if err := a.Send(ctx, 1, payload(uint64(i), n)); err != nil {
					t.Fatal(err)
				}
			}
			for i, n := range sizes {
				p := recvOne(t, b)
				if p.From != 0 {
					t.Fatalf("message %d from %d, want 0", i, p.From)
				}
				if !bytes.Equal(p.Data, payload(uint64(i), n)) {
					t.Fatalf("message %d: got %d bytes, want %d bytes of pattern %d", i, len(p.Data), n, i)
				}
				if p.Data == nil {
					t.Fatalf("message %d: nil data", i)
				}
			}
		})
	}
}

// TestTransportBothWaysLarge sends 8 MiB each way at the same time over a
// fake MPI with rendezvous above the eager limit: without chunking both
// pumps would sit in MPI_Send forever.
func TestTransportBothWaysLarge(t *testing.T) {
	a, b := fakePair(t, DefaultChunkSize, IdleSleep)
	const n = 8 << 20
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i, pair := range [][2]*Transport{{a, b}, {b, a}} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			from, to := pair[0], pair[1]
			if err := from.Send(context.Background(), to.Self(), payload(uint64(from.Self()), n)); err != nil {
				errs[i] = err
				return
			}
			select {
			case p := <-from.Recv():
				if !bytes.Equal(p.Data, payload(uint64(to.Self()), n)) {
					errs[i] = fmt.Errorf("rank %d: wrong %d-byte payload", from.Self(), len(p.Data))
				}
			case <-time.After(60 * time.Second):
				errs[i] = fmt.Errorf("rank %d: nothing received (deadlock)", from.Self())
			}
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
}

func TestTransportInterleavedSenders(t *testing.T) {
	// Three ranks: 1 and 2 both stream mixed-size messages to 0; per
	// sender order must hold and chunked messages must not mix.
	net := newFakeNet(3, 4040)
	members := [][]transport.PeerID{{0, 1, 2}}
	var trs []*Transport
	for r := 0; r < 3; r++ {
		tr := mustTransport(t, transportConfig{self: transport.PeerID(r), link: &fakeLink{net: net, rank: r}, members: members, chunk: 512})
		go tr.loop()
		trs = append(trs, tr)
	}
	defer func() {
		for _, tr := range trs {
			_ = tr.Close()
		}
	}()
	const count = 200
	size := func(from, i int) int { return (i*37 + from*11) % 3000 }
	for from := 1; from <= 2; from++ {
		go func() {
			for i := 0; i < count; i++ {
				_ = trs[from].Send(context.Background(), 0, payload(uint64(from*1000+i), size(from, i)))
			}
		}()
	}
	next := map[transport.PeerID]int{1: 0, 2: 0}
	for k := 0; k < 2*count; k++ {
		p := recvOne(t, trs[0])
		i := next[p.From]
		next[p.From]++
		if !bytes.Equal(p.Data, payload(uint64(int(p.From)*1000+i), size(int(p.From), i))) {
			t.Fatalf("message %d from rank %d corrupted or out of order", i, p.From)
		}
	}
}

func TestTransportSelfUnknownClosed(t *testing.T) {
	a, _ := fakePair(t, 0, IdleSleep)
	ctx := context.Background()
	if err := a.Send(ctx, 0, []byte("me")); err != nil {
		t.Fatal(err)
	}
	if p := recvOne(t, a); p.From != 0 || string(p.Data) != "me" {
		t.Fatalf("self send: got %+v", p)
	}
	if err := a.Send(ctx, 5, []byte("x")); !errors.Is(err, transport.ErrUnknownPeer) {
		t.Fatalf("send to rank 5: got %v, want ErrUnknownPeer", err)
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if err := a.Send(cctx, 1, []byte("x")); !errors.Is(err, context.Canceled) {
		t.Fatalf("send with cancelled ctx: got %v", err)
	}
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	if err := a.Send(ctx, 1, []byte("x")); !errors.Is(err, transport.ErrClosed) {
		t.Fatalf("send after close: got %v, want ErrClosed", err)
	}
	if _, ok := <-a.Recv(); ok {
		t.Fatal("Recv channel open after Close")
	}
}

func TestTransportCloseFlushes(t *testing.T) {
	a, b := fakePair(t, 100, IdleSleep)
	for i := 0; i < 50; i++ {
		if err := a.Send(context.Background(), 1, payload(uint64(i), 250)); err != nil {
			t.Fatal(err)
		}
	}
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 50; i++ {
		if p := recvOne(t, b); !bytes.Equal(p.Data, payload(uint64(i), 250)) {
			t.Fatalf("message %d lost or corrupted after Close", i)
		}
	}
}

func TestTransportProtocolError(t *testing.T) {
	net := newFakeNet(2, 4040)
	members := [][]transport.PeerID{{0, 1}}
	a := mustTransport(t, transportConfig{self: 0, link: &fakeLink{net: net, rank: 0}, members: members})
	go a.loop()
	defer a.Close()
	raw := &fakeLink{net: net, rank: 1}
	raw.send(0, 0, tagChunk, []byte("stray chunk"))
	select {
	case <-a.Done():
	case <-time.After(20 * time.Second):
		t.Fatal("pump did not stop on a stray chunk")
	}
	if err := a.Err(); !errors.Is(err, ErrProtocol) {
		t.Fatalf("Err() = %v, want ErrProtocol", err)
	}
	if err := a.Send(context.Background(), 1, []byte("x")); !errors.Is(err, transport.ErrClosed) {
		t.Fatalf("Send after the pump stopped: %v, want ErrClosed", err)
	}
}

func TestParseIdlePolicy(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want IdlePolicy
		err  bool
	}{{"spin", IdleSpin, false}, {"yield", IdleYield, false}, {"sleep", IdleSleep, false}, {"", 0, true}, {"Spin", 0, true}} {
		got, err := ParseIdlePolicy(tc.in)
		if (err != nil) != tc.err || (!tc.err && got != tc.want) {
			t.Errorf("ParseIdlePolicy(%q) = %v, %v", tc.in, got, err)
		}
		if !tc.err && got.String() != tc.in {
			t.Errorf("String() = %q, want %q", got.String(), tc.in)
		}
	}
}
