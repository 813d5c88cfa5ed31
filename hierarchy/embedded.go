package hierarchy

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync"

	"go.uber.org/zap"

	"github.com/bqskit-mpi/bqskit-mpi/transport"
)

// EmbeddedConfig configures StartEmbedded.
type EmbeddedConfig struct {
	// Managers is the number of managers under the server (default 1).
	Managers int
	// Workers is the number of workers under each manager (default
	// runtime.GOMAXPROCS(0), which honours CPU affinity and cgroup limits).
	Workers int
	// Slots is the number of compute slots per worker (default 1).
	Slots int
	// Tree, when set, replaces Managers/Workers/Slots with any valid tree.
	Tree *Tree
	// Registry holds the tasks (required).
	Registry *Registry
	// Logger receives runtime logs (nil: none).
	Logger *zap.Logger
	// MaxRetained and MaxEvents: see ServerConfig.
	MaxRetained int
	MaxEvents   int
}

// Embedded is a whole runtime tree running as goroutines in this process
// over the in-memory transport. It embeds the server's client API.
type Embedded struct {
	*Server
	tree *Tree
	net  *transport.MemNetwork
	wg   sync.WaitGroup
	mu   sync.Mutex
	errs []error
	once sync.Once
	err  error
}

// StartEmbedded starts a server, managers and workers as goroutines. Call
// Stop to shut everything down; it waits for every goroutine started here,
// including task functions (which must honour their context).
func StartEmbedded(ctx context.Context, cfg EmbeddedConfig) (*Embedded, error) {
	if cfg.Registry == nil {
		return nil, fmt.Errorf("%w: Registry is required", ErrBadConfig)
	}
	tree := cfg.Tree
	if tree == nil {
		m, w, s := cfg.Managers, cfg.Workers, cfg.Slots
		if m == 0 {
			m = 1
		}
		if w == 0 {
			w = runtime.GOMAXPROCS(0)
		}
		if s == 0 {
			s = 1
		}
		var err error
		if tree, err = BalancedTree(m, w, s); err != nil {
			return nil, err
		}
	}
	e := &Embedded{tree: tree, net: transport.NewMemNetwork(tree.IDs()...)}
	for _, id := range tree.IDs() {
		if id == ServerID {
			continue
		}
		nc := NodeConfig{ID: id, Tree: tree, Transport: e.net.Endpoint(id), Registry: cfg.Registry, Logger: cfg.Logger}
		e.wg.Add(1)
		go func() {
			defer e.wg.Done()
			if err := RunNode(context.Background(), nc); err != nil {
				e.mu.Lock()
				e.errs = append(e.errs, err)
				e.mu.Unlock()
			}
		}()
	}
	srv, err := NewServer(ctx, ServerConfig{Tree: tree, Transport: e.net.Endpoint(ServerID), Registry: cfg.Registry,
		Logger: cfg.Logger, MaxRetained: cfg.MaxRetained, MaxEvents: cfg.MaxEvents})
	if err != nil {
		// Nodes are waiting for a parent that will never come: close the
		// network so that they stop.
		_ = e.net.Close()
		e.wg.Wait()
		return nil, err
	}
	e.Server = srv
	return e, nil
}

// Tree is the tree the runtime runs.
func (e *Embedded) Tree() *Tree { return e.tree }

// Stop shuts the runtime down (see Server.Stop), waits for every node and
// task goroutine, and closes the in-memory network. Pending Result calls
// fail with ErrShutdown. Safe to call more than once.
func (e *Embedded) Stop() error {
	e.once.Do(func() {
		err := e.Server.Stop()
		e.wg.Wait()
		_ = e.net.Close()
		e.mu.Lock()
		e.err = errors.Join(append([]error{err}, e.errs...)...)
		e.mu.Unlock()
	})
	return e.err
}
