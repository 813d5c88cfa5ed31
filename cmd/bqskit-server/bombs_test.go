package main

import (
	"bufio"
	"context"
	"encoding/json"
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

	"github.com/bqskit-mpi/bqskit-mpi/client"
	"github.com/bqskit-mpi/bqskit-mpi/protocol"
	"github.com/bqskit-mpi/bqskit-mpi/service/servicetest"
)

// The command built once (without -race: the test watches the memory of
// the binary users run) for the tests that run it in a process of its own.
var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
)

func buildBinary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "bqskit-server-test-")
		if err != nil {
			buildErr = err
			return
		}
		binPath = filepath.Join(dir, "bqskit-server")
		if out, err := exec.Command("go", "build", "-o", binPath, ".").CombinedOutput(); err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binPath
}

// child is bqskit-server in a process of its own.
type child struct {
	cmd    *exec.Cmd
	addr   string
	token  string
	stderr *servicetest.SyncBuffer
}

func startChild(t *testing.T, args ...string) *child {
	t.Helper()
	dir := t.TempDir()
	addrFile := filepath.Join(dir, "address")
	args = append([]string{"--bind", "127.0.0.1", "--port", "0", "--address-file", addrFile}, args...)
	tok, err := protocol.NewToken()
	if err != nil {
		t.Fatal(err)
	}
	c := &child{cmd: exec.Command(buildBinary(t), args...), token: tok, stderr: &servicetest.SyncBuffer{}}
	c.cmd.Env = append(os.Environ(), protocol.TokenEnv+"="+tok, "GOMAXPROCS=2")
	c.cmd.Stderr = c.stderr
	if err := c.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() { c.cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		c.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(30 * time.Second):
			c.cmd.Process.Kill()
			<-exited
			t.Errorf("the server did not stop within 30 s of SIGTERM:\n%s", c.stderr)
		}
	})
	c.addr = servicetest.WaitAddressFile(t, addrFile, 60*time.Second, exited, c.stderr)
	return c
}

// memKiB reads a field (VmRSS, VmHWM) of the child's /proc status, in KiB.
func (c *child) memKiB(t *testing.T, field string) int {
	t.Helper()
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", c.cmd.Process.Pid))
	if err != nil {
		t.Skipf("no /proc status: %v", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), field+":"); ok {
			n, err := strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(rest), " kB"))
			if err != nil {
				t.Fatalf("%s: %q", field, rest)
			}
			return n
		}
	}
	t.Fatalf("no %s in /proc/%d/status", field, c.cmd.Process.Pid)
	return 0
}

func (c *child) dial(t *testing.T) *client.Client {
	t.Helper()
	cl, err := client.Dial(context.Background(), c.addr, client.WithToken(c.token))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cl.Close() })
	return cl
}

// nestedBomb is issue 17's 1.2 KB file: gate definitions nested 40 deep,
// each calling the one below twice (2^40 gates once expanded).
func nestedBomb() string {
	var b strings.Builder
	b.WriteString("OPENQASM 2.0;\ninclude \"qelib1.inc\";\nqreg q[2];\ngate g0 a, b { cx a, b; }\n")
	for i := 1; i <= 40; i++ {
		fmt.Fprintf(&b, "gate g%d a, b { g%d a, b; g%d b, a; }\n", i, i-1, i-1)
	}
	b.WriteString("g40 q[0], q[1];\n")
	return b.String()
}

