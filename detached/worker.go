package detached

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"strconv"
	"sync"

	"go.uber.org/zap"

	"github.com/bqskit-mpi/bqskit-mpi/hierarchy"
	"github.com/bqskit-mpi/bqskit-mpi/pinning"
	"github.com/bqskit-mpi/bqskit-mpi/tcptree"
	"github.com/bqskit-mpi/bqskit-mpi/transport/tcp"
)

// LabelEnv is the environment variable whose value a worker reports into
// the tree (the server's tree lines show it): name the environment a
// group of workers was started with, e.g. BQSKIT_WORKER_LABEL=gpu0.
const LabelEnv = "BQSKIT_WORKER_LABEL"

// ErrNoParent: a manager or worker lost its parent and stopped.
var ErrNoParent = errors.New("detached: parent lost")

// WorkerConfig configures RunWorker (bqskit-worker).
type WorkerConfig struct {
	// Workers is the number of worker nodes in this process (each one
	// link to the manager and one compute slot).
	Workers int
	// Port is the manager's worker port on this host (127.0.0.1).
	Port int
	// CPUs pins the process (zero Spec: no pinning); see PinWorkers.
	CPUs  pinning.Spec
	Links Links
	// Logger is the process's logger.
	Logger *zap.Logger
}

// RunWorker runs cfg.Workers worker nodes under the manager listening on
// 127.0.0.1:cfg.Port until the runtime shuts down (nil), ctx ends (nil:
// the nodes stop cleanly) or the manager is lost (an error wrapping
// ErrNoParent). Connecting retries until cfg.Links.ConnectTimeout.
func RunWorker(ctx context.Context, cfg WorkerConfig) error {
	log := cfg.Logger
	if log == nil {
		log = zap.NewNop()
	}
	if cfg.Workers < 1 {
		return fmt.Errorf("detached: %d workers: want at least 1", cfg.Workers)
	}
	if cpus, err := PinWorkers(cfg.CPUs, cfg.Workers); err != nil {
		return err
	} else if cpus != nil {
		log.Info("pinned", zap.String("cpus", pinning.FormatList(cpus)))
	}
	opts, err := cfg.Links.options(log)
	if err != nil {
		return err
	}
	reg, err := registry(log)
	if err != nil {
		return err
	}
	label := os.Getenv(LabelEnv)
	host := hostname()
	log.Info("worker process starting", zap.Int("workers", cfg.Workers), zap.String("label", label), zap.Int("pid", os.Getpid()))
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(cfg.Port))

	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	errs := make([]error, cfg.Workers)
	var wg sync.WaitGroup
	for i := range cfg.Workers {
		wg.Go(func() {
			errs[i] = runWorkerNode(ctx, addr, host, label, cfg.Links, opts, reg, log)
			if errs[i] != nil {
				cancel(errs[i]) // one node failing stops the others
			}
		})
	}
	wg.Wait()
	if err := context.Cause(ctx); err != nil && !errors.Is(err, context.Canceled) {
		return err
	}
	return errors.Join(errs...)
}

func runWorkerNode(ctx context.Context, addr, host, label string, links Links, opts tcp.Options, reg *hierarchy.Registry, log *zap.Logger) error {
	dctx, cancel := context.WithTimeout(ctx, links.ConnectTimeout)
	defer cancel()
	c, err := tcp.Dial(dctx, addr, opts)
	if err != nil {
		if ctx.Err() != nil {
			return nil
		}
		return fmt.Errorf("detached: worker: manager at %s: %w", addr, err)
	}
	leaf := tcptree.Leaf(1, host)
	leaf.Nodes[0].PID, leaf.Nodes[0].Label = os.Getpid(), label
	tree, id, err := tcptree.Join(ctx, c, leaf)
	if err != nil {
		_ = c.Close()
		if ctx.Err() != nil {
			return nil
		}
		return fmt.Errorf("detached: worker: %w", err)
	}
	tr, err := tcptree.Link(id, tree, c, nil, opts)
	if err != nil {
		return err
	}
	log.Info("worker joined the runtime", zap.Int32("node", int32(id)), zap.Int("nodes", tree.Len()))
	err = hierarchy.RunNode(ctx, hierarchy.NodeConfig{ID: id, Tree: tree, Transport: tr, Registry: reg, Logger: log.Named("runtime")})
	_ = tr.Close()
	return nodeExit(err)
}

// nodeExit maps RunNode's result: a shutdown or a signal is a clean end.
func nodeExit(err error) error {
	switch {
	case err == nil, errors.Is(err, context.Canceled):
		return nil
	case errors.Is(err, hierarchy.ErrParentLost):
		return fmt.Errorf("%w: %w", ErrNoParent, err)
	}
	return err
}

// PinWorkers pins this process for n workers per spec and returns the
// cores (nil: not pinned). "auto": n cores of those the process may use,
// starting at n times the node-local rank a launcher announced (0
// without one), wrapping around; a list: exactly those cores (they must
// be allowed). GOMAXPROCS becomes the number of cores.
func PinWorkers(spec pinning.Spec, n int) ([]int, error) {
	if spec.IsZero() {
		return nil, nil
	}
	allowed, err := pinning.Allowed()
	if err != nil {
		return nil, err
	}
	var cpus []int
	if spec.Auto {
		local, _ := pinning.LocalRankFromEnv()
		seen := map[int]bool{}
		for i := range n {
			c := allowed[(local*n+i)%len(allowed)]
			if !seen[c] {
				seen[c] = true
				cpus = append(cpus, c)
			}
		}
	} else if cpus, err = pinning.Select(spec, 0, 1, allowed); err != nil {
		return nil, err
	}
	if err := pinning.Pin(cpus, len(cpus)); err != nil {
		return nil, err
	}
	return cpus, nil
}
