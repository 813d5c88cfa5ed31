package tcp_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"
	"go.uber.org/zap/zapcore"

	"github.com/bqskit-mpi/bqskit-mpi/hierarchy"
	"github.com/bqskit-mpi/bqskit-mpi/internal/sumsq"
	"github.com/bqskit-mpi/bqskit-mpi/transport"
	"github.com/bqskit-mpi/bqskit-mpi/transport/tcp"
)

// tcpRuntime runs every node of a tree in this process, each with its own
// TCP transport, linked parent to child over loopback.
type tcpRuntime struct {
	srv  *hierarchy.Server
	trs  map[transport.PeerID]*tcp.Transport
	wg   sync.WaitGroup
	mu   sync.Mutex
	errs map[transport.PeerID]error
}

func startTCP(t *testing.T, tree *hierarchy.Tree, hb transport.Heartbeat) *tcpRuntime {
	t.Helper()
	opts := tcp.Options{Token: testToken, Heartbeat: hb}
	rt := &tcpRuntime{trs: map[transport.PeerID]*tcp.Transport{}, errs: map[transport.PeerID]error{}}
	for _, id := range tree.IDs() {
		tr, err := tcp.New(id, opts)
		if err != nil {
			t.Fatal(err)
		}
		rt.trs[id] = tr
	}
	ctx := ctxT(t, 30*time.Second)
	// Each parent listens; its children dial it (as workers dial their
	// manager; the server dialling managers is the same code reversed).
	for _, id := range tree.IDs() {
		n, _ := tree.Node(id)
		if len(n.Children) == 0 {
			continue
		}
		ln, err := tcp.Listen("127.0.0.1:0", opts)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range n.Children {
			conn, err := tcp.Dial(ctx, ln.Addr().String(), opts)
			if err != nil {
				t.Fatal(err)
			}
			if err := rt.trs[c].Add(id, conn); err != nil {
				t.Fatal(err)
			}
			acc, err := ln.Accept(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if err := rt.trs[id].Add(c, acc); err != nil {
				t.Fatal(err)
			}
		}
		_ = ln.Close()
	}
	reg := sumsq.Registry(5 * time.Millisecond)
	for _, id := range tree.IDs() {
		if id == hierarchy.ServerID {
			continue
		}
		rt.wg.Add(1)
		go func() {
			defer rt.wg.Done()
			err := hierarchy.RunNode(context.Background(), hierarchy.NodeConfig{ID: id, Tree: tree, Transport: rt.trs[id], Registry: reg})
			_ = rt.trs[id].Close()
			rt.mu.Lock()
			rt.errs[id] = err
			rt.mu.Unlock()
		}()
	}
	srv, err := hierarchy.NewServer(context.Background(), hierarchy.ServerConfig{Tree: tree, Transport: rt.trs[0], Registry: reg})
	if err != nil {
		t.Fatal(err)
	}
	rt.srv = srv
	return rt
}

func (rt *tcpRuntime) stop(t *testing.T) map[transport.PeerID]error {
	t.Helper()
	if err := rt.srv.Stop(); err != nil {
		t.Errorf("server Stop: %v", err)
	}
	_ = rt.trs[0].Close()
	done := make(chan struct{})
	go func() { rt.wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		t.Fatal("nodes did not stop within 20 s of the server's Stop")
	}
	return rt.errs
}

// A clean run: every node returns nil after the server stops (the
// Shutdown queued just before each node closes its transport arrives).
func TestRuntimeOverTCP(t *testing.T) {
	t.Cleanup(func() { goleak.VerifyNone(t) })
	tree, err := hierarchy.BalancedTree(2, 2, 1)
	if err != nil {
		t.Fatal(err)
	}
	rt := startTCP(t, tree, transport.Heartbeat{})
	res, err := rt.srv.Run(ctxT(t, 60*time.Second), rt.srv.OpenSession(), sumsq.Sum, sumsq.Enc(50), zapcore.InfoLevel)
	if err != nil || sumsq.Value(res) != sumsq.Want(50) {
		t.Fatalf("sumsq(50): %v, %v", sumsq.Value(res), err)
	}
	for id, err := range rt.stop(t) {
		if err != nil {
			t.Errorf("node %d: %v", id, err)
		}
	}
}

// A worker and then a whole manager die mid-compile (their transports
// close, as when the process is killed): the compile finishes right on
// what is left; the dead manager's workers stop with ErrParentLost.
func TestRuntimeOverTCPSurvivesLosses(t *testing.T) {
	t.Cleanup(func() { goleak.VerifyNone(t) })
	tree, err := hierarchy.BalancedTree(2, 2, 1) // 0; managers 1, 2; workers 3, 4 (of 1), 5, 6 (of 2)
	if err != nil {
		t.Fatal(err)
	}
	rt := startTCP(t, tree, transport.Heartbeat{Interval: 50 * time.Millisecond, Deadline: time.Second})
	ses := rt.srv.OpenSession()
	const n = 120
	id, err := rt.srv.Submit(ses, sumsq.Sum, sumsq.Enc(n), zapcore.InfoLevel)
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(40 * time.Millisecond)
	_ = rt.trs[4].Close() // worker 4 "killed"
	time.Sleep(40 * time.Millisecond)
	_ = rt.trs[2].Close() // manager 2 "killed"
	res, err := rt.srv.Result(ctxT(t, 60*time.Second), id)
	if err != nil || sumsq.Value(res) != sumsq.Want(n) {
		t.Fatalf("sumsq(%d) with losses: %v, %v", n, sumsq.Value(res), err)
	}
	res, err = rt.srv.Run(ctxT(t, 60*time.Second), ses, sumsq.Sum, sumsq.Enc(20), zapcore.InfoLevel)
	if err != nil || sumsq.Value(res) != sumsq.Want(20) {
		t.Fatalf("sumsq(20) after losses: %v, %v", sumsq.Value(res), err)
	}
	errs := rt.stop(t)
	for _, w := range []transport.PeerID{5, 6} {
		if !errors.Is(errs[w], hierarchy.ErrParentLost) {
			t.Errorf("worker %d under the dead manager: %v, want ErrParentLost", w, errs[w])
		}
	}
	for _, id := range []transport.PeerID{1, 3} {
		if errs[id] != nil {
			t.Errorf("node %d: %v", id, errs[id])
		}
	}
}
