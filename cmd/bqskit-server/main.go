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
	"github.com/bqskit-mpi/bqskit-mpi/logging"
	"github.com/bqskit-mpi/bqskit-mpi/protocol"
	"github.com/bqskit-mpi/bqskit-mpi/service"
)

const (
	exitOK      = 0
	exitFailure = 1
	exitUsage   = 2
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stderr)
	stop()
	os.Exit(code)
}

type options struct {
	workers      int
	port         int
	bind         string
	addressFile  string
	pidFile      string
	tokenFile    string
	noAuth       bool
	verbose      int
	logFormat    string
	maxQubits    int
	maxOpenTasks int
	maxClients   int
	maxFrameMiB  int
	idleTimeout  time.Duration
	helloTimeout time.Duration
}

func newFlagSet(o *options, stderr io.Writer) *pflag.FlagSet {
	fs := pflag.NewFlagSet("bqskit-server", pflag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.SortFlags = false
	fs.IntVarP(&o.workers, "workers", "n", runtime.NumCPU(), "workers of the embedded runtime; the default is the number of CPUs this process may use")
	fs.IntVar(&o.workers, "num-workers", runtime.NumCPU(), "same as --workers (BQSKit's bqskit-manager name)")
	fs.IntVarP(&o.port, "port", "p", protocol.DefaultPort, "TCP port for clients (0: any free port; see --address-file)")
	fs.StringVar(&o.bind, "bind", "", "address to listen on (default: all interfaces; 127.0.0.1 for this machine only)")
	fs.StringVar(&o.addressFile, "address-file", "", "write HOST:PORT (one line) to this file once the server accepts clients")
	fs.StringVar(&o.pidFile, "pid-file", "", "write this process's PID to this file")
	fs.StringVar(&o.tokenFile, "token-file", "", "token file; created with mode 0600 and a random token when missing (default ~/.config/bqskit-mpi/token; $"+protocol.TokenEnv+" overrides)")
	fs.BoolVar(&o.noAuth, "no-auth", false, "accept clients without a token; refused unless --bind is a loopback address")
	fs.CountVarP(&o.verbose, "verbose", "v", "log more: -v info, -vv debug (default: warnings and errors)")
	fs.StringVar(&o.logFormat, "log-format", "console", "log format: console or json")
	fs.IntVar(&o.maxQubits, "max-qubits", 1024, "widest circuit accepted")
	fs.IntVar(&o.maxOpenTasks, "max-open-tasks", 64, "unfinished tasks per client")
	fs.IntVar(&o.maxClients, "max-clients", 1024, "concurrent clients")
	fs.IntVar(&o.maxFrameMiB, "max-frame-mib", protocol.DefaultMaxFrame>>20, "largest protocol frame in MiB (bounds the circuit size)")
	fs.DurationVar(&o.idleTimeout, "idle-timeout", 5*time.Minute, "close a client connection with nothing in flight that sends nothing for this long")
	fs.DurationVar(&o.helloTimeout, "hello-timeout", 10*time.Second, "close a connection that does not authenticate within this time")
	fs.Usage = func() {
		fmt.Fprint(stderr, `Usage:
  bqskit-server [--workers N] [--port P] [--bind ADDR] [--address-file F] [--token-file F] [-v]

Runs an embedded bqskit-mpi runtime (one manager, N workers, in this process) and
serves compilations to clients (bqskit-compile --ip, the Go client, the Python
bqskit_mpi package) over the protocol in PROTOCOL.md. Clients authenticate with the
token in the token file (clients read the same file, e.g. on a shared home directory)
or in $BQSKIT_MPI_TOKEN. SIGINT or SIGTERM stops the server: clients are told, their
tasks cancelled. For a cluster job use bqskit-mpi under srun or mpirun.

Flags:
`)
		fs.PrintDefaults()
	}
	return fs
}

type usageError struct{ err error }

func (u usageError) Error() string { return u.err.Error() }

func parseArgs(args []string, stderr io.Writer) (*options, error) {
	o := &options{}
	fs := newFlagSet(o, stderr)
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	switch {
	case fs.NArg() > 0:
		return nil, usageError{fmt.Errorf("unexpected argument %q: this build runs an embedded runtime only (no manager addresses); for several nodes use bqskit-mpi under srun or mpirun", fs.Arg(0))}
	case o.workers < 1:
		return nil, usageError{fmt.Errorf("--workers: want at least 1, got %d", o.workers)}
	case o.port < 0 || o.port > 65535:
		return nil, usageError{fmt.Errorf("--port: want 0 to 65535, got %d", o.port)}
	case o.logFormat != "console" && o.logFormat != "json":
		return nil, usageError{fmt.Errorf("--log-format: want console or json, got %q", o.logFormat)}
	case o.maxFrameMiB < 1 || o.maxFrameMiB > 4095:
		return nil, usageError{fmt.Errorf("--max-frame-mib: want 1 to 4095, got %d", o.maxFrameMiB)}
	case o.maxQubits < 1 || o.maxOpenTasks < 1 || o.maxClients < 1:
		return nil, usageError{errors.New("--max-qubits, --max-open-tasks and --max-clients must be at least 1")}
	case o.idleTimeout <= 0 || o.helloTimeout <= 0:
		return nil, usageError{errors.New("--idle-timeout and --hello-timeout must be positive")}
	}
	if o.noAuth && !gateway.IsLoopback(o.bind) {
		return nil, usageError{fmt.Errorf("--no-auth needs --bind 127.0.0.1 (or ::1): refusing to serve %s without a token", bindName(o.bind))}
	}
	return o, nil
}

func bindName(b string) string {
	if b == "" {
		return "all interfaces"
	}
	return b
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

func run(ctx context.Context, args []string, stderr io.Writer) int {
	o, err := parseArgs(args, stderr)
	if errors.Is(err, pflag.ErrHelp) {
		return exitOK
	}
	if err != nil {
		var ue usageError
		if errors.As(err, &ue) {
			fmt.Fprintf(stderr, "bqskit-server: %v\n", err)
		} else {
			fmt.Fprintln(stderr, "bqskit-server: see --help")
		}
		return exitUsage
	}
	host, _ := os.Hostname()
	log := logging.New("bqskit-server", o.verbose, o.logFormat, stderr).With(zap.String("role", "server"), zap.String("host", host))
	defer log.Sync() //nolint:errcheck // stderr sync errors are not actionable
	if err := serve(ctx, o, log, stderr); err != nil {
		fmt.Fprintf(stderr, "bqskit-server: %v\n", err)
		var ue usageError
		if errors.As(err, &ue) {
			return exitUsage
		}
		return exitFailure
	}
	return exitOK
}

func authName(noAuth bool) string {
	if noAuth {
		return "no authentication"
	}
	return "token authentication"
}

func serve(ctx context.Context, o *options, log *zap.Logger, stderr io.Writer) error {
	cfg := gateway.Config{
		NoAuth:       o.noAuth,
		MaxFrame:     o.maxFrameMiB << 20,
		MaxQubits:    o.maxQubits,
		MaxOpenTasks: o.maxOpenTasks,
		MaxClients:   o.maxClients,
		IdleTimeout:  o.idleTimeout,
		HelloTimeout: o.helloTimeout,
	}
	if !o.noAuth {
		tok, src, created, err := protocol.ServerToken(o.tokenFile, os.Getenv)
		if err != nil {
			return usageError{err}
		}
		cfg.Token = tok
		if created {
			log.Warn("created a new token file; clients read it from there", zap.String("file", src))
		} else {
			log.Info("token", zap.String("source", src))
		}
	}
	if o.pidFile != "" {
		if err := logging.WriteFileAtomic(o.pidFile, []byte(strconv.Itoa(os.Getpid())+"\n")); err != nil {
			return fmt.Errorf("--pid-file: %w", err)
		}
		defer os.Remove(o.pidFile)
	}
	ln, err := net.Listen("tcp", net.JoinHostPort(o.bind, strconv.Itoa(o.port)))
	if err != nil {
		return fmt.Errorf("listen on %s port %d: %w", bindName(o.bind), o.port, err)
	}
	// The runtime outlives ctx: at a signal the gateway first tells the
	// clients and cancels their tasks, then the deferred Stop ends the runtime.
	svc, err := service.StartEmbedded(context.Background(), service.EmbeddedConfig{Workers: o.workers}, log.Named("runtime"))
	if err != nil {
		ln.Close()
		return err
	}
	defer func() {
		if err := svc.Stop(); err != nil {
			log.Error("runtime stop", zap.Error(err))
		}
	}()
	gw, err := gateway.New(cfg, svc, log.Named("gateway"))
	if err != nil {
		ln.Close()
		return err
	}
	addr := advertised(o.bind, ln)
	if o.addressFile != "" {
		if err := logging.WriteFileAtomic(o.addressFile, []byte(addr+"\n")); err != nil {
			ln.Close()
			return fmt.Errorf("--address-file: %w", err)
		}
		defer os.Remove(o.addressFile)
	}
	plural := "s"
	if o.workers == 1 {
		plural = ""
	}
	fmt.Fprintf(stderr, "bqskit-server: serving clients on %s (%d worker%s, %s)\n", addr, o.workers, plural, authName(o.noAuth))
	err = gw.Serve(ctx, ln)
	log.Info("gateway stopped; stopping the runtime")
	return err
}
