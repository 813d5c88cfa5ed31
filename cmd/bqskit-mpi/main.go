package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"go.uber.org/zap"

	"github.com/bqskit-mpi/bqskit-mpi/cli"
	"github.com/bqskit-mpi/bqskit-mpi/hierarchy"
	"github.com/bqskit-mpi/bqskit-mpi/mpiruntime"
	"github.com/bqskit-mpi/bqskit-mpi/pinning"
	"github.com/bqskit-mpi/bqskit-mpi/protocol"
	"github.com/bqskit-mpi/bqskit-mpi/service"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	o, err := parseArgs(args, stdout)
	if err != nil {
		return cli.Exit("bqskit-mpi", err, stderr)
	}
	base := o.log.Logger("bqskit-mpi", stderr)
	defer base.Sync() //nolint:errcheck // stderr sync errors are not actionable

	// OpenBLAS reads its thread count when loaded: re-run with it set
	// before MPI starts (the process keeps its PID).
	if err := pinning.EnsureBLASThreads(); err != nil {
		base.Warn("OpenBLAS may start a thread per core", zap.Error(err))
	}
	// Signals are caught from here on; before Boot returns they wait.
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sigs)

	reg := hierarchy.NewRegistry()
	if err := service.RegisterCompiler(reg, base.Named("compiler")); err != nil {
		return cli.Exit("bqskit-mpi", fmt.Errorf("registering the compiler's tasks: %w", err), stderr)
	}
	return mpiruntime.Run(mpiruntime.RunConfig{
		Config:    mpiruntime.Config{Fanout: o.fanout, Slots: o.slots, Idle: o.idle, ChunkSize: o.chunk, Hostname: o.host},
		CPUs:      o.cpuSpec,
		Registry:  reg,
		Signals:   sigs,
		Logger:    base,
		Heartbeat: mpiruntime.HeartbeatWithDeadline(o.hbDeadline),
	}, serveClients(o, stderr))
}

// serveClients is rank 0's part: the service over the runtime server,
// behind the gateway.
func serveClients(o *options, stderr io.Writer) mpiruntime.ServeFunc {
	return func(ctx context.Context, r *mpiruntime.Rank, srv *hierarchy.Server, log *zap.Logger) error {
		plan := r.Plan()
		for _, l := range plan.Lines() {
			fmt.Fprintf(stderr, "bqskit-mpi: tree: %s\n", l)
		}
		svc := service.New(service.HierarchyRuntime(srv), log.Named("service"))
		cfg := service.ServeConfig{Name: "bqskit-mpi", Gateway: o.limits.Gateway, Shutdown: mpiruntime.ShutdownBudget * 2 / 3, Logger: log, Stderr: stderr}
		return service.Serve(ctx, o.endpoint, cfg, func() (*service.Backend, error) {
			return &service.Backend{
				Backend: svc,
				Summary: fmt.Sprintf("%d ranks, %d workers, %d slots", r.Size(), len(plan.Workers()), len(plan.Workers())*o.slots),
				Runtime: &protocol.Runtime{Ranks: r.Size(), Workers: len(plan.Workers()), Slots: len(plan.Workers()) * o.slots},
				Done:    srv.Done(),
				// Shutdown goes down the tree.
				Stop: func(context.Context) error { return errors.Join(srv.Stop(), svc.Stop()) },
			}, nil
		})
	}
}
