package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/pflag"
	"go.uber.org/zap"

	"github.com/bqskit-mpi/bqskit-mpi/gateway"
	"github.com/bqskit-mpi/bqskit-mpi/hierarchy"
	"github.com/bqskit-mpi/bqskit-mpi/logging"
	"github.com/bqskit-mpi/bqskit-mpi/mpiruntime"
	"github.com/bqskit-mpi/bqskit-mpi/pinning"
	"github.com/bqskit-mpi/bqskit-mpi/protocol"
	"github.com/bqskit-mpi/bqskit-mpi/service"
	"github.com/bqskit-mpi/bqskit-mpi/transport"
)

// Exit statuses.
const (
	exitOK      = 0
	exitFailure = 1
	exitUsage   = 2
)

// Shutdown budget: every rank must be gone within 5 s of the signal.
const (
	shutdownBudget = 4500 * time.Millisecond // rank 0: signal to MPI_Finalize done
	nodeGrace      = 2 * time.Second         // other ranks: signal to shutdown from the tree
	finalizeWait   = 4 * time.Second         // other ranks: shutdown to MPI_Finalize done
)

func main() {
	os.Exit(run(os.Args[1:], os.Stderr))
}

func run(args []string, stderr io.Writer) int {
	o, err := parseArgs(args, stderr)
	if errors.Is(err, pflag.ErrHelp) {
		return exitOK
	}
	if err != nil {
		var ue usageError
		if errors.As(err, &ue) {
			fmt.Fprintf(stderr, "bqskit-mpi: %v\n", err)
		} else {
			fmt.Fprintln(stderr, "bqskit-mpi: see --help")
		}
		return exitUsage
	}
	base := logging.New("bqskit-mpi", o.verbose, o.logFormat, stderr)
	defer base.Sync() //nolint:errcheck // stderr sync errors are not actionable
	host, _ := os.Hostname()
	log := base.With(zap.Int("rank", preBootRank()), zap.String("role", "starting"), zap.String("host", host))

	// OpenBLAS reads its thread count when loaded: re-run with it set
	// before MPI starts (the process keeps its PID).
	if err := pinning.EnsureBLASThreads(); err != nil {
		log.Warn("OpenBLAS may start a thread per core", zap.Error(err))
	}
	// Signals are caught from here on; before Boot returns they wait.
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sigs)

	r, err := mpiruntime.Boot(mpiruntime.Config{
		Fanout: o.fanout, Slots: o.slots, Idle: o.idle, ChunkSize: o.chunk, Hostname: host,
		Logger: log.Named("mpi"),
	})
	if err != nil {
		// Every rank gets the same planning error; MPI is finalised.
		log.Error("MPI start-up failed", zap.Error(err))
		return exitFailure
	}
	nd := r.Node()
	log = base.With(zap.Int("rank", r.Rank()), zap.String("role", nd.Role.String()), zap.String("host", host))
	// The runtime's node loggers add the role themselves.
	rtLog := base.With(zap.Int("rank", r.Rank()), zap.String("host", host)).Named("runtime")
	j := &job{o: o, r: r, log: log, rtLog: rtLog, sigs: sigs, stderr: stderr}
	if err := j.pin(); err != nil {
		return j.fatal("pinning failed", err)
	}
	tree, err := r.Plan().Tree()
	if err != nil {
		return j.fatal("the planned tree is invalid", err)
	}
	reg := hierarchy.NewRegistry()
	if err := service.RegisterCompiler(reg, log.Named("compiler")); err != nil {
		return j.fatal("registering the compiler's tasks failed", err)
	}
	j.tree, j.reg = tree, reg
	if r.Rank() == 0 {
		return j.server()
	}
	return j.node()
}

// job is one rank's run.
type job struct {
	o      *options
	r      *mpiruntime.Rank
	log    *zap.Logger
	rtLog  *zap.Logger
	sigs   chan os.Signal
	stderr io.Writer
	tree   *hierarchy.Tree
	reg    *hierarchy.Registry
}

