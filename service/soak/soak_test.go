//go:build soak

package soak

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/bqskit-mpi/bqskit-mpi/client"
	"github.com/bqskit-mpi/bqskit-mpi/compiler"
	"github.com/bqskit-mpi/bqskit-mpi/protocol"
	"github.com/bqskit-mpi/bqskit-mpi/qasm"
	"github.com/bqskit-mpi/bqskit-mpi/service/servicetest"
)

const clients = 16

func duration(t *testing.T) time.Duration {
	d := 3 * time.Minute
	if s := os.Getenv("SOAK_DURATION"); s != "" {
		var err error
		if d, err = time.ParseDuration(s); err != nil {
			t.Fatalf("SOAK_DURATION: %v", err)
		}
	}
	return d
}

// build compiles the commands into a temporary directory.
func build(t *testing.T, names ...string) string {
	t.Helper()
	dir := t.TempDir()
	_, here, _, _ := runtime.Caller(0)
	root := filepath.Join(filepath.Dir(here), "..", "..")
	for _, n := range names {
		cmd := exec.Command("go", "build", "-o", filepath.Join(dir, n), "./cmd/"+n)
		cmd.Dir = root
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("go build %s: %v\n%s", n, err, out)
		}
	}
	return dir
}

// server is a started server command.
type server struct {
	cmd   *exec.Cmd
	out   *servicetest.SyncBuffer
	addr  string
	token string
	pid   int // the serving process (rank 0 under MPI)
	done  chan struct{}
}

func start(t *testing.T, name string, argv ...string) *server {
	t.Helper()
	dir := t.TempDir()
	tok, err := protocol.NewToken()
	if err != nil {
		t.Fatal(err)
	}
	argv = append(argv, "--bind", "127.0.0.1", "--port", "0", "-v", "--log-format", "json",
		"--address-file", filepath.Join(dir, "addr"), "--pid-file", filepath.Join(dir, "pid"))
	s := &server{cmd: exec.Command(argv[0], argv[1:]...), out: &servicetest.SyncBuffer{}, token: tok, done: make(chan struct{})}
	s.cmd.Env = append(os.Environ(), protocol.TokenEnv+"="+tok, "OMPI_ALLOW_RUN_AS_ROOT=1", "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1",
		"OMPI_MCA_mpi_yield_when_idle=1", "OPENBLAS_NUM_THREADS=1")
	s.cmd.Stdout, s.cmd.Stderr = s.out, s.out
	s.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { s.cmd.Wait(); close(s.done) }()
	t.Cleanup(func() {
		select {
		case <-s.done:
		default:
			syscall.Kill(-s.cmd.Process.Pid, syscall.SIGKILL)
			<-s.done
		}
	})
	s.addr = servicetest.WaitAddressFile(t, filepath.Join(dir, "addr"), 2*time.Minute, s.done, s.out)
	b, err := os.ReadFile(filepath.Join(dir, "pid"))
	if err != nil {
		t.Fatal(err)
	}
	if s.pid, err = strconv.Atoi(strings.TrimSpace(string(b))); err != nil {
		t.Fatal(err)
	}
	t.Logf("%s serving on %s (pid %d)", name, s.addr, s.pid)
	return s
}

// stop sends SIGTERM to the serving process and waits for the command.
func (s *server) stop(t *testing.T) {
	t.Helper()
	syscall.Kill(s.pid, syscall.SIGTERM)
	select {
	case <-s.done:
	case <-time.After(60 * time.Second):
		t.Errorf("server still running 60 s after SIGTERM")
	}
}

// rssKiB is the serving process's resident set, in KiB.
func (s *server) rssKiB(t *testing.T) int {
	t.Helper()
	n, err := s.rss()
	if err != nil {
		t.Fatalf("server process: %v\n%s", err, s.out)
	}
	return n
}

func (s *server) rss() (int, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", s.pid))
	if err != nil {
		return 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmRSS:"); ok {
			return strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(rest), " kB"))
		}
	}
	return 0, errors.New("no VmRSS")
}

var idleLine = regexp.MustCompile(`"msg":"no clients connected".*"goroutines":(\d+)`)

// idleGoroutines returns the goroutine counts the gateway logged each time
// its last client left.
func (s *server) idleGoroutines() []int {
	var n []int
	for _, m := range idleLine.FindAllStringSubmatch(s.out.String(), -1) {
		v, _ := strconv.Atoi(m[1])
		n = append(n, v)
	}
	return n
}

// stats counts what the clients saw.
type stats struct {
	submits, answered, admitted    atomic.Int64
	done, verified, cancelled      atomic.Int64
	failed, busy, rejected, lost   atomic.Int64
	abandoned, badFrames, badOK    atomic.Int64
	sessions, abrupt, unverifiedIO atomic.Int64
	errs                           sync.Map // first message per kind of unexpected error
}

