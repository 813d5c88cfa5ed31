package compiler

import (
	"container/heap"
	"fmt"
	"slices"

	"github.com/bqskit-mpi/bqskit-mpi/circuit"
)

// Block is a convex group of consecutive operations acting on at most the
// partition's block size qubits. Ops use the circuit's global qubit indices
// and are in a valid execution order. A directive block holds exactly one
// measure, reset or barrier op and is never resynthesized: blocks never
// cross directives.
type Block struct {
	Qubits    []int // sorted global qubit indices the block acts on
	Ops       []circuit.Op
	Directive bool
}

// Partition is a circuit split into blocks, listed in an order in which
// executing the blocks one after the other reproduces the circuit.
type Partition struct {
	NumQubits int
	BlockSize int
	Blocks    []Block
	shape     *circuit.Circuit // empty circuit with the source's registers
}

// Unfold flattens the partition back into one circuit (BQSKit's UnfoldPass).
func (p *Partition) Unfold() *circuit.Circuit {
	var c *circuit.Circuit
	if p.shape != nil {
		c = emptyLike(p.shape)
	} else {
		// A partition built by hand: one classical register "c" large
		// enough for every measurement.
		c = circuit.New(p.NumQubits)
		bits := 0
		for _, b := range p.Blocks {
			for _, op := range b.Ops {
				for _, cb := range op.Clbits {
					bits = max(bits, cb+1)
				}
			}
		}
		if bits > 0 {
			c.AddCReg("c", bits)
		}
	}
	for _, b := range p.Blocks {
		for _, op := range b.Ops {
			c.Append(op.Clone())
		}
	}
	return c
}

// local returns the index of global qubit q in the block, or -1.
func (b *Block) local(q int) int {
	i, ok := slices.BinarySearch(b.Qubits, q)
	if !ok {
		return -1
	}
	return i
}

// Circuit returns the block as a circuit on len(Qubits) qubits, qubit i of
// the result being global qubit Qubits[i].
func (b *Block) Circuit() *circuit.Circuit {
	c := circuit.New(len(b.Qubits))
	for _, op := range b.Ops {
		o := op.Clone()
		for i, q := range o.Qubits {
			o.Qubits[i] = b.local(q)
		}
		c.Append(o)
	}
	return c
}

// SetCircuit replaces the block's ops by those of sub, a circuit on
// len(Qubits) local qubits.
func (b *Block) SetCircuit(sub *circuit.Circuit) {
	if sub.NumQubits() != len(b.Qubits) {
		panic(fmt.Sprintf("compiler: SetCircuit with %d qubits on a %d-qubit block", sub.NumQubits(), len(b.Qubits)))
	}
	ops := make([]circuit.Op, 0, sub.Len())
	for _, op := range sub.Ops() {
		o := op.Clone()
		for i, q := range o.Qubits {
			o.Qubits[i] = b.Qubits[q]
		}
		ops = append(ops, o)
	}
	b.Ops = ops
}

// TwoQubitCount is the number of ops in the block acting on two or more qubits.
func (b *Block) TwoQubitCount() int {
	n := 0
	for _, op := range b.Ops {
		if len(op.Qubits) >= 2 && !isDirective(op.Gate) {
			n++
		}
	}
	return n
}

// bin is a block under construction.
type bin struct {
	qubits    []int // unsorted while building
	blocked   []bool
	nBlocked  int
	ops       []int // op indices, ascending
	directive bool
	mergedTo  int // -1 unless absorbed into another bin
}

func (b *bin) has(q int) int {
	for i, x := range b.qubits {
		if x == q {
			return i
		}
	}
	return -1
}

// QuickPartition splits c into blocks of at most k qubits in one pass over
// the ops in program order, in the manner of BQSKit's QuickPartitioner:
//
//   - every qubit has at most one active bin: the bin holding its latest op,
//     unless a later op on the qubit went elsewhere (the qubit is then
//     blocked in that bin);
//   - an op joins the active bin that already holds all its qubits, else an
//     admissible active bin of one of its qubits (room for the new qubits; a
//     bin may gain qubits only while no other bin depends on it, which rules
//     out cycles), preferring bins that share more qubits and are wider,
//     else it opens a new bin;
//   - a bin made only of single-qubit ops on the qubit a multi-qubit op
//     continues is absorbed by the bin that op joins;
//   - directives (measure, reset, barrier) block their qubits in every bin
//     and form blocks of their own;
//   - finally the blocks are post-merged (see postMerge): a block whose
//     qubits are a subset or superset of an adjacent block's joins it, as
//     BQSKit's QuickPartitioner merges the bins it places.
//
// Blocks are returned in a topological order of their dependencies (ties by
// first op). Ops acting on more than k qubits are an error.
func QuickPartition(c *circuit.Circuit, k int) (*Partition, error) {
	return quickPartition(c, k, true)
}

