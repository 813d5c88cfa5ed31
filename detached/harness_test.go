package detached_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/bqskit-mpi/bqskit-mpi/client"
	"github.com/bqskit-mpi/bqskit-mpi/protocol"
	"github.com/bqskit-mpi/bqskit-mpi/service/servicetest"
)

// The process-level tests run the real commands: bqskit-server,
// bqskit-manager, bqskit-worker (and bqskit-compile as a client), built
// once into a temporary directory, or taken from $BQSKIT_MPI_BIN.

var (
	buildOnce sync.Once
	binDir    string
	buildErr  error
	tmpBin    string
)

func TestMain(m *testing.M) {
	code := m.Run()
	if tmpBin != "" {
		os.RemoveAll(tmpBin)
	}
	if code == 0 {
		if err := goleak.Find(); err != nil {
			fmt.Fprintln(os.Stderr, "goleak:", err)
			code = 1
		}
	}
	os.Exit(code)
}

func bin(t testing.TB, name string) string {
	t.Helper()
	buildOnce.Do(func() {
		if d := os.Getenv("BQSKIT_MPI_BIN"); d != "" {
			binDir = d
			return
		}
		tmpBin, buildErr = os.MkdirTemp("", "bqskit-detached-test-")
		if buildErr != nil {
			return
		}
		binDir = tmpBin
		args := []string{"build", "-o", binDir + "/"}
		if tags := os.Getenv("BQSKIT_GO_TAGS"); tags != "" {
			args = append(args, "-tags", tags)
		}
		args = append(args, "./cmd/bqskit-server", "./cmd/bqskit-manager", "./cmd/bqskit-worker", "./cmd/bqskit-compile")
		cmd := exec.Command("go", args...)
		cmd.Dir = ".."
		if out, err := cmd.CombinedOutput(); err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	p := filepath.Join(binDir, name)
	if _, err := os.Stat(p); err != nil {
		t.Fatalf("%s: %v (BQSKIT_MPI_BIN=%q)", name, err, os.Getenv("BQSKIT_MPI_BIN"))
	}
	return p
}

// proc is one command started by a test.
type proc struct {
	t        testing.TB
	name     string
	cmd      *exec.Cmd
	out      *servicetest.SyncBuffer
	done     chan struct{}
	exitedAt time.Time
}

// startProc runs argv (argv[0] a program) with the test's environment
// plus env. The process is killed at the end of the test if still there.
func startProc(t testing.TB, name string, env []string, argv ...string) *proc {
	t.Helper()
	p := &proc{t: t, name: name, out: &servicetest.SyncBuffer{}, done: make(chan struct{})}
	p.cmd = exec.Command(argv[0], argv[1:]...)
	p.cmd.Env = append(os.Environ(), env...)
	p.cmd.Stdout, p.cmd.Stderr = p.out, p.out
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		_ = p.cmd.Wait()
		p.exitedAt = time.Now()
		close(p.done)
	}()
	t.Cleanup(func() {
		select {
		case <-p.done:
		default:
			_ = p.cmd.Process.Kill()
			<-p.done
		}
		if t.Failed() {
			t.Logf("--- %s (pid %d) output:\n%s", p.name, p.cmd.Process.Pid, p.out)
		}
	})
	return p
}

func (p *proc) pid() int { return p.cmd.Process.Pid }

func (p *proc) signal(s syscall.Signal) {
	if err := p.cmd.Process.Signal(s); err != nil {
		p.t.Fatalf("%s: %v", p.name, err)
	}
}

// wait waits up to d for the process to exit and returns its exit code
// (-1 when killed by a signal); it fails the test on timeout.
func (p *proc) wait(d time.Duration) int {
	p.t.Helper()
	select {
	case <-p.done:
		return p.cmd.ProcessState.ExitCode()
	case <-time.After(d):
		p.t.Fatalf("%s (pid %d) still running after %v", p.name, p.pid(), d)
		return 0
	}
}

func (p *proc) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// gone reports whether pid no longer runs (never existed, reaped, or a
// zombie).
func gone(pid int) bool {
	if err := syscall.Kill(pid, 0); errors.Is(err, syscall.ESRCH) {
		return true
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return true
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	return i > 0 && i+2 < len(s) && s[i+2] == 'Z'
}

// waitGone waits up to d for every pid to be gone; it returns those left.
func waitGone(pids []int, d time.Duration) []int {
	deadline := time.Now().Add(d)
	for {
		var left []int
		for _, p := range pids {
			if !gone(p) {
				left = append(left, p)
			}
		}
		if len(left) == 0 || time.Now().After(deadline) {
			return left
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// treeNode is one "tree:" line of the server.
type treeNode struct {
	id     int
	role   string
	host   string
	pid    int
	label  string
	parent int
}

// cluster is a detached runtime started by a test: its processes share
// the cluster token through $BQSKIT_MPI_TOKEN.
type cluster struct {
	t        testing.TB
	dir      string
	token    string
	env      []string // every process's extra environment
	procs    []*proc
	server   *proc
	addr     string
	nodes    []treeNode
	hbFlag   []string
	nextFile int
}

func newCluster(t testing.TB, heartbeat time.Duration) *cluster {
	c := &cluster{t: t, dir: t.TempDir(), token: "detached-test-token-" + strconv.Itoa(os.Getpid())}
	c.env = []string{protocol.TokenEnv + "=" + c.token, "OPENBLAS_NUM_THREADS=1", "BQSKIT_WORKER_LABEL="}
	c.hbFlag = []string{"--heartbeat-deadline", heartbeat.String()}
	return c
}

func (c *cluster) file(prefix string) string {
	c.nextFile++
	return filepath.Join(c.dir, fmt.Sprintf("%s-%d", prefix, c.nextFile))
}

// manager starts bqskit-manager with args on loopback ports and returns it
// with the address its parent connects to.
func (c *cluster) manager(args ...string) (*proc, string) {
	c.t.Helper()
	af := c.file("manager-addr")
	argv := append([]string{bin(c.t, "bqskit-manager"), "-p", "0", "--address-file", af, "-v"}, c.hbFlag...)
	if !hasFlag(args, "-w") {
		argv = append(argv, "-w", "0")
	}
	p := startProc(c.t, "bqskit-manager", c.env, append(argv, args...)...)
	c.procs = append(c.procs, p)
	a := servicetest.WaitAddressFile(c.t, af, 30*time.Second, p.done, p.out)
	_, port, err := net.SplitHostPort(a)
	if err != nil {
		c.t.Fatal(err)
	}
	return p, net.JoinHostPort("127.0.0.1", port)
}

func hasFlag(args []string, f string) bool {
	for _, a := range args {
		if a == f {
			return true
		}
	}
	return false
}

// worker starts bqskit-worker with extra environment env.
func (c *cluster) worker(env []string, args ...string) *proc {
	argv := append([]string{bin(c.t, "bqskit-worker"), "-v"}, c.hbFlag...)
	p := startProc(c.t, "bqskit-worker", append(append([]string{}, c.env...), env...), append(argv, args...)...)
	c.procs = append(c.procs, p)
	return p
}

// serve starts bqskit-server over managers and waits until it serves
// clients; it reads the tree lines.
func (c *cluster) serve(managers ...string) {
	c.t.Helper()
	c.waitServer(c.startServer(managers...))
}

// startServer starts bqskit-server; waitServer waits until it serves.
func (c *cluster) startServer(managers ...string) string {
	c.t.Helper()
	af, pf := c.file("server-addr"), c.file("server-pid")
	argv := append([]string{bin(c.t, "bqskit-server"), "--bind", "127.0.0.1", "-p", "0", "--address-file", af, "--pid-file", pf, "-v"}, c.hbFlag...)
	c.server = startProc(c.t, "bqskit-server", c.env, append(argv, managers...)...)
	return af
}

func (c *cluster) waitServer(addressFile string) {
	c.t.Helper()
	c.addr = servicetest.WaitAddressFile(c.t, addressFile, 90*time.Second, c.server.done, c.server.out)
	out := servicetest.WaitOutput(c.t, c.server.out, "serving clients on "+c.addr, 30*time.Second, c.server.done)
	c.nodes = parseTree(c.t, out)
}

func parseTree(t testing.TB, out string) []treeNode {
	t.Helper()
	var nodes []treeNode
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		rest, ok := strings.CutPrefix(sc.Text(), "bqskit-server: tree: node ")
		if !ok {
			continue
		}
		f := strings.Fields(rest)
		n := treeNode{parent: -1}
		n.id, _ = strconv.Atoi(f[0])
		n.role = f[1]
		for _, kv := range f[2:] {
			k, v, _ := strings.Cut(kv, "=")
			switch k {
			case "host":
				n.host = v
			case "pid":
				n.pid, _ = strconv.Atoi(v)
			case "label":
				n.label = v
			case "parent":
				n.parent, _ = strconv.Atoi(v)
			}
		}
		nodes = append(nodes, n)
	}
	if len(nodes) == 0 {
		t.Fatalf("no tree lines in the server's output:\n%s", out)
	}
	return nodes
}

// workers returns the tree's worker nodes.
func (c *cluster) workers() []treeNode {
	var out []treeNode
	for _, n := range c.nodes {
		if n.role == "worker" {
			out = append(out, n)
		}
	}
	return out
}

func (c *cluster) dial() *client.Client {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cl, err := client.Dial(ctx, c.addr, client.WithToken(c.token))
	if err != nil {
		c.t.Fatal(err)
	}
	c.t.Cleanup(func() { cl.Close() })
	return cl
}

// compile compiles the benchmark circuit name at level and verifies the
// result; it returns how long the compile took.
func (c *cluster) compile(cl *client.Client, name string, level int) time.Duration {
	c.t.Helper()
	src := servicetest.Circuit(c.t, name)
	seed := uint64(3)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	start := time.Now()
	res, err := cl.Compile(ctx, &protocol.SubmitRequest{QASM: src, Filename: name, OptimizationLevel: level, Seed: &seed})
	took := time.Since(start)
	if err != nil {
		c.t.Fatalf("compile %s -O%d: %v", name, level, err)
	}
	servicetest.Verify(c.t, src, res.QASM)
	return took
}

// shutdown sends SIGINT to the server and checks that every process of
// the tree (started by the test or spawned by managers) exits within 5 s,
// those started by the test with status 0, except the ones in lost.
func (c *cluster) shutdown(lost ...*proc) {
	c.t.Helper()
	var pids []int
	for _, n := range c.nodes {
		pids = append(pids, n.pid)
	}
	start := time.Now()
	c.server.signal(syscall.SIGINT)
	if code := c.server.wait(5 * time.Second); code != 0 {
		c.t.Errorf("server exit status %d after SIGINT", code)
	}
	if left := waitGone(pids, 5*time.Second-time.Since(start)); len(left) > 0 {
		c.t.Errorf("processes still running 5 s after SIGINT to the server: %v", left)
	}
	for _, p := range c.procs {
		if p.exited() && p.exitedAt.Sub(start) > 5*time.Second {
			c.t.Errorf("%s (pid %d) exited %v after SIGINT", p.name, p.pid(), p.exitedAt.Sub(start))
		}
		if !p.exited() {
			continue // reported by waitGone
		}
		if slicesContains(lost, p) {
			continue
		}
		if code := p.cmd.ProcessState.ExitCode(); code != 0 {
			c.t.Errorf("%s (pid %d) exit status %d after SIGINT to the server", p.name, p.pid(), code)
		}
		if strings.Contains(p.out.String(), "killing it") || strings.Contains(p.out.String(), "worker process ended") && strings.Contains(p.out.String(), "exit status") {
			c.t.Errorf("%s reports a spawned worker that failed:\n%s", p.name, p.out)
		}
	}
	c.t.Logf("SIGINT to the server: every process gone after %v", time.Since(start).Round(time.Millisecond))
}

func slicesContains(ps []*proc, p *proc) bool {
	for _, q := range ps {
		if q == p {
			return true
		}
	}
	return false
}

// freePort returns a loopback port that was free a moment ago.
func freePort(t testing.TB) int {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}
