package compiler

import (
	"cmp"
	"context"
	"fmt"

	"go.uber.org/zap"

	"github.com/bqskit-mpi/bqskit-mpi/circuit"
)

// Resynthesis passes on a machine (they need Request.Model and run on a
// mapped circuit: after map, whose output acts on physical qubits).
const (
	// PassResynthRouted partitions the routed circuit and resynthesizes
	// every block over {cx, u3} with two-qubit gates placed only on the
	// block's coupled pairs (the model's edges between its qubits), keeping
	// a block's new circuit when it has fewer gates: routing swaps merge
	// with the gates around them. Parameters: block_size (default: the
	// request's), multistarts, min_prefix, success_threshold.
	PassResynthRouted = "resynthesize_routed"
	// PassResynthNative partitions the circuit (already in the native gate
	// set, after retarget_native) and resynthesizes every block with the
	// model's two-qubit gate as the search's layer gate, on the block's
	// coupled pairs, keeping the new block when it has fewer gates: the
	// better of the fixed cx template and resynthesis. Gate sets whose cx
	// template uses the native gate once (cx, cz, rzz, ecr, ...) gain
	// nothing over resynthesize_routed and skip it. Parameters as
	// resynthesize_routed (block_size default 2).
	PassResynthNative = "resynthesize_native"
)

// resynthParams are the parameters of the resynthesis passes.
var resynthParams = map[string]paramKind{"block_size": kindInt, "multistarts": kindInt, "min_prefix": kindInt, "success_threshold": kindFloat}

// resynthPass runs resynthesize_routed or resynthesize_native on c.
func (e *engine) resynthPass(ctx context.Context, p Pass, c *circuit.Circuit) (*circuit.Circuit, error) {
	if e.model == nil {
		return nil, reqError(ErrWorkflow, "workflow", "workflow: pass %q needs a machine model (request field model)", p.Name)
	}
	if c.NumQubits() != e.model.NumQubits() {
		return nil, reqError(ErrWorkflow, "workflow", "workflow: pass %q needs a mapped circuit (%d qubits, the model %d; run map first)", p.Name, c.NumQubits(), e.model.NumQubits())
	}
	gate := ""
	k := cmp.Or(p.BlockSize, e.blockSize)
	if p.Name == PassResynthNative {
		two := e.model.Gates().TwoQubit()
		if two == nil {
			return c, nil
		}
		uses, err := templateUses(ctx, two)
		if err != nil {
			return nil, err
		}
		if uses <= 1 {
			e.log.Debug("native resynthesis skipped: one native gate per cx", zap.String("gate", two.Name()))
			return c, nil
		}
		gate = two.Name()
		k = cmp.Or(p.BlockSize, 2)
	}
	part, err := QuickPartition(c, k)
	if err != nil {
		return nil, err
	}
	inner := Pass{Name: PassForEachBlock, Workflow: []Pass{
		{Name: PassSynthesize, Multistarts: p.Multistarts, MinPrefix: p.MinPrefix, SuccessThreshold: p.SuccessThreshold},
		{Name: PassSingleQubitFusion},
	}}
	m := e.model
	e.blockModel = func(b *Block) ([][2]int, string) {
		edges := [][2]int{}
		for i, a := range b.Qubits {
			for j := i + 1; j < len(b.Qubits); j++ {
				if m.Coupled(a, b.Qubits[j]) {
					edges = append(edges, [2]int{i, j})
				}
			}
		}
		return edges, gate
	}
	defer func() { e.blockModel = nil }()
	if err := e.forEachBlock(ctx, inner, part); err != nil {
		return nil, err
	}
	out := part.Unfold()
	if err := checkCoupled(out, m.Coupled); err != nil {
		return nil, err
	}
	return out, nil
}

// checkCoupled fails when a multi-qubit gate of c acts on an uncoupled
// pair (a programming error in a pass that must keep the routing).
func checkCoupled(c *circuit.Circuit, coupled func(a, b int) bool) error {
	for i, op := range c.Ops() {
		if isDirective(op.Gate) || len(op.Qubits) < 2 {
			continue
		}
		if len(op.Qubits) > 2 || !coupled(op.Qubits[0], op.Qubits[1]) {
			return fmt.Errorf("compiler: op %d (%s on %v) is not on a coupled pair after resynthesis", i, op.Gate.Name(), op.Qubits)
		}
	}
	return nil
}

// templateUses is the number of uses of the two-qubit gate g in its cx
// template (see RetargetNative).
func templateUses(ctx context.Context, g circuit.Gate) (int, error) {
	steps, err := cxTemplate(ctx, g)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, s := range steps {
		if s.two {
			n++
		}
	}
	return n, nil
}

// setBlockModel takes a block task's coupling and gate (see blockArgs).
func (e *engine) setBlockModel(a blockArgs) error {
	if !a.Coupled {
		return nil
	}
	n := a.Circuit.N
	for i, ed := range a.Coupling {
		if ed[0] < 0 || ed[0] >= n || ed[1] < 0 || ed[1] >= n || ed[0] == ed[1] {
			return fmt.Errorf("%w: block coupling[%d] %v is not a pair of its %d qubits", ErrRequest, i, ed, n)
		}
	}
	e.blockCoupled, e.blockCoupling = true, a.Coupling
	if e.blockCoupling == nil {
		e.blockCoupling = [][2]int{}
	}
	if a.Gate != "" {
		g, ok := circuit.LookupGate(a.Gate)
		if !ok || g.NumQubits() != 2 || isDirective(g) {
			return fmt.Errorf("%w: block gate %q is not a two-qubit gate", ErrRequest, a.Gate)
		}
		e.blockGate = g
	}
	return nil
}