// quickPartition is QuickPartition, with the post-merge only when merge
// (tests compare both).
func quickPartition(c *circuit.Circuit, k int, merge bool) (*Partition, error) {
	if k < 1 {
		return nil, fmt.Errorf("%w: block size %d", ErrBadParam, k)
	}
	n := c.NumQubits()
	active := make([]int, n)
	last := make([]int, n)
	for q := range n {
		active[q], last[q] = -1, -1
	}
	var bins []*bin
	type edge struct{ from, to int }
	var edges []edge

	block := func(bi, q int) {
		b := bins[bi]
		if i := b.has(q); i >= 0 && !b.blocked[i] {
			b.blocked[i] = true
			b.nBlocked++
		}
	}
	newBin := func(directive bool) int {
		bins = append(bins, &bin{directive: directive, mergedTo: -1})
		return len(bins) - 1
	}
	addQubit := func(bi, q int) {
		b := bins[bi]
		b.qubits = append(b.qubits, q)
		b.blocked = append(b.blocked, false)
	}
	// place puts op i on qubits qs into bin bi and maintains the qubit state.
	place := func(i int, qs []int, bi int) {
		b := bins[bi]
		for _, q := range qs {
			if b.has(q) < 0 {
				addQubit(bi, q)
			}
			if a := active[q]; a >= 0 && a != bi {
				ab := bins[a]
				// Absorb a bin of single-qubit ops on q alone: its only
				// successor is this bin, so contracting it cannot make a cycle.
				if !b.directive && !ab.directive && len(ab.qubits) == 1 && ab.nBlocked == 0 {
					ab.mergedTo = bi
					b.ops = append(b.ops, ab.ops...)
					ab.ops = nil
				} else {
					block(a, q)
				}
			}
			if l := last[q]; l >= 0 && l != bi {
				edges = append(edges, edge{l, bi})
			}
			if !b.directive {
				active[q] = bi
			} else {
				active[q] = -1
			}
			last[q] = bi
		}
		b.ops = append(b.ops, i)
	}

	ops := c.Ops()
	for i, op := range ops {
		qs := op.Qubits
		if isDirective(op.Gate) {
			place(i, qs, newBin(true))
			continue
		}
		if len(qs) > k {
			return nil, fmt.Errorf("%w: op %d (%s) acts on %d qubits, more than the block size %d",
				ErrBadParam, i, op.Gate.Name(), len(qs), k)
		}
		best, bestShare, bestWidth := -1, -1, -1
		for _, q := range qs {
			bi := active[q]
			if bi < 0 {
				continue
			}
			b := bins[bi]
			share, union := 0, len(b.qubits)
			ok := true
			for _, r := range qs {
				if j := b.has(r); j >= 0 {
					if b.blocked[j] {
						ok = false
						break
					}
					share++
				} else {
					union++
				}
			}
			if !ok || union > k {
				continue
			}
			if share < len(qs) && b.nBlocked > 0 {
				// Gaining a qubit makes this bin depend on another; only a
				// bin nothing depends on may do that.
				continue
			}
			if share > bestShare || (share == bestShare && len(b.qubits) > bestWidth) {
				best, bestShare, bestWidth = bi, share, len(b.qubits)
			}
		}
		if best < 0 {
			best = newBin(false)
		}
		place(i, qs, best)
	}

	// Resolve merges, build the dependency graph and order it.
	find := func(b int) int {
		for bins[b].mergedTo >= 0 {
			b = bins[b].mergedTo
		}
		return b
	}
	succ := make([][]int, len(bins))
	indeg := make([]int, len(bins))
	seen := make(map[edge]bool, len(edges))
	for _, e := range edges {
		f, t := find(e.from), find(e.to)
		if f == t || seen[edge{f, t}] {
			continue
		}
		seen[edge{f, t}] = true
		succ[f] = append(succ[f], t)
		indeg[t]++
	}
	h := &binHeap{}
	for bi, b := range bins {
		if b.mergedTo >= 0 {
			continue
		}
		slices.Sort(b.ops)
		if indeg[bi] == 0 {
			heap.Push(h, binKey{bi, b.ops[0]})
		}
	}
	p := &Partition{NumQubits: n, BlockSize: k, shape: emptyLike(c)}
	for h.Len() > 0 {
		bi := heap.Pop(h).(binKey).bin
		b := bins[bi]
		blk := Block{Qubits: slices.Clone(b.qubits), Directive: b.directive}
		slices.Sort(blk.Qubits)
		blk.Ops = make([]circuit.Op, len(b.ops))
		for j, oi := range b.ops {
			blk.Ops[j] = ops[oi].Clone()
		}
		p.Blocks = append(p.Blocks, blk)
		for _, t := range succ[bi] {
			indeg[t]--
			if indeg[t] == 0 {
				heap.Push(h, binKey{t, bins[t].ops[0]})
			}
		}
	}
	if merge {
		p.postMerge()
	}
	total := 0
	for _, b := range p.Blocks {
		total += len(b.Ops)
	}
	if total != len(ops) {
		// A cycle among bins would leave some unplaced: a bug, not bad input.
		panic(fmt.Sprintf("compiler: partition placed %d of %d ops", total, len(ops)))
	}
	return p, nil
}

