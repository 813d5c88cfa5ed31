package tcptree

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/bqskit-mpi/bqskit-mpi/hierarchy"
	"github.com/bqskit-mpi/bqskit-mpi/transport"
	"github.com/bqskit-mpi/bqskit-mpi/transport/tcp"
)

// Sentinel errors.
var (
	// ErrBadSubtree reports an invalid join message.
	ErrBadSubtree = errors.New("tcptree: invalid subtree")
	// ErrRejected reports an error answer from the parent.
	ErrRejected = errors.New("tcptree: parent rejected the join")
	// ErrProtocol reports an unexpected message.
	ErrProtocol = errors.New("tcptree: protocol error")
)

// SubNode is one node of a subtree description.
type SubNode struct {
	// Parent is the index of the parent in the subtree's node list; -1
	// for the subtree's root (always node 0).
	Parent int `json:"parent"`
	// Slots is > 0 for a worker, 0 for a manager.
	Slots int    `json:"slots"`
	Host  string `json:"host,omitempty"`
	// PID is the node's process id and Label its process's
	// BQSKIT_WORKER_LABEL (informational: the server's tree lines show
	// them so that operators and tests can tell processes apart).
	PID   int    `json:"pid,omitempty"`
	Label string `json:"label,omitempty"`
}

// Subtree describes a subtree, nodes in preorder.
type Subtree struct {
	Nodes []SubNode `json:"nodes"`
}

// maxNodes bounds a subtree (ids must fit hierarchy.MaxNodeID).
const maxNodes = 1 << 20

// Leaf is the subtree of one worker with slots compute slots.
func Leaf(slots int, host string) Subtree {
	return Subtree{Nodes: []SubNode{{Parent: -1, Slots: slots, Host: host}}}
}

// Combine is the subtree of a manager on host over the children's
// subtrees (in the order of subs).
func Combine(host string, subs []Subtree) Subtree {
	nodes := []SubNode{{Parent: -1, Host: host}}
	for _, s := range subs {
		off := len(nodes)
		for _, n := range s.Nodes {
			p := n.Parent + off
			if n.Parent < 0 {
				p = 0
			}
			n.Parent = p
			nodes = append(nodes, n)
		}
	}
	return Subtree{Nodes: nodes}
}

func (s Subtree) check() error {
	if len(s.Nodes) == 0 || len(s.Nodes) > maxNodes {
		return fmt.Errorf("%w: %d nodes", ErrBadSubtree, len(s.Nodes))
	}
	if s.Nodes[0].Parent != -1 {
		return fmt.Errorf("%w: node 0 has parent %d, want -1", ErrBadSubtree, s.Nodes[0].Parent)
	}
	for i, n := range s.Nodes[1:] {
		if n.Parent < 0 || n.Parent > i {
			return fmt.Errorf("%w: node %d has parent %d (not an earlier node)", ErrBadSubtree, i+1, n.Parent)
		}
	}
	return nil
}

// BuildTree numbers the server (on host) and its children's subtrees in
// preorder and returns the validated tree.
func BuildTree(host string, subs []Subtree) (*hierarchy.Tree, error) {
	all := Combine(host, subs)
	for i, s := range subs {
		if err := s.check(); err != nil {
			return nil, fmt.Errorf("child %d: %w", i, err)
		}
	}
	nodes := make([]hierarchy.TreeNode, len(all.Nodes))
	for i, n := range all.Nodes {
		nodes[i] = hierarchy.TreeNode{ID: transport.PeerID(i), Parent: transport.PeerID(n.Parent), Slots: n.Slots, Host: n.Host}
		if n.Parent < 0 {
			nodes[i].Parent = hierarchy.NoParent
		} else {
			nodes[n.Parent].Children = append(nodes[n.Parent].Children, transport.PeerID(i))
		}
	}
	return hierarchy.NewTree(nodes)
}

type message struct {
	Type  string               `json:"type"` // join, assign, error
	Join  *Subtree             `json:"join,omitempty"`
	Tree  []hierarchy.TreeNode `json:"tree,omitempty"`
	ID    transport.PeerID     `json:"id"`
	Error string               `json:"error,omitempty"`
}

// withDeadline bounds c's reads and writes by ctx's deadline and closes
// the wait early when ctx is cancelled.
func withDeadline(ctx context.Context, c *tcp.Conn, f func() error) error {
	if d, ok := ctx.Deadline(); ok {
		_ = c.SetDeadline(d)
	}
	stop := context.AfterFunc(ctx, func() { _ = c.SetDeadline(time.Unix(1, 0)) })
	err := f()
	stop()
	_ = c.SetDeadline(time.Time{})
	if err == nil {
		return nil
	}
	if ctx.Err() != nil {
		return fmt.Errorf("%w (%v)", ctx.Err(), err)
	}
	if d, ok := ctx.Deadline(); ok && !time.Now().Before(d) {
		// The connection's deadline (the same instant) fired first.
		return fmt.Errorf("%w (%v)", context.DeadlineExceeded, err)
	}
	return err
}

