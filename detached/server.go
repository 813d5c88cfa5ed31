package detached

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"go.uber.org/zap"

	"github.com/bqskit-mpi/bqskit-mpi/hierarchy"
	"github.com/bqskit-mpi/bqskit-mpi/service"
	"github.com/bqskit-mpi/bqskit-mpi/tcptree"
	"github.com/bqskit-mpi/bqskit-mpi/transport"
)

// ServerConfig configures StartServer (bqskit-server ADDR...).
type ServerConfig struct {
	// Managers are the HOST:PORT addresses of the top managers
	// (ParseAddrs), in the order the tree numbers them.
	Managers []string
	// Links: the token file is the gateway's (--token-file).
	Links  Links
	Logger *zap.Logger
	// Name prefixes the tree lines on Stderr ("bqskit-server").
	Name   string
	Stderr io.Writer
}

// StartServer connects to the managers (each retried with back-off until
// Links.ConnectTimeout, in parallel, so managers may start after the
// server), builds the tree from their subtrees, prints it (one line per
// node on Stderr), and starts the runtime server over it. The Backend
// serves clients through service.Serve; its Stop shuts the whole tree
// down (every manager and worker exits).
func StartServer(ctx context.Context, cfg ServerConfig) (*service.Backend, error) {
	log := cfg.Logger
	if log == nil {
		log = zap.NewNop()
	}
	if len(cfg.Managers) == 0 {
		return nil, errors.New("detached: no manager addresses")
	}
	opts, err := cfg.Links.options(log)
	if err != nil {
		return nil, err
	}
	reg, err := registry(log)
	if err != nil {
		return nil, err
	}
	log.Info("connecting to the managers", zap.Strings("managers", cfg.Managers), zap.Duration("timeout", cfg.Links.ConnectTimeout))
	conns, subs, err := dialManagers(ctx, cfg.Managers, cfg.Links.ConnectTimeout, opts)
	if err != nil {
		if ctx.Err() != nil {
			return nil, fmt.Errorf("detached: interrupted while connecting to the managers: %w", ctx.Err())
		}
		return nil, err
	}
	closeAll := func() {
		for _, c := range conns {
			_ = c.Close()
		}
	}
	host := hostname()
	tree, err := tcptree.BuildTree(host, subs)
	if err != nil {
		for _, c := range conns {
			_ = tcptree.Reject(ctx, c, err)
		}
		closeAll()
		return nil, err
	}
	all := tcptree.Combine(host, subs)
	all.Nodes[0].PID = os.Getpid()
	root, _ := tree.Node(hierarchy.ServerID)
	for i, c := range conns {
		if err := tcptree.Assign(ctx, c, tree, root.Children[i]); err != nil {
			closeAll()
			return nil, fmt.Errorf("detached: manager %s: %w", cfg.Managers[i], err)
		}
	}
	tr, err := tcptree.Link(hierarchy.ServerID, tree, nil, conns, opts)
	if err != nil {
		return nil, err
	}
	for _, l := range TreeLines(tree, all) {
		fmt.Fprintf(cfg.Stderr, "%s: tree: %s\n", cfg.Name, l)
	}
	// The runtime outlives ctx: at a signal the gateway first tells the
	// clients and cancels their tasks, then Stop shuts the tree down.
	srv, err := hierarchy.NewServer(context.Background(), hierarchy.ServerConfig{Tree: tree, Transport: tr, Registry: reg, Logger: log.Named("runtime")})
	if err != nil {
		_ = tr.Close()
		return nil, err
	}
	svc := service.New(service.HierarchyRuntime(srv), log.Named("service"))
	workers := 0
	for _, n := range all.Nodes {
		if n.Slots > 0 {
			workers++
		}
	}
	return &service.Backend{
		Backend: svc,
		Summary: fmt.Sprintf("%d managers, %d workers, %d slots, depth %d", tree.Len()-1-workers, workers, tree.TotalSlots(), tree.Depth()),
		Done:    srv.Done(),
		Stop: func(context.Context) error {
			// Shutdown goes down the tree; the managers close their
			// links once their subtrees stopped.
			err := errors.Join(srv.Stop(), svc.Stop())
			return errors.Join(err, tr.CloseAfterPeers(closeWait, root.Children))
		},
	}, nil
}

// TreeLines describes the tree, one line per node below the server:
// "node 2 worker host=h pid=123 label=gpu0 parent=1" and
// "node 1 manager host=h pid=100 children=[2 3] slots-below=2".
// all is the tree's nodes in id order (tcptree.Combine of the subtrees).
func TreeLines(tree *hierarchy.Tree, all tcptree.Subtree) []string {
	var out []string
	for id := 1; id < len(all.Nodes); id++ {
		n := all.Nodes[id]
		tn, _ := tree.Node(tcpPeer(id))
		var b strings.Builder
		fmt.Fprintf(&b, "node %d %v host=%s pid=%d", id, tree.Role(tcpPeer(id)), n.Host, n.PID)
		if n.Label != "" {
			fmt.Fprintf(&b, " label=%s", strings.Join(strings.Fields(n.Label), "_"))
		}
		if n.Slots > 0 {
			fmt.Fprintf(&b, " slots=%d parent=%d", n.Slots, n.Parent)
		} else {
			ch := make([]string, len(tn.Children))
			for i, c := range tn.Children {
				ch[i] = fmt.Sprint(c)
			}
			fmt.Fprintf(&b, " children=[%s] slots-below=%d", strings.Join(ch, " "), tree.SubtreeSlots(tcpPeer(id)))
		}
		out = append(out, b.String())
	}
	return out
}

func tcpPeer(id int) transport.PeerID { return transport.PeerID(id) }
