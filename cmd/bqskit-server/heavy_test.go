//go:build heavy

package main

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bqskit-mpi/bqskit-mpi/client"
	"github.com/bqskit-mpi/bqskit-mpi/compiler"
	"github.com/bqskit-mpi/bqskit-mpi/protocol"
	"github.com/bqskit-mpi/bqskit-mpi/qasm"
	"github.com/bqskit-mpi/bqskit-mpi/service/servicetest"
)

func heavyServer(t *testing.T, extra ...string) (string, string) {
	tokenFile := filepath.Join(t.TempDir(), "token")
	t.Setenv(protocol.TokenEnv, "")
	addr, _, _ := startServer(t, append([]string{"--workers", "2", "--token-file", tokenFile}, extra...)...)
	tok, err := os.ReadFile(tokenFile)
	if err != nil {
		t.Fatal(err)
	}
	return addr, strings.TrimSpace(string(tok))
}

func waitRunning(t *testing.T, c *client.Client, task string) {
	t.Helper()
	for {
		st, err := c.Status(context.Background(), task)
		if err != nil {
			t.Fatal(err)
		}
		if st == protocol.StatusRunning {
			return
		}
		if st.Terminal() {
			t.Fatalf("task ended (%s) before it could be cancelled", st)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestHeavyGoClientAcceptance(t *testing.T) {
	addr, tok := heavyServer(t)
	ctx := context.Background()
	var progress int
	var mu sync.Mutex
	c, err := client.Dial(ctx, addr, client.WithToken(tok),
		client.WithProgressHandler(func(protocol.ProgressEvent) { mu.Lock(); progress++; mu.Unlock() }))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()

	// qft5 at level 2: status goes queued/running -> done; result twice.
	qft5 := servicetest.Circuit(t, "qft5.qasm")
	seed := uint64(7)
	task, err := c.Submit(ctx, &protocol.SubmitRequest{QASM: qft5, Filename: "qft5.qasm", OptimizationLevel: 2, Seed: &seed, RequestData: true})
	if err != nil {
		t.Fatal(err)
	}
	var seen []protocol.TaskStatus
	for {
		st, err := c.Status(ctx, task)
		if err != nil {
			t.Fatal(err)
		}
		if len(seen) == 0 || seen[len(seen)-1] != st {
			seen = append(seen, st)
		}
		if st.Terminal() {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Logf("qft5 level 2 statuses: %v", seen)
	if seen[len(seen)-1] != protocol.StatusDone || (seen[0] != protocol.StatusQueued && seen[0] != protocol.StatusRunning) {
		t.Fatalf("statuses %v", seen)
	}
	r1, err := c.Result(ctx, task)
	if err != nil {
		t.Fatal(err)
	}
	r2, err := c.Result(ctx, task)
	if err != nil || r2.QASM != r1.QASM || string(r2.Data) != string(r1.Data) {
		t.Fatalf("second result differs (%v)", err)
	}
	servicetest.Verify(t, qft5, r1.QASM)
	var data compiler.PassData
	if err := json.Unmarshal(r1.Data, &data); err != nil || len(data.Stages) == 0 {
		t.Fatalf("pass data %s: %v", r1.Data, err)
	}
	mu.Lock()
	t.Logf("qft5 level 2: %d progress events, stages %+v, error bound %g", progress, data.Stages, data.ErrorBound)
	mu.Unlock()

	// Cancel a long compile (hub18 at level 3), then compile again.
	hub18 := servicetest.Circuit(t, "hub18.qasm")
	long, err := c.Submit(ctx, &protocol.SubmitRequest{QASM: hub18, OptimizationLevel: 3})
	if err != nil {
		t.Fatal(err)
	}
	waitRunning(t, c, long)
	time.Sleep(300 * time.Millisecond)
	start := time.Now()
	st, err := c.Cancel(ctx, long)
	cancelTook := time.Since(start)
	if err != nil || st != protocol.StatusCancelled {
		t.Fatalf("cancel: %s %v", st, err)
	}
	if _, err := c.Result(ctx, long); !errors.Is(err, protocol.ErrCancelled) {
		t.Fatalf("result of the cancelled task: %v", err)
	}
	start = time.Now()
	res, err := c.Compile(ctx, &protocol.SubmitRequest{QASM: qft5, OptimizationLevel: 1})
	if err != nil {
		t.Fatal(err)
	}
	servicetest.Verify(t, qft5, res.QASM)
	t.Logf("cancel of hub18 level 3 answered in %v; next compile (qft5 level 1) took %v", cancelTook, time.Since(start))
}

// raw speaks the protocol by hand.
type raw struct {
	t  *testing.T
	nc net.Conn
}

func dialRaw(t *testing.T, addr string) *raw {
	nc, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { nc.Close() })
	return &raw{t, nc}
}

func (r *raw) send(b []byte) {
	if _, err := r.nc.Write(b); err != nil {
		r.t.Fatal(err)
	}
}

func (r *raw) frame(s string) { r.send(protocol.AppendFrame(nil, []byte(s))) }

// answer returns the next non-event message.
func (r *raw) answer() *protocol.ServerMessage {
	r.nc.SetReadDeadline(time.Now().Add(30 * time.Second))
	for {
		body, err := protocol.ReadFrame(r.nc, protocol.DefaultMaxFrame)
		if err != nil {
			r.t.Fatalf("read: %v", err)
		}
		var m protocol.ServerMessage
		if err := json.Unmarshal(body, &m); err != nil {
			r.t.Fatal(err)
		}
		if m.Type != protocol.TypeLog && m.Type != protocol.TypeProgress {
			return &m
		}
	}
}

func TestHeavyBadInputRealServer(t *testing.T) {
	addr, tok := heavyServer(t, "--hello-timeout", "300ms", "--max-frame-mib", "1")
	qft5 := servicetest.Circuit(t, "qft5.qasm")
	hello := fmt.Sprintf(`{"type":"hello","protocol":1,"token":%q}`, tok)
	rng := rand.New(rand.NewPCG(7, 7))
	garbage := make([]byte, 256)
	for i := range garbage {
		garbage[i] = byte(rng.UintN(256))
	}
	quote := func(s string) string { b, _ := json.Marshal(s); return string(b) }
	hub18 := servicetest.Circuit(t, "hub18.qasm")
	tests := []struct {
		name  string
		hello bool
		send  func(r *raw)
		code  protocol.Code
	}{
		{"wrong token", false, func(r *raw) { r.frame(`{"type":"hello","protocol":1,"token":"x"}`) }, protocol.CodeAuth},
		{"no hello", false, func(r *raw) { r.frame(`{"type":"status","id":1,"task":"0.1"}`) }, protocol.CodeNoHello},
		{"wrong protocol version", false, func(r *raw) { r.frame(strings.Replace(hello, `"protocol":1`, `"protocol":9`, 1)) }, protocol.CodeProtocolVersion},
		{"frame over the limit", true, func(r *raw) { r.send(binary.BigEndian.AppendUint32(nil, 2<<20)) }, protocol.CodeFrameTooLarge},
		{"256 random bytes", false, func(r *raw) { r.send(garbage) }, protocol.CodeFrameTooLarge},
		{"invalid JSON", true, func(r *raw) { r.frame(`{"type":"submit","id":1,`) }, protocol.CodeBadJSON},
		{"unknown request type", true, func(r *raw) { r.frame(`{"type":"explode","id":1}`) }, protocol.CodeUnknownType},
		{"invalid QASM", true, func(r *raw) {
			r.frame(`{"type":"submit","id":1,"filename":"bad.qasm","qasm":"OPENQASM 2.0;\nqreg q[2];\ncx q[0] q[1];\n"}`)
		}, protocol.CodeInvalidCircuit},
		{"unknown pass", true, func(r *raw) {
			r.frame(`{"type":"submit","id":1,"qasm":` + quote(qft5) + `,"workflow":[{"pass":"frobnicate"}]}`)
		}, protocol.CodeUnknownPass},
		{"silent connection", false, func(r *raw) {}, protocol.CodeNoHello},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := dialRaw(t, addr)
			if tc.hello {
				r.frame(hello)
				if m := r.answer(); m.Type != protocol.TypeWelcome {
					t.Fatalf("hello: %+v", m.Error)
				}
			}
			tc.send(r)
			m := r.answer()
			if m.Type != protocol.TypeError || m.Error.Code != tc.code || m.Error.Message == "" {
				t.Fatalf("got %s %+v, want error %s", m.Type, m.Error, tc.code)
			}
			if tc.code == protocol.CodeInvalidCircuit && (m.Error.Line != 3 || m.Error.Col == 0 || !strings.Contains(m.Error.Message, "bad.qasm:3:")) {
				t.Errorf("invalid QASM error without its location: %+v", m.Error)
			}
			t.Logf("%s -> %s: %s", tc.name, m.Error.Code, m.Error.Message)
			// The server still serves the next client.
			c, err := client.Dial(context.Background(), addr, client.WithToken(tok))
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			if _, err := c.Status(context.Background(), "0.999999"); !errors.Is(err, protocol.ErrUnknownTask) {
				t.Fatalf("next client: %v", err)
			}
		})
	}
	t.Run("disconnect mid-compile", func(t *testing.T) {
		r := dialRaw(t, addr)
		r.frame(hello)
		r.answer()
		r.frame(`{"type":"submit","id":1,"qasm":` + quote(hub18) + `,"optimization_level":3}`)
		if m := r.answer(); m.Type != protocol.TypeReply {
			t.Fatalf("submit: %+v", m.Error)
		}
		time.Sleep(500 * time.Millisecond)
		r.nc.Close()
		// Both workers are free again: a compile needing them finishes.
		c, err := client.Dial(context.Background(), addr, client.WithToken(tok))
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		start := time.Now()
		res, err := c.Compile(context.Background(), &protocol.SubmitRequest{QASM: qft5})
		if err != nil {
			t.Fatal(err)
		}
		servicetest.Verify(t, qft5, res.QASM)
		t.Logf("compile after a disconnect mid-compile took %v", time.Since(start))
	})
}

// smallCircuit is a seeded random 3-qubit circuit.
func smallCircuit(rng *rand.Rand) string {
	var b strings.Builder
	b.WriteString("OPENQASM 2.0;\ninclude \"qelib1.inc\";\nqreg q[3];\n")
	for range 8 {
		switch rng.IntN(3) {
		case 0:
			a := rng.IntN(3)
			fmt.Fprintf(&b, "cx q[%d],q[%d];\n", a, (a+1+rng.IntN(2))%3)
		case 1:
			fmt.Fprintf(&b, "rz(%g) q[%d];\n", rng.Float64()*3, rng.IntN(3))
		default:
			fmt.Fprintf(&b, "h q[%d];\n", rng.IntN(3))
		}
	}
	return b.String()
}

func rssKiB(t *testing.T) int {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Skip("no /proc/self/status")
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			n, _ := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")))
			return n
		}
	}
	return 0
}