func send(c *tcp.Conn, m message) error {
	b, err := json.Marshal(m)
	if err != nil {
		return err
	}
	return c.WriteMsg(b)
}

func recv(c *tcp.Conn) (message, error) {
	var m message
	b, err := c.ReadMsg()
	if err != nil {
		return m, err
	}
	if err := json.Unmarshal(b, &m); err != nil {
		return m, fmt.Errorf("%w: %v", ErrProtocol, err)
	}
	return m, nil
}

// ReadJoin waits for a child's join message on c.
func ReadJoin(ctx context.Context, c *tcp.Conn) (Subtree, error) {
	var sub Subtree
	err := withDeadline(ctx, c, func() error {
		m, err := recv(c)
		if err != nil {
			return err
		}
		if m.Type != "join" || m.Join == nil {
			return fmt.Errorf("%w: got %q, want a join", ErrProtocol, m.Type)
		}
		sub = *m.Join
		return sub.check()
	})
	if err != nil {
		return Subtree{}, fmt.Errorf("tcptree: join from %v: %w", c.RemoteAddr(), err)
	}
	return sub, nil
}

// Join sends this node's subtree to its parent on c and waits for the
// whole tree and this node's id.
func Join(ctx context.Context, c *tcp.Conn, sub Subtree) (*hierarchy.Tree, transport.PeerID, error) {
	if err := sub.check(); err != nil {
		return nil, 0, err
	}
	var tree *hierarchy.Tree
	var id transport.PeerID
	err := withDeadline(ctx, c, func() error {
		if err := send(c, message{Type: "join", Join: &sub}); err != nil {
			return err
		}
		m, err := recv(c)
		if err != nil {
			return err
		}
		switch m.Type {
		case "assign":
		case "error":
			return fmt.Errorf("%w: %s", ErrRejected, m.Error)
		default:
			return fmt.Errorf("%w: got %q, want an assignment", ErrProtocol, m.Type)
		}
		if tree, err = hierarchy.NewTree(m.Tree); err != nil {
			return err
		}
		id = m.ID
		n, ok := tree.Node(id)
		if !ok || id == hierarchy.ServerID || len(n.Children) > 0 != (sub.Nodes[0].Slots == 0) || tree.SubtreeSlots(id) != sub.slots() {
			return fmt.Errorf("%w: assigned id %d does not match the subtree sent", ErrProtocol, id)
		}
		return nil
	})
	if err != nil {
		return nil, 0, fmt.Errorf("tcptree: join parent at %v: %w", c.RemoteAddr(), err)
	}
	return tree, id, nil
}

func (s Subtree) slots() int {
	n := 0
	for _, x := range s.Nodes {
		n += x.Slots
	}
	return n
}

// Assign tells the child on c the whole tree and its id.
func Assign(ctx context.Context, c *tcp.Conn, tree *hierarchy.Tree, id transport.PeerID) error {
	nodes := make([]hierarchy.TreeNode, 0, tree.Len())
	for _, i := range tree.IDs() {
		n, _ := tree.Node(i)
		nodes = append(nodes, n)
	}
	return withDeadline(ctx, c, func() error { return send(c, message{Type: "assign", Tree: nodes, ID: id}) })
}

// Reject tells the child on c that the tree cannot be built, and why.
func Reject(ctx context.Context, c *tcp.Conn, reason error) error {
	return withDeadline(ctx, c, func() error { return send(c, message{Type: "error", Error: reason.Error()}) })
}

// Link builds the transport of node id: parent (nil for the server) is the
// connection to its parent, children the connections to its children in
// the tree's order.
func Link(id transport.PeerID, tree *hierarchy.Tree, parent *tcp.Conn, children []*tcp.Conn, opts tcp.Options) (*tcp.Transport, error) {
	n, ok := tree.Node(id)
	if !ok {
		return nil, fmt.Errorf("tcptree: node %d is not in the tree", id)
	}
	if len(children) != len(n.Children) || (parent == nil) != (id == hierarchy.ServerID) {
		return nil, fmt.Errorf("tcptree: node %d has %d children and parent %d; got %d child links", id, len(n.Children), n.Parent, len(children))
	}
	tr, err := tcp.New(id, opts)
	if err != nil {
		return nil, err
	}
	if parent != nil {
		if err := tr.Add(n.Parent, parent); err != nil {
			_ = tr.Close()
			return nil, err
		}
	}
	for i, c := range children {
		if err := tr.Add(n.Children[i], c); err != nil {
			_ = tr.Close()
			return nil, err
		}
	}
	return tr, nil
}
