package main

// The "mpi" mode: the same benchmarks on the MPI runtime. The program
// launches `mpirun -n RANKS` on itself (one job per idle policy) and copies
// the JSON lines that rank 0 prints. Settings that the common flags do not
// cover come from the environment:
//
//	BQSKIT_BENCH_RANKS  ranks per job (default 4: the server and 3 workers)
//	BQSKIT_BENCH_FANOUT bqskit-mpi's --fanout (default 0: no limit)
//	BQSKIT_BENCH_IDLE   comma-separated idle policies (default sleep,yield,spin)
//	BQSKIT_BENCH_MPIRUN the mpirun command (default mpirun)
//
// --managers and --workers do not apply: the tree is what bqskit-mpi
// plans for the ranks (one host: the server and RANKS-1 workers);
// --slots is the slots per worker rank.

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"go.uber.org/zap"

	"github.com/bqskit-mpi/bqskit-mpi/bench/runtime/rtbench"
	"github.com/bqskit-mpi/bqskit-mpi/hierarchy"
	"github.com/bqskit-mpi/bqskit-mpi/mpiruntime"
	"github.com/bqskit-mpi/bqskit-mpi/transport"
)

const mpiRankEnv = "BQSKIT_BENCH_MPI_RANK"

// runMPI is --mode mpi: the launcher outside MPI, the benchmark inside.
func runMPI(ctx context.Context, o options, w io.Writer) error {
	if policy := os.Getenv(mpiRankEnv); policy != "" {
		return runMPIRank(ctx, o, w, policy)
	}
	ranks := 4
	if v := os.Getenv("BQSKIT_BENCH_RANKS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 2 {
			return fmt.Errorf("BQSKIT_BENCH_RANKS=%q: want an integer >= 2", v)
		}
		ranks = n
	}
	policies := []string{"sleep", "yield", "spin"}
	if v := os.Getenv("BQSKIT_BENCH_IDLE"); v != "" {
		policies = strings.Split(v, ",")
	}
	for _, p := range policies {
		if _, err := mpiruntime.ParseIdlePolicy(p); err != nil {
			return fmt.Errorf("BQSKIT_BENCH_IDLE: %w", err)
		}
	}
	mpirun := os.Getenv("BQSKIT_BENCH_MPIRUN")
	if mpirun == "" {
		mpirun = "mpirun"
	}
	self, err := os.Executable()
	if err != nil {
		return err
	}
	for _, p := range policies {
		args := []string{"-n", strconv.Itoa(ranks), "--oversubscribe", "--bind-to", "none", self}
		args = append(args, os.Args[1:]...)
		cmd := exec.CommandContext(ctx, mpirun, args...)
		cmd.Env = append(os.Environ(), mpiRankEnv+"="+p, "OMPI_MCA_mpi_yield_when_idle=1")
		if os.Geteuid() == 0 {
			cmd.Env = append(cmd.Env, "OMPI_ALLOW_RUN_AS_ROOT=1", "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1")
		}
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		out, err := cmd.StdoutPipe()
		if err != nil {
			return err
		}
		if err := cmd.Start(); err != nil {
			return fmt.Errorf("starting %s: %w", mpirun, err)
		}
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if line := sc.Bytes(); bytes.HasPrefix(line, []byte("{")) {
				if _, err := w.Write(append(line, '\n')); err != nil {
					return err
				}
			}
		}
		if err := cmd.Wait(); err != nil {
			return fmt.Errorf("%s -n %d (idle %s): %w\n%s", filepath.Base(mpirun), ranks, p, err, stderr.String())
		}
	}
	return nil
}

// runMPIRank runs on every rank: rank 0 is the server and runs the
// benchmarks, the others serve as workers until the shutdown.
func runMPIRank(ctx context.Context, o options, w io.Writer, policy string) error {
	idle, err := mpiruntime.ParseIdlePolicy(policy)
	if err != nil {
		return err
	}
	fanout := 0
	if v := os.Getenv("BQSKIT_BENCH_FANOUT"); v != "" {
		if fanout, err = strconv.Atoi(v); err != nil {
			return fmt.Errorf("BQSKIT_BENCH_FANOUT=%q: %w", v, err)
		}
	}
	r, err := mpiruntime.Boot(mpiruntime.Config{Fanout: fanout, Slots: o.slots, Idle: idle})
	if err != nil {
		return err
	}
	fail := func(err error) error {
		fmt.Fprintf(os.Stderr, "bench-runtime: rank %d: %v; aborting the MPI job\n", r.Rank(), err)
		r.Abort(1)
		return err
	}
	tree, err := r.Plan().Tree()
	if err != nil {
		return fail(err)
	}
	reg := hierarchy.NewRegistry()
	if err := rtbench.Register(reg); err != nil {
		return fail(err)
	}
	if r.Rank() != 0 {
		err := hierarchy.RunNode(ctx, hierarchy.NodeConfig{ID: transport.PeerID(r.Rank()), Tree: tree, Transport: r.Transport(), Registry: reg})
		if err != nil {
			return fail(err)
		}
		return finalizeBench(r)
	}
	srv, err := hierarchy.NewServer(ctx, hierarchy.ServerConfig{Tree: tree, Transport: r.Transport(), Registry: reg, Logger: zap.NewNop()})
	if err != nil {
		return fail(err)
	}
	if err := mpiBenches(ctx, o, w, srv, r, policy); err != nil {
		return fail(err)
	}
	if err := srv.Stop(); err != nil {
		return fail(err)
	}
	return finalizeBench(r)
}

