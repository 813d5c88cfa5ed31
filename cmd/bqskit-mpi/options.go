package main

import (
	"errors"
	"io"
	"time"

	"github.com/bqskit-mpi/bqskit-mpi/cli"
	"github.com/bqskit-mpi/bqskit-mpi/hierarchy"
	"github.com/bqskit-mpi/bqskit-mpi/mpiruntime"
	"github.com/bqskit-mpi/bqskit-mpi/pinning"
	"github.com/bqskit-mpi/bqskit-mpi/service"
)

// minHeartbeatDeadline: below this, a busy but healthy rank on a loaded
// node could be taken for a stalled one.
const minHeartbeatDeadline = time.Second

// options are the parsed command line.
type options struct {
	endpoint service.Endpoint
	limits   service.Limits
	log      cli.Logging
	fanout   int
	slots    int
	cpus     string
	cpuSpec  pinning.Spec
	idle     mpiruntime.IdlePolicy
	chunk    int
	// hbDeadline is --heartbeat-deadline; host is the host name override
	// from mpiruntime.HostnameEnv ("": the system's).
	hbDeadline time.Duration
	host       string
}

const usage = `Usage: mpirun -n N bqskit-mpi [flags]
       srun -n N --mpi=pmix bqskit-mpi [flags]

Every rank of the MPI job runs bqskit-mpi. Rank 0 is the server and opens the
client gateway (clients: bqskit-compile --ip HOST:PORT, the Go and Python
clients); the other ranks are managers and workers. Ranks are grouped by host:
the lowest rank of each host manages the others on it, and --fanout adds
manager levels. The tree is logged at start-up, one line per manager.
SIGINT or SIGTERM to rank 0 shuts the job down cleanly (clients are told,
tasks cancelled, every rank exits 0); a failing rank aborts the whole job.
A worker or manager rank that stops answering (stopped, hung) for longer than
--heartbeat-deadline is routed around: its tasks run again on other ranks.

Environment:
  BQSKIT_MPI_HOSTNAME  the host name this rank reports for the grouping (default:
                       the system's); ranks with the same value form one host.
                       Set it per rank through the launcher, e.g. OpenMPI:
                       mpirun -n 4 -x BQSKIT_MPI_HOSTNAME=a bqskit-mpi :
                              -n 4 -x BQSKIT_MPI_HOSTNAME=b bqskit-mpi

Flags:
`

func newCommand(o *options) *cli.Command {
	c := cli.New("bqskit-mpi", usage)
	c.NoArgs = "bqskit-mpi takes only flags"
	fs := c.Flags
	o.endpoint.AddFlags(fs)
	o.limits.AddFlags(fs)
	fs.IntVar(&o.fanout, "fanout", 0, "most children of any server or manager rank; inserts manager levels (0: no limit)")
	fs.IntVar(&o.slots, "slots", 1, "compute slots (tasks computing at once) per worker rank")
	fs.StringVar(&o.cpus, "cpus", "none", "pin ranks to cores: auto (one core per rank by node-local rank), a list/range such as 0-7,12 shared out in order among the ranks of a node, or none")
	o.idle = mpiruntime.IdleSleep
	fs.Var(&o.idle, "idle", "what an idle rank's MPI pump does: sleep (poll 200 µs, then back-off sleeps up to 1 ms; low idle CPU), yield (poll with sched_yield; a core per rank), spin (busy poll; a core per rank)")
	fs.IntVar(&o.chunk, "chunk-bytes", mpiruntime.DefaultChunkSize, "largest MPI message; larger payloads are split (keep below the MPI eager limit)")
	fs.DurationVar(&o.hbDeadline, "heartbeat-deadline", hierarchy.DefaultHeartbeat.Deadline, "a manager or worker rank silent this long is lost: its tasks run again on other ranks (ranks report every fifth of it, at most every 1s)")
	o.log.AddFlags(fs)
	return c
}

func parseArgs(args []string, stdout io.Writer) (*options, error) {
	o := &options{}
	if err := newCommand(o).Parse(args, stdout); err != nil {
		return nil, err
	}
	switch {
	case o.fanout < 0 || o.fanout == 1:
		return nil, cli.Usagef("--fanout %d: want 0 (no limit) or at least 2", o.fanout)
	case o.slots < 1:
		return nil, cli.Usagef("--slots %d: want at least 1", o.slots)
	case o.chunk < 64:
		return nil, cli.Usagef("--chunk-bytes %d: want at least 64", o.chunk)
	case o.hbDeadline < minHeartbeatDeadline:
		return nil, cli.Usagef("--heartbeat-deadline %v: want at least %v", o.hbDeadline, minHeartbeatDeadline)
	}
	if err := errors.Join(o.endpoint.Check(), o.limits.Check(), o.log.Check()); err != nil {
		return nil, err
	}
	spec, err := pinning.Parse(o.cpus)
	if err != nil {
		return nil, cli.Usagef("--cpus: %w", err)
	}
	o.cpuSpec = spec
	if o.host, err = mpiruntime.HostnameFromEnv(); err != nil {
		return nil, err
	}
	return o, nil
}
