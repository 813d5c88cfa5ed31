package client_test

import (
	"context"
	"errors"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bqskit-mpi/bqskit-mpi/client"
	"github.com/bqskit-mpi/bqskit-mpi/gateway"
	"github.com/bqskit-mpi/bqskit-mpi/gateway/gatewaytest"
	"github.com/bqskit-mpi/bqskit-mpi/protocol"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

const bell = "OPENQASM 2.0;\ninclude \"qelib1.inc\";\nqreg q[2];\nh q[0];\ncx q[0],q[1];\n"

func noEnv(string) string { return "" }

func dial(t *testing.T, srv *gatewaytest.Server, opts ...client.Option) *client.Client {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := client.Dial(ctx, srv.Addr, append([]client.Option{client.WithToken(srv.Token)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func TestCompileStatusResultTwice(t *testing.T) {
	b := &gatewaytest.Backend{Slots: 1}
	srv := gatewaytest.Start(t, gateway.Config{}, b)
	var mu sync.Mutex
	var logs []protocol.LogEvent
	var progress []protocol.ProgressEvent
	c := dial(t, srv,
		client.WithLogHandler(func(e protocol.LogEvent) { mu.Lock(); logs = append(logs, e); mu.Unlock() }),
		client.WithProgressHandler(func(e protocol.ProgressEvent) { mu.Lock(); progress = append(progress, e); mu.Unlock() }))
	if c.Limits().MaxOpenTasks != 64 || c.Server() == "" {
		t.Errorf("welcome: limits %+v server %q", c.Limits(), c.Server())
	}
	ctx := context.Background()
	// The blocker holds the only slot until it is cancelled below.
	blocker, err := c.Submit(ctx, &protocol.SubmitRequest{QASM: bell + "// sleep 10m\n"})
	if err != nil {
		t.Fatal(err)
	}
	src := bell + "// logs 4\n"
	task, err := c.Submit(ctx, &protocol.SubmitRequest{QASM: src, OptimizationLevel: 2, LogLevel: protocol.LevelInfo, RequestData: true})
	if err != nil {
		t.Fatal(err)
	}
	if st, err := c.Status(ctx, task); err != nil || st != protocol.StatusQueued {
		t.Errorf("status behind a blocker: %q %v, want queued", st, err)
	}
	if _, err := c.Cancel(ctx, blocker); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 2; i++ {
		res, err := c.Result(ctx, task)
		if err != nil || res.QASM != src || string(res.Data) != `{"echo":true}` {
			t.Fatalf("result %d: %+v %v", i, res, err)
		}
	}
	if st, err := c.Status(ctx, task); err != nil || st != protocol.StatusDone {
		t.Errorf("status after result: %q %v", st, err)
	}
	mu.Lock()
	if len(logs) != 4 || len(progress) != 4 || logs[0].Task != task || progress[3].Done != 4 || progress[3].Total != 4 {
		t.Errorf("events: %d logs %d progress: %+v %+v", len(logs), len(progress), logs, progress)
	}
	mu.Unlock()
	if _, err := c.Result(ctx, blocker); !errors.Is(err, protocol.ErrCancelled) {
		t.Fatalf("cancelled blocker's result: %v, want ErrCancelled", err)
	}
	res, err := c.Compile(ctx, &protocol.SubmitRequest{QASM: bell})
	if err != nil || res.QASM != bell || res.Data != nil {
		t.Fatalf("Compile: %+v %v", res, err)
	}
}

func TestErrors(t *testing.T) {
	b := &gatewaytest.Backend{}
	srv := gatewaytest.Start(t, gateway.Config{}, b)
	ctx := context.Background()
	if _, err := client.Dial(ctx, srv.Addr, client.WithToken("wrong-token-0123456789")); !errors.Is(err, protocol.ErrAuth) {
		t.Fatalf("wrong token: %v", err)
	}
	// A token shorter than 16 characters is refused before connecting.
	if _, err := client.Dial(ctx, srv.Addr, client.WithToken("wrong")); !errors.Is(err, protocol.ErrShortToken) {
		t.Fatalf("short token: %v", err)
	}
	c := dial(t, srv)
	_, err := c.Submit(ctx, &protocol.SubmitRequest{QASM: "qreg q[1];\n// invalid 4 2\n", Filename: "x.qasm"})
	var ge *protocol.Error
	if !errors.As(err, &ge) || ge.Code != protocol.CodeInvalidCircuit || ge.Line != 4 || ge.Col != 2 {
		t.Fatalf("invalid circuit: %v", err)
	}
	if _, err := c.Submit(ctx, &protocol.SubmitRequest{}); !errors.Is(err, protocol.ErrBadRequest) {
		t.Fatalf("empty submit: %v", err)
	}
	if _, err := c.Compile(ctx, &protocol.SubmitRequest{QASM: bell + "// fail boom\n"}); !errors.Is(err, protocol.ErrTaskFailed) {
		t.Fatalf("failed task: %v", err)
	}
	if _, err := c.Status(ctx, "T12345"); !errors.Is(err, protocol.ErrUnknownTask) {
		t.Fatalf("unknown task: %v", err)
	}
	// The connection is still usable after errors.
	if _, err := c.Compile(ctx, &protocol.SubmitRequest{QASM: bell}); err != nil {
		t.Fatal(err)
	}
}

func TestCancelAndContext(t *testing.T) {
	b := &gatewaytest.Backend{}
	srv := gatewaytest.Start(t, gateway.Config{}, b)
	c := dial(t, srv)
	ctx := context.Background()
	task, err := c.Submit(ctx, &protocol.SubmitRequest{QASM: bell + "// sleep 1h\n"})
	if err != nil {
		t.Fatal(err)
	}
	errc := make(chan error, 1)
	go func() { _, err := c.Result(ctx, task); errc <- err }()
	if st, err := c.Cancel(ctx, task); err != nil || st != protocol.StatusCancelled {
		t.Fatalf("cancel: %q %v", st, err)
	}
	if err := <-errc; !errors.Is(err, protocol.ErrCancelled) {
		t.Fatalf("result after cancel: %v", err)
	}
	// Compile with a context that ends cancels the task on the server.
	cctx, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
	defer cancel()
	if _, err := c.Compile(cctx, &protocol.SubmitRequest{QASM: bell + "// sleep 1h\n"}); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Compile with deadline: %v", err)
	}
	if got := b.Cancelled(); got != 2 {
		t.Errorf("%d tasks cancelled on the server, want 2", got)
	}
}

func TestShutdownFailsPending(t *testing.T) {
	b := &gatewaytest.Backend{}
	s := gatewaytest.Start(t, gateway.Config{}, b)
	c, err := client.Dial(context.Background(), s.Addr, client.WithToken(s.Token))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	task, err := c.Submit(context.Background(), &protocol.SubmitRequest{QASM: bell + "// sleep 1h\n"})
	if err != nil {
		t.Fatal(err)
	}
	errc := make(chan error, 1)
	go func() { _, err := c.Result(context.Background(), task); errc <- err }()
	time.Sleep(20 * time.Millisecond)
	s.Shutdown()
	if err := <-errc; !errors.Is(err, protocol.ErrShuttingDown) || !errors.Is(err, client.ErrClosed) {
		t.Fatalf("pending result at shutdown: %v", err)
	}
	<-c.Done()
	if _, err := c.Status(context.Background(), task); !errors.Is(err, client.ErrClosed) {
		t.Fatalf("call after shutdown: %v", err)
	}
	if err := s.Wait(); err != nil {
		t.Fatal(err)
	}
}

func TestDialRetriesAndTokenFile(t *testing.T) {
	// Reserve a port, release it, and start the server there a little later.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	path := filepath.Join(t.TempDir(), "token")
	tok, _, _, err := protocol.ServerToken(path, noEnv)
	if err != nil {
		t.Fatal(err)
	}
	gw, err := gateway.New(gateway.Config{Token: tok}, &gatewaytest.Backend{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		time.Sleep(150 * time.Millisecond)
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			done <- err
			return
		}
		done <- gw.Serve(ctx, ln)
	}()
	c, err := client.Dial(context.Background(), addr, client.WithTokenFile(path), client.WithGetenv(noEnv),
		client.WithRetries(6, 50*time.Millisecond))
	if err != nil {
		cancel()
		<-done
		t.Fatal(err)
	}
	if _, err := c.Compile(context.Background(), &protocol.SubmitRequest{QASM: bell}); err != nil {
		t.Error(err)
	}
	c.Close()
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	// No server: refused after the retries, with the address in the error.
	if _, err := client.Dial(context.Background(), addr, client.WithToken("x123456789abcdef0"), client.WithRetries(1, time.Millisecond)); err == nil {
		t.Fatal("dial with no server succeeded")
	}
	// Missing token file.
	if _, err := client.Dial(context.Background(), addr, client.WithTokenFile(filepath.Join(t.TempDir(), "none")), client.WithGetenv(noEnv)); !errors.Is(err, protocol.ErrTokenFile) {
		t.Fatalf("missing token file: %v", err)
	}
}

func TestSplitAddress(t *testing.T) {
	for in, want := range map[string]string{
		"localhost":      "localhost:7472",
		"10.0.0.1":       "10.0.0.1:7472",
		"10.0.0.1:9000":  "10.0.0.1:9000",
		"::1":            "[::1]:7472",
		"[::1]:8000":     "[::1]:8000",
		"node12.cluster": "node12.cluster:7472",
		":8000":          "127.0.0.1:8000",
	} {
		if got, err := client.SplitAddress(in); err != nil || got != want {
			t.Errorf("SplitAddress(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "host:port", "host:0", "host:70000", "a:b:c"} {
		if _, err := client.SplitAddress(bad); !errors.Is(err, client.ErrAddress) {
			t.Errorf("SplitAddress(%q): %v, want ErrAddress", bad, err)
		}
	}
}

func TestConcurrentClients(t *testing.T) {
	b := &gatewaytest.Backend{Slots: 2}
	srv := gatewaytest.Start(t, gateway.Config{}, b)
	var wg sync.WaitGroup
	errs := make(chan error, 8*10)
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, err := client.Dial(context.Background(), srv.Addr, client.WithToken(srv.Token))
			if err != nil {
				errs <- err
				return
			}
			defer c.Close()
			for j := 0; j < 10; j++ {
				src := bell + "// client " + string(rune('a'+i)) + string(rune('0'+j)) + "\n"
				res, err := c.Compile(context.Background(), &protocol.SubmitRequest{QASM: src})
				if err != nil {
					errs <- err
				} else if res.QASM != src {
					errs <- errors.New("result belongs to another task")
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if b.Completed() != 80 {
		t.Errorf("%d completed, want 80", b.Completed())
	}
}

// TestTokenFileEnvAndRuntime: with no token and no token file given, the
// client reads the file in $BQSKIT_MPI_TOKEN_FILE ($BQSKIT_MPI_TOKEN still
// wins); the welcome's runtime description is returned by Runtime (nil
// from a server that sends none).
func TestTokenFileEnvAndRuntime(t *testing.T) {
	rt := &protocol.Runtime{Ranks: 4, Workers: 3, Slots: 6, Version: "v"}
	srv := gatewaytest.Start(t, gateway.Config{Runtime: rt}, &gatewaytest.Backend{})
	path := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(path, []byte(srv.Token+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, env := range []map[string]string{
		{protocol.TokenFileEnv: path},
		{protocol.TokenFileEnv: filepath.Join(t.TempDir(), "none"), protocol.TokenEnv: srv.Token},
	} {
		c, err := client.Dial(context.Background(), srv.Addr, client.WithGetenv(func(k string) string { return env[k] }))
		if err != nil {
			t.Fatalf("env %v: %v", env, err)
		}
		if got := c.Runtime(); got == nil || *got != *rt {
			t.Errorf("Runtime() = %+v, want %+v", got, rt)
		}
		c.Close()
	}
	_, err := client.Dial(context.Background(), srv.Addr, client.WithGetenv(func(k string) string {
		return map[string]string{protocol.TokenFileEnv: filepath.Join(t.TempDir(), "none")}[k]
	}))
	if !errors.Is(err, protocol.ErrTokenFile) || !strings.Contains(err.Error(), "none") {
		t.Errorf("missing $%s file: %v", protocol.TokenFileEnv, err)
	}
	old := gatewaytest.Start(t, gateway.Config{}, &gatewaytest.Backend{})
	c := dial(t, old)
	if c.Runtime() != nil {
		t.Errorf("Runtime() from a server without one: %+v", c.Runtime())
	}
}
