package main

import (
	"context"
	"errors"
	"io"
	"path/filepath"
	"runtime"
	"strings"

	"go.uber.org/zap"

	"github.com/bqskit-mpi/bqskit-mpi/cli"
	"github.com/bqskit-mpi/bqskit-mpi/detached"
	"github.com/bqskit-mpi/bqskit-mpi/pinning"
)

func main() { cli.Main(run) }

type options struct {
	cfg      detached.ManagerConfig
	managers []string
	log      cli.Logging
}

const usage = `Usage: bqskit-manager [-n N] [-x] [-m ADDR...] [-p 7473] [-w 7474] [-v]

Runs a manager of the detached runtime: start one on every node, then bqskit-server
with the managers' addresses. By default it spawns N bqskit-worker processes (found
next to this program, else on $PATH; they inherit the environment). With -x it waits
for N workers started by bqskit-worker instead (e.g. groups with their own
CUDA_VISIBLE_DEVICES); with -m it manages lower managers (ADDR: host or host:port,
comma or space separated; default port 7473), making a tree of any shape and depth.
It then waits for its parent (bqskit-server or a manager started with -m) on --port.
Links authenticate with the cluster token (--token-file, $BQSKIT_MPI_TOKEN); anything
else is refused with a log line. It exits 0 when the server shuts the runtime down,
and non-zero (one log line) when its parent disappears; its workers then exit too.

Flags:
`

func newCommand(o *options) *cli.Command {
	c := cli.New("bqskit-manager", usage)
	fs := c.Flags
	fs.IntVarP(&o.cfg.Workers, "num-workers", "n", defaultWorkers(), "workers to spawn, or with -x to wait for; the default is the number of CPUs this process may run on")
	fs.BoolVarP(&o.cfg.OnlyConnect, "only-connect", "x", false, "wait for workers started by bqskit-worker instead of spawning them (default: spawn)")
	fs.StringSliceVarP(&o.managers, "managers", "m", nil, "manage the lower managers at these addresses (host or host:port, default port 7473) instead of workers; more may follow as arguments (default: none, manage workers)")
	fs.IntVarP(&o.cfg.Port, "port", "p", detached.DefaultManagerPort, "port the parent connects to (0: any free port; see --address-file)")
	fs.IntVarP(&o.cfg.WorkerPort, "worker-port", "w", detached.DefaultWorkerPort, "port on 127.0.0.1 the workers connect to (0: any free port, spawned workers only)")
	fs.StringVar(&o.cfg.AddressFile, "address-file", "", "write HOST:PORT of --port (one line) to this file once listening (removed at exit; default: none)")
	o.cfg.Links.AddFlags(fs, true, "keep retrying to reach lower managers (-m), and wait for spawned workers, for this long")
	o.log.AddFlags(fs)
	return c
}

func defaultWorkers() int {
	if cpus, err := pinning.Allowed(); err == nil && len(cpus) > 0 {
		return len(cpus)
	}
	return runtime.NumCPU()
}

func parseArgs(args []string, stdout io.Writer) (*options, error) {
	o := &options{}
	c := newCommand(o)
	if err := c.Parse(args, stdout); err != nil {
		return nil, err
	}
	cfg := &o.cfg
	if c.Flags.NArg() > 0 && len(o.managers) == 0 {
		return nil, cli.Usagef("unexpected argument %q: manager addresses follow -m", c.Flags.Arg(0))
	}
	var err error
	if cfg.Managers, err = detached.ParseAddrs(append(o.managers, c.Flags.Args()...), detached.DefaultManagerPort); err != nil {
		return nil, cli.Usagef("-m: %w", err)
	}
	switch {
	case len(o.managers) > 0 && len(cfg.Managers) == 0:
		return nil, cli.Usagef("-m: no manager address given")
	case len(cfg.Managers) > 0 && (cfg.OnlyConnect || c.Flags.Changed("num-workers")):
		return nil, cli.Usagef("-m manages managers: -n and -x apply to workers only")
	case cfg.Workers < 1:
		return nil, cli.Usagef("-n: want at least 1 worker, got %d", cfg.Workers)
	case cfg.Port < 0 || cfg.Port > 65535 || cfg.WorkerPort < 0 || cfg.WorkerPort > 65535:
		return nil, cli.Usagef("--port and --worker-port: want 0 to 65535")
	case cfg.OnlyConnect && cfg.WorkerPort == 0:
		return nil, cli.Usagef("-x needs a fixed --worker-port for bqskit-worker to connect to")
	}
	if cfg.AddressFile != "" {
		if cfg.AddressFile, err = filepath.Abs(cfg.AddressFile); err != nil {
			return nil, cli.UsageError{Err: err}
		}
	}
	if err := errors.Join(cfg.Links.Check(), o.log.Check()); err != nil {
		return nil, err
	}
	cfg.WorkerArgs = []string{"--log-format", o.log.Format}
	if o.log.Verbose > 0 {
		cfg.WorkerArgs = append(cfg.WorkerArgs, "-"+strings.Repeat("v", o.log.Verbose))
	}
	return o, nil
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	o, err := parseArgs(args, stdout)
	if err != nil {
		return cli.Exit("bqskit-manager", err, stderr)
	}
	log := o.log.Logger("bqskit-manager", stderr).With(zap.String("role", "manager"))
	defer log.Sync() //nolint:errcheck // stderr sync errors are not actionable
	o.cfg.Logger = log
	if len(o.cfg.Managers) == 0 && !o.cfg.OnlyConnect {
		w, err := detached.FindWorker()
		if err != nil {
			return cli.Exit("bqskit-manager", err, stderr)
		}
		o.cfg.WorkerCommand = []string{w}
	}
	return cli.Exit("bqskit-manager", detached.RunManager(ctx, o.cfg), stderr)
}
