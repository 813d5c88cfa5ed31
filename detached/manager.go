package detached

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"strconv"
	"time"

	"go.uber.org/zap"

	"github.com/bqskit-mpi/bqskit-mpi/hierarchy"
	"github.com/bqskit-mpi/bqskit-mpi/service"
	"github.com/bqskit-mpi/bqskit-mpi/tcptree"
	"github.com/bqskit-mpi/bqskit-mpi/transport/tcp"
)

// ManagerConfig configures RunManager (bqskit-manager).
type ManagerConfig struct {
	// Workers is the number of worker nodes to spawn (one bqskit-worker
	// process each) or, with OnlyConnect, to wait for.
	Workers int
	// OnlyConnect: accept Workers workers started by bqskit-worker
	// instead of spawning them.
	OnlyConnect bool
	// Managers, when not empty, are the HOST:PORT addresses of lower
	// managers to manage instead of workers.
	Managers []string
	// Port is the port the parent connects to (0: any free port);
	// WorkerPort the port workers connect to on 127.0.0.1 (0: any).
	Port, WorkerPort int
	// AddressFile, when set, receives HOST:PORT of the parent port once
	// the manager listens (removed at exit).
	AddressFile string
	// WorkerCommand is the program and leading arguments that start
	// spawned workers (e.g. the path of bqskit-worker); RunManager adds
	// "1 --port P" and the link flags, and WorkerArgs.
	WorkerCommand []string
	WorkerArgs    []string
	Links         Links
	Logger        *zap.Logger
}

// closeWait bounds how long a parent waits, after a shutdown, for its
// children to close their links before it closes them.
const closeWait = 1500 * time.Millisecond

// spawnGrace is how long a manager waits for its spawned workers to exit
// after the runtime stopped before it kills them.
const spawnGrace = 2 * time.Second

// RunManager runs a manager: it listens for its parent, gathers its
// children (spawned workers, workers that connect, or lower managers it
// dials), reports the subtree to the parent once it connects, and runs
// the manager node until the runtime shuts down (nil) or ctx ends (nil,
// its subtree stopped). A lost parent returns an error wrapping
// ErrNoParent; its children then stop by themselves.
func RunManager(ctx context.Context, cfg ManagerConfig) error {
	log := cfg.Logger
	if log == nil {
		log = zap.NewNop()
	}
	opts, err := cfg.Links.options(log)
	if err != nil {
		return err
	}
	reg, err := registry(log)
	if err != nil {
		return err
	}
	up, err := tcp.Listen(net.JoinHostPort("", strconv.Itoa(cfg.Port)), opts)
	if err != nil {
		return err
	}
	defer up.Close()
	upAddr := advertised(up.Addr())
	if cfg.AddressFile != "" {
		if err := service.WriteFileAtomic(cfg.AddressFile, []byte(upAddr+"\n")); err != nil {
			return fmt.Errorf("--address-file: %w", err)
		}
		defer os.Remove(cfg.AddressFile)
	}
	log.Info("listening for the parent", zap.String("address", upAddr))

	var kids *spawned
	defer func() { kids.stop(log) }()
	var conns []*tcp.Conn
	var subs []tcptree.Subtree
	closeConns := func() {
		for _, c := range conns {
			_ = c.Close()
		}
	}
	if len(cfg.Managers) > 0 {
		conns, subs, err = dialManagers(ctx, cfg.Managers, cfg.Links.ConnectTimeout, opts)
	} else {
		conns, subs, kids, err = gatherWorkers(ctx, cfg, opts, log)
	}
	if err != nil {
		closeConns()
		if ctx.Err() != nil {
			return nil
		}
		return err
	}
	sub := tcptree.Combine(hostname(), subs)
	sub.Nodes[0].PID = os.Getpid()
	log.Info("children joined; waiting for the parent", zap.Int("children", len(conns)), zap.Int("nodes_below", len(sub.Nodes)-1), zap.String("address", upAddr))

	p, err := up.Accept(ctx)
	if err != nil {
		closeConns()
		if ctx.Err() != nil {
			return nil
		}
		return err
	}
	_ = up.Close() // one parent only
	tree, id, err := tcptree.Join(ctx, p, sub)
	if err != nil {
		_ = p.Close()
		closeConns()
		if ctx.Err() != nil {
			return nil
		}
		return err
	}
	me, _ := tree.Node(id)
	actx, cancel := context.WithTimeout(ctx, cfg.Links.ConnectTimeout)
	for i, c := range conns {
		if err = tcptree.Assign(actx, c, tree, me.Children[i]); err != nil {
			// The child is lost: the tree stands, its loss is handled
			// like any other once the node runs.
			log.Warn("could not tell a child its place in the tree", zap.Int32("child", int32(me.Children[i])), zap.Error(err))
		}
	}
	cancel()
	tr, err := tcptree.Link(id, tree, p, conns, opts)
	if err != nil {
		return err
	}
	log.Info("manager running", zap.Int32("node", int32(id)), zap.Int("nodes", tree.Len()))
	err = hierarchy.RunNode(ctx, hierarchy.NodeConfig{ID: id, Tree: tree, Transport: tr, Registry: reg, Logger: log.Named("runtime")})
	if err == nil {
		// A shutdown: the children close their links when they stopped.
		_ = tr.CloseAfterPeers(closeWait, me.Children)
	} else {
		_ = tr.Close()
	}
	return nodeExit(err)
}

