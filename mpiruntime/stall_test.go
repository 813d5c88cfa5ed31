package mpiruntime

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"go.uber.org/zap/zapcore"

	"github.com/bqskit-mpi/bqskit-mpi/hierarchy"
	"github.com/bqskit-mpi/bqskit-mpi/internal/sumsq"
	"github.com/bqskit-mpi/bqskit-mpi/transport"
)

// scenarioStall: rank 0 serves, the others are workers; rank 2 stops
// itself (SIGSTOP) shortly after a compile starts. The compile must finish
// on the other workers once rank 2 misses the heartbeat deadline; a second
// compile runs too; then rank 0 resumes rank 2 (SIGCONT), which stops on
// the Shutdown it was sent, and the job ends cleanly.
func scenarioStall() error {
	r, err := bootFromEnv()
	if err != nil {
		return err
	}
	dir := os.Getenv("TEST_DIR")
	hb := transport.Heartbeat{Interval: 100 * time.Millisecond, Deadline: time.Second}
	if os.Getenv("TEST_HB") == "advice" {
		hb = transport.Heartbeat{}
	}
	tree, err := r.Plan().Tree()
	if err != nil {
		return err
	}
	reg := sumsq.Registry(5 * time.Millisecond)
	me := transport.PeerID(r.Rank())
	if me != hierarchy.ServerID {
		if me == 2 {
			if err := os.WriteFile(filepath.Join(dir, "pid2"), []byte(strconv.Itoa(os.Getpid())), 0o600); err != nil {
				return err
			}
			go func() {
				// Wait for the compile to start (rank 0 creates "go").
				for {
					if _, err := os.Stat(filepath.Join(dir, "go")); err == nil {
						break
					}
					time.Sleep(5 * time.Millisecond)
				}
				time.Sleep(100 * time.Millisecond)
				_ = syscall.Kill(os.Getpid(), syscall.SIGSTOP)
			}()
		}
		err := hierarchy.RunNode(context.Background(), hierarchy.NodeConfig{ID: me, Tree: tree, Transport: r.Transport(),
			Registry: reg, Heartbeat: hb})
		_ = r.Transport().Close()
		if err != nil {
			return err
		}
		fmt.Printf("RESULT rank=%d stopped\n", me)
		return finalize(r)
	}
	srv, err := hierarchy.NewServer(context.Background(), hierarchy.ServerConfig{Tree: tree, Transport: r.Transport(),
		Registry: reg, Heartbeat: hb})
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	ses := srv.OpenSession()
	const n = 300
	want := sumsq.Want(n)
	start := time.Now()
	if err := os.WriteFile(filepath.Join(dir, "go"), nil, 0o600); err != nil {
		return err
	}
	res, err := srv.Run(ctx, ses, sumsq.Sum, sumsq.Enc(n), zapcore.InfoLevel)
	if err != nil {
		return fmt.Errorf("compile with a stalled worker: %w", err)
	}
	if got := sumsq.Value(res); got != want {
		return fmt.Errorf("sumsq(%d) = %d, want %d", n, got, want)
	}
	elapsed := time.Since(start)
	res, err = srv.Run(ctx, ses, sumsq.Sum, sumsq.Enc(10), zapcore.InfoLevel)
	if err != nil || sumsq.Value(res) != sumsq.Want(10) {
		return fmt.Errorf("compile after the stall: %v", err)
	}
	pid, err := os.ReadFile(filepath.Join(dir, "pid2"))
	if err != nil {
		return err
	}
	p, _ := strconv.Atoi(string(pid))
	if err := syscall.Kill(p, syscall.SIGCONT); err != nil {
		return fmt.Errorf("resume rank 2: %w", err)
	}
	if err := srv.Stop(); err != nil {
		return err
	}
	_ = r.Transport().Close()
	fmt.Printf("RESULT rank=0 compile=%.2fs\n", elapsed.Seconds())
	return finalize(r)
}