// fatal logs why this rank fails and takes the MPI job down with it.
func (j *job) fatal(what string, err error) int {
	j.log.Error(what+"; aborting the MPI job (every rank stops)", zap.Error(err))
	_ = j.log.Sync()
	j.r.Abort(exitFailure)
	return exitFailure // MPI_Abort normally does not return
}

// pin applies --cpus. The pump thread gets a P of its own (GOMAXPROCS is
// one more than the cores), so a polling pump never starves the tasks.
func (j *job) pin() error {
	if j.o.cpuSpec.IsZero() {
		// Unpinned (or bound by the launcher: mpirun binds each of two
		// ranks to one core, and Go then runs one P): still one P more than
		// the cores for the pump.
		allowed, err := pinning.Allowed()
		if err != nil {
			return err
		}
		runtime.GOMAXPROCS(len(allowed) + 1)
		return nil
	}
	local, ok := pinning.LocalRankFromEnv()
	if !ok {
		local = j.r.LocalRank()
	}
	allowed, err := pinning.Allowed()
	if err != nil {
		return err
	}
	cpus, err := pinning.Select(j.o.cpuSpec, local, max(j.r.LocalSize(), local+1), allowed)
	if err != nil {
		return err
	}
	if err := pinning.Pin(cpus, len(cpus)+1); err != nil {
		return err
	}
	if j.o.cpuSpec.Auto && j.r.LocalSize() > len(allowed) {
		j.log.Warn("more ranks on this host than cores: ranks share cores", zap.Int("ranks", j.r.LocalSize()), zap.Int("cores", len(allowed)))
	}
	j.log.Info("pinned", zap.String("cpus", pinning.FormatList(cpus)), zap.Int("local_rank", local))
	return nil
}

// finalize waits for MPI_Finalize (every rank) or aborts the job.
func (j *job) finalize(deadline time.Time) int {
	ctx, cancel := context.WithDeadline(context.Background(), deadline)
	defer cancel()
	if err := j.r.Finalize(ctx); err != nil {
		return j.fatal("MPI did not finalise", err)
	}
	j.log.Info("finalised")
	return exitOK
}

// node runs a manager or worker until the server's shutdown arrives.
func (j *job) node() int {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() {
		done <- hierarchy.RunNode(ctx, hierarchy.NodeConfig{
			ID: transport.PeerID(j.r.Rank()), Tree: j.tree, Transport: j.r.Transport(), Registry: j.reg, Logger: j.rtLog,
		})
	}()
	j.log.Info("running", zap.Int("children", len(j.r.Node().Children)), zap.Int("slots", j.r.Node().Slots))
	select {
	case err := <-done:
		if err != nil {
			return j.fatal("the runtime node failed", err)
		}
	case sig := <-j.sigs:
		j.log.Warn("signal received; waiting for the server's shutdown", zap.String("signal", sig.String()), zap.Duration("grace", nodeGrace))
		select {
		case err := <-done:
			if err != nil {
				return j.fatal("the runtime node failed", err)
			}
		case <-time.After(nodeGrace):
			return j.fatal("signal "+sig.String()+" and no shutdown from the server", errors.New("ending this rank"))
		}
	}
	return j.finalize(time.Now().Add(finalizeWait))
}

