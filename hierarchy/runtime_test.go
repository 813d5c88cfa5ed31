package hierarchy_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"
	"go.uber.org/zap/zapcore"

	"github.com/bqskit-mpi/bqskit-mpi/hierarchy"
	"github.com/bqskit-mpi/bqskit-mpi/internal/sumsq"
	"github.com/bqskit-mpi/bqskit-mpi/transport"
)

// The tasks' int64 arguments and results use internal/sumsq's encoding.
var (
	enc    = sumsq.Enc
	decode = sumsq.Dec
)

func dec(t testing.TB, b []byte) int64 {
	t.Helper()
	v, err := decode(b)
	if err != nil {
		t.Fatalf("result: %v", err)
	}
	return v
}

// testTasks is the shared state of the test tasks of one runtime.
type testTasks struct {
	started   chan hierarchy.TaskID // "block" tasks announce themselves
	cancelled atomic.Int64          // "block" tasks that observed ctx.Done
}

func newRegistry(tt *testTasks) *hierarchy.Registry {
	reg := hierarchy.NewRegistry()
	reg.MustRegister("square", func(ctx context.Context, args []byte) ([]byte, error) {
		x, err := decode(args)
		return enc(x * x), err
	})
	// parent(i) = square(2i) + square(2i+1), via two subtasks.
	reg.MustRegister("parent", func(ctx context.Context, args []byte) ([]byte, error) {
		i, err := decode(args)
		if err != nil {
			return nil, err
		}
		task, err := hierarchy.TaskFromContext(ctx)
		if err != nil {
			return nil, err
		}
		res, err := task.WaitAll(ctx, task.Map("square", [][]byte{enc(2 * i), enc(2*i + 1)}))
		if err != nil {
			return nil, err
		}
		a, _ := decode(res[0])
		b, _ := decode(res[1])
		return enc(a + b), nil
	})
	// nested(n): map n parents, check each, return the sum.
	reg.MustRegister("nested", func(ctx context.Context, args []byte) ([]byte, error) {
		n, err := decode(args)
		if err != nil {
			return nil, err
		}
		task, _ := hierarchy.TaskFromContext(ctx)
		in := make([][]byte, n)
		for i := range in {
			in[i] = enc(int64(i))
		}
		res, err := task.WaitAll(ctx, task.Map("parent", in))
		if err != nil {
			return nil, err
		}
		var sum int64
		for i, r := range res {
			v, _ := decode(r)
			x := int64(i)
			if want := 4*x*x + (2*x+1)*(2*x+1); v != want {
				return nil, fmt.Errorf("parent(%d) = %d, want %d", i, v, want)
			}
			sum += v
		}
		return enc(sum), nil
	})
	// fib(n) by subtasks: a recursive tree of depth n.
	reg.MustRegister("fib", func(ctx context.Context, args []byte) ([]byte, error) {
		n, err := decode(args)
		if err != nil {
			return nil, err
		}
		if n < 2 {
			return enc(n), nil
		}
		task, _ := hierarchy.TaskFromContext(ctx)
		fs := task.Map("fib", [][]byte{enc(n - 1), enc(n - 2)})
		// Use Next for one and Wait for the other to cover both.
		var sum int64
		for {
			i, err := task.Next(ctx, fs)
			if errors.Is(err, hierarchy.ErrNoPending) {
				break
			}
			if err != nil {
				return nil, err
			}
			r, err := fs[i].Result()
			if err != nil {
				return nil, err
			}
			v, _ := decode(r)
			sum += v
		}
		return enc(sum), nil
	})
	reg.MustRegister("panic", func(ctx context.Context, args []byte) ([]byte, error) {
		panic("boom")
	})
	// panicky_parent: one child panics; the parent returns its error.
	reg.MustRegister("panicky_parent", func(ctx context.Context, args []byte) ([]byte, error) {
		task, _ := hierarchy.TaskFromContext(ctx)
		_, err := task.Wait(ctx, task.Submit("panic", nil))
		return nil, err
	})
	reg.MustRegister("block", func(ctx context.Context, args []byte) ([]byte, error) {
		task, _ := hierarchy.TaskFromContext(ctx)
		if tt != nil {
			tt.started <- task.ID()
		}
		<-ctx.Done()
		if tt != nil {
			tt.cancelled.Add(1)
		}
		return nil, ctx.Err()
	})
	// block_parent(n): map n blocking children and wait.
	reg.MustRegister("block_parent", func(ctx context.Context, args []byte) ([]byte, error) {
		n, _ := decode(args)
		task, _ := hierarchy.TaskFromContext(ctx)
		in := make([][]byte, n)
		_, err := task.WaitAll(ctx, task.Map("block", in))
		return nil, err
	})
	// cancel_one: map 3 blocking children, cancel the second from the
	// parent, check its future, then return (cancelling the other two).
	reg.MustRegister("cancel_one", func(ctx context.Context, args []byte) ([]byte, error) {
		task, _ := hierarchy.TaskFromContext(ctx)
		fs := task.Map("block", make([][]byte, 3))
		if tt != nil {
			for range 3 {
				select {
				case <-tt.started:
				case <-ctx.Done():
					return nil, ctx.Err()
				}
			}
		}
		task.Cancel(fs[1])
		if _, err := fs[1].Result(); !errors.Is(err, hierarchy.ErrCancelled) {
			return nil, fmt.Errorf("cancelled future: %v", err)
		}
		if fs[0].IsDone() || fs[2].IsDone() {
			return nil, errors.New("cancelling one child finished a sibling")
		}
		return []byte("ok"), nil
	})
	// concurrent_waits(n): n goroutines of one task each submit and wait.
	reg.MustRegister("concurrent_waits", func(ctx context.Context, args []byte) ([]byte, error) {
		n, _ := decode(args)
		task, _ := hierarchy.TaskFromContext(ctx)
		var wg sync.WaitGroup
		var sum atomic.Int64
		errs := make(chan error, n)
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for k := range int64(20) {
					res, err := task.Wait(ctx, task.Submit("square", enc(i*100+k)))
					if err != nil {
						errs <- err
						return
					}
					v, _ := decode(res)
					sum.Add(v)
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			return nil, err
		}
		return enc(sum.Load()), nil
	})
	reg.MustRegister("logger", func(ctx context.Context, args []byte) ([]byte, error) {
		task, _ := hierarchy.TaskFromContext(ctx)
		task.Log(zapcore.DebugLevel, "debug record")
		task.Log(zapcore.InfoLevel, "info record")
		for i := 1; i <= 3; i++ {
			task.Progress(i, 3)
		}
		return []byte("ok"), nil
	})
	return reg
}

