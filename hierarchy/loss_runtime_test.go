package hierarchy_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"

	"github.com/bqskit-mpi/bqskit-mpi/hierarchy"
	"github.com/bqskit-mpi/bqskit-mpi/internal/sumsq"
	"github.com/bqskit-mpi/bqskit-mpi/transport"
)

// faultyEP is an in-memory endpoint that can stall (its sends vanish, as
// from a stopped process whose links stay open) and that reports losses
// the test injects (as the TCP transport does).
type faultyEP struct {
	*transport.Mem
	stalled atomic.Bool
	lost    chan transport.PeerID
}

func (f *faultyEP) Send(ctx context.Context, to transport.PeerID, data []byte) error {
	if f.stalled.Load() {
		return nil
	}
	return f.Mem.Send(ctx, to, data)
}

func (f *faultyEP) Lost() <-chan transport.PeerID { return f.lost }

var _ transport.LossReporter = (*faultyEP)(nil)

type faultyRuntime struct {
	srv  *hierarchy.Server
	eps  map[transport.PeerID]*faultyEP
	net  *transport.MemNetwork
	wg   sync.WaitGroup
	errs map[transport.PeerID]error
	mu   sync.Mutex
}

func startFaulty(t *testing.T, tree *hierarchy.Tree, hb transport.Heartbeat, log *zap.Logger) *faultyRuntime {
	t.Helper()
	reg := sumsq.Registry(5 * time.Millisecond)
	fr := &faultyRuntime{eps: map[transport.PeerID]*faultyEP{}, net: transport.NewMemNetwork(tree.IDs()...),
		errs: map[transport.PeerID]error{}}
	for _, id := range tree.IDs() {
		fr.eps[id] = &faultyEP{Mem: fr.net.Endpoint(id), lost: make(chan transport.PeerID, 4)}
	}
	for _, id := range tree.IDs() {
		if id == hierarchy.ServerID {
			continue
		}
		fr.wg.Add(1)
		go func() {
			defer fr.wg.Done()
			err := hierarchy.RunNode(context.Background(), hierarchy.NodeConfig{ID: id, Tree: tree, Transport: fr.eps[id],
				Registry: reg, Heartbeat: hb, Logger: log})
			fr.mu.Lock()
			fr.errs[id] = err
			fr.mu.Unlock()
		}()
	}
	srv, err := hierarchy.NewServer(context.Background(), hierarchy.ServerConfig{Tree: tree, Transport: fr.eps[0],
		Registry: reg, Heartbeat: hb, Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	fr.srv = srv
	return fr
}

// stop stops the server, waits for every node and closes the network.
func (fr *faultyRuntime) stop(t *testing.T) map[transport.PeerID]error {
	t.Helper()
	if err := fr.srv.Stop(); err != nil {
		t.Errorf("Stop: %v", err)
	}
	fr.wg.Wait()
	_ = fr.net.Close()
	return fr.errs
}

// A worker that stalls mid-compile (its messages stop, heartbeats
// included) is dropped after the deadline; its tasks run on the others,
// the result is right, and the stalled worker, told to shut down, stops.
func TestStalledWorkerRoutedAround(t *testing.T) {
	defer goleak.VerifyNone(t)
	tree, err := hierarchy.BalancedTree(1, 3, 1) // 0; manager 1; workers 2, 3, 4
	if err != nil {
		t.Fatal(err)
	}
	core, logs := observer.New(zap.InfoLevel)
	fr := startFaulty(t, tree, transport.Heartbeat{Interval: 20 * time.Millisecond, Deadline: 300 * time.Millisecond}, zap.New(core))
	ses := fr.srv.OpenSession()
	const n = 60
	id, err := fr.srv.Submit(ses, sumsq.Sum, sumsq.Enc(n), zapcore.InfoLevel)
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(30 * time.Millisecond)
	fr.eps[3].stalled.Store(true)
	res, err := fr.srv.Result(waitCtx(t), id)
	if err != nil || dec(t, res) != sumsq.Want(n) {
		t.Fatalf("sumsq(%d) with a stalled worker: %v, %v", n, res, err)
	}
	// New work after the loss runs too.
	res, err = fr.srv.Run(waitCtx(t), ses, sumsq.Sum, sumsq.Enc(10), zapcore.InfoLevel)
	if err != nil || dec(t, res) != sumsq.Want(10) {
		t.Fatalf("sumsq(10) after the loss: %v, %v", res, err)
	}
	for id, err := range fr.stop(t) {
		if err != nil {
			t.Errorf("node %d: %v", id, err)
		}
	}
	// The manager logged the loss, and the server logged its report.
	lost := logs.FilterMessageSnippet("child lost").FilterField(zap.Int32("child", 3)).All()
	if len(lost) != 1 || !strings.Contains(lost[0].ContextMap()["reason"].(string), "no message for more than") {
		t.Errorf("manager's loss log: %+v", lost)
	}
	if reps := logs.FilterMessage("loss below the server").All(); len(reps) != 1 ||
		!strings.Contains(reps[0].ContextMap()["report"].(string), "node 1 lost child 3") {
		t.Errorf("server's loss log: %+v", reps)
	}
}

// Losses reported by the transport: a killed worker's tasks move to the
// others; a lost parent stops a worker with ErrParentLost; with no worker
// left a compilation fails with a clear error instead of hanging.
func TestReportedLosses(t *testing.T) {
	defer goleak.VerifyNone(t)
	tree, err := hierarchy.BalancedTree(1, 2, 1) // 0; manager 1; workers 2, 3
	if err != nil {
		t.Fatal(err)
	}
	fr := startFaulty(t, tree, transport.Heartbeat{}, nil)
	ses := fr.srv.OpenSession()
	const n = 40
	id, err := fr.srv.Submit(ses, sumsq.Sum, sumsq.Enc(n), zapcore.InfoLevel)
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(30 * time.Millisecond)
	// Worker 2's link breaks: it sees its parent lost first and stops,
	// then the manager sees the worker lost.
	fr.eps[2].stalled.Store(true)
	fr.eps[2].lost <- 1
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(time.Millisecond) {
		fr.mu.Lock()
		err, done := fr.errs[2]
		fr.mu.Unlock()
		if done {
			if !errors.Is(err, hierarchy.ErrParentLost) {
				t.Fatalf("worker 2 after losing its parent: %v, want ErrParentLost", err)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("worker 2 did not stop after losing its parent")
		}
	}
	fr.eps[1].lost <- 2
	res, err := fr.srv.Result(waitCtx(t), id)
	if err != nil || dec(t, res) != sumsq.Want(n) {
		t.Fatalf("sumsq(%d) with a killed worker: %v, %v", n, res, err)
	}
	// The last worker goes too: new work fails at once, with the reason.
	fr.eps[3].stalled.Store(true)
	fr.eps[1].lost <- 3
	fr.eps[3].lost <- 1
	_, err = fr.srv.Run(waitCtx(t), ses, sumsq.Sum, sumsq.Enc(5), zapcore.InfoLevel)
	if !errors.Is(err, hierarchy.ErrTaskFailed) || !strings.Contains(err.Error(), hierarchy.ErrNoWorkers.Error()) {
		t.Fatalf("run with no worker left: %v, want a failure naming %q", err, hierarchy.ErrNoWorkers)
	}
	errs := fr.stop(t)
	// Worker 3 got the manager's Shutdown (sent on loss) before or after
	// its own loss report.
	if err := errs[3]; err != nil && !errors.Is(err, hierarchy.ErrParentLost) {
		t.Errorf("worker 3: %v", err)
	}
	if errs[1] != nil {
		t.Errorf("manager: %v", errs[1])
	}
}
