package detached_test

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/bqskit-mpi/bqskit-mpi/service/servicetest"
)

// netns is a set of network namespaces made by a test: three "hosts"
// (10.200.0.1-3/24) whose veth pairs meet on a bridge in a fourth
// namespace. Nothing outside these namespaces is touched; they are
// removed at the end of the test.
type netns struct {
	t     *testing.T
	ip    string
	hosts []string
	all   []string
}

func (n *netns) run(args ...string) error {
	out, err := exec.Command(n.ip, args...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("ip %s: %v: %s", strings.Join(args, " "), err, strings.TrimSpace(string(out)))
	}
	return nil
}

// newNetns makes the namespaces, or skips the test saying why it cannot.
func newNetns(t *testing.T, hosts int) *netns {
	if os.Geteuid() != 0 {
		t.Skip("skipped: creating network namespaces needs root")
	}
	ip, err := exec.LookPath("ip")
	if err != nil {
		t.Skip("skipped: no ip command (Debian package iproute2)")
	}
	n := &netns{t: t, ip: ip}
	tag := strconv.Itoa(os.Getpid())
	br := "bqbr" + tag
	t.Cleanup(func() {
		for _, ns := range n.all {
			if err := n.run("netns", "del", ns); err != nil {
				t.Errorf("removing namespace %s: %v", ns, err)
			}
		}
	})
	add := func(ns string) {
		if err := n.run("netns", "add", ns); err != nil {
			t.Skipf("skipped: cannot create a network namespace: %v", err)
		}
		n.all = append(n.all, ns)
		if err := n.run("-n", ns, "link", "set", "lo", "up"); err != nil {
			t.Fatal(err)
		}
	}
	add(br)
	if err := n.run("-n", br, "link", "add", "br0", "type", "bridge"); err != nil {
		t.Skipf("skipped: cannot create a bridge: %v", err)
	}
	must := func(args ...string) {
		if err := n.run(args...); err != nil {
			t.Fatal(err)
		}
	}
	must("-n", br, "link", "set", "br0", "up")
	for i := range hosts {
		ns := fmt.Sprintf("bqh%d-%s", i, tag)
		add(ns)
		peer := fmt.Sprintf("p%d", i)
		if err := n.run("-n", ns, "link", "add", "eth0", "type", "veth", "peer", "name", peer, "netns", br); err != nil {
			t.Skipf("skipped: cannot create a veth pair: %v", err)
		}
		must("-n", br, "link", "set", peer, "master", "br0", "up")
		must("-n", ns, "addr", "add", fmt.Sprintf("10.200.0.%d/24", i+1), "dev", "eth0")
		must("-n", ns, "link", "set", "eth0", "up")
		n.hosts = append(n.hosts, ns)
	}
	return n
}

// exec returns argv run inside namespace ns.
func (n *netns) exec(ns string, argv ...string) []string {
	return append([]string{n.ip, "netns", "exec", ns}, argv...)
}

// Managers in two namespaces (default ports), the server in a third given
// their addresses as `scontrol show hostnames` would print them, a client
// (bqskit-compile) in the server's: the compile works across them, and
// SIGINT to the server ends every process.
func TestNetworkNamespaces(t *testing.T) {
	n := newNetns(t, 3)
	c := newCluster(t, 10*time.Second)
	for i := range 2 {
		p := startProc(t, fmt.Sprintf("bqskit-manager in %s", n.hosts[i]), c.env, n.exec(n.hosts[i], bin(t, "bqskit-manager"), "-n", "1", "-v")...)
		c.procs = append(c.procs, p)
	}
	af, pf := filepath.Join(c.dir, "addr"), filepath.Join(c.dir, "pid")
	c.server = startProc(t, "bqskit-server in "+n.hosts[2], c.env, n.exec(n.hosts[2], bin(t, "bqskit-server"),
		"10.200.0.1", "10.200.0.2", "--address-file", af, "--pid-file", pf, "-v")...)
	c.waitServer(af)
	if len(c.workers()) != 2 {
		t.Fatalf("tree %+v: want 2 workers", c.nodes)
	}
	out := filepath.Join(c.dir, "out.qasm")
	qft5 := filepath.Join("..", "testdata", "circuits", "bqskit", "qft5.qasm")
	cl := startProc(t, "bqskit-compile in "+n.hosts[2], c.env, n.exec(n.hosts[2], bin(t, "bqskit-compile"),
		qft5, "--ip", "10.200.0.3:7472", "-O", "2", "--seed", "3", "-o", out)...)
	if code := cl.wait(3 * time.Minute); code != 0 {
		t.Fatalf("bqskit-compile exit status %d:\n%s", code, cl.out)
	}
	res, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	servicetest.Verify(t, servicetest.Circuit(t, "qft5.qasm"), string(res))
	c.shutdown()
}
