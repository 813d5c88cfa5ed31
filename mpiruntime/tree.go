package mpiruntime

import (
	"slices"

	"github.com/bqskit-mpi/bqskit-mpi/hierarchy"
)

// Tree converts the plan into the runtime's validated tree: node ids are
// world ranks.
func (p *Plan) Tree() (*hierarchy.Tree, error) {
	nodes := make([]hierarchy.TreeNode, len(p.Nodes))
	for i, nd := range p.Nodes {
		nd.Children = slices.Clone(nd.Children)
		nodes[i] = nd
	}
	return hierarchy.NewTree(nodes)
}
