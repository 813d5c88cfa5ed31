package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/bqskit-mpi/bqskit-mpi/mpiruntime"
	"github.com/bqskit-mpi/bqskit-mpi/service/servicetest"
)

// binPath is the bqskit-mpi binary built once for the tests that launch
// it under mpirun.
var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
)

func buildBinary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "bqskit-mpi-test-")
		if err != nil {
			buildErr = err
			return
		}
		binPath = filepath.Join(dir, "bqskit-mpi")
		out, err := exec.Command("go", "build", "-o", binPath, ".").CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binPath
}

// mpiJob is one `mpirun bqskit-mpi` started by a test.
type mpiJob struct {
	t        *testing.T
	cmd      *exec.Cmd
	out      *servicetest.SyncBuffer
	dir      string
	bin      string
	done     chan struct{}
	waitErr  error
	exitedAt time.Time
}

// startJob runs mpirun -n n bqskit-mpi with the loopback gateway, no
// token, an address file and a pid file, plus extra flags.
func startJob(t *testing.T, n int, extra ...string) *mpiJob {
	t.Helper()
	return startHostsJob(t, []host{{n: n}}, extra...)
}

// host is one app context of an MPMD mpirun: n ranks that report name as
// their host (mpiruntime.HostnameEnv; "" leaves the system's).
type host struct {
	n    int
	name string
}

// startHostsJob is startJob with one app context per host, e.g.
// mpirun -n 4 -x BQSKIT_MPI_HOSTNAME=a bqskit-mpi ... : -n 4 -x BQSKIT_MPI_HOSTNAME=b bqskit-mpi ...
// (ranks are numbered in app-context order).
func startHostsJob(t *testing.T, hosts []host, extra ...string) *mpiJob {
	t.Helper()
	mpirun, err := exec.LookPath("mpirun")
	if err != nil {
		t.Skip("mpirun not installed")
	}
	bin := buildBinary(t)
	dir := t.TempDir()
	args := []string{"--oversubscribe", "--bind-to", "none"}
	for i, h := range hosts {
		if i > 0 {
			args = append(args, ":")
		}
		args = append(args, "-n", strconv.Itoa(h.n))
		if h.name != "" {
			args = append(args, "-x", mpiruntime.HostnameEnv+"="+h.name)
		}
		args = append(args, bin, "--port", "0", "--bind", "127.0.0.1", "--no-auth",
			"--address-file", filepath.Join(dir, "addr"), "--pid-file", filepath.Join(dir, "pid"))
		args = append(args, extra...)
	}
	cmd := exec.Command(mpirun, args...)
	cmd.Env = append(os.Environ(), "OMPI_ALLOW_RUN_AS_ROOT=1", "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1",
		"OMPI_MCA_mpi_yield_when_idle=1", "OPENBLAS_NUM_THREADS=1")
	j := &mpiJob{t: t, cmd: cmd, out: &servicetest.SyncBuffer{}, dir: dir, bin: bin, done: make(chan struct{})}
	cmd.Stdout, cmd.Stderr = j.out, j.out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		j.waitErr = cmd.Wait()
		j.exitedAt = time.Now()
		close(j.done)
	}()
	t.Cleanup(func() {
		select {
		case <-j.done:
		default:
			_ = cmd.Process.Kill()
			<-j.done
		}
		for _, pid := range j.rankPIDs() {
			_ = syscall.Kill(pid, syscall.SIGKILL)
		}
	})
	return j
}

// address waits for the address file and for the start-up line that
// follows it in the output.
func (j *mpiJob) address() string {
	j.t.Helper()
	addr := servicetest.WaitAddressFile(j.t, filepath.Join(j.dir, "addr"), 60*time.Second, j.done, j.out)
	servicetest.WaitOutput(j.t, j.out, "serving clients on "+addr, 30*time.Second, j.done)
	return addr
}

func (j *mpiJob) rank0PID() int {
	j.t.Helper()
	b, err := os.ReadFile(filepath.Join(j.dir, "pid"))
	if err != nil {
		j.t.Fatal(err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil {
		j.t.Fatal(err)
	}
	return pid
}

// rankPIDs lists the running processes of this test's binary.
func (j *mpiJob) rankPIDs() []int {
	ents, _ := os.ReadDir("/proc")
	var pids []int
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if exe, err := os.Readlink(fmt.Sprintf("/proc/%d/exe", pid)); err == nil && exe == j.bin {
			pids = append(pids, pid)
		}
	}
	return pids
}

// waitExit waits for mpirun and returns how long after since it exited.
func (j *mpiJob) waitExit(since time.Time, limit time.Duration) (error, time.Duration) {
	j.t.Helper()
	select {
	case <-j.done:
	case <-time.After(limit):
		j.t.Fatalf("mpirun still running %v after the signal:\n%s", limit, j.out)
	}
	return j.waitErr, j.exitedAt.Sub(since)
}

// signal0 sends sig to rank 0 and returns when.
func (j *mpiJob) signal0(sig syscall.Signal) time.Time {
	j.t.Helper()
	if err := syscall.Kill(j.rank0PID(), sig); err != nil {
		j.t.Fatal(err)
	}
	return time.Now()
}

// checkCleanExit asserts mpirun exited 0 within 5 s of since and no rank
// process is left.
func (j *mpiJob) checkCleanExit(since time.Time) {
	j.t.Helper()
	err, took := j.waitExit(since, 20*time.Second)
	if err != nil {
		j.t.Fatalf("mpirun: %v\n%s", err, j.out)
	}
	if took > 5*time.Second {
		j.t.Errorf("mpirun exited %v after the signal, want within 5 s", took)
	}
	if pids := j.rankPIDs(); len(pids) > 0 {
		j.t.Errorf("bqskit-mpi processes left: %v", pids)
	}
	if _, err := os.Stat(filepath.Join(j.dir, "addr")); err == nil {
		j.t.Error("address file left after shutdown")
	}
}

func ctxTimeout(t *testing.T, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

// treeLines returns the "tree:" lines rank 0 printed, without the prefix,
// once at least want of them have arrived (mpirun forwards the ranks'
// output on its own schedule, possibly after the address file appears),
// or whatever arrived within 15 s.
func (j *mpiJob) treeLines(want int) []string {
	deadline := time.Now().Add(15 * time.Second)
	for {
		var out []string
		for _, l := range strings.Split(j.out.String(), "\n") {
			if _, rest, ok := strings.Cut(l, "bqskit-mpi: tree: "); ok {
				out = append(out, rest)
			}
		}
		if len(out) >= want || time.Now().After(deadline) {
			return out
		}
		time.Sleep(50 * time.Millisecond)
	}
}
