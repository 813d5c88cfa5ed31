package service

import (
	"time"

	"github.com/spf13/pflag"

	"github.com/bqskit-mpi/bqskit-mpi/cli"
	"github.com/bqskit-mpi/bqskit-mpi/gateway"
	"github.com/bqskit-mpi/bqskit-mpi/protocol"
	"github.com/bqskit-mpi/bqskit-mpi/qasm"
)

// Limits are the client-facing limits every server command shares, as
// flags (AddFlags): circuit size, sessions, connections waiting for hello,
// timeouts, and the admission budget. Check completes Gateway, which the
// command passes as ServeConfig.Gateway.
type Limits struct {
	Gateway gateway.Config

	maxFrameMiB               int
	sessionQueueMiB, totalMiB int64
}

// Default limits (see gateway.Config for what each bounds).
const (
	DefaultMaxQubits          = 1024
	DefaultMaxOpenTasks       = 64
	DefaultMaxClients         = 1024
	DefaultMaxUnauthenticated = 128
	DefaultMaxUnauthPerHost   = 32
	DefaultHelloTimeout       = 3 * time.Second
	DefaultIdleTimeout        = 5 * time.Minute
	DefaultSessionQueueMiB    = 16
	DefaultSessionQueueGates  = 1 << 20
	DefaultTotalQueueMiB      = 256
	DefaultTotalQueueGates    = 1 << 23
)

// AddFlags adds the limit flags to fs.
func (l *Limits) AddFlags(fs *pflag.FlagSet) {
	g := &l.Gateway
	fs.IntVar(&g.MaxQubits, "max-qubits", DefaultMaxQubits, "widest circuit accepted (qubits in all registers; at most the reader's 4096)")
	fs.IntVar(&g.MaxGates, "max-gates", gateway.DefaultMaxGates, "most operations in a circuit after expanding user gates and register broadcasts (at most the reader's default, which the compile task applies)")
	fs.IntVar(&g.MaxOpenTasks, "max-open-tasks", DefaultMaxOpenTasks, "unfinished tasks per client")
	fs.IntVar(&g.MaxClients, "max-clients", DefaultMaxClients, "concurrent authenticated clients")
	fs.IntVar(&g.MaxUnauthenticated, "max-unauthenticated", DefaultMaxUnauthenticated, "connections waiting for hello at once; a newer one displaces the oldest")
	fs.IntVar(&g.MaxUnauthenticatedPerHost, "max-unauthenticated-per-host", DefaultMaxUnauthPerHost, "connections waiting for hello from one address; a newer one displaces that address's oldest")
	fs.IntVar(&l.maxFrameMiB, "max-frame-mib", protocol.DefaultMaxFrame>>20, "largest protocol frame in MiB (bounds the circuit size)")
	fs.Int64Var(&l.sessionQueueMiB, "session-queue-mib", DefaultSessionQueueMiB, "input MiB one client's unfinished tasks may hold beyond its first; more is answered busy")
	fs.Int64Var(&g.SessionQueuedGates, "session-queue-gates", DefaultSessionQueueGates, "gates one client's unfinished tasks may hold beyond its first; more is answered busy")
	fs.Int64Var(&l.totalMiB, "total-queue-mib", DefaultTotalQueueMiB, "input MiB the unfinished tasks of all clients may hold; more is answered busy")
	fs.Int64Var(&g.TotalQueuedGates, "total-queue-gates", DefaultTotalQueueGates, "gates the unfinished tasks of all clients may hold; more is answered busy")
	fs.DurationVar(&g.IdleTimeout, "idle-timeout", DefaultIdleTimeout, "close a client connection with nothing in flight that sends nothing for this long")
	fs.DurationVar(&g.HelloTimeout, "hello-timeout", DefaultHelloTimeout, "close a connection that does not authenticate within this time")
}

// Check validates the limits and completes Gateway. Its errors are
// cli.UsageErrors.
func (l *Limits) Check() error {
	g := &l.Gateway
	switch {
	case l.maxFrameMiB < 1 || l.maxFrameMiB > 4095:
		return cli.Usagef("--max-frame-mib: want 1 to 4095, got %d", l.maxFrameMiB)
	case g.MaxQubits < 1 || g.MaxQubits > qasm.DefaultMaxQubits:
		return cli.Usagef("--max-qubits: want 1 to %d, got %d", qasm.DefaultMaxQubits, g.MaxQubits)
	case g.MaxGates < 1 || g.MaxGates > qasm.DefaultMaxGates:
		return cli.Usagef("--max-gates: want 1 to %d (the compile task reads circuits with that limit), got %d", qasm.DefaultMaxGates, g.MaxGates)
	case g.MaxOpenTasks < 1 || g.MaxClients < 1 || g.MaxUnauthenticated < 1 || g.MaxUnauthenticatedPerHost < 1:
		return cli.Usagef("--max-open-tasks, --max-clients, --max-unauthenticated and --max-unauthenticated-per-host must be at least 1")
	case l.sessionQueueMiB < 1 || l.totalMiB < l.sessionQueueMiB || l.totalMiB > 1<<30:
		return cli.Usagef("--session-queue-mib (%d) must be at least 1 and at most --total-queue-mib (%d)", l.sessionQueueMiB, l.totalMiB)
	case g.SessionQueuedGates < 1 || g.TotalQueuedGates < g.SessionQueuedGates:
		return cli.Usagef("--session-queue-gates (%d) must be at least 1 and at most --total-queue-gates (%d)", g.SessionQueuedGates, g.TotalQueuedGates)
	case g.IdleTimeout <= 0 || g.HelloTimeout <= 0:
		return cli.Usagef("--idle-timeout and --hello-timeout must be positive")
	}
	g.MaxFrame = l.maxFrameMiB << 20
	g.SessionQueuedBytes = l.sessionQueueMiB << 20
	g.TotalQueuedBytes = l.totalMiB << 20
	return nil
}
