package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/spf13/pflag"
)

func main() {
	var o options
	fs := pflag.NewFlagSet("sidebyside", pflag.ContinueOnError)
	fs.BoolVar(&o.quick, "quick", false, "the reduced run of `make bench-quick` (under 10 minutes on 2 cores)")
	fs.StringVar(&o.out, "out", "bench/results", "directory for latest.json, latest.md, the plots and the raw records")
	fs.StringVar(&o.bin, "bin", "bin", "directory holding our commands (bqskit-compile)")
	fs.StringVar(&o.rtbench, "rtbench", "bench/.build/rtbench", "the bench/runtime binary")
	fs.StringVar(&o.python, "python", "bench/.venv/bin/python", "Python of the virtual environment with bqskit==1.2.1 (empty: our side only)")
	fs.StringVar(&o.script, "script", "bench/bqskitside/side.py", "BQSKit's side")
	fs.StringVar(&o.testdata, "circuits", "testdata/circuits/bqskit", "directory of the benchmark circuits")
	fs.StringSliceVar(&o.only, "only", nil, "run only these comparisons: runtime, xrank, instantiate, compile, synthesis, scaling")
	fs.BoolVar(&o.resume, "resume", false, "keep the raw records of an interrupted run (OUT/raw.jsonl) and measure only what is missing")
	fs.IntSliceVar(&o.scalingWorkers, "scaling-workers", nil, "worker counts of the scaling comparison (default 1,2); e.g. 1,2,4,8,16,32 on a bigger machine")
	fs.StringVar(&o.scalingCircuit, "scaling-circuit", "", "circuit of the scaling comparison (default hub18; quick: adder9)")
	fs.IntSliceVar(&o.scalingRanks, "scaling-ranks", nil, "also run our scaling through MPI with these worker-rank counts (mpirun -n N+1 bqskit-mpi, then bqskit-compile --ip)")
	fs.BoolVar(&o.noBQSKit, "no-bqskit", false, "measure our side only")
	fs.Float64Var(&o.budgetScale, "budget-scale", 1, "multiply every comparison's time budget and item timeout (0: no budgets, only item timeouts)")
	fs.Usage = func() {
		fmt.Fprintf(os.Stderr, "Usage: sidebyside [--quick] [flags]\n\nRuns bqskit-mpi and BQSKit 1.2.1 alternately on the same inputs.\n\n%s", fs.FlagUsages())
	}
	if err := fs.Parse(os.Args[1:]); err != nil {
		if errors.Is(err, pflag.ErrHelp) {
			os.Exit(0)
		}
		os.Exit(2)
	}
	for _, c := range o.only {
		if !strings.Contains(" runtime xrank instantiate compile synthesis scaling ", " "+c+" ") {
			fmt.Fprintf(os.Stderr, "sidebyside: --only %q: unknown comparison\n", c)
			os.Exit(2)
		}
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, o, os.Args); err != nil {
		fmt.Fprintln(os.Stderr, "sidebyside:", err)
		os.Exit(1)
	}
}