type shape struct {
	name string
	tree func() (*hierarchy.Tree, error)
}

func depth3() (*hierarchy.Tree, error) {
	// server 0 -> managers 1, 2; manager 1 -> manager 3 (-> workers 5, 6)
	// and worker 4; manager 2 -> worker 7 (2 slots). Unbalanced, depth 3.
	return hierarchy.NewTree([]hierarchy.TreeNode{
		{ID: 0, Parent: -1, Children: []transport.PeerID{1, 2}},
		{ID: 1, Parent: 0, Children: []transport.PeerID{3, 4}},
		{ID: 2, Parent: 0, Children: []transport.PeerID{7}},
		{ID: 3, Parent: 1, Children: []transport.PeerID{5, 6}},
		{ID: 4, Parent: 1, Slots: 1},
		{ID: 5, Parent: 3, Slots: 1},
		{ID: 6, Parent: 3, Slots: 1},
		{ID: 7, Parent: 2, Slots: 2},
	})
}

var shapes = []shape{
	{"1x2", func() (*hierarchy.Tree, error) { return hierarchy.BalancedTree(1, 2, 1) }},
	{"2x2", func() (*hierarchy.Tree, error) { return hierarchy.BalancedTree(2, 2, 1) }},
	{"depth3", depth3},
}