// server runs rank 0: the server node and the gateway.
func (j *job) server() int {
	o, log := j.o, j.log
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	gcfg := gateway.Config{NoAuth: o.noAuth}
	if !o.noAuth {
		tok, src, created, err := protocol.ServerToken(o.tokenFile, os.Getenv)
		if err != nil {
			return j.fatal("no client token", err)
		}
		gcfg.Token = tok
		if created {
			log.Warn("created a new token file; clients read it from there", zap.String("file", src))
		} else {
			log.Info("token", zap.String("source", src))
		}
	}
	if o.pidFile != "" {
		if err := logging.WriteFileAtomic(o.pidFile, []byte(strconv.Itoa(os.Getpid())+"\n")); err != nil {
			return j.fatal("cannot write --pid-file", err)
		}
		defer os.Remove(o.pidFile)
	}
	ln, err := net.Listen("tcp", net.JoinHostPort(o.bind, strconv.Itoa(o.port)))
	if err != nil {
		return j.fatal(fmt.Sprintf("cannot listen on %s port %d", bindName(o.bind), o.port), err)
	}
	srv, err := hierarchy.NewServer(ctx, hierarchy.ServerConfig{Tree: j.tree, Transport: j.r.Transport(), Registry: j.reg, Logger: j.rtLog})
	if err != nil {
		ln.Close()
		return j.fatal("the runtime server did not start", err)
	}
	svc := service.New(service.HierarchyRuntime(srv), log.Named("service"))
	gw, err := gateway.New(gcfg, svc, log.Named("gateway"))
	if err != nil {
		ln.Close()
		return j.fatal("the gateway did not start", err)
	}
	plan := j.r.Plan()
	for _, l := range plan.Lines() {
		fmt.Fprintf(j.stderr, "bqskit-mpi: tree: %s\n", l)
	}
	addr := advertised(o.bind, ln)
	gwCtx, gwCancel := context.WithCancel(ctx)
	defer gwCancel()
	gwDone := make(chan error, 1)
	go func() { gwDone <- gw.Serve(gwCtx, ln) }()
	// Boot ended with a barrier after every rank had its transport up, so
	// every rank is ready: messages to a rank whose node loop has not
	// started yet wait in its queue.
	if o.addressFile != "" {
		if err := logging.WriteFileAtomic(o.addressFile, []byte(addr+"\n")); err != nil {
			return j.fatal("cannot write --address-file", err)
		}
		defer os.Remove(o.addressFile)
	}
	fmt.Fprintf(j.stderr, "bqskit-mpi: serving clients on %s (%d ranks, %d workers, %d slots, %s)\n",
		addr, j.r.Size(), len(plan.Workers()), j.tree.TotalSlots(), authName(o.noAuth))

	select {
	case sig := <-j.sigs:
		log.Warn("signal received; shutting down", zap.String("signal", sig.String()))
	case err := <-gwDone:
		return j.fatal("the gateway stopped", err)
	case <-srv.Done():
		return j.fatal("the runtime server stopped", srv.Stop())
	}
	deadline := time.Now().Add(shutdownBudget)
	// A second signal during shutdown: give up at once.
	watchDone := make(chan struct{})
	defer close(watchDone)
	go func() {
		select {
		case sig := <-j.sigs:
			j.fatal("second signal "+sig.String()+" during shutdown", errors.New("aborting"))
		case <-watchDone:
		}
	}()
	gwCancel() // tells clients, cancels their tasks, waits for sessions
	select {
	case err := <-gwDone:
		if err != nil {
			log.Warn("gateway", zap.Error(err))
		}
	case <-time.After(time.Until(deadline) / 2):
		log.Warn("gateway sessions still closing; stopping the runtime anyway")
	}
	if o.addressFile != "" {
		os.Remove(o.addressFile)
	}
	stopped := make(chan error, 1)
	go func() { stopped <- srv.Stop() }() // shutdown goes down the tree
	select {
	case err := <-stopped:
		if err != nil {
			log.Warn("runtime server", zap.Error(err))
		}
	case <-time.After(time.Until(deadline) / 2):
		return j.fatal("the runtime did not stop in time", errors.New("shutdown incomplete"))
	}
	if err := svc.Stop(); err != nil {
		log.Warn("service", zap.Error(err))
	}
	return j.finalize(deadline)
}

func bindName(b string) string {
	if b == "" {
		return "all interfaces"
	}
	return b
}

func authName(noAuth bool) string {
	if noAuth {
		return "no authentication"
	}
	return "token authentication"
}

// advertised is the HOST:PORT clients should use for a listener.
func advertised(bind string, ln net.Listener) string {
	port := strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
	host := bind
	if host == "" || host == "0.0.0.0" || host == "::" {
		if h, err := os.Hostname(); err == nil && h != "" {
			host = h
		} else {
			host = "127.0.0.1"
		}
	}
	return net.JoinHostPort(strings.Trim(host, "[]"), port)
}
