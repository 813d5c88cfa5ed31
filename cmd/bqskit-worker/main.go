package main

import (
	"context"
	"errors"
	"io"
	"strconv"

	"go.uber.org/zap"

	"github.com/bqskit-mpi/bqskit-mpi/cli"
	"github.com/bqskit-mpi/bqskit-mpi/detached"
	"github.com/bqskit-mpi/bqskit-mpi/pinning"
)

func main() {
	// OpenBLAS reads its thread count when loaded: re-run with it set
	// (the process keeps its PID). A failure only costs threads.
	_ = pinning.EnsureBLASThreads()
	cli.Main(run)
}

type options struct {
	cfg  detached.WorkerConfig
	cpus string
	log  cli.Logging
}

const usage = `Usage: bqskit-worker N [--cpus SPEC] [--port P] [-v]

Runs N workers in this process and connects them to the bqskit-manager on this
host that was started with -x (bqskit-manager -x -n TOTAL waits for TOTAL workers).
Start groups of workers with their own environment, e.g. one GPU each:
  CUDA_VISIBLE_DEVICES=0 BQSKIT_WORKER_LABEL=gpu0 bqskit-worker 4 &
  CUDA_VISIBLE_DEVICES=1 BQSKIT_WORKER_LABEL=gpu1 bqskit-worker 4 &
$BQSKIT_WORKER_LABEL is shown in the server's tree lines. The workers exit 0 when
the server shuts the runtime down, and non-zero (one log line) when their manager
disappears. The cluster token must be the manager's (--token-file, $BQSKIT_MPI_TOKEN).

Flags:
`

func newCommand(o *options) *cli.Command {
	c := cli.New("bqskit-worker", usage)
	fs := c.Flags
	fs.StringVar(&o.cpus, "cpus", "none", "pin this process: auto (N cores of those allowed, by the launcher's node-local rank), a list/range such as 0-3,8 (exactly these cores), or none")
	fs.IntVarP(&o.cfg.Port, "port", "p", detached.DefaultWorkerPort, "the manager's worker port (bqskit-manager -w) on 127.0.0.1")
	o.cfg.Links.AddFlags(fs, true, "keep retrying to reach the manager for this long")
	o.log.AddFlags(fs)
	return c
}

func parseArgs(args []string, stdout io.Writer) (*options, error) {
	o := &options{}
	c := newCommand(o)
	if err := c.Parse(args, stdout); err != nil {
		return nil, err
	}
	if c.Flags.NArg() != 1 {
		return nil, cli.Usagef("want one argument, the number of workers (got %d)", c.Flags.NArg())
	}
	n, err := strconv.Atoi(c.Flags.Arg(0))
	if err != nil || n < 1 {
		return nil, cli.Usagef("number of workers %q: want a whole number of at least 1", c.Flags.Arg(0))
	}
	o.cfg.Workers = n
	if o.cfg.Port < 1 || o.cfg.Port > 65535 {
		return nil, cli.Usagef("--port: want 1 to 65535, got %d", o.cfg.Port)
	}
	if o.cfg.CPUs, err = pinning.Parse(o.cpus); err != nil {
		return nil, cli.Usagef("--cpus: %w", err)
	}
	return o, errors.Join(o.cfg.Links.Check(), o.log.Check())
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	o, err := parseArgs(args, stdout)
	if err != nil {
		return cli.Exit("bqskit-worker", err, stderr)
	}
	log := o.log.Logger("bqskit-worker", stderr).With(zap.String("role", "worker"))
	defer log.Sync() //nolint:errcheck // stderr sync errors are not actionable
	o.cfg.Logger = log
	return cli.Exit("bqskit-worker", detached.RunWorker(ctx, o.cfg), stderr)
}