func settle() {
	runtime.GC()
	debug.FreeOSMemory()
}

func TestHeavyConcurrentClients(t *testing.T) {
	addr, tok := heavyServer(t)
	const clients, compiles = 16, 20
	// Warm up once so that start-up allocations are not counted.
	c0, err := client.Dial(context.Background(), addr, client.WithToken(tok))
	if err != nil {
		t.Fatal(err)
	}
	warm := smallCircuit(rand.New(rand.NewPCG(0, 0)))
	if _, err := c0.Compile(context.Background(), &protocol.SubmitRequest{QASM: warm}); err != nil {
		t.Fatal(err)
	}
	c0.Close()
	settle()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	rss0, heap0 := rssKiB(t), ms.HeapInuse
	start := time.Now()
	var wg sync.WaitGroup
	var mu sync.Mutex
	var failures []string
	peak := 0
	for i := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(i), 99))
			c, err := client.Dial(context.Background(), addr, client.WithToken(tok))
			if err != nil {
				mu.Lock()
				failures = append(failures, err.Error())
				mu.Unlock()
				return
			}
			defer c.Close()
			for j := range compiles {
				src := smallCircuit(rng)
				seed := uint64(j)
				res, err := c.Compile(context.Background(), &protocol.SubmitRequest{QASM: src, Seed: &seed})
				msg := ""
				if err != nil {
					msg = err.Error()
				} else {
					a, _ := qasm.Parse("in", []byte(src))
					b, perr := qasm.Parse("out", []byte(res.QASM))
					if perr != nil {
						msg = perr.Error()
					} else if v, verr := compiler.Verify(a, b, 1); verr != nil || v.Cost > 1e-6 {
						msg = fmt.Sprintf("cost %g %v", v.Cost, verr)
					}
				}
				mu.Lock()
				if msg != "" {
					failures = append(failures, fmt.Sprintf("client %d compile %d: %s", i, j, msg))
				}
				if r := rssKiB(t); r > peak {
					peak = r
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	for _, f := range failures {
		t.Error(f)
	}
	settle()
	runtime.ReadMemStats(&ms)
	rss1, heap1 := rssKiB(t), ms.HeapInuse
	t.Logf("%d clients x %d compiles in %v (%.0f compiles/s); RSS start %d KiB, peak %d KiB, after %d KiB; heap in use %d -> %d KiB",
		clients, compiles, elapsed, float64(clients*compiles)/elapsed.Seconds(), rss0, peak, rss1, heap0>>10, heap1>>10)
	if heap1 > heap0+32<<20 {
		t.Errorf("heap in use grew from %d to %d KiB after every client left", heap0>>10, heap1>>10)
	}
}
