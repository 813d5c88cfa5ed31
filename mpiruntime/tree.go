package mpiruntime

import (
	"github.com/bqskit-mpi/bqskit-mpi/hierarchy"
	"github.com/bqskit-mpi/bqskit-mpi/transport"
)

// Tree converts the plan into the runtime's tree description: node ids are
// world ranks.
func (p *Plan) Tree() (*hierarchy.Tree, error) {
	nodes := make([]hierarchy.TreeNode, len(p.Nodes))
	for i, nd := range p.Nodes {
		ch := make([]transport.PeerID, len(nd.Children))
		for j, c := range nd.Children {
			ch[j] = transport.PeerID(c)
		}
		parent := transport.PeerID(nd.Parent)
		if nd.Parent < 0 {
			parent = hierarchy.NoParent
		}
		nodes[i] = hierarchy.TreeNode{ID: transport.PeerID(nd.Rank), Parent: parent, Children: ch, Slots: nd.Slots, Host: nd.Host}
	}
	return hierarchy.NewTree(nodes)
}