// postMerge places the blocks one after the other, as BQSKit's
// QuickPartitioner places its finished bins, merging each new block with
// the placed blocks at the rear (nothing placed after them shares a qubit)
// whose qubit sets are subsets or supersets of its own, until none is
// left. A rear block commutes with everything placed after it, so moving
// it next to the new block keeps the order valid. Directive blocks never
// merge.
func (p *Partition) postMerge() {
	placed := make([]Block, 0, len(p.Blocks))
	// lastOn[q] is the index in placed of the last block on qubit q.
	lastOn := make([]int, p.NumQubits)
	alive := make([]bool, 0, len(p.Blocks))
	for q := range lastOn {
		lastOn[q] = -1
	}
	isRear := func(i int) bool {
		for _, q := range placed[i].Qubits {
			if lastOn[q] != i {
				return false
			}
		}
		return true
	}
	subset := func(a, b []int) bool { // a ⊆ b, both sorted
		for _, q := range a {
			if _, ok := slices.BinarySearch(b, q); !ok {
				return false
			}
		}
		return true
	}
	for _, b := range p.Blocks {
		if !b.Directive {
			for merging := true; merging; {
				merging = false
				// Candidates: the rear blocks on b's qubits, latest first.
				for _, q := range b.Qubits {
					i := lastOn[q]
					if i < 0 || !alive[i] || placed[i].Directive || !isRear(i) {
						continue
					}
					r := placed[i]
					switch {
					case subset(r.Qubits, b.Qubits):
						b.Ops = append(slices.Clone(r.Ops), b.Ops...)
					case subset(b.Qubits, r.Qubits):
						b.Ops = append(slices.Clone(r.Ops), b.Ops...)
						b.Qubits = r.Qubits
					default:
						continue
					}
					alive[i] = false
					for _, rq := range r.Qubits {
						// Recompute the last live block on rq.
						lastOn[rq] = -1
						for j := i - 1; j >= 0; j-- {
							if alive[j] && slices.Contains(placed[j].Qubits, rq) {
								lastOn[rq] = j
								break
							}
						}
					}
					merging = true
					break
				}
			}
		}
		placed = append(placed, b)
		alive = append(alive, true)
		for _, q := range b.Qubits {
			lastOn[q] = len(placed) - 1
		}
	}
	out := p.Blocks[:0]
	for i, b := range placed {
		if alive[i] {
			out = append(out, b)
		}
	}
	p.Blocks = out
}

type binKey struct{ bin, first int }
type binHeap []binKey

func (h binHeap) Len() int           { return len(h) }
func (h binHeap) Less(i, j int) bool { return h[i].first < h[j].first }
func (h binHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *binHeap) Push(x any)        { *h = append(*h, x.(binKey)) }
func (h *binHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

// ExtendBlockSize pads every non-directive block acting on a single qubit
// to two qubits with an idle neighbour, as BQSKit's ExtendBlockSizePass
// does for the all-to-all {CX, U3} target (the smallest multi-qubit gate
// has two qubits): the nearest qubit above, else below. The padded qubit
// carries no op in the block, so the block order stays valid and the
// block's unitary is its old one tensored with the identity. A
// single-qubit circuit is left as it is.
func (p *Partition) ExtendBlockSize() {
	if p.NumQubits < 2 {
		return
	}
	for i := range p.Blocks {
		b := &p.Blocks[i]
		if b.Directive || len(b.Qubits) != 1 {
			continue
		}
		q := b.Qubits[0]
		if q+1 < p.NumQubits {
			b.Qubits = []int{q, q + 1}
		} else {
			b.Qubits = []int{q - 1, q}
		}
	}
}
