package mpiruntime

import (
	"context"
	"errors"
	"os"
	"runtime"
	"strconv"
	"time"

	"go.uber.org/zap"

	"github.com/bqskit-mpi/bqskit-mpi/hierarchy"
	"github.com/bqskit-mpi/bqskit-mpi/pinning"
	"github.com/bqskit-mpi/bqskit-mpi/transport"
)

// Exit statuses Run returns.
const (
	exitOK      = 0
	exitFailure = 1
)

// Shutdown budget of Run: every rank is gone within 5 s of the signal.
const (
	// ShutdownBudget is rank 0's time from the signal to MPI_Finalize done.
	ShutdownBudget = 4500 * time.Millisecond
	nodeGrace      = 2 * time.Second // other ranks: signal to shutdown from the tree
	finalizeWait   = 4 * time.Second // other ranks: shutdown to MPI_Finalize done
)

// ErrSignal: a rank other than 0 got a signal and no shutdown followed.
var ErrSignal = errors.New("mpiruntime: ending this rank")

// RunConfig is what Run needs besides Boot's Config.
type RunConfig struct {
	Config
	// CPUs pins the ranks (the zero Spec: no pinning).
	CPUs pinning.Spec
	// Registry holds the tasks every rank runs.
	Registry *hierarchy.Registry
	// Signals delivers SIGINT and SIGTERM; the caller subscribes before
	// Run so that no signal is lost during start-up.
	Signals <-chan os.Signal
	// Logger is the process's logger; Run adds rank, role and host.
	// Config.Logger is ignored.
	Logger *zap.Logger
	// Heartbeat is the node loops' liveness rule (HeartbeatWithDeadline);
	// zero: the transport's advice (hierarchy.DefaultHeartbeat). Every
	// rank must get the same rule.
	Heartbeat transport.Heartbeat
}

// ServeFunc runs rank 0 with the runtime server up: it serves clients
// until ctx ends (the first signal), then stops srv within the shutdown
// budget it is given and returns. An error aborts the job.
type ServeFunc func(ctx context.Context, r *Rank, srv *hierarchy.Server, log *zap.Logger) error

// Run is a rank's whole life in an MPI job: Boot, pinning, then on rank 0
// the runtime server and serve, on the other ranks a manager or worker node
// until the server's shutdown, and MPI_Finalize. A failure on any rank
// aborts the whole job (one log line names the rank and cause). It returns
// the process's exit status.
func Run(cfg RunConfig, serve ServeFunc) int {
	if cfg.Logger == nil {
		cfg.Logger = zap.NewNop()
	}
	host := cfg.Hostname
	if host == "" {
		host, _ = os.Hostname()
		cfg.Hostname = host
	}
	log := cfg.Logger.With(zap.Int("rank", PreBootRank()), zap.String("role", "starting"), zap.String("host", host))
	cfg.Config.Logger = log.Named("mpi")
	r, err := Boot(cfg.Config)
	if err != nil {
		// Every rank gets the same planning error; MPI is finalised.
		log.Error("MPI start-up failed", zap.Error(err))
		return exitFailure
	}
	l := &life{r: r, sigs: cfg.Signals, hb: cfg.Heartbeat,
		log: cfg.Logger.With(zap.Int("rank", r.Rank()), zap.String("role", r.Role().String()), zap.String("host", host)),
		// The runtime's node loggers add the role themselves.
		rtLog: cfg.Logger.With(zap.Int("rank", r.Rank()), zap.String("host", host)).Named("runtime"),
	}
	if err := l.pin(cfg.CPUs); err != nil {
		return l.fatal("pinning failed", err)
	}
	tree, err := r.Plan().Tree()
	if err != nil {
		return l.fatal("the planned tree is invalid", err)
	}
	if r.Rank() == 0 {
		return l.server(tree, cfg.Registry, serve)
	}
	return l.node(tree, cfg.Registry)
}

// PreBootRank is the rank the launcher announced, for log lines written
// before MPI is up (-1 when unknown).
func PreBootRank() int {
	for _, k := range []string{"OMPI_COMM_WORLD_RANK", "PMIX_RANK", "SLURM_PROCID"} {
		if v, err := strconv.Atoi(os.Getenv(k)); err == nil && os.Getenv(k) != "" {
			return v
		}
	}
	return -1
}

// life is one rank's run.
type life struct {
	r          *Rank
	log, rtLog *zap.Logger
	sigs       <-chan os.Signal
	hb         transport.Heartbeat
}

// fatal logs why this rank fails and takes the MPI job down with it.
func (l *life) fatal(what string, err error) int {
	l.log.Error(what+"; aborting the MPI job (every rank stops)", zap.Error(err))
	_ = l.log.Sync()
	l.r.Abort(exitFailure)
	return exitFailure // MPI_Abort normally does not return
}

