package main

import (
	"context"
	"errors"
	"io"
	"os"
	"runtime"

	"go.uber.org/zap"

	"github.com/bqskit-mpi/bqskit-mpi/cli"
	"github.com/bqskit-mpi/bqskit-mpi/service"
)

func main() { cli.Main(run) }

type options struct {
	workers  int
	endpoint service.Endpoint
	log      cli.Logging
	limits   service.Limits
}

const usage = `Usage: bqskit-server [--workers N] [--port P] [--bind ADDR] [--address-file F] [--token-file F] [-v]

Runs an embedded bqskit-mpi runtime (one manager, N workers, in this process) and
serves compilations to clients (bqskit-compile --ip, the Go client, the Python
bqskit_mpi package) over the protocol in PROTOCOL.md. Clients authenticate with the
token in the token file (clients read the same file, e.g. on a shared home directory)
or in $BQSKIT_MPI_TOKEN. SIGINT or SIGTERM stops the server: clients are told, their
tasks cancelled. For a cluster job use bqskit-mpi under srun or mpirun.

Flags:
`

func newCommand(o *options) *cli.Command {
	c := cli.New("bqskit-server", usage)
	c.NoArgs = "this build runs an embedded runtime only (no manager addresses); for several nodes use bqskit-mpi under srun or mpirun"
	fs := c.Flags
	fs.IntVarP(&o.workers, "workers", "n", runtime.NumCPU(), "workers of the embedded runtime; the default is the number of CPUs this process may use")
	fs.IntVar(&o.workers, "num-workers", runtime.NumCPU(), "same as --workers (BQSKit's bqskit-manager name)")
	o.endpoint.AddFlags(fs)
	o.log.AddFlags(fs)
	o.limits.AddFlags(fs)
	return c
}

func parseArgs(args []string, stdout io.Writer) (*options, error) {
	o := &options{}
	if err := newCommand(o).Parse(args, stdout); err != nil {
		return nil, err
	}
	return o, o.check()
}

// check validates the options and completes the gateway's limits.
func (o *options) check() error {
	if o.workers < 1 {
		return cli.Usagef("--workers: want at least 1, got %d", o.workers)
	}
	return errors.Join(o.limits.Check(), o.log.Check(), o.endpoint.Check())
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	o, err := parseArgs(args, stdout)
	if err != nil {
		return cli.Exit("bqskit-server", err, stderr)
	}
	host, _ := os.Hostname()
	log := o.log.Logger("bqskit-server", stderr).With(zap.String("role", "server"), zap.String("host", host))
	defer log.Sync() //nolint:errcheck // stderr sync errors are not actionable
	err = service.Serve(ctx, o.endpoint, service.ServeConfig{Name: "bqskit-server", Gateway: o.limits.Gateway, Logger: log, Stderr: stderr},
		func() (*service.Backend, error) { return service.EmbeddedBackend(o.workers, log.Named("runtime")) })
	return cli.Exit("bqskit-server", err, stderr)
}