func start(t *testing.T, sh shape, tt *testTasks) *hierarchy.Embedded {
	t.Helper()
	tree, err := sh.tree()
	if err != nil {
		t.Fatal(err)
	}
	rt, err := hierarchy.StartEmbedded(context.Background(), hierarchy.EmbeddedConfig{Tree: tree, Registry: newRegistry(tt)})
	if err != nil {
		t.Fatal(err)
	}
	return rt
}

func stop(t *testing.T, rt *hierarchy.Embedded) {
	t.Helper()
	if err := rt.Stop(); err != nil {
		t.Errorf("Stop: %v", err)
	}
	goleak.VerifyNone(t)
}

func waitCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func TestNestedMap(t *testing.T) {
	for _, sh := range shapes {
		t.Run(sh.name, func(t *testing.T) {
			rt := start(t, sh, nil)
			defer stop(t, rt)
			ses := rt.OpenSession()
			res, err := rt.Run(waitCtx(t), ses, "nested", enc(1000), zapcore.InfoLevel)
			if err != nil {
				t.Fatal(err)
			}
			var want int64
			for x := int64(0); x < 2000; x++ {
				want += x * x
			}
			if got := dec(t, res); got != want {
				t.Fatalf("nested 1000x2 = %d, want %d", got, want)
			}
		})
	}
}

func TestFibonacciDepth20(t *testing.T) {
	for _, sh := range shapes {
		t.Run(sh.name, func(t *testing.T) {
			rt := start(t, sh, nil)
			defer stop(t, rt)
			ses := rt.OpenSession()
			n := int64(20)
			if testing.Short() {
				n = 12
			}
			res, err := rt.Run(waitCtx(t), ses, "fib", enc(n), zapcore.InfoLevel)
			if err != nil {
				t.Fatal(err)
			}
			want := map[int64]int64{12: 144, 20: 6765}[n]
			if got := dec(t, res); got != want {
				t.Fatalf("fib(%d) = %d, want %d", n, got, want)
			}
		})
	}
}

func TestPanicFailsOnlyItsRoot(t *testing.T) {
	for _, sh := range shapes {
		t.Run(sh.name, func(t *testing.T) {
			rt := start(t, sh, nil)
			defer stop(t, rt)
			ses := rt.OpenSession()
			ctx := waitCtx(t)
			good, err := rt.Submit(ses, "nested", enc(50), zapcore.InfoLevel)
			if err != nil {
				t.Fatal(err)
			}
			for _, name := range []string{"panic", "panicky_parent"} {
				_, err := rt.Run(ctx, ses, name, nil, zapcore.InfoLevel)
				var te *hierarchy.TaskError
				if !errors.As(err, &te) || !errors.Is(err, hierarchy.ErrTaskFailed) {
					t.Fatalf("%s: error %v, want a *TaskError", name, err)
				}
				if want := "panic: boom"; !contains(te.Msg, want) {
					t.Fatalf("%s: error %q does not mention %q", name, te.Msg, want)
				}
			}
			if _, err := rt.Result(ctx, good); err != nil {
				t.Fatalf("concurrent root failed: %v", err)
			}
			// The runtime still serves new work, and Result works twice.
			id, err := rt.Submit(ses, "square", enc(7), zapcore.InfoLevel)
			if err != nil {
				t.Fatal(err)
			}
			for range 2 {
				res, err := rt.Result(ctx, id)
				if err != nil || dec(t, res) != 49 {
					t.Fatalf("square(7) = %v, %v", res, err)
				}
			}
			if st := rt.Status(id); st != hierarchy.StatusDone {
				t.Fatalf("status %v, want done", st)
			}
		})
	}
}

