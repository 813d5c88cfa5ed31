package service

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/pflag"
	"go.uber.org/zap"

	"github.com/bqskit-mpi/bqskit-mpi/cli"
	"github.com/bqskit-mpi/bqskit-mpi/gateway"
	"github.com/bqskit-mpi/bqskit-mpi/protocol"
)

// Errors of Serve.
var (
	// ErrRuntimeStopped: the runtime ended by itself while serving.
	ErrRuntimeStopped = errors.New("service: the runtime stopped")
	// ErrGatewayStopped: the gateway ended by itself while serving.
	ErrGatewayStopped = errors.New("service: the gateway stopped")
	// ErrStopTimeout: the runtime did not stop within the shutdown budget.
	ErrStopTimeout = errors.New("service: the runtime did not stop in time")
)

// Endpoint is how a server command meets its clients: the listening
// address, client authentication and the run files. Its flags are the same
// in every server command (AddFlags).
type Endpoint struct {
	Port        int
	Bind        string
	AddressFile string // HOST:PORT, one line, written once clients are served; removed at shutdown
	PIDFile     string // this process's id; removed at shutdown
	TokenFile   string // "" is protocol.DefaultTokenFile
	NoAuth      bool   // only with a loopback Bind
}

// AddFlags adds --port, --bind, --address-file, --pid-file, --token-file
// and --no-auth to fs.
func (e *Endpoint) AddFlags(fs *pflag.FlagSet) {
	fs.IntVarP(&e.Port, "port", "p", protocol.DefaultPort, "TCP port for clients (0: any free port; see --address-file)")
	fs.StringVar(&e.Bind, "bind", "", "address to listen on (default: all interfaces; 127.0.0.1 for this machine only)")
	fs.StringVar(&e.AddressFile, "address-file", "", "write HOST:PORT (one line) to this file once the server accepts clients (removed at shutdown; default: none)")
	fs.StringVar(&e.PIDFile, "pid-file", "", "write the serving process's id to this file (removed at shutdown; default: none)")
	fs.StringVar(&e.TokenFile, "token-file", "", "token file; created with mode 0600 and a random token when missing (default ~/.config/bqskit-mpi/token; $"+protocol.TokenEnv+" overrides)")
	fs.BoolVar(&e.NoAuth, "no-auth", false, "accept clients without a token; refused unless --bind is a loopback address (default: off)")
}

// Check validates the endpoint and makes the run-file paths absolute (the
// process may change directory). Its errors are cli.UsageErrors.
func (e *Endpoint) Check() error {
	if e.Port < 0 || e.Port > 65535 {
		return cli.Usagef("--port: want 0 to 65535, got %d", e.Port)
	}
	if e.NoAuth && !gateway.IsLoopback(e.Bind) {
		return cli.Usagef("--no-auth needs --bind 127.0.0.1 (or ::1): refusing to serve %s without a token", bindName(e.Bind))
	}
	for _, f := range []*string{&e.AddressFile, &e.PIDFile} {
		if *f != "" {
			abs, err := filepath.Abs(*f)
			if err != nil {
				return cli.UsageError{Err: err}
			}
			*f = abs
		}
	}
	return nil
}

// Backend is a started runtime behind the gateway.
type Backend struct {
	// Backend serves the client sessions.
	Backend gateway.Backend
	// Summary describes the runtime in the start-up line, e.g. "4 workers".
	Summary string
	// Runtime, when not nil, is announced to clients in the welcome.
	Runtime *protocol.Runtime
	// Done, when not nil, is closed if the runtime ends by itself.
	Done <-chan struct{}
	// Stop stops the runtime after the gateway has stopped; ctx bounds it
	// when the server has a shutdown budget.
	Stop func(ctx context.Context) error
}

// ServeConfig is what Serve needs besides the endpoint.
type ServeConfig struct {
	// Name prefixes the start-up line on Stderr ("bqskit-server").
	Name string
	// Gateway holds the protocol limits; Serve sets Token and NoAuth.
	Gateway gateway.Config
	// Shutdown bounds the shutdown after ctx ends: the gateway gets half,
	// stopping the runtime the rest (0: no bound).
	Shutdown time.Duration
	Logger   *zap.Logger
	Stderr   io.Writer
}