func (st *stats) String() string {
	return fmt.Sprintf("sessions %d (%d left abruptly), submits %d (answered %d, admitted %d, busy %d, rejected as invalid %d), "+
		"results: done %d (verified %d), cancelled %d, failed %d, left to the server %d, lost %d; bad frames %d (answered as expected %d)",
		st.sessions.Load(), st.abrupt.Load(), st.submits.Load(), st.answered.Load(), st.admitted.Load(), st.busy.Load(), st.rejected.Load(),
		st.done.Load(), st.verified.Load(), st.cancelled.Load(), st.failed.Load(), st.abandoned.Load(), st.lost.Load(),
		st.badFrames.Load(), st.badOK.Load())
}

func (st *stats) unexpected(kind string, err error) {
	st.errs.LoadOrStore(kind, err.Error())
}

// randomCircuit is a small random circuit on 3 qubits.
func randomCircuit(rng *rand.Rand) string {
	var b strings.Builder
	b.WriteString("OPENQASM 2.0;\ninclude \"qelib1.inc\";\nqreg q[3];\n")
	for range 4 + rng.IntN(10) {
		a := rng.IntN(3)
		switch rng.IntN(4) {
		case 0:
			fmt.Fprintf(&b, "cx q[%d],q[%d];\n", a, (a+1+rng.IntN(2))%3)
		case 1:
			fmt.Fprintf(&b, "h q[%d];\n", a)
		case 2:
			fmt.Fprintf(&b, "rz(%.4f) q[%d];\n", rng.Float64()*6, a)
		default:
			fmt.Fprintf(&b, "u3(%.4f,%.4f,%.4f) q[%d];\n", rng.Float64()*3, rng.Float64()*3, rng.Float64()*3, a)
		}
	}
	return b.String()
}

func verify(in, out string) error {
	a, err := qasm.Parse("in", []byte(in))
	if err != nil {
		return err
	}
	b, err := qasm.Parse("out", []byte(out))
	if err != nil {
		return fmt.Errorf("result is not QASM: %w", err)
	}
	v, err := compiler.Verify(a, b, 1)
	if err != nil {
		return err
	}
	if v.Cost > 1e-6 {
		return fmt.Errorf("result does not implement the input: cost %g", v.Cost)
	}
	return nil
}

// resultWait bounds the wait for one result: a task that has not answered
// by then counts as lost.
const resultWait = 5 * time.Minute

// session is one client connection doing random work.
func session(ctx context.Context, s *server, rng *rand.Rand, st *stats) {
	c, err := client.Dial(ctx, s.addr, client.WithToken(s.token), client.WithRetries(3, 100*time.Millisecond))
	if err != nil {
		if ctx.Err() == nil {
			st.unexpected("dial", err)
		}
		return
	}
	st.sessions.Add(1)
	abrupt := rng.IntN(4) == 0
	var wg sync.WaitGroup
	for range 1 + rng.IntN(4) {
		src := randomCircuit(rng)
		bad := rng.IntN(10) == 0
		if bad {
			src += "frobnicate q[0];\n"
		}
		st.submits.Add(1)
		task, err := c.Submit(ctx, &protocol.SubmitRequest{QASM: src, OptimizationLevel: 1 + rng.IntN(2), Seed: new(rng.Uint64N(100))})
		switch {
		case err == nil:
			st.answered.Add(1)
			st.admitted.Add(1)
		case errors.Is(err, protocol.ErrBusy):
			st.answered.Add(1)
			st.busy.Add(1)
			continue
		case bad && errors.Is(err, protocol.ErrInvalidCircuit):
			st.answered.Add(1)
			st.rejected.Add(1)
			continue
		case ctx.Err() != nil: // the soak ended under it
			st.abandoned.Add(1)
			continue
		default:
			st.unexpected("submit", err)
			st.lost.Add(1)
			continue
		}
		switch r := rng.IntN(10); {
		case r < 6: // wait for the result
			wg.Go(func() {
				rctx, cancel := context.WithTimeout(context.Background(), resultWait)
				defer cancel()
				res, err := c.Result(rctx, task)
				switch {
				case abrupt && errors.Is(err, client.ErrClosed):
					st.abandoned.Add(1) // we closed the connection under it
				case err == nil:
					st.done.Add(1)
					if err := verify(src, res.QASM); err != nil {
						st.unexpected("verify", err)
					} else {
						st.verified.Add(1)
					}
				case errors.Is(err, protocol.ErrCancelled):
					st.cancelled.Add(1)
				case errors.Is(err, protocol.ErrTaskFailed):
					st.failed.Add(1)
					st.unexpected("task failed", err)
				default:
					st.lost.Add(1)
					st.unexpected("result", err)
				}
			})
		case r < 8: // cancel it
			if _, err := c.Cancel(ctx, task); err != nil && ctx.Err() == nil {
				st.unexpected("cancel", err)
			}
			rctx, cancel := context.WithTimeout(context.Background(), resultWait)
			res, err := c.Result(rctx, task)
			cancel()
			switch {
			case errors.Is(err, protocol.ErrCancelled):
				st.cancelled.Add(1)
			case err == nil: // finished before the cancel
				st.done.Add(1)
				if err := verify(src, res.QASM); err != nil {
					st.unexpected("verify", err)
				} else {
					st.verified.Add(1)
				}
			default:
				st.lost.Add(1)
				st.unexpected("result after cancel", err)
			}
		default: // leave it to the server (cancelled when the session ends)
			st.abandoned.Add(1)
		}
	}
	if abrupt {
		st.abrupt.Add(1)
		c.Close() // tasks still in flight: their Result calls end with the connection
		wg.Wait()
		return
	}
	wg.Wait()
	c.Close()
}