// dialManagers connects to the lower managers (in parallel, each retried
// until timeout) and reads their subtrees, in the order of addrs.
func dialManagers(ctx context.Context, addrs []string, timeout time.Duration, opts tcp.Options) ([]*tcp.Conn, []tcptree.Subtree, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	conns := make([]*tcp.Conn, len(addrs))
	subs := make([]tcptree.Subtree, len(addrs))
	errs := make([]error, len(addrs))
	done := make(chan struct{})
	for i, a := range addrs {
		go func() {
			defer func() { done <- struct{}{} }()
			c, err := tcp.Dial(ctx, a, opts)
			if err != nil {
				errs[i] = fmt.Errorf("manager %s: %w", a, err)
				cancel()
				return
			}
			conns[i] = c
			if subs[i], err = tcptree.ReadJoin(ctx, c); err != nil {
				errs[i] = fmt.Errorf("manager %s: %w", a, err)
				cancel()
			}
		}()
	}
	for range addrs {
		<-done
	}
	if err := errors.Join(errs...); err != nil {
		for _, c := range conns {
			if c != nil {
				_ = c.Close()
			}
		}
		return nil, nil, err
	}
	return conns, subs, nil
}

// gatherWorkers spawns cfg.Workers workers (unless OnlyConnect) and
// accepts that many worker links on the worker port.
func gatherWorkers(ctx context.Context, cfg ManagerConfig, opts tcp.Options, log *zap.Logger) ([]*tcp.Conn, []tcptree.Subtree, *spawned, error) {
	if cfg.Workers < 1 {
		return nil, nil, nil, fmt.Errorf("detached: %d workers: want at least 1", cfg.Workers)
	}
	wl, err := tcp.Listen(net.JoinHostPort("127.0.0.1", strconv.Itoa(cfg.WorkerPort)), opts)
	if err != nil {
		return nil, nil, nil, err
	}
	defer wl.Close() // workers beyond the count are refused
	port := wl.Addr().(*net.TCPAddr).Port
	wctx := ctx
	var kids *spawned
	if !cfg.OnlyConnect {
		var cancel context.CancelCauseFunc
		wctx, cancel = context.WithCancelCause(ctx)
		defer cancel(nil)
		args := append([]string{"1", "--port", strconv.Itoa(port),
			"--connect-timeout", cfg.Links.ConnectTimeout.String(),
			"--heartbeat-deadline", cfg.Links.HeartbeatDeadline.String()}, cfg.WorkerArgs...)
		kids, err = spawn(cfg.WorkerCommand, args, cfg.Workers, opts.Token, cancel, log)
		if err != nil {
			return nil, nil, kids, err
		}
		var tcancel context.CancelFunc
		wctx, tcancel = context.WithTimeout(wctx, cfg.Links.ConnectTimeout)
		defer tcancel()
		log.Info("spawned workers", zap.Int("workers", cfg.Workers), zap.Ints("pids", kids.pids()), zap.Int("worker_port", port))
	} else {
		log.Info("waiting for workers started by bqskit-worker", zap.Int("workers", cfg.Workers), zap.Int("worker_port", port))
	}
	var conns []*tcp.Conn
	var subs []tcptree.Subtree
	fail := func(err error) ([]*tcp.Conn, []tcptree.Subtree, *spawned, error) {
		for _, c := range conns {
			_ = c.Close()
		}
		if cause := context.Cause(wctx); cause != nil && ctx.Err() == nil && !errors.Is(cause, context.Canceled) && !errors.Is(cause, context.DeadlineExceeded) {
			err = cause
		}
		return nil, nil, kids, fmt.Errorf("detached: %d of %d workers joined: %w", len(conns), cfg.Workers, err)
	}
	for len(conns) < cfg.Workers {
		c, err := wl.Accept(wctx)
		if err != nil {
			return fail(err)
		}
		jctx, jcancel := context.WithTimeout(wctx, cfg.Links.ConnectTimeout)
		sub, err := tcptree.ReadJoin(jctx, c)
		jcancel()
		if err != nil {
			_ = c.Close()
			if wctx.Err() != nil {
				return fail(err)
			}
			log.Warn("a worker link sent no valid join; dropped", zap.Error(err))
			continue
		}
		if len(sub.Nodes) != 1 || sub.Nodes[0].Slots < 1 {
			err := fmt.Errorf("%w: a worker link from %v sent a subtree of %d nodes", tcptree.ErrBadSubtree, c.RemoteAddr(), len(sub.Nodes))
			_ = tcptree.Reject(wctx, c, err)
			_ = c.Close()
			log.Warn("refused a join on the worker port", zap.Error(err))
			continue
		}
		conns, subs = append(conns, c), append(subs, sub)
		log.Info("worker joined", zap.Int("joined", len(conns)), zap.Int("of", cfg.Workers), zap.Int("pid", sub.Nodes[0].PID), zap.String("label", sub.Nodes[0].Label))
	}
	return conns, subs, kids, nil
}

// advertised is HOST:PORT for a listener on all interfaces.
func advertised(a net.Addr) string {
	return net.JoinHostPort(hostname(), strconv.Itoa(a.(*net.TCPAddr).Port))
}
