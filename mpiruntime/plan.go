package mpiruntime

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/bqskit-mpi/bqskit-mpi/hierarchy"
	"github.com/bqskit-mpi/bqskit-mpi/transport"
)

// Group is the membership of one communicator: a manager (or the server)
// and its children. Members[0] is the manager, then the children ascending,
// so a member's rank in the communicator is its index in Members.
type Group struct {
	Manager int
	Members []int
}

// Plan is the manager tree for one job. Every rank computes the same plan
// from the same gathered host names.
type Plan struct {
	Fanout int
	Nodes  []hierarchy.TreeNode // indexed by world rank; ids are world ranks
	Groups []Group              // one per node with children, ordered by manager rank
}

// Errors returned by PlanTree.
var (
	ErrTooFewRanks = errors.New("mpiruntime: need at least 2 ranks (rank 0 is the server, the others compute)")
	ErrBadFanout   = errors.New("mpiruntime: fanout must be 0 (unlimited) or at least 2")
	ErrBadSlots    = errors.New("mpiruntime: slots must be at least 1")
	ErrEmptyHost   = errors.New("mpiruntime: empty host name")
)

// PlanTree builds the manager tree from the host name of every world rank
// (hosts[r] is rank r's host).
//
// Rank 0 is the server. Ranks are grouped by host; the lowest rank of each
// host manages the other ranks on it, and the server is the lowest rank of
// its own host, so it manages that host's other ranks directly. A host
// manager with no other rank on its host is a worker. With fanout K > 0, any
// node with more than K children keeps the first K of them and hangs the
// rest below those, K each, in rank order (a K-ary heap; a rank that gains
// children becomes a manager and keeps any it had), and the rule is applied
// again below, so no node has more than K children.
// Ranks without children are workers with slots compute slots each.
func PlanTree(hosts []string, fanout, slots int) (*Plan, error) {
	n := len(hosts)
	if n < 2 {
		return nil, fmt.Errorf("%w: got %d", ErrTooFewRanks, n)
	}
	if fanout < 0 || fanout == 1 {
		return nil, fmt.Errorf("%w: got %d", ErrBadFanout, fanout)
	}
	if slots < 1 {
		return nil, fmt.Errorf("%w: got %d", ErrBadSlots, slots)
	}
	for r, h := range hosts {
		if h == "" {
			return nil, fmt.Errorf("%w: rank %d", ErrEmptyHost, r)
		}
	}
	children := make([][]int, n)
	parent := make([]int, n)
	parent[0] = -1
	hostManager := map[string]int{}
	var topLevel []int // host managers of hosts other than rank 0's
	for r := 0; r < n; r++ {
		m, ok := hostManager[hosts[r]]
		if !ok {
			hostManager[hosts[r]] = r
			if r != 0 {
				topLevel = append(topLevel, r)
			}
			continue
		}
		children[m] = append(children[m], r)
	}
	// The server's children: the other ranks of its host, then the managers
	// of the other hosts.
	children[0] = append(children[0], topLevel...)
	if fanout > 0 {
		limitFanout(0, children, fanout)
	}
	p := &Plan{Fanout: fanout, Nodes: make([]hierarchy.TreeNode, n)}
	for r := 0; r < n; r++ {
		slices.Sort(children[r])
		for _, c := range children[r] {
			parent[c] = r
		}
	}
	for r := 0; r < n; r++ {
		nd := hierarchy.TreeNode{ID: transport.PeerID(r), Host: hosts[r], Parent: transport.PeerID(parent[r]), Children: peers(children[r])}
		if r != 0 && len(children[r]) == 0 {
			nd.Slots = slots // a worker
		}
		p.Nodes[r] = nd
		if len(children[r]) > 0 {
			p.Groups = append(p.Groups, Group{Manager: r, Members: append([]int{r}, children[r]...)})
		}
	}
	return p, nil
}

// limitFanout rewrites the subtree under node so that no node has more than
// k children: a node with more lays its children out as a k-ary heap below
// itself (in rank order: the first k stay its children, the next k become
// children of the first, and so on), which wastes the fewest ranks on
// managers; then the rule is applied again below each child.
func limitFanout(node int, children [][]int, k int) {
	if c := children[node]; len(c) > k {
		at := func(i int) int { // heap position -> rank
			if i == 0 {
				return node
			}
			return c[i-1]
		}
		heap := map[int][]int{}
		for i := 1; i <= len(c); i++ {
			p := at((i - 1) / k)
			heap[p] = append(heap[p], at(i))
		}
		children[node] = heap[node]
		for _, x := range c {
			children[x] = append(heap[x], children[x]...)
		}
	}
	for _, ch := range children[node] {
		limitFanout(ch, children, k)
	}
}

// Depth is the number of levels in the tree (2 for a server with workers).
func (p *Plan) Depth() int {
	var depth func(r int) int
	depth = func(r int) int {
		d := 0
		for _, c := range p.Nodes[r].Children {
			d = max(d, depth(int(c)))
		}
		return d + 1
	}
	return depth(0)
}

// Workers returns the world ranks of the workers, ascending.
func (p *Plan) Workers() []int {
	var w []int
	for r := range p.Nodes {
		if p.Role(r) == hierarchy.RoleWorker {
			w = append(w, r)
		}
	}
	return w
}

// Lines describes the tree, one line per node with children (server and
// managers), in rank order, e.g.
// "rank 0 server host=n1 children=[1 2 3] slots-below=3".
func (p *Plan) Lines() []string {
	var below func(r int) int
	below = func(r int) int {
		s := p.Nodes[r].Slots
		for _, c := range p.Nodes[r].Children {
			s += below(int(c))
		}
		return s
	}
	var out []string
	for _, g := range p.Groups {
		nd := p.Nodes[g.Manager]
		ch := make([]string, len(nd.Children))
		for i, c := range nd.Children {
			ch[i] = fmt.Sprint(c)
		}
		out = append(out, fmt.Sprintf("rank %d %s host=%s children=[%s] slots-below=%d",
			g.Manager, p.Role(g.Manager), nd.Host, strings.Join(ch, " "), below(g.Manager)))
	}
	return out
}

// Neighbours returns the world ranks rank r exchanges runtime messages
// with: its parent and its children.
func (p *Plan) Neighbours(r int) []int {
	nd := p.Nodes[r]
	var out []int
	if nd.Parent != hierarchy.NoParent {
		out = append(out, int(nd.Parent))
	}
	for _, c := range nd.Children {
		out = append(out, int(c))
	}
	return out
}

// Role is what world rank r does in the tree: rank 0 is the server, ranks
// with children are managers, the others workers.
func (p *Plan) Role(r int) hierarchy.Role {
	switch {
	case r == 0:
		return hierarchy.RoleServer
	case len(p.Nodes[r].Children) > 0:
		return hierarchy.RoleManager
	}
	return hierarchy.RoleWorker
}

// peers converts world ranks to transport ids.
func peers(ranks []int) []transport.PeerID {
	out := make([]transport.PeerID, len(ranks))
	for i, r := range ranks {
		out[i] = transport.PeerID(r)
	}
	return out
}