// badFrame sends one kind of bad input on a raw connection and checks the
// server's answer.
func badFrame(s *server, rng *rand.Rand, st *stats) {
	nc, err := net.DialTimeout("tcp", s.addr, 10*time.Second)
	if err != nil {
		st.unexpected("raw dial", err)
		return
	}
	defer nc.Close()
	nc.SetDeadline(time.Now().Add(30 * time.Second))
	st.badFrames.Add(1)
	frame := func(body string) []byte { return protocol.AppendFrame(nil, []byte(body)) }
	hello := frame(fmt.Sprintf(`{"type":"hello","protocol":1,"token":%q}`, s.token))
	var data []byte
	var want protocol.Code
	switch rng.IntN(8) {
	case 0:
		data, want = []byte{0, 0, 0, 0}, protocol.CodeBadFrame
	case 1:
		data, want = []byte{0xff, 0xff, 0xff, 0xff}, protocol.CodeFrameTooLarge
	case 2:
		data, want = frame("not json"), protocol.CodeBadJSON
	case 3:
		data, want = frame(`{"type":"submit","id":1,"qasm":"x"}`), protocol.CodeNoHello
	case 4:
		data, want = frame(`{"type":"hello","protocol":1,"token":"wrong-token-0123456789"}`), protocol.CodeAuth
	case 5:
		data, want = append(hello, frame(`{"type":"dance","id":1}`)...), protocol.CodeUnknownType
	case 6:
		data, want = append(hello, frame(`{"type":"submit","id":2,"qasm":"x","log_level":true}`)...), protocol.CodeBadRequest
	default: // a truncated frame, then gone: nothing to answer
		nc.Write([]byte{0, 0, 1, 0, '{'})
		st.badOK.Add(1)
		return
	}
	if _, err := nc.Write(data); err != nil {
		st.unexpected("raw write", err)
		return
	}
	for {
		body, err := protocol.ReadFrame(nc, protocol.DefaultMaxFrame)
		if err != nil {
			st.unexpected("bad frame "+string(want), fmt.Errorf("no %s answer: %w", want, err))
			return
		}
		var m protocol.ServerMessage
		if json.Unmarshal(body, &m) != nil {
			st.unexpected("bad frame answer", fmt.Errorf("not JSON: %q", body))
			return
		}
		if m.Type == protocol.TypeWelcome {
			continue
		}
		if m.Error != nil && m.Error.Code == want {
			st.badOK.Add(1)
			return
		}
		st.unexpected("bad frame "+string(want), fmt.Errorf("got %s", body))
		return
	}
}

// warmUp compiles a few circuits once, so that the RSS and goroutine
// baselines include what the first compiles allocate for good.
func warmUp(t *testing.T, s *server) {
	t.Helper()
	c, err := client.Dial(context.Background(), s.addr, client.WithToken(s.token))
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 1))
	for range 4 {
		src := randomCircuit(rng)
		res, err := c.Compile(context.Background(), &protocol.SubmitRequest{QASM: src})
		if err != nil {
			t.Fatal(err)
		}
		if err := verify(src, res.QASM); err != nil {
			t.Fatal(err)
		}
	}
	c.Close()
}