// TestBombsRefused: the nested-gate bomb and the 91-byte broadcast bomb
// are refused quickly with their codes, eight at once too, and the
// server's peak RSS stays under 100 MB (issue 17, item 2).
func TestBombsRefused(t *testing.T) {
	srv := startChild(t, "--workers", "1")
	base := srv.memKiB(t, "VmHWM")
	c := srv.dial(t)
	bombs := []struct {
		name, src string
		code      protocol.Code
	}{
		{"nested-gate bomb", nestedBomb(), protocol.CodeTooLarge},
		{"broadcast bomb", "OPENQASM 2.0;\ninclude \"qelib1.inc\";\nqreg q[1000000];\nh q;\n", protocol.CodeTooManyQubits},
	}
	for _, b := range bombs {
		best := time.Hour
		for range 3 {
			start := time.Now()
			_, err := c.Submit(context.Background(), &protocol.SubmitRequest{QASM: b.src})
			best = min(best, time.Since(start))
			var ge *protocol.Error
			if !errors.As(err, &ge) || ge.Code != b.code || ge.Line == 0 {
				t.Fatalf("%s: got %v, want %s with a line", b.name, err, b.code)
			}
		}
		t.Logf("%s (%d bytes): refused in %v (best of 3)", b.name, len(b.src), best)
		if best > 100*time.Millisecond {
			t.Errorf("%s: refused in %v at best, want under 100 ms", b.name, best)
		}
	}
	// Eight at once, from eight clients, twice.
	var wg sync.WaitGroup
	for i := range 16 {
		cl := srv.dial(t)
		b := bombs[i%2]
		wg.Go(func() {
			if _, err := cl.Submit(context.Background(), &protocol.SubmitRequest{QASM: b.src}); !errors.Is(err, protocol.ErrTooLarge) && !errors.Is(err, protocol.ErrTooManyQubits) {
				t.Errorf("%s at once: %v", b.name, err)
			}
		})
	}
	wg.Wait()
	// The server still compiles.
	if _, err := c.Compile(context.Background(), &protocol.SubmitRequest{QASM: "OPENQASM 2.0;\ninclude \"qelib1.inc\";\nqreg q[2];\nh q[0];\ncx q[0],q[1];\n"}); err != nil {
		t.Fatal(err)
	}
	peak := srv.memKiB(t, "VmHWM")
	t.Logf("server peak RSS: %.1f MB at start, %.1f MB after the bombs", float64(base)/1024, float64(peak)/1024)
	if peak > 100*1024 {
		t.Errorf("server peak RSS %.1f MB, want under 100 MB", float64(peak)/1024)
	}
	// A circuit whose gates pass --max-gates only after half a million
	// operations is read up to the limit: it costs memory in proportion to
	// the limit (qasm/doc.go), then is refused all the same.
	atLimit := "OPENQASM 2.0;\ninclude \"qelib1.inc\";\nqreg q[1024];\n" + strings.Repeat("h q;\n", 1000)
	start := time.Now()
	if _, err := c.Submit(context.Background(), &protocol.SubmitRequest{QASM: atLimit}); !errors.Is(err, protocol.ErrTooLarge) {
		t.Fatalf("1,024,000 gates: %v", err)
	}
	t.Logf("1,024,000 gates in %d bytes: refused in %v, server peak RSS %.1f MB", len(atLimit), time.Since(start), float64(srv.memKiB(t, "VmHWM"))/1024)
}

// floodRSSBoundMB is the documented bound on the server's RSS while one
// session floods it with large submissions (PROTOCOL.md, "Limits and
// admission").
const floodRSSBoundMB = 400

// TestFloodBusy: 200 submissions of 1 MiB each from one session, sent at
// once: beyond the session's budget (16 MiB of input) they are answered
// busy, and the server's peak RSS stays under floodRSSBoundMB (issue 17,
// item 4).
func TestFloodBusy(t *testing.T) {
	srv := startChild(t, "--workers", "1")
	// Raw frames, encoded once: the test's own JSON encoding would
	// dominate the run under -race.
	nc, err := net.DialTimeout("tcp", srv.addr, 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	nc.SetDeadline(time.Now().Add(5 * time.Minute))
	br := bufio.NewReader(nc)
	recv := func() protocol.ServerMessage {
		t.Helper()
		body, err := protocol.ReadFrame(br, protocol.DefaultMaxFrame)
		if err != nil {
			t.Fatalf("read: %v", err)
		}
		var m protocol.ServerMessage
		if err := json.Unmarshal(body, &m); err != nil {
			t.Fatal(err)
		}
		return m
	}
	hello, _ := json.Marshal(protocol.Hello{Type: protocol.TypeHello, Protocol: protocol.ProtocolVersion, Token: srv.token})
	if _, err := nc.Write(protocol.AppendFrame(nil, hello)); err != nil {
		t.Fatal(err)
	}
	if m := recv(); m.Type != protocol.TypeWelcome {
		t.Fatalf("hello: %+v", m.Error)
	}
	src := servicetest.Circuit(t, "qft5.qasm")
	big, _ := json.Marshal(src + "//" + strings.Repeat("x", 1<<20-len(src)-3) + "\n")
	start := time.Now()
	sent := make(chan error, 1)
	go func() {
		bw := bufio.NewWriter(nc)
		for id := 1; id <= 200; id++ {
			body := fmt.Appendf(nil, `{"type":"submit","id":%d,"optimization_level":3,"qasm":%s}`, id, big)
			if _, err := bw.Write(protocol.AppendFrame(nil, body)); err != nil {
				sent <- err
				return
			}
		}
		sent <- bw.Flush()
	}()
	codes := map[protocol.Code]int{}
	for answered := 0; answered < 200; {
		m := recv()
		switch {
		case m.Type == protocol.TypeReply:
			codes["ok"]++
		case m.Type == protocol.TypeError && m.ID != 0:
			codes[m.Error.Code]++
		case m.Type == protocol.TypeError:
			t.Fatalf("session error: %+v", m.Error)
		default:
			continue // events
		}
		answered++
	}
	if err := <-sent; err != nil {
		t.Fatal(err)
	}
	peak := srv.memKiB(t, "VmHWM")
	t.Logf("200 submissions of 1 MiB answered in %v: %v; server peak RSS %.1f MB", time.Since(start), codes, float64(peak)/1024)
	if codes[protocol.CodeBusy] == 0 || codes["ok"] == 0 || codes["ok"]+codes[protocol.CodeBusy] != 200 {
		t.Errorf("want some admitted and the rest busy, got %v", codes)
	}
	if peak > floodRSSBoundMB*1024 {
		t.Errorf("server peak RSS %.1f MB, want under %d MB", float64(peak)/1024, floodRSSBoundMB)
	}
}