func finalizeBench(r *mpiruntime.Rank) error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := r.Finalize(ctx); err != nil {
		r.Abort(1)
		return err
	}
	return nil
}

func mpiBenches(ctx context.Context, o options, w io.Writer, srv *hierarchy.Server, r *mpiruntime.Rank, policy string) error {
	var parents, children int
	if _, err := fmt.Sscanf(o.nested, "%dx%d", &parents, &children); err != nil || parents < 1 || children < 1 {
		return fmt.Errorf("--nested %q: want PARENTSxCHILDREN, e.g. 1000x2", o.nested)
	}
	enc := json.NewEncoder(w)
	base := func(bench string) map[string]any {
		return map[string]any{"bench": bench, "mode": "mpi", "ranks": r.Size(), "idle": policy,
			"workers": len(r.Plan().Workers()), "slots": o.slots, "fanout": r.Plan().Fanout, "depth": r.Plan().Depth()}
	}
	for _, b := range o.benches {
		var rec map[string]any
		switch strings.TrimSpace(b) {
		case "empty_tasks":
			var ds []time.Duration
			for range o.reps {
				d, err := rtbench.EmptyTasks(ctx, srv, o.tasks)
				if err != nil {
					return fmt.Errorf("empty_tasks: %w", err)
				}
				ds = append(ds, d)
			}
			rec = base("empty_tasks")
			rec["tasks"], rec["tasks_per_s"], rec["reps"] = o.tasks, round(float64(o.tasks)/rtbench.Median(ds).Seconds()), o.reps
		case "nested_map":
			var ds []time.Duration
			for range o.reps {
				d, err := rtbench.NestedMap(ctx, srv, parents, children)
				if err != nil {
					return fmt.Errorf("nested_map: %w", err)
				}
				ds = append(ds, d)
			}
			rec = base("nested_map")
			rec["shape"], rec["seconds"], rec["reps"] = o.nested, rtbench.Median(ds).Seconds(), o.reps
		case "subtask_roundtrip":
			ds, err := rtbench.Roundtrip(ctx, srv, o.roundtrips)
			if err != nil {
				return fmt.Errorf("subtask_roundtrip: %w", err)
			}
			us := func(d time.Duration) float64 { return round(float64(d)/1e3*100) / 100 }
			rec = base("subtask_roundtrip")
			rec["p50_us"], rec["p99_us"], rec["samples"] = us(rtbench.Quantile(ds, 0.5)), us(rtbench.Quantile(ds, 0.99)), len(ds)
		case "xrank_roundtrip":
			crossed, local, err := rtbench.CrossRoundtrip(ctx, srv, o.roundtrips)
			if err != nil {
				return fmt.Errorf("xrank_roundtrip: %w", err)
			}
			rec = base("xrank_roundtrip")
			for k, v := range rtbench.CrossRecord(crossed, local) {
				rec[k] = v
			}
		default:
			return fmt.Errorf("--bench %q: unknown benchmark (want empty_tasks, nested_map, subtask_roundtrip or xrank_roundtrip)", b)
		}
		if err := enc.Encode(rec); err != nil {
			return err
		}
	}
	// Idle CPU of the other ranks on this host (siblings: same parent
	// process and executable), measured over 2 s with nothing to do.
	time.Sleep(500 * time.Millisecond)
	pids := siblingRanks()
	if len(pids) == 0 {
		return errors.New("idle_cpu: no other rank found on this host")
	}
	c0 := make([]time.Duration, len(pids))
	for i, p := range pids {
		c0[i] = procCPU(p)
	}
	const window = 2 * time.Second
	time.Sleep(window)
	sum, worst := 0.0, 0.0
	for i, p := range pids {
		pct := 100 * float64(procCPU(p)-c0[i]) / float64(window)
		sum += pct
		worst = max(worst, pct)
	}
	rec := base("idle_cpu")
	rec["ranks_measured"], rec["cpu_percent_mean"], rec["cpu_percent_max"] = len(pids), round(sum/float64(len(pids))*10)/10, round(worst*10)/10
	return enc.Encode(rec)
}

// siblingRanks lists the other processes of this executable started by the
// same parent (mpirun's daemon starts every rank of a host).
func siblingRanks() []int {
	self, _ := os.Executable()
	ppid := os.Getppid()
	ents, _ := os.ReadDir("/proc")
	var out []int
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == os.Getpid() {
			continue
		}
		exe, err := os.Readlink(fmt.Sprintf("/proc/%d/exe", pid))
		if err != nil || exe != self {
			continue
		}
		if st, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid)); err == nil {
			f := strings.Fields(string(st[bytes.LastIndexByte(st, ')')+2:]))
			if pp, _ := strconv.Atoi(f[1]); pp == ppid {
				out = append(out, pid)
			}
		}
	}
	return out
}

// procCPU is a process's user+system CPU time (USER_HZ = 100).
func procCPU(pid int) time.Duration {
	st, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	f := strings.Fields(string(st[bytes.LastIndexByte(st, ')')+2:]))
	ut, _ := strconv.ParseInt(f[11], 10, 64)
	stime, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(ut+stime) * 10 * time.Millisecond
}