// waitIdleGoroutines waits until the gateway has logged a goroutine count
// after index from, connecting a probe client to make it log again.
func waitIdle(t *testing.T, s *server, from int) int {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		if g := s.idleGoroutines(); len(g) > from {
			return g[len(g)-1]
		}
		if time.Now().After(deadline) {
			t.Fatalf("the gateway logged no goroutine count:\n%s", s.out)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// load runs the 16 clients against s for d and returns what they saw.
func load(s *server, d time.Duration, seed uint64) (*stats, int64) {
	st := &stats{}
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	var wg sync.WaitGroup
	var peak atomic.Int64
	wg.Go(func() {
		tick := time.NewTicker(time.Second)
		defer tick.Stop()
		for ctx.Err() == nil {
			select {
			case <-tick.C:
				if r, err := s.rss(); err == nil && int64(r) > peak.Load() {
					peak.Store(int64(r))
				}
			case <-ctx.Done():
			}
		}
	})
	for i := range clients {
		rng := rand.New(rand.NewPCG(seed, uint64(i)))
		wg.Go(func() {
			for ctx.Err() == nil {
				if rng.IntN(8) == 0 {
					badFrame(s, rng, st)
				} else {
					session(ctx, s, rng, st)
				}
			}
		})
	}
	wg.Wait()
	return st, peak.Load()
}

// settle waits until the gateway has logged that its last client left
// after index from, then 10 s more for cancelled work to unwind and
// garbage to be returned, and returns the goroutine count it logged and
// the RSS in KiB.
func settle(t *testing.T, s *server, from int) (goroutines, rss int) {
	t.Helper()
	c, err := client.Dial(context.Background(), s.addr, client.WithToken(s.token))
	if err != nil {
		t.Fatal(err)
	}
	c.Close()
	waitIdle(t, s, from)
	time.Sleep(10 * time.Second)
	// A probe client makes the gateway log its count again, now.
	n := len(s.idleGoroutines())
	if c, err = client.Dial(context.Background(), s.addr, client.WithToken(s.token)); err != nil {
		t.Fatal(err)
	}
	c.Close()
	return waitIdle(t, s, n), s.rssKiB(t)
}

func check(t *testing.T, d time.Duration, st *stats, peak int64) {
	t.Helper()
	t.Logf("%v: %v", d, st)
	t.Logf("peak RSS during the load %.1f MB", float64(peak)/1024)
	st.errs.Range(func(k, v any) bool {
		t.Logf("unexpected %s: %s", k, v)
		return true
	})
	if st.lost.Load() != 0 {
		t.Errorf("%d submits or results got no terminal answer", st.lost.Load())
	}
	if st.done.Load() != st.verified.Load() {
		t.Errorf("%d of %d completed compiles did not verify", st.done.Load()-st.verified.Load(), st.done.Load())
	}
	if st.badOK.Load() != st.badFrames.Load() {
		t.Errorf("%d of %d bad inputs not answered as expected", st.badFrames.Load()-st.badOK.Load(), st.badFrames.Load())
	}
}

func soak(t *testing.T, s *server) {
	d := duration(t)
	warmUp(t, s)
	// A first, shorter round of the same load is the warm-up: the RSS and
	// goroutine baselines are taken after it has settled, the final values
	// after the soak has settled the same way.
	wd := min(max(d/6, 10*time.Second), time.Minute)
	st, peak := load(s, wd, 16)
	check(t, wd, st, peak)
	g0, rss0 := settle(t, s, len(s.idleGoroutines()))
	t.Logf("after the warm-up round: RSS %.1f MB, %d goroutines", float64(rss0)/1024, g0)

	st, peak = load(s, d, 17)
	check(t, d, st, peak)
	if st.done.Load() == 0 || st.cancelled.Load() == 0 || st.abrupt.Load() == 0 || st.badFrames.Load() == 0 {
		t.Errorf("the soak did not exercise compiles, cancels, abrupt disconnects and bad frames: %v", st)
	}
	deadline := time.Now().Add(90 * time.Second)
	for {
		g, rss := settle(t, s, len(s.idleGoroutines()))
		if (g <= g0 && rss <= rss0*12/10) || time.Now().After(deadline) {
			t.Logf("after the soak: RSS %.1f MB (%.0f%% of the warm-up value), %d goroutines (%d after warm-up)",
				float64(rss)/1024, 100*float64(rss)/float64(rss0), g, g0)
			if rss > rss0*12/10 {
				t.Errorf("RSS %.1f MB is more than 20%% above its %.1f MB after warm-up", float64(rss)/1024, float64(rss0)/1024)
			}
			if g > g0 {
				t.Errorf("goroutines: %d after the soak, %d after warm-up: a leak", g, g0)
			}
			break
		}
	}
	s.stop(t)
}

func TestSoakServer(t *testing.T) {
	dir := build(t, "bqskit-server")
	soak(t, start(t, "bqskit-server", filepath.Join(dir, "bqskit-server"), "--workers", "2"))
}

func TestSoakMPI(t *testing.T) {
	mpirun, err := exec.LookPath("mpirun")
	if err != nil {
		t.Skip("mpirun not installed")
	}
	dir := build(t, "bqskit-mpi")
	soak(t, start(t, "mpirun bqskit-mpi", mpirun, "-n", "3", "--oversubscribe", "--bind-to", "none", filepath.Join(dir, "bqskit-mpi")))
}