// pin applies the CPU spec. The pump thread gets a P of its own (GOMAXPROCS
// is one more than the cores), so a polling pump never starves the tasks.
func (l *life) pin(spec pinning.Spec) error {
	allowed, err := pinning.Allowed()
	if err != nil {
		return err
	}
	if spec.IsZero() {
		// Unpinned (or bound by the launcher: mpirun binds each of two
		// ranks to one core, and Go then runs one P): still one P more than
		// the cores for the pump.
		runtime.GOMAXPROCS(len(allowed) + 1)
		return nil
	}
	local, ok := pinning.LocalRankFromEnv()
	if !ok {
		local = l.r.LocalRank()
	}
	cpus, err := pinning.Select(spec, local, max(l.r.LocalSize(), local+1), allowed)
	if err != nil {
		return err
	}
	if err := pinning.Pin(cpus, len(cpus)+1); err != nil {
		return err
	}
	if spec.Auto && l.r.LocalSize() > len(allowed) {
		l.log.Warn("more ranks on this host than cores: ranks share cores", zap.Int("ranks", l.r.LocalSize()), zap.Int("cores", len(allowed)))
	}
	l.log.Info("pinned", zap.String("cpus", pinning.FormatList(cpus)), zap.Int("local_rank", local))
	return nil
}

// finalize waits for MPI_Finalize (every rank) or aborts the job.
func (l *life) finalize(deadline time.Time) int {
	ctx, cancel := context.WithDeadline(context.Background(), deadline)
	defer cancel()
	if err := l.r.Finalize(ctx); err != nil {
		return l.fatal("MPI did not finalise", err)
	}
	l.log.Info("finalised")
	return exitOK
}

// node runs a manager or worker until the server's shutdown arrives.
func (l *life) node(tree *hierarchy.Tree, reg *hierarchy.Registry) int {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() {
		done <- hierarchy.RunNode(ctx, hierarchy.NodeConfig{
			ID: transport.PeerID(l.r.Rank()), Tree: tree, Transport: l.r.Transport(), Registry: reg, Logger: l.rtLog, Heartbeat: l.hb,
		})
	}()
	l.log.Info("running", zap.Int("children", len(l.r.Node().Children)), zap.Int("slots", l.r.Node().Slots))
	select {
	case err := <-done:
		if err != nil {
			return l.fatal("the runtime node failed", err)
		}
		return l.finalizeAfterShutdown()
	case sig := <-l.sigs:
		l.log.Warn("signal received; waiting for the server's shutdown", zap.String("signal", sig.String()), zap.Duration("grace", nodeGrace))
		select {
		case err := <-done:
			if err != nil {
				return l.fatal("the runtime node failed", err)
			}
		case <-time.After(nodeGrace):
			return l.fatal("signal "+sig.String()+" and no shutdown from the server", ErrSignal)
		}
	}
	return l.finalize(time.Now().Add(finalizeWait))
}

// finalizeAfterShutdown waits in MPI_Finalize, which returns once every
// rank has called it: at once after the server's orderly shutdown, but a
// rank the tree dropped (it stalled past the heartbeat deadline, was told
// to shut down and has resumed) waits here until the job ends. A signal
// while waiting gives the job nodeGrace more, then aborts it.
func (l *life) finalizeAfterShutdown() int {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- l.r.Finalize(ctx) }()
	slow := time.NewTimer(finalizeWait)
	defer slow.Stop()
	sigs := l.sigs
	for {
		select {
		case err := <-done:
			if err != nil {
				return l.fatal("MPI did not finalise", err)
			}
			l.log.Info("finalised")
			return exitOK
		case <-slow.C:
			l.log.Info("shut down by the tree; waiting in MPI_Finalize for the job to end", zap.Duration("waited", finalizeWait))
		case sig := <-sigs:
			l.log.Warn("signal received while waiting for the job to end", zap.String("signal", sig.String()), zap.Duration("grace", nodeGrace))
			defer time.AfterFunc(nodeGrace, cancel).Stop() // once: sigs is nil from now on
			sigs = nil
		}
	}
}

// server runs rank 0: the runtime server and serve. The first signal ends
// serve's context; a second one during the shutdown aborts the job.
func (l *life) server(tree *hierarchy.Tree, reg *hierarchy.Registry, serve ServeFunc) int {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	srv, err := hierarchy.NewServer(ctx, hierarchy.ServerConfig{Tree: tree, Transport: l.r.Transport(), Registry: reg, Logger: l.rtLog, Heartbeat: l.hb})
	if err != nil {
		return l.fatal("the runtime server did not start", err)
	}
	serveCtx, stopServing := context.WithCancel(ctx)
	defer stopServing()
	var deadline time.Time
	watchDone := make(chan struct{})
	watched := make(chan struct{})
	go func() {
		defer close(watched)
		select {
		case sig := <-l.sigs:
			l.log.Warn("signal received; shutting down", zap.String("signal", sig.String()))
			deadline = time.Now().Add(ShutdownBudget)
			stopServing()
		case <-watchDone:
			return
		}
		select {
		case sig := <-l.sigs:
			l.fatal("second signal "+sig.String()+" during shutdown", errors.New("aborting"))
		case <-watchDone:
		}
	}()
	err = serve(serveCtx, l.r, srv, l.log)
	close(watchDone)
	<-watched
	if err != nil {
		return l.fatal("serving clients failed", err)
	}
	if deadline.IsZero() {
		deadline = time.Now().Add(ShutdownBudget)
	}
	return l.finalize(deadline)
}