func contains(s, sub string) bool {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return true
		}
	}
	return false
}

func TestCancelStopsRunningChildren(t *testing.T) {
	for _, sh := range shapes {
		t.Run(sh.name, func(t *testing.T) {
			tt := &testTasks{started: make(chan hierarchy.TaskID, 64)}
			rt := start(t, sh, tt)
			defer stop(t, rt)
			ses := rt.OpenSession()
			// Children beyond the slots stay queued; all must end.
			n := int64(rt.Tree().TotalSlots() - 1)
			id, err := rt.Submit(ses, "block_parent", enc(n), zapcore.InfoLevel)
			if err != nil {
				t.Fatal(err)
			}
			for range n {
				select {
				case <-tt.started:
				case <-time.After(30 * time.Second):
					t.Fatal("blocking children did not all start")
				}
			}
			// Status is eventually consistent: the start notice travels
			// up the tree on its own.
			for end := time.Now().Add(10 * time.Second); rt.Status(id) != hierarchy.StatusRunning && time.Now().Before(end); {
				time.Sleep(time.Millisecond)
			}
			if st := rt.Status(id); st != hierarchy.StatusRunning {
				t.Fatalf("status before cancel %v, want running", st)
			}
			t0 := time.Now()
			if err := rt.Cancel(id); err != nil {
				t.Fatal(err)
			}
			if _, err := rt.Result(context.Background(), id); !errors.Is(err, hierarchy.ErrCancelled) {
				t.Fatalf("Result after cancel: %v, want ErrCancelled", err)
			}
			// Generous bound: children observe ctx.Done through routed
			// cancellation (the 100 ms goal is not asserted as a timing).
			deadline := time.Now().Add(10 * time.Second)
			for tt.cancelled.Load() < n && time.Now().Before(deadline) {
				time.Sleep(time.Millisecond)
			}
			if got := tt.cancelled.Load(); got != n {
				t.Fatalf("%d of %d running children observed cancellation", got, n)
			}
			t.Logf("all %d running children observed ctx.Done %v after Cancel", n, time.Since(t0))
			if st := rt.Status(id); st != hierarchy.StatusCancelled {
				t.Fatalf("status %v, want cancelled", st)
			}
			// Slots are free again.
			res, err := rt.Run(waitCtx(t), ses, "nested", enc(20), zapcore.InfoLevel)
			if err != nil || len(res) != 8 {
				t.Fatalf("after cancel: %v %v", res, err)
			}
		})
	}
}

func TestConcurrentSessions(t *testing.T) {
	for _, sh := range shapes {
		t.Run(sh.name, func(t *testing.T) {
			rt := start(t, sh, nil)
			defer stop(t, rt)
			ctx := waitCtx(t)
			var wg sync.WaitGroup
			errs := make(chan error, 8)
			for s := range 8 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					ses := rt.OpenSession()
					defer rt.CloseSession(ses)
					ids := make([]hierarchy.TaskID, 200)
					for i := range ids {
						var err error
						name, arg := "square", int64(s*1000+i)
						if i%10 == 0 {
							name, arg = "parent", int64(i)
						}
						if ids[i], err = rt.Submit(ses, name, enc(arg), zapcore.InfoLevel); err != nil {
							errs <- err
							return
						}
					}
					for i, id := range ids {
						res, err := rt.Result(ctx, id)
						if err != nil {
							errs <- fmt.Errorf("session %d task %d: %w", s, i, err)
							return
						}
						x := int64(s*1000 + i)
						want := x * x
						if i%10 == 0 {
							x = int64(i)
							want = 4*x*x + (2*x+1)*(2*x+1)
						}
						if got, _ := decode(res); got != want {
							errs <- fmt.Errorf("session %d task %d: got %d want %d", s, i, got, want)
							return
						}
					}
				}()
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				t.Error(err)
			}
		})
	}
}

