package hierarchy

import (
	"errors"
	"fmt"
	"slices"

	"github.com/bqskit-mpi/bqskit-mpi/transport"
)

// ServerID is the id of the root node (the server) in every tree.
const ServerID transport.PeerID = 0

// NoParent is the Parent of the server.
const NoParent transport.PeerID = -1

// TreeNode describes one node of the runtime tree.
type TreeNode struct {
	ID       transport.PeerID
	Parent   transport.PeerID // NoParent for the server
	Children []transport.PeerID
	// Slots is the number of compute slots: > 0 for workers (leaves),
	// 0 for the server and managers.
	Slots int
	// Host names the machine the node runs on (informational).
	Host string
}

// Role is what a node does in the tree.
type Role uint8

// Roles.
const (
	RoleServer Role = iota + 1
	RoleManager
	RoleWorker
)

func (r Role) String() string {
	switch r {
	case RoleServer:
		return "server"
	case RoleManager:
		return "manager"
	case RoleWorker:
		return "worker"
	}
	return fmt.Sprintf("role(%d)", r)
}

// Tree is a validated, immutable description of the runtime tree. Every
// process of a distributed runtime builds the same Tree.
type Tree struct {
	nodes map[transport.PeerID]*TreeNode
	ids   []transport.PeerID
	// subtreeSlots[id] is the number of compute slots in id's subtree.
	subtreeSlots map[transport.PeerID]int
	total        int
}

// ErrBadTree reports an invalid tree description.
var ErrBadTree = errors.New("hierarchy: invalid tree")

// NewTree validates nodes and returns the tree. Rules: ids are unique and in
// [0, MaxNodeID]; node 0 is the server with Parent NoParent and at least one
// child; every other node's Parent lists it among its Children and vice
// versa; every node is reachable from the server; leaves (workers) have
// Slots > 0; the server and managers have Slots == 0.
func NewTree(nodes []TreeNode) (*Tree, error) {
	t := &Tree{nodes: make(map[transport.PeerID]*TreeNode, len(nodes)), subtreeSlots: map[transport.PeerID]int{}}
	for i := range nodes {
		n := nodes[i]
		n.Children = slices.Clone(n.Children)
		if n.ID < 0 || n.ID > MaxNodeID {
			return nil, fmt.Errorf("%w: node %d: id out of range [0, %d]", ErrBadTree, n.ID, MaxNodeID)
		}
		if _, dup := t.nodes[n.ID]; dup {
			return nil, fmt.Errorf("%w: node %d listed twice", ErrBadTree, n.ID)
		}
		t.nodes[n.ID] = &n
		t.ids = append(t.ids, n.ID)
	}
	slices.Sort(t.ids)
	root, ok := t.nodes[ServerID]
	if !ok {
		return nil, fmt.Errorf("%w: no server node 0", ErrBadTree)
	}
	if root.Parent != NoParent {
		return nil, fmt.Errorf("%w: server node 0 has parent %d, want %d", ErrBadTree, root.Parent, NoParent)
	}
	if len(root.Children) == 0 {
		return nil, fmt.Errorf("%w: server node 0 has no children", ErrBadTree)
	}
	for _, id := range t.ids {
		n := t.nodes[id]
		if id != ServerID {
			p, ok := t.nodes[n.Parent]
			if !ok {
				return nil, fmt.Errorf("%w: node %d: parent %d is not in the tree", ErrBadTree, id, n.Parent)
			}
			if !slices.Contains(p.Children, id) {
				return nil, fmt.Errorf("%w: node %d: parent %d does not list it as a child", ErrBadTree, id, n.Parent)
			}
		}
		seen := map[transport.PeerID]bool{}
		for _, c := range n.Children {
			cn, ok := t.nodes[c]
			if !ok {
				return nil, fmt.Errorf("%w: node %d: child %d is not in the tree", ErrBadTree, id, c)
			}
			if cn.Parent != id || seen[c] {
				return nil, fmt.Errorf("%w: node %d: child %d has parent %d or is listed twice", ErrBadTree, id, c, cn.Parent)
			}
			seen[c] = true
		}
		switch {
		case len(n.Children) == 0 && n.Slots <= 0:
			return nil, fmt.Errorf("%w: worker node %d has %d slots, want > 0", ErrBadTree, id, n.Slots)
		case len(n.Children) > 0 && n.Slots != 0:
			return nil, fmt.Errorf("%w: node %d has children and %d slots; only leaves have slots", ErrBadTree, id, n.Slots)
		}
	}
	// Reachability and subtree sizes (iterative DFS from the root; a cycle
	// not through the root leaves nodes unreached).
	order := []transport.PeerID{ServerID}
	for i := 0; i < len(order); i++ {
		order = append(order, t.nodes[order[i]].Children...)
		if len(order) > len(t.ids) {
			return nil, fmt.Errorf("%w: cycle through the server", ErrBadTree)
		}
	}
	if len(order) != len(t.ids) {
		return nil, fmt.Errorf("%w: %d of %d nodes are not reachable from the server", ErrBadTree, len(t.ids)-len(order), len(t.ids))
	}
	for i := len(order) - 1; i >= 0; i-- {
		n := t.nodes[order[i]]
		s := n.Slots
		for _, c := range n.Children {
			s += t.subtreeSlots[c]
		}
		t.subtreeSlots[n.ID] = s
	}
	t.total = t.subtreeSlots[ServerID]
	return t, nil
}

