package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"runtime/pprof"
	"syscall"
	"time"

	"github.com/spf13/pflag"

	"github.com/bqskit-mpi/bqskit-mpi/bench/runtime/rtbench"
	"github.com/bqskit-mpi/bqskit-mpi/hierarchy"
)

type options struct {
	mode       string
	benches    []string
	managers   int
	workers    int
	slots      int
	tasks      int
	nested     string
	roundtrips int
	reps       int
	cpuprofile string
}

func main() {
	var o options
	fs := pflag.NewFlagSet("bench-runtime", pflag.ContinueOnError)
	fs.StringVar(&o.mode, "mode", "embedded", "runtime to measure: embedded (server, managers and workers as goroutines in this process) or mpi (mpirun on this program; see BQSKIT_BENCH_* in mpi.go)")
	fs.StringSliceVar(&o.benches, "bench", []string{"empty_tasks", "nested_map", "subtask_roundtrip"}, "benchmarks to run (comma-separated): empty_tasks, nested_map, subtask_roundtrip, xrank_roundtrip (a round trip to a subtask in another process: under --mode mpi, another rank)")
	fs.IntVar(&o.managers, "managers", 1, "managers under the server")
	fs.IntVar(&o.workers, "workers", 2, "workers per manager")
	fs.IntVar(&o.slots, "slots", 1, "compute slots per worker")
	fs.IntVar(&o.tasks, "tasks", 100000, "empty tasks mapped by one root task (empty_tasks)")
	fs.StringVar(&o.nested, "nested", "1000x2", "nested_map shape PARENTSxCHILDREN")
	fs.IntVar(&o.roundtrips, "roundtrips", 20000, "subtask round trips measured (subtask_roundtrip)")
	fs.IntVar(&o.reps, "reps", 5, "repetitions of empty_tasks and nested_map; the median is reported")
	fs.StringVar(&o.cpuprofile, "cpuprofile", "", "write a CPU profile of the benchmarks to this file")
	fs.Usage = func() {
		fmt.Fprintf(os.Stderr, "Usage: bench-runtime [flags]\n\nPrints one JSON object per line per benchmark.\n\n%s", fs.FlagUsages())
	}
	if err := fs.Parse(os.Args[1:]); err != nil {
		if errors.Is(err, pflag.ErrHelp) {
			os.Exit(0)
		}
		os.Exit(2)
	}
	if err := run(context.Background(), o, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "bench-runtime:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, o options, w io.Writer) error {
	cfg := rtbench.Config{Benches: o.benches, Mode: o.mode, Workers: o.managers * o.workers,
		Tasks: o.tasks, Roundtrips: o.roundtrips, Reps: o.reps, CPUTime: cpuTime}
	if _, err := fmt.Sscanf(o.nested, "%dx%d", &cfg.Parents, &cfg.Children); err != nil || cfg.Parents < 1 || cfg.Children < 1 {
		return fmt.Errorf("--nested %q: want PARENTSxCHILDREN, e.g. 1000x2", o.nested)
	}
	switch o.mode {
	case "embedded":
	case "mpi":
		return runMPI(ctx, o, w) // mpi.go
	default:
		return fmt.Errorf("--mode %q: want embedded or mpi", o.mode)
	}
	reg := hierarchy.NewRegistry()
	if err := rtbench.Register(reg); err != nil {
		return err
	}
	rt, err := hierarchy.StartEmbedded(ctx, hierarchy.EmbeddedConfig{
		Managers: o.managers, Workers: o.workers, Slots: o.slots, Registry: reg})
	if err != nil {
		return err
	}
	defer rt.Stop()
	if o.cpuprofile != "" {
		f, err := os.Create(o.cpuprofile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	return rtbench.RunAll(ctx, rt, cfg, w)
}

// cpuTime is the CPU time (user + system) this process has used so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// round rounds to the nearest integer.
func round(x float64) float64 { return math.Round(x) }