func TestCloseSessionCancels(t *testing.T) {
	tt := &testTasks{started: make(chan hierarchy.TaskID, 64)}
	rt := start(t, shapes[0], tt)
	defer stop(t, rt)
	ses := rt.OpenSession()
	id, err := rt.Submit(ses, "block", nil, zapcore.InfoLevel)
	if err != nil {
		t.Fatal(err)
	}
	<-tt.started
	if err := rt.CloseSession(ses); err != nil {
		t.Fatal(err)
	}
	if st := rt.Status(id); st != hierarchy.StatusUnknown {
		t.Fatalf("status after CloseSession %v, want unknown", st)
	}
	deadline := time.Now().Add(10 * time.Second)
	for tt.cancelled.Load() < 1 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	if tt.cancelled.Load() != 1 {
		t.Fatal("closing the session did not cancel its running task")
	}
	if _, err := rt.Submit(ses, "square", enc(1), zapcore.InfoLevel); !errors.Is(err, hierarchy.ErrUnknownSession) {
		t.Fatalf("Submit on closed session: %v", err)
	}
}

func TestLogsAndProgress(t *testing.T) {
	rt := start(t, shapes[0], nil)
	defer stop(t, rt)
	ses := rt.OpenSession()
	id, err := rt.Submit(ses, "logger", nil, zapcore.InfoLevel)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := rt.Result(waitCtx(t), id); err != nil {
		t.Fatal(err)
	}
	sub, err := rt.Subscribe(id)
	if err != nil {
		t.Fatal(err)
	}
	var got []hierarchy.Event
	for {
		ev, err := sub.Next(waitCtx(t))
		if errors.Is(err, hierarchy.ErrEndOfEvents) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, ev)
	}
	if len(got) != 4 {
		t.Fatalf("got %d events, want 4 (info log + 3 progress): %+v", len(got), got)
	}
	if got[0].Kind != hierarchy.EventLog || got[0].Message != "info record" || got[0].Level != zapcore.InfoLevel {
		t.Fatalf("first event %+v, want the info record", got[0])
	}
	for i, ev := range got[1:] {
		if ev.Kind != hierarchy.EventProgress || ev.Done != int64(i+1) || ev.Total != 3 {
			t.Fatalf("progress event %d: %+v", i, ev)
		}
	}
}

func TestStopFailsPendingWaits(t *testing.T) {
	tt := &testTasks{started: make(chan hierarchy.TaskID, 64)}
	rt := start(t, shapes[0], tt)
	ses := rt.OpenSession()
	id, err := rt.Submit(ses, "block", nil, zapcore.InfoLevel)
	if err != nil {
		t.Fatal(err)
	}
	<-tt.started
	errc := make(chan error, 1)
	go func() {
		_, err := rt.Result(context.Background(), id)
		errc <- err
	}()
	stop(t, rt)
	if err := <-errc; !errors.Is(err, hierarchy.ErrShutdown) {
		t.Fatalf("pending Result after Stop: %v, want ErrShutdown", err)
	}
	if _, err := rt.Submit(ses, "square", enc(1), zapcore.InfoLevel); !errors.Is(err, hierarchy.ErrShutdown) {
		t.Fatalf("Submit after Stop: %v, want ErrShutdown", err)
	}
}

func TestUnknownNames(t *testing.T) {
	rt := start(t, shapes[0], nil)
	defer stop(t, rt)
	ses := rt.OpenSession()
	if _, err := rt.Submit(ses, "nope", nil, zapcore.InfoLevel); !errors.Is(err, hierarchy.ErrUnknownTaskName) {
		t.Fatalf("Submit of unknown name: %v", err)
	}
	if _, err := rt.Result(context.Background(), 12345); !errors.Is(err, hierarchy.ErrUnknownTask) {
		t.Fatalf("Result of unknown id: %v", err)
	}
	if st := rt.Status(12345); st != hierarchy.StatusUnknown {
		t.Fatalf("Status of unknown id: %v", st)
	}
}

