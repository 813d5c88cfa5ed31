package service_test

import (
	"errors"
	"testing"

	"github.com/spf13/pflag"

	"github.com/bqskit-mpi/bqskit-mpi/cli"
	"github.com/bqskit-mpi/bqskit-mpi/gateway"
	"github.com/bqskit-mpi/bqskit-mpi/qasm"
	"github.com/bqskit-mpi/bqskit-mpi/service"
)

func TestLimitsFlags(t *testing.T) {
	if gateway.DefaultMaxGates != qasm.DefaultMaxGates {
		t.Fatalf("gateway.DefaultMaxGates %d differs from the reader's %d", gateway.DefaultMaxGates, qasm.DefaultMaxGates)
	}
	parse := func(args ...string) (*service.Limits, error) {
		var l service.Limits
		fs := pflag.NewFlagSet("x", pflag.ContinueOnError)
		l.AddFlags(fs)
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		return &l, l.Check()
	}
	l, err := parse()
	if err != nil {
		t.Fatal(err)
	}
	g := l.Gateway
	if g.MaxQubits != 1024 || g.MaxGates != qasm.DefaultMaxGates || g.SessionQueuedBytes != 16<<20 || g.TotalQueuedBytes != 256<<20 ||
		g.MaxUnauthenticated != 128 || g.MaxUnauthenticatedPerHost != 32 || g.HelloTimeout.Seconds() != 3 || g.MaxFrame != 64<<20 {
		t.Fatalf("defaults: %+v", g)
	}
	if l, err = parse("--max-gates", "1000", "--session-queue-mib", "2", "--max-unauthenticated", "5"); err != nil ||
		l.Gateway.MaxGates != 1000 || l.Gateway.SessionQueuedBytes != 2<<20 || l.Gateway.MaxUnauthenticated != 5 {
		t.Fatalf("set: %+v %v", l, err)
	}
	for _, bad := range [][]string{
		{"--max-gates", "0"}, {"--max-gates", "600000"}, {"--max-qubits", "5000"}, {"--max-unauthenticated", "0"},
		{"--session-queue-mib", "300"}, {"--session-queue-gates", "0"}, {"--hello-timeout", "0s"}, {"--max-frame-mib", "0"},
	} {
		var ue cli.UsageError
		if _, err := parse(bad...); !errors.As(err, &ue) {
			t.Errorf("%v: want a usage error, got %v", bad, err)
		}
	}
}
