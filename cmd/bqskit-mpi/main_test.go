package main

import (
	"errors"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/spf13/pflag"

	"github.com/bqskit-mpi/bqskit-mpi/cli"
	"github.com/bqskit-mpi/bqskit-mpi/client"
	"github.com/bqskit-mpi/bqskit-mpi/mpiruntime"
	"github.com/bqskit-mpi/bqskit-mpi/pinning"
	"github.com/bqskit-mpi/bqskit-mpi/protocol"
	"github.com/bqskit-mpi/bqskit-mpi/service/servicetest"
)

// Exit statuses.
const (
	exitOK      = cli.ExitOK
	exitFailure = cli.ExitFailure
	exitUsage   = cli.ExitUsage
)

func TestParseArgs(t *testing.T) {
	for _, tc := range []struct {
		args []string
		err  string
	}{
		{nil, ""},
		{[]string{"--fanout", "2", "--slots", "3", "--cpus", "0-1", "--idle", "spin", "-vv", "--log-format", "json"}, ""},
		{[]string{"--no-auth", "--bind", "127.0.0.1"}, ""},
		{[]string{"--no-auth"}, "--no-auth needs --bind"},
		{[]string{"--fanout", "1"}, "--fanout 1"},
		{[]string{"--slots", "0"}, "--slots 0"},
		{[]string{"--port", "70000"}, "--port: want 0 to 65535, got 70000"},
		{[]string{"--bogus"}, "unknown flag: --bogus"},
		{[]string{"--cpus", "2-x"}, `--cpus: pinning: bad cpu list "2-x"`},
		{[]string{"--idle", "nap"}, "unknown idle policy"},
		{[]string{"--log-format", "xml"}, "--log-format"},
		{[]string{"extra"}, `unexpected argument "extra"`},
		{[]string{"--chunk-bytes", "10"}, "--chunk-bytes 10"},
		{[]string{"--max-qubits", "64", "--max-gates", "100000", "--hello-timeout", "1s", "--total-queue-gates", "2000000"}, ""},
		{[]string{"--max-gates", "0"}, "--max-gates"},
		{[]string{"--session-queue-mib", "512"}, "--session-queue-mib"},
	} {
		o, err := parseArgs(tc.args, io.Discard)
		if tc.err == "" {
			if err != nil {
				t.Errorf("%q: %v", tc.args, err)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), tc.err) {
			t.Errorf("%q: error %v, want one containing %q", tc.args, err, tc.err)
		}
		_ = o
	}
	o, err := parseArgs([]string{"--idle", "yield", "--cpus", "auto", "-v", "-v"}, io.Discard)
	if err != nil || o.idle != mpiruntime.IdleYield || !o.cpuSpec.Auto || o.log.Verbose != 2 || o.endpoint.Port != protocol.DefaultPort {
		t.Errorf("parsed %+v, %v", o, err)
	}
	if _, err := parseArgs([]string{"--help"}, io.Discard); !errors.Is(err, pflag.ErrHelp) {
		t.Errorf("--help: %v", err)
	}
}

// TestMPIStartStop: four ranks start, print the tree, accept a client,
// and a SIGINT to rank 0 ends everything cleanly within 5 s.
func TestMPIStartStop(t *testing.T) {
	j := startJob(t, 4, "--fanout", "2", "-v")
	addr := j.address()
	c, err := client.Dial(ctxTimeout(t, 30*time.Second), addr, client.WithNoToken())
	if err != nil {
		t.Fatalf("client: %v\n%s", err, j.out)
	}
	defer c.Close()
	out := j.out.String()
	for _, want := range []string{
		"tree: rank 0 server host=", "children=[1 2] slots-below=2",
		"tree: rank 1 manager host=", "children=[3] slots-below=1",
		"serving clients on " + addr + " (4 ranks, 2 workers, 2 slots",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	since := j.signal0(syscall.SIGINT)
	j.checkCleanExit(since)
	out = j.out.String()
	for r := 0; r < 4; r++ {
		if !regexp.MustCompile(fmt.Sprintf(`finalised\s+\{"rank": %d, "role": "\w+", "host"`, r)).MatchString(out) {
			t.Errorf("rank %d did not log finalised:\n%s", r, out)
		}
	}
	select {
	case <-c.Done():
		if !errors.Is(c.Err(), protocol.ErrShuttingDown) {
			t.Errorf("client error %v, want ErrShuttingDown", c.Err())
		}
	case <-time.After(10 * time.Second):
		t.Error("client not told about the shutdown")
	}
}

// TestMPICpusAuto: with --cpus auto each of two ranks runs on one core of
// its own.
func TestMPICpusAuto(t *testing.T) {
	allowed, err := pinning.Allowed()
	if err != nil {
		t.Fatal(err)
	}
	if len(allowed) < 2 {
		t.Skipf("needs 2 cores, have %v", allowed)
	}
	j := startJob(t, 2, "--cpus", "auto", "-v")
	j.address()
	// Each rank pins itself and then logs it: the address file may come
	// first.
	for _, local := range []string{`"local_rank": 0}`, `"local_rank": 1}`} {
		servicetest.WaitOutput(t, j.out, local, 30*time.Second, j.done)
	}
	pids := j.rankPIDs()
	if len(pids) != 2 {
		t.Fatalf("found rank processes %v, want 2", pids)
	}
	var cores []int
	for _, pid := range pids {
		got, err := pinning.AllowedOf(pid)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 1 {
			t.Fatalf("rank pid %d allowed on %v, want one core", pid, got)
		}
		cores = append(cores, got[0])
	}
	slices.Sort(cores)
	if cores[0] == cores[1] {
		t.Errorf("both ranks on core %d", cores[0])
	}
	j.checkCleanExit(j.signal0(syscall.SIGTERM))
}

// TestMPIOneRank: a single rank cannot form a tree: a clear error, exit
// non-zero.
func TestMPIOneRank(t *testing.T) {
	j := startJob(t, 1)
	err, _ := j.waitExit(time.Now(), 60*time.Second)
	if err == nil {
		t.Fatalf("mpirun -n 1 exited 0:\n%s", j.out)
	}
	if !strings.Contains(j.out.String(), "need at least 2 ranks") {
		t.Errorf("no clear error:\n%s", j.out)
	}
}

// TestMPIWorkerSignal: SIGTERM to a worker rank alone takes the job down
// with a log line naming the rank.
func TestMPIWorkerSignal(t *testing.T) {
	j := startJob(t, 3)
	j.address()
	rank0 := j.rank0PID()
	var worker int
	for _, pid := range j.rankPIDs() {
		if pid != rank0 {
			worker = pid
			break
		}
	}
	if worker == 0 {
		t.Fatal("no worker process found")
	}
	since := time.Now()
	if err := syscall.Kill(worker, syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	err, took := j.waitExit(since, 30*time.Second)
	if err == nil {
		t.Errorf("mpirun exited 0 after a worker was killed:\n%s", j.out)
	}
	if took > 10*time.Second {
		t.Errorf("job took %v to go down", took)
	}
	if !regexp.MustCompile(`no shutdown from the server; aborting the MPI job.*"rank": [12], "role": "worker"`).MatchString(j.out.String()) {
		t.Errorf("no clear log line for the failing rank:\n%s", j.out)
	}
	time.Sleep(500 * time.Millisecond)
	if pids := j.rankPIDs(); len(pids) > 0 {
		t.Errorf("processes left: %v", pids)
	}
}