func TestTaskCancelsChild(t *testing.T) {
	tt := &testTasks{started: make(chan hierarchy.TaskID, 64)}
	tree, err := hierarchy.BalancedTree(1, 4, 1)
	if err != nil {
		t.Fatal(err)
	}
	rt, err := hierarchy.StartEmbedded(context.Background(), hierarchy.EmbeddedConfig{Tree: tree, Registry: newRegistry(tt)})
	if err != nil {
		t.Fatal(err)
	}
	defer stop(t, rt)
	res, err := rt.Run(waitCtx(t), rt.OpenSession(), "cancel_one", nil, zapcore.InfoLevel)
	if err != nil || string(res) != "ok" {
		t.Fatalf("cancel_one: %q, %v", res, err)
	}
	// One child cancelled explicitly, two when their parent returned.
	deadline := time.Now().Add(10 * time.Second)
	for tt.cancelled.Load() < 3 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	if got := tt.cancelled.Load(); got != 3 {
		t.Fatalf("%d of 3 children observed cancellation", got)
	}
}

func TestConcurrentWaitsInOneTask(t *testing.T) {
	rt := start(t, shapes[0], nil)
	defer stop(t, rt)
	res, err := rt.Run(waitCtx(t), rt.OpenSession(), "concurrent_waits", enc(4), zapcore.InfoLevel)
	if err != nil {
		t.Fatal(err)
	}
	var want int64
	for i := int64(0); i < 4; i++ {
		for k := int64(0); k < 20; k++ {
			want += (i*100 + k) * (i*100 + k)
		}
	}
	if got := dec(t, res); got != want {
		t.Fatalf("sum %d, want %d", got, want)
	}
}

// TestRunNodeAndServer wires the nodes by hand, as a distributed runtime
// does (one RunNode per non-server node, NewServer for node 0), and checks
// that Stop's Shutdown makes every RunNode return nil.
func TestRunNodeAndServer(t *testing.T) {
	defer goleak.VerifyNone(t)
	tree, err := depth3()
	if err != nil {
		t.Fatal(err)
	}
	reg := newRegistry(nil)
	net := transport.NewMemNetwork(tree.IDs()...)
	defer net.Close()
	var wg sync.WaitGroup
	errs := make(chan error, tree.Len())
	for _, id := range tree.IDs() {
		if id == hierarchy.ServerID {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- hierarchy.RunNode(context.Background(), hierarchy.NodeConfig{ID: id, Tree: tree, Transport: net.Endpoint(id), Registry: reg})
		}()
	}
	srv, err := hierarchy.NewServer(context.Background(), hierarchy.ServerConfig{Tree: tree, Transport: net.Endpoint(0), Registry: reg})
	if err != nil {
		t.Fatal(err)
	}
	res, err := srv.Run(waitCtx(t), srv.OpenSession(), "nested", enc(100), zapcore.InfoLevel)
	if err != nil || len(res) != 8 {
		t.Fatalf("nested over RunNode: %v, %v", res, err)
	}
	if err := srv.Stop(); err != nil {
		t.Fatalf("Stop: %v", err)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Errorf("RunNode: %v", err)
		}
	}
	// Misconfiguration is reported, not panicked.
	if err := hierarchy.RunNode(context.Background(), hierarchy.NodeConfig{ID: 0, Tree: tree, Transport: net.Endpoint(0), Registry: reg}); !errors.Is(err, hierarchy.ErrBadConfig) {
		t.Errorf("RunNode on the server id: %v", err)
	}
	if err := hierarchy.RunNode(context.Background(), hierarchy.NodeConfig{ID: 3, Tree: tree, Transport: net.Endpoint(4), Registry: reg}); !errors.Is(err, hierarchy.ErrBadConfig) {
		t.Errorf("RunNode with another node's transport: %v", err)
	}
}