// MustTree is NewTree for trees built by code; it panics on an invalid tree
// (a programmer error).
func MustTree(nodes []TreeNode) *Tree {
	t, err := NewTree(nodes)
	if err != nil {
		panic(err)
	}
	return t
}

// BalancedTree builds a server with managers managers, each with workers
// workers of slots slots: ids 0 (server), 1..managers, then the workers of
// manager 1, of manager 2, and so on. With managers == 0 the workers hang
// directly under the server.
func BalancedTree(managers, workers, slots int) (*Tree, error) {
	if managers < 0 || workers < 1 || slots < 1 {
		return nil, fmt.Errorf("%w: managers=%d workers=%d slots=%d (want managers >= 0, workers >= 1, slots >= 1)", ErrBadTree, managers, workers, slots)
	}
	nodes := []TreeNode{{ID: ServerID, Parent: NoParent}}
	if managers == 0 {
		for w := 1; w <= workers; w++ {
			nodes[0].Children = append(nodes[0].Children, transport.PeerID(w))
			nodes = append(nodes, TreeNode{ID: transport.PeerID(w), Parent: ServerID, Slots: slots})
		}
		return NewTree(nodes)
	}
	next := transport.PeerID(managers + 1)
	for m := 1; m <= managers; m++ {
		mid := transport.PeerID(m)
		nodes[0].Children = append(nodes[0].Children, mid)
		mn := TreeNode{ID: mid, Parent: ServerID}
		for range workers {
			mn.Children = append(mn.Children, next)
			nodes = append(nodes, TreeNode{ID: next, Parent: mid, Slots: slots})
			next++
		}
		nodes = append(nodes, mn)
	}
	return NewTree(nodes)
}

// Node returns the description of id.
func (t *Tree) Node(id transport.PeerID) (TreeNode, bool) {
	n, ok := t.nodes[id]
	if !ok {
		return TreeNode{}, false
	}
	c := *n
	c.Children = slices.Clone(n.Children)
	return c, true
}

// IDs returns every node id in increasing order.
func (t *Tree) IDs() []transport.PeerID { return slices.Clone(t.ids) }

// Len is the number of nodes.
func (t *Tree) Len() int { return len(t.ids) }

// Role of node id (0 when id is not in the tree).
func (t *Tree) Role(id transport.PeerID) Role {
	n, ok := t.nodes[id]
	switch {
	case !ok:
		return 0
	case id == ServerID:
		return RoleServer
	case len(n.Children) > 0:
		return RoleManager
	default:
		return RoleWorker
	}
}

// SubtreeSlots is the number of compute slots at or below id.
func (t *Tree) SubtreeSlots(id transport.PeerID) int { return t.subtreeSlots[id] }

// TotalSlots is the number of compute slots in the tree.
func (t *Tree) TotalSlots() int { return t.total }

// Depth is the number of edges on the longest path from the server to a leaf.
func (t *Tree) Depth() int {
	var walk func(id transport.PeerID) int
	walk = func(id transport.PeerID) int {
		d := 0
		for _, c := range t.nodes[id].Children {
			d = max(d, 1+walk(c))
		}
		return d
	}
	return walk(ServerID)
}