// A SIGSTOPped worker rank is routed around (heartbeat deadline 1 s here);
// the compile completes with the right result, and the job ends cleanly
// once the rank resumes.
func TestMPIStalledWorker(t *testing.T) {
	out := runMPI(t, 4, "stall", "TEST_DIR="+t.TempDir(), "TEST_HB="+os.Getenv("TEST_HB"))
	m := regexp.MustCompile(`RESULT rank=0 compile=([\d.]+)s`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("rank 0 did not finish:\n%s", out)
	}
	for r := 1; r < 4; r++ {
		if !strings.Contains(out, fmt.Sprintf("RESULT rank=%d stopped", r)) {
			t.Errorf("rank %d did not stop cleanly:\n%s", r, out)
		}
	}
	t.Logf("compile with one of 3 workers stalled: %s s (deadline 1 s)", m[1])
}

// scenarioIdle runs the runtime idle for TEST_IDLE_SECONDS with or without
// node heartbeats (TEST_HEARTBEAT=off) and prints each rank's CPU time.
func scenarioIdle() error {
	r, err := bootFromEnv()
	if err != nil {
		return err
	}
	secs, _ := strconv.Atoi(os.Getenv("TEST_IDLE_SECONDS"))
	var hb transport.Heartbeat // the transport's advice
	if os.Getenv("TEST_HEARTBEAT") == "off" {
		hb.Interval = -1
	}
	tree, err := r.Plan().Tree()
	if err != nil {
		return err
	}
	reg := sumsq.Registry(5 * time.Millisecond)
	me := transport.PeerID(r.Rank())
	cpu := func() time.Duration {
		var ru syscall.Rusage
		_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
		return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	}
	var c0 time.Duration
	if me != hierarchy.ServerID {
		c0 = cpu()
		err := hierarchy.RunNode(context.Background(), hierarchy.NodeConfig{ID: me, Tree: tree, Transport: r.Transport(),
			Registry: reg, Heartbeat: hb})
		c1 := cpu()
		_ = r.Transport().Close()
		if err != nil {
			return err
		}
		fmt.Printf("RESULT rank=%d cpu=%.3fs\n", me, (c1 - c0).Seconds())
		return finalize(r)
	}
	srv, err := hierarchy.NewServer(context.Background(), hierarchy.ServerConfig{Tree: tree, Transport: r.Transport(),
		Registry: reg, Heartbeat: hb})
	if err != nil {
		return err
	}
	c0 = cpu()
	time.Sleep(time.Duration(secs) * time.Second)
	if err := srv.Stop(); err != nil {
		return err
	}
	c1 := cpu()
	_ = r.Transport().Close()
	fmt.Printf("RESULT rank=0 cpu=%.3fs\n", (c1 - c0).Seconds())
	return finalize(r)
}

// TestMPIIdleHeartbeatCost measures (BQSKIT_MEASURE=1) the idle CPU of 4
// ranks with and without node heartbeats, alternating; it checks only that
// every run ends cleanly.
func TestMPIIdleHeartbeatCost(t *testing.T) {
	if os.Getenv("BQSKIT_MEASURE") == "" {
		t.Skip("measurement: set BQSKIT_MEASURE=1")
	}
	re := regexp.MustCompile(`RESULT rank=\d+ cpu=([\d.]+)s`)
	for round := range 2 {
		for _, mode := range []string{"off", "on"} {
			out := runMPI(t, 4, "idle", "TEST_IDLE_SECONDS=5", "TEST_HEARTBEAT="+mode)
			ms := re.FindAllStringSubmatch(out, -1)
			if len(ms) != 4 {
				t.Fatalf("%d ranks reported:\n%s", len(ms), out)
			}
			var sum float64
			for _, m := range ms {
				v, _ := strconv.ParseFloat(m[1], 64)
				sum += v
			}
			t.Logf("round %d heartbeats %s: CPU of 4 ranks over 5 s idle: %.3f s", round, mode, sum)
		}
	}
}
