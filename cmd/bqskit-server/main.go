package main

import (
	"context"
	"errors"
	"io"
	"os"
	"runtime"
	"time"

	"go.uber.org/zap"

	"github.com/bqskit-mpi/bqskit-mpi/cli"
	"github.com/bqskit-mpi/bqskit-mpi/detached"
	"github.com/bqskit-mpi/bqskit-mpi/service"
)

func main() { cli.Main(run) }

// shutdownBudget bounds the shutdown after SIGINT: the whole tree is gone
// within 5 s.
const shutdownBudget = 4 * time.Second

type options struct {
	workers  int
	managers []string
	links    detached.Links
	endpoint service.Endpoint
	log      cli.Logging
	limits   service.Limits
}

const usage = `Usage: bqskit-server ADDR... [--port P] [--bind ADDR] [--address-file F] [--token-file F] [-v]
       bqskit-server [--workers N] [--port P] [--bind ADDR] [--address-file F] [--token-file F] [-v]

With manager addresses (ADDR: host or host:port, comma or space separated, as
scontrol show hostnames prints them; default port 7473) it connects to those
bqskit-manager processes, retrying until --connect-timeout so they may start later,
prints the runtime tree (one line per node) and serves clients; SIGINT shuts the
whole tree down (every manager and worker exits 0). Links to the managers use the
same token as clients. Without addresses it runs an embedded runtime (one manager,
N workers, in this process). It serves compilations to clients (bqskit-compile --ip, the Go client, the Python
bqskit_mpi package) over the protocol in PROTOCOL.md. Clients authenticate with the
token in the token file (clients read the same file, e.g. on a shared home directory)
or in $BQSKIT_MPI_TOKEN. SIGINT or SIGTERM stops the server: clients are told, their
tasks cancelled. Under srun or mpirun, bqskit-mpi starts everything in one command.

Flags:
`

func newCommand(o *options) *cli.Command {
	c := cli.New("bqskit-server", usage)
	fs := c.Flags
	fs.IntVarP(&o.workers, "workers", "n", runtime.NumCPU(), "workers of the embedded runtime; the default is the number of CPUs this process may use")
	fs.IntVar(&o.workers, "num-workers", runtime.NumCPU(), "same as --workers (BQSKit's bqskit-manager name)")
	o.endpoint.AddFlags(fs)
	o.links.AddFlags(fs, false, "keep retrying to reach each manager for this long (managers may start after the server)")
	o.log.AddFlags(fs)
	o.limits.AddFlags(fs)
	return c
}

func parseArgs(args []string, stdout io.Writer) (*options, error) {
	o := &options{}
	c := newCommand(o)
	if err := c.Parse(args, stdout); err != nil {
		return nil, err
	}
	var err error
	if o.managers, err = detached.ParseAddrs(c.Flags.Args(), detached.DefaultManagerPort); err != nil {
		return nil, cli.UsageError{Err: err}
	}
	if len(o.managers) > 0 && (c.Flags.Changed("workers") || c.Flags.Changed("num-workers")) {
		return nil, cli.Usagef("--workers sizes the embedded runtime: with manager addresses the managers start the workers")
	}
	return o, o.check()
}

// check validates the options and completes the gateway's limits.
func (o *options) check() error {
	if o.workers < 1 {
		return cli.Usagef("--workers: want at least 1, got %d", o.workers)
	}
	return errors.Join(o.limits.Check(), o.log.Check(), o.endpoint.Check(), o.links.Check())
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	o, err := parseArgs(args, stdout)
	if err != nil {
		return cli.Exit("bqskit-server", err, stderr)
	}
	host, _ := os.Hostname()
	log := o.log.Logger("bqskit-server", stderr).With(zap.String("role", "server"), zap.String("host", host))
	defer log.Sync() //nolint:errcheck // stderr sync errors are not actionable
	o.links.TokenFile = o.endpoint.TokenFile
	cfg := service.ServeConfig{Name: "bqskit-server", Gateway: o.limits.Gateway, Logger: log, Stderr: stderr}
	if len(o.managers) > 0 {
		cfg.Shutdown = shutdownBudget
	}
	err = service.Serve(ctx, o.endpoint, cfg,
		func() (*service.Backend, error) {
			if len(o.managers) == 0 {
				return service.EmbeddedBackend(o.workers, log.Named("runtime"))
			}
			return detached.StartServer(ctx, detached.ServerConfig{Managers: o.managers, Links: o.links, Logger: log, Name: "bqskit-server", Stderr: stderr})
		})
	return cli.Exit("bqskit-server", err, stderr)
}