// Serve runs a server command: it reads or creates the client token, writes
// the pid file, listens, calls start for the runtime, serves clients
// through a gateway, writes the address file and prints the start-up line.
// When ctx ends it tells the clients, cancels their tasks, removes the run
// files and stops the runtime. It returns nil after a clean shutdown; an
// unusable token is a cli.UsageError wrapping protocol.ErrTokenFile.
func Serve(ctx context.Context, ep Endpoint, cfg ServeConfig, start func() (*Backend, error)) error {
	log := cfg.Logger
	if log == nil {
		log = zap.NewNop()
	}
	gcfg := cfg.Gateway
	gcfg.NoAuth = ep.NoAuth
	if !ep.NoAuth {
		tok, src, created, err := protocol.ServerToken(ep.TokenFile, os.Getenv)
		if err != nil {
			return cli.UsageError{Err: err} // the flags or the environment name an unusable token
		}
		gcfg.Token = tok
		if created {
			log.Warn("created a new token file; clients read it from there", zap.String("file", src))
		} else {
			log.Info("token", zap.String("source", src))
		}
	}
	if ep.PIDFile != "" {
		if err := WriteFileAtomic(ep.PIDFile, []byte(strconv.Itoa(os.Getpid())+"\n")); err != nil {
			return fmt.Errorf("--pid-file: %w", err)
		}
		defer os.Remove(ep.PIDFile)
	}
	ln, err := net.Listen("tcp", net.JoinHostPort(ep.Bind, strconv.Itoa(ep.Port)))
	if err != nil {
		return fmt.Errorf("listen on %s port %d: %w", bindName(ep.Bind), ep.Port, err)
	}
	be, err := start()
	if err != nil {
		ln.Close()
		return err
	}
	if be.Runtime != nil {
		rt := *be.Runtime
		if rt.Version == "" {
			rt.Version = cli.Version(cfg.Name)
		}
		gcfg.Runtime = &rt
	}
	gw, err := gateway.New(gcfg, be.Backend, log.Named("gateway"))
	if err != nil {
		ln.Close()
		return errors.Join(err, be.Stop(context.Background()))
	}
	addr := Advertised(ep.Bind, ln)
	gwCtx, gwCancel := context.WithCancel(context.Background())
	defer gwCancel()
	gwDone := make(chan error, 1)
	go func() { gwDone <- gw.Serve(gwCtx, ln) }()
	stop := func(ctx context.Context, cause error) error {
		gwCancel() // tells clients, cancels their tasks, waits for sessions
		if err := <-gwDone; err != nil {
			log.Warn("gateway", zap.Error(err))
		}
		return errors.Join(cause, be.Stop(ctx))
	}
	if ep.AddressFile != "" {
		if err := WriteFileAtomic(ep.AddressFile, []byte(addr+"\n")); err != nil {
			return stop(context.Background(), fmt.Errorf("--address-file: %w", err))
		}
		defer os.Remove(ep.AddressFile)
	}
	fmt.Fprintf(cfg.Stderr, "%s: serving clients on %s (%s, %s)\n", cfg.Name, addr, be.Summary, authName(ep.NoAuth))

	select {
	case <-ctx.Done():
	case err := <-gwDone:
		gwDone <- err // for stop
		return stop(context.Background(), fmt.Errorf("%w: %w", ErrGatewayStopped, err))
	case <-be.Done:
		return stop(context.Background(), ErrRuntimeStopped)
	}
	return shutdown(gwCancel, gwDone, be, ep.AddressFile, cfg.Shutdown, log)
}

// shutdown stops the gateway, then the runtime, within budget (0: none).
func shutdown(gwCancel context.CancelFunc, gwDone <-chan error, be *Backend, addressFile string, budget time.Duration, log *zap.Logger) error {
	ctx := context.Background()
	var gwWait <-chan time.Time
	if budget > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, budget)
		defer cancel()
		gwWait = time.After(budget / 2)
	}
	gwCancel()
	select {
	case err := <-gwDone:
		if err != nil {
			log.Warn("gateway", zap.Error(err))
		}
	case <-gwWait:
		log.Warn("gateway sessions still closing; stopping the runtime anyway")
	}
	if addressFile != "" {
		os.Remove(addressFile)
	}
	log.Info("gateway stopped; stopping the runtime")
	stopped := make(chan error, 1)
	go func() { stopped <- be.Stop(ctx) }()
	select {
	case err := <-stopped:
		if err != nil {
			log.Warn("runtime stop", zap.Error(err))
		}
		return nil
	case <-ctx.Done():
		return ErrStopTimeout
	}
}

// EmbeddedBackend starts an embedded runtime of workers workers
// (StartEmbedded) for Serve.
func EmbeddedBackend(workers int, log *zap.Logger) (*Backend, error) {
	// The runtime outlives Serve's context: at a signal the gateway first
	// tells the clients and cancels their tasks, then Stop ends the runtime.
	svc, err := StartEmbedded(context.Background(), EmbeddedConfig{Workers: workers}, log)
	if err != nil {
		return nil, err
	}
	plural := "s"
	if workers == 1 {
		plural = ""
	}
	return &Backend{
		Backend: svc,
		Summary: fmt.Sprintf("%d worker%s", workers, plural),
		Runtime: &protocol.Runtime{Ranks: 1, Workers: workers, Slots: workers},
		Stop:    func(context.Context) error { return svc.Stop() },
	}, nil
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

// Advertised is the HOST:PORT clients should use for ln, a listener on
// bind: the host name when bind is empty or a wildcard address.
func Advertised(bind string, ln net.Listener) string {
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
