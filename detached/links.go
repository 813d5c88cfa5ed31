package detached

import (
	"fmt"
	"os"
	"time"

	"github.com/spf13/pflag"
	"go.uber.org/zap"

	"github.com/bqskit-mpi/bqskit-mpi/cli"
	"github.com/bqskit-mpi/bqskit-mpi/hierarchy"
	"github.com/bqskit-mpi/bqskit-mpi/protocol"
	"github.com/bqskit-mpi/bqskit-mpi/service"
	"github.com/bqskit-mpi/bqskit-mpi/transport"
	"github.com/bqskit-mpi/bqskit-mpi/transport/tcp"
)

// Links is how a detached command's runtime links behave: the cluster
// token, how long to wait for peers, and the liveness deadline. Its flags
// are the same in every detached command (AddFlags).
type Links struct {
	// TokenFile names the cluster token file ("": the default,
	// ~/.config/bqskit-mpi/token; $BQSKIT_MPI_TOKEN overrides). The
	// server's --token-file (service.Endpoint) is the same file.
	TokenFile string
	// ConnectTimeout bounds the wait for peers that are not up yet.
	ConnectTimeout time.Duration
	// HeartbeatDeadline: a link silent for this long is lost (its peer
	// stopped, hung or unreachable).
	HeartbeatDeadline time.Duration
}

// AddFlags adds --connect-timeout and --heartbeat-deadline, and
// --token-file when withToken (the server has its own).
func (l *Links) AddFlags(fs *pflag.FlagSet, withToken bool, connectUsage string) {
	if withToken {
		fs.StringVar(&l.TokenFile, "token-file", "", "cluster token file, the same on every host of the runtime; created with mode 0600 and a random token when missing (default ~/.config/bqskit-mpi/token; $"+protocol.TokenEnv+" overrides)")
	}
	fs.DurationVar(&l.ConnectTimeout, "connect-timeout", tcp.DefaultConnectTimeout, connectUsage)
	fs.DurationVar(&l.HeartbeatDeadline, "heartbeat-deadline", tcp.DefaultHeartbeat.Deadline, "a runtime link silent for this long is lost (its process stopped or unreachable); its tasks run again elsewhere. Heartbeats go every second (a quarter of the deadline when shorter)")
}

// Check validates the flags' values (cli.UsageErrors).
func (l *Links) Check() error {
	switch {
	case l.ConnectTimeout <= 0:
		return cli.Usagef("--connect-timeout: want a positive duration, got %v", l.ConnectTimeout)
	case l.HeartbeatDeadline < 100*time.Millisecond:
		return cli.Usagef("--heartbeat-deadline: want at least 100ms, got %v", l.HeartbeatDeadline)
	}
	return nil
}

// Heartbeat is the transport liveness rule of the deadline.
func (l Links) Heartbeat() transport.Heartbeat {
	return transport.Heartbeat{Interval: min(time.Second, l.HeartbeatDeadline/4), Deadline: l.HeartbeatDeadline}
}

// options reads the cluster token and returns the link options; the token
// is created when missing (the first command started on a shared home
// writes it; the others read it).
func (l Links) options(log *zap.Logger) (tcp.Options, error) {
	tok, src, created, err := protocol.ServerToken(l.TokenFile, os.Getenv)
	if err != nil {
		return tcp.Options{}, cli.UsageError{Err: fmt.Errorf("cluster token: %w", err)}
	}
	if created {
		log.Warn("created a new cluster token file; every host of the runtime must use the same token", zap.String("file", src))
	} else {
		log.Info("cluster token", zap.String("source", src))
	}
	return tcp.Options{Token: []byte(tok), Logger: log.Named("link"), Heartbeat: l.Heartbeat()}, nil
}

// registry is the task registry of every detached process.
func registry(log *zap.Logger) (*hierarchy.Registry, error) {
	reg := hierarchy.NewRegistry()
	if err := service.RegisterCompiler(reg, log.Named("compiler")); err != nil {
		return nil, fmt.Errorf("registering the compiler's tasks: %w", err)
	}
	return reg, nil
}

func hostname() string {
	h, err := os.Hostname()
	if err != nil || h == "" {
		return "localhost"
	}
	return h
}
