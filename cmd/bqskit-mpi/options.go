package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"

	"github.com/spf13/pflag"

	"github.com/bqskit-mpi/bqskit-mpi/gateway"
	"github.com/bqskit-mpi/bqskit-mpi/mpiruntime"
	"github.com/bqskit-mpi/bqskit-mpi/pinning"
	"github.com/bqskit-mpi/bqskit-mpi/protocol"
)

// options are the parsed command line.
type options struct {
	port        int
	bind        string
	addressFile string
	pidFile     string
	tokenFile   string
	noAuth      bool
	fanout      int
	slots       int
	cpus        string
	cpuSpec     pinning.Spec
	idle        mpiruntime.IdlePolicy
	chunk       int
	verbose     int
	logFormat   string
}

// usageError is a bad command line: exit 2.
type usageError struct{ err error }

func (u usageError) Error() string { return u.err.Error() }
func (u usageError) Unwrap() error { return u.err }

func newFlagSet(o *options, stderr io.Writer) *pflag.FlagSet {
	fs := pflag.NewFlagSet("bqskit-mpi", pflag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.IntVarP(&o.port, "port", "p", protocol.DefaultPort, "TCP port of the client gateway on rank 0 (0: any free port; see --address-file)")
	fs.StringVar(&o.bind, "bind", "", "address the gateway listens on (default: all interfaces; 127.0.0.1 for this machine only)")
	fs.StringVar(&o.addressFile, "address-file", "", "write HOST:PORT of the gateway to this file once every rank is ready (removed at shutdown)")
	fs.StringVar(&o.pidFile, "pid-file", "", "write rank 0's process id to this file (removed at shutdown)")
	fs.StringVar(&o.tokenFile, "token-file", "", "file holding the clients' token, created with a fresh token when missing (default ~/.config/bqskit-mpi/token; $BQSKIT_MPI_TOKEN overrides)")
	fs.BoolVar(&o.noAuth, "no-auth", false, "accept clients without a token (only with a loopback --bind such as 127.0.0.1)")
	fs.IntVar(&o.fanout, "fanout", 0, "most children of any server or manager rank; inserts manager levels (0: no limit)")
	fs.IntVar(&o.slots, "slots", 1, "compute slots (tasks computing at once) per worker rank")
	fs.StringVar(&o.cpus, "cpus", "none", "pin ranks to cores: auto (one core per rank by node-local rank), a list/range such as 0-7,12 shared out in order among the ranks of a node, or none")
	o.idle = mpiruntime.IdleSleep
	fs.Var(&o.idle, "idle", "what an idle rank's MPI pump does: sleep (poll 200 µs, then back-off sleeps up to 1 ms; low idle CPU), yield (poll with sched_yield; a core per rank), spin (busy poll; a core per rank)")
	fs.IntVar(&o.chunk, "chunk-bytes", mpiruntime.DefaultChunkSize, "largest MPI message; larger payloads are split (keep below the MPI eager limit)")
	fs.CountVarP(&o.verbose, "verbose", "v", "log more: -v info, -vv debug (default: warnings and errors)")
	fs.StringVar(&o.logFormat, "log-format", "console", "log format: console or json")
	fs.SortFlags = false
	fs.Usage = func() {
		fmt.Fprint(stderr, `Usage:
  mpirun -n N bqskit-mpi [flags]
  srun -n N --mpi=pmix bqskit-mpi [flags]

Every rank of the MPI job runs bqskit-mpi. Rank 0 is the server and opens the
client gateway (clients: bqskit-compile --ip HOST:PORT, the Go and Python
clients); the other ranks are managers and workers. Ranks are grouped by host:
the lowest rank of each host manages the others on it, and --fanout adds
manager levels. The tree is logged at start-up, one line per manager.
SIGINT or SIGTERM to rank 0 shuts the job down cleanly (clients are told,
tasks cancelled, every rank exits 0); a failing rank aborts the whole job.

Flags:
`)
		fs.PrintDefaults()
	}
	return fs
}

func parseArgs(args []string, stderr io.Writer) (*options, error) {
	o := &options{}
	fs := newFlagSet(o, stderr)
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, usageError{fmt.Errorf("unexpected argument %q (bqskit-mpi takes only flags)", fs.Arg(0))}
	}
	if o.port < 0 || o.port > 65535 {
		return nil, usageError{fmt.Errorf("--port %d: want 0 to 65535", o.port)}
	}
	if o.fanout < 0 || o.fanout == 1 {
		return nil, usageError{fmt.Errorf("--fanout %d: want 0 (no limit) or at least 2", o.fanout)}
	}
	if o.slots < 1 {
		return nil, usageError{fmt.Errorf("--slots %d: want at least 1", o.slots)}
	}
	if o.chunk < 64 {
		return nil, usageError{fmt.Errorf("--chunk-bytes %d: want at least 64", o.chunk)}
	}
	if o.noAuth && !gateway.IsLoopback(o.bind) {
		return nil, usageError{fmt.Errorf("--no-auth needs --bind 127.0.0.1 (or ::1): refusing to serve all interfaces without a token")}
	}
	if o.logFormat != "console" && o.logFormat != "json" {
		return nil, usageError{fmt.Errorf("--log-format %q: want console or json", o.logFormat)}
	}
	spec, err := pinning.Parse(o.cpus)
	if err != nil {
		return nil, usageError{fmt.Errorf("--cpus: %w", err)}
	}
	o.cpuSpec = spec
	for _, f := range []*string{&o.addressFile, &o.pidFile} {
		if *f != "" {
			abs, err := filepath.Abs(*f)
			if err != nil {
				return nil, usageError{err}
			}
			*f = abs
		}
	}
	return o, nil
}

// preBootRank is the rank the launcher announced, for log lines written
// before MPI is up (-1 when unknown).
func preBootRank() int {
	for _, k := range []string{"OMPI_COMM_WORLD_RANK", "PMIX_RANK", "SLURM_PROCID"} {
		if v, err := strconv.Atoi(os.Getenv(k)); err == nil && os.Getenv(k) != "" {
			return v
		}
	}
	return -1
}
