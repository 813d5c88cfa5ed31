package detached_test

import (
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/bqskit-mpi/bqskit-mpi/pinning"
)

// Two managers (-n 1 each, one bqskit-worker process spawned by each) and
// a server given both addresses in one comma-separated argument: qft5 at
// level 2 compiles and verifies; SIGINT to the server ends every process
// with status 0 within 5 s.
func TestLoopbackTwoManagers(t *testing.T) {
	c := newCluster(t, 10*time.Second)
	_, a1 := c.manager("-n", "1")
	_, a2 := c.manager("-n", "1")
	c.serve(a1 + "," + a2)
	if got := len(c.workers()); got != 2 || len(c.nodes) != 4 {
		t.Fatalf("tree of %d nodes with %d workers, want 4 and 2: %+v", len(c.nodes), got, c.nodes)
	}
	took := c.compile(c.dial(), "qft5.qasm", 2)
	t.Logf("qft5 -O2 over two managers: %v", took.Round(time.Millisecond))
	c.shutdown()
}

// A three-level tree: a manager started with -m over two managers (the
// addresses as separate arguments), the server started before any manager
// (it retries until they are up).
func TestLoopbackThreeLevels(t *testing.T) {
	c := newCluster(t, 10*time.Second)
	port := freePort(t)
	// The server first: it waits for the top manager.
	saf := c.startServer("127.0.0.1:" + strconv.Itoa(port))
	_, a1 := c.manager("-n", "1")
	_, a2 := c.manager("-n", "1")
	af := c.file("top-addr")
	argv := append([]string{bin(t, "bqskit-manager"), "-p", strconv.Itoa(port), "--address-file", af, "-v"}, c.hbFlag...)
	c.procs = append(c.procs, startProc(t, "bqskit-manager (top)", c.env, append(argv, "-m", a1, a2)...))
	c.waitServer(saf)
	managers := 0
	for _, n := range c.nodes {
		if n.role == "manager" {
			managers++
		}
	}
	if managers != 3 || len(c.workers()) != 2 {
		t.Fatalf("tree %+v: want 3 managers and 2 workers", c.nodes)
	}
	if !strings.Contains(c.server.out.String(), "depth 3") {
		t.Errorf("start-up line does not say depth 3:\n%s", c.server.out)
	}
	took := c.compile(c.dial(), "qft5.qasm", 2)
	t.Logf("qft5 -O2 over a 3-level tree: %v", took.Round(time.Millisecond))
	c.shutdown()
}

// -x: the manager waits for two bqskit-worker processes started with
// different environments; the tree the server prints tells which process
// (pid) has which BQSKIT_WORKER_LABEL.
func TestOnlyConnectWorkersWithLabels(t *testing.T) {
	c := newCluster(t, 10*time.Second)
	wport := strconv.Itoa(freePort(t))
	_, a := c.manager("-x", "-n", "2", "-w", wport)
	allowed, err := pinning.Allowed()
	if err != nil {
		t.Fatal(err)
	}
	core := strconv.Itoa(allowed[len(allowed)-1])
	wa := c.worker([]string{"BQSKIT_WORKER_LABEL=alpha", "CUDA_VISIBLE_DEVICES=0"}, "1", "-p", wport, "--cpus", core)
	wb := c.worker([]string{"BQSKIT_WORKER_LABEL=beta", "CUDA_VISIBLE_DEVICES=1"}, "1", "-p", wport)
	c.serve(a)
	labels := map[int]string{}
	for _, n := range c.workers() {
		labels[n.pid] = n.label
	}
	if labels[wa.pid()] != "alpha" || labels[wb.pid()] != "beta" || len(labels) != 2 {
		t.Fatalf("worker labels by pid %v; want %d=alpha %d=beta", labels, wa.pid(), wb.pid())
	}
	// --cpus pinned every thread of worker alpha.
	if got, err := pinning.AllowedOf(wa.pid()); err != nil || pinning.FormatList(got) != core {
		t.Errorf("worker pinned with --cpus %s runs on %v (%v)", core, got, err)
	}
	c.compile(c.dial(), "qft5.qasm", 2)
	c.shutdown()
}

// A link with another token is refused: the server gives up with a clear
// error, the manager logs the rejected connection and keeps waiting.
func TestWrongTokenRejected(t *testing.T) {
	c := newCluster(t, 10*time.Second)
	m, a := c.manager("-n", "1")
	s := startProc(t, "bqskit-server", []string{"BQSKIT_MPI_TOKEN=another-token-of-the-right-length"}, bin(t, "bqskit-server"),
		"--bind", "127.0.0.1", "-p", "0", "--connect-timeout", "20s", a)
	if code := s.wait(30 * time.Second); code == 0 {
		t.Fatalf("server with the wrong token exited 0:\n%s", s.out)
	}
	if !strings.Contains(s.out.String(), "authentication") {
		t.Errorf("server output does not name the authentication failure:\n%s", s.out)
	}
	for deadline := time.Now().Add(10 * time.Second); !strings.Contains(m.out.String(), "rejected connection"); {
		if time.Now().After(deadline) {
			t.Fatalf("manager did not log the rejected connection:\n%s", m.out)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if m.exited() {
		t.Fatalf("manager exited after a rejected connection:\n%s", m.out)
	}
	m.signal(syscall.SIGINT)
	if code := m.wait(5 * time.Second); code != 0 {
		t.Errorf("manager exit status %d after SIGINT", code)
	}
}

// A manager and worker whose server is killed exit by themselves,
// non-zero, with the reason on one line.
func TestParentLostNoOrphans(t *testing.T) {
	c := newCluster(t, 10*time.Second)
	m, a := c.manager("-n", "1")
	c.serve(a)
	pids := []int{}
	for _, n := range c.nodes {
		pids = append(pids, n.pid)
	}
	c.server.signal(syscall.SIGKILL)
	if code := m.wait(10 * time.Second); code == 0 {
		t.Errorf("manager exit status 0 after its parent was killed")
	}
	if left := waitGone(pids, 5*time.Second); len(left) > 0 {
		t.Fatalf("still running after the server was killed: %v", left)
	}
	if !strings.Contains(m.out.String(), "bqskit-manager: detached: parent lost") {
		t.Errorf("manager's last words do not say its parent was lost:\n%s", m.out)
	}
}
