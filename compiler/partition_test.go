package compiler

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/bqskit-mpi/bqskit-mpi/circuit"
)

// randomCircuit returns a seeded random {CX, U3} circuit, with directives
// when withDirectives.
func randomCircuit(n, ops int, seed uint64, withDirectives bool) *circuit.Circuit {
	rng := rand.New(rand.NewPCG(seed, 99))
	c := circuit.New(n)
	if withDirectives {
		c.AddCReg("c", n)
	}
	for range ops {
		r := rng.IntN(20)
		switch {
		case withDirectives && r == 0:
			q := rng.IntN(n)
			c.Append(circuit.Op{Gate: circuit.Measure, Qubits: []int{q}, Clbits: []int{q}})
		case withDirectives && r == 1:
			k := 1 + rng.IntN(n)
			c.Append(circuit.Op{Gate: circuit.Barrier(k), Qubits: rng.Perm(n)[:k]})
		case r < 11:
			qs := rng.Perm(n)[:2]
			c.Append(circuit.Op{Gate: circuit.CX, Qubits: qs})
		default:
			c.Append(circuit.Op{Gate: circuit.U3, Qubits: []int{rng.IntN(n)},
				Params: []float64{rng.Float64(), rng.Float64(), rng.Float64()}})
		}
	}
	return c
}

// checkPartition asserts the structural properties of p and that unfolding
// it gives every qubit the same sequence of ops as c (hence the same
// circuit: the dependency graph is that of c).
func checkPartition(t *testing.T, c *circuit.Circuit, p *Partition, k int) {
	t.Helper()
	for i, b := range p.Blocks {
		if len(b.Ops) == 0 {
			t.Fatalf("block %d is empty", i)
		}
		if !slices.IsSorted(b.Qubits) {
			t.Fatalf("block %d qubits %v not sorted", i, b.Qubits)
		}
		if b.Directive {
			if len(b.Ops) != 1 || !circuit.IsDirective(b.Ops[0].Gate) {
				t.Fatalf("directive block %d holds %d ops", i, len(b.Ops))
			}
			continue
		}
		if len(b.Qubits) > k {
			t.Fatalf("block %d has %d qubits > %d", i, len(b.Qubits), k)
		}
		used := map[int]bool{}
		for _, op := range b.Ops {
			if circuit.IsDirective(op.Gate) {
				t.Fatalf("block %d crosses directive %s", i, op.Gate.Name())
			}
			for _, q := range op.Qubits {
				if b.local(q) < 0 {
					t.Fatalf("block %d op on qubit %d outside %v", i, q, b.Qubits)
				}
				used[q] = true
			}
		}
		// ExtendBlockSize pads a one-qubit block with an idle qubit.
		if len(used) != len(b.Qubits) && !(len(used) == 1 && len(b.Qubits) == 2) {
			t.Fatalf("block %d lists qubits %v but uses %d", i, b.Qubits, len(used))
		}
	}
	u := p.Unfold()
	if u.Len() != c.Len() {
		t.Fatalf("unfolded %d ops, original %d", u.Len(), c.Len())
	}
	seq := func(x *circuit.Circuit) [][]int {
		s := make([][]int, x.NumQubits())
		for i, op := range x.Ops() {
			for _, q := range op.Qubits {
				s[q] = append(s[q], i)
			}
		}
		return s
	}
	a, b := seq(c), seq(u)
	for q := range a {
		if len(a[q]) != len(b[q]) {
			t.Fatalf("qubit %d: %d ops after unfolding, %d before", q, len(b[q]), len(a[q]))
		}
		for j := range a[q] {
			if !opEqual(c.Op(a[q][j]), u.Op(b[q][j])) {
				t.Fatalf("qubit %d: op %d differs after unfolding", q, j)
			}
		}
	}
}

func opEqual(x, y circuit.Op) bool {
	return x.Gate == y.Gate && slices.Equal(x.Qubits, y.Qubits) && slices.Equal(x.Params, y.Params) && slices.Equal(x.Clbits, y.Clbits)
}

func TestQuickPartitionRandom(t *testing.T) {
	for _, tc := range []struct {
		n, ops, k  int
		directives bool
	}{
		{2, 50, 2, false}, {3, 100, 3, false}, {5, 300, 3, false}, {6, 300, 3, true},
		{8, 300, 2, true}, {9, 300, 4, false}, {12, 300, 3, true}, {4, 100, 1, false},
	} {
		for seed := range uint64(3) {
			t.Run(fmt.Sprintf("n%d_k%d_%d", tc.n, tc.k, seed), func(t *testing.T) {
				c := randomCircuit(tc.n, tc.ops, seed, tc.directives)
				if tc.k == 1 {
					if _, err := QuickPartition(c, 1); err == nil {
						t.Fatal("block size 1 with CX ops: want error")
					}
					return
				}
				p, err := QuickPartition(c, tc.k)
				if err != nil {
					t.Fatal(err)
				}
				checkPartition(t, c, p, tc.k)
				if v := verifyStates(c, p.Unfold(), 1); v.Cost > 1e-12 {
					t.Fatalf("unfolded cost %g", v.Cost)
				}
				p.ExtendBlockSize()
				checkPartition(t, c, p, tc.k)
			})
		}
	}
}

func TestQuickPartitionBadSize(t *testing.T) {
	c := randomCircuit(3, 10, 1, false)
	if _, err := QuickPartition(c, 0); err == nil {
		t.Fatal("want error for block size 0")
	}
}

func TestBlockCircuitRoundTrip(t *testing.T) {
	c := randomCircuit(6, 200, 7, false)
	p, err := QuickPartition(c, 3)
	if err != nil {
		t.Fatal(err)
	}
	for i := range p.Blocks {
		b := &p.Blocks[i]
		before := slices.Clone(b.Ops)
		b.SetCircuit(b.Circuit())
		for j := range before {
			if !opEqual(before[j], b.Ops[j]) {
				t.Fatalf("block %d op %d changed", i, j)
			}
		}
	}
}

func TestExtendBlockSize(t *testing.T) {
	h := func(q int) circuit.Op { return circuit.Op{Gate: circuit.H, Qubits: []int{q}} }
	cx := func(a, b int) circuit.Op { return circuit.Op{Gate: circuit.CX, Qubits: []int{a, b}} }
	meas := circuit.Op{Gate: circuit.Measure, Qubits: []int{0}, Clbits: []int{0}}
	p := &Partition{NumQubits: 3, BlockSize: 2, Blocks: []Block{
		{Qubits: []int{0}, Ops: []circuit.Op{h(0)}},                  // padded with qubit 1
		{Qubits: []int{0, 1}, Ops: []circuit.Op{cx(0, 1)}},           //
		{Qubits: []int{2}, Ops: []circuit.Op{h(2)}},                  // last qubit: padded with qubit 1
		{Qubits: []int{0}, Directive: true, Ops: []circuit.Op{meas}}, // directives stay
	}}
	before := p.Unfold()
	p.ExtendBlockSize()
	want := [][]int{{0, 1}, {0, 1}, {1, 2}, {0}}
	if len(p.Blocks) != len(want) {
		t.Fatalf("%d blocks after extending, want %d", len(p.Blocks), len(want))
	}
	for i, w := range want {
		if !slices.Equal(p.Blocks[i].Qubits, w) {
			t.Errorf("block %d qubits %v, want %v", i, p.Blocks[i].Qubits, w)
		}
	}
	// The padded block's circuit is the old one on its first qubit.
	if c := p.Blocks[0].Circuit(); c.NumQubits() != 2 || c.Len() != 1 || c.Op(0).Qubits[0] != 0 {
		t.Fatalf("padded block circuit %v", c.Ops())
	}
	if v := verifyStates(before, p.Unfold(), 1); v.Cost > 1e-13 {
		t.Fatalf("cost %g", v.Cost)
	}
}

func TestPostMerge(t *testing.T) {
	h := func(q int) circuit.Op { return circuit.Op{Gate: circuit.H, Qubits: []int{q}} }
	cx := func(a, b int) circuit.Op { return circuit.Op{Gate: circuit.CX, Qubits: []int{a, b}} }
	meas := circuit.Op{Gate: circuit.Measure, Qubits: []int{3}, Clbits: []int{0}}
	blocks := []Block{
		{Qubits: []int{0, 1}, Ops: []circuit.Op{cx(0, 1)}},           // A: merged into C (subset)
		{Qubits: []int{2, 3}, Ops: []circuit.Op{cx(2, 3)}},           // B: stays (C does not hold 3)
		{Qubits: []int{0, 1, 2}, Ops: []circuit.Op{cx(1, 2)}},        // C
		{Qubits: []int{1, 2}, Ops: []circuit.Op{cx(2, 1), h(1)}},     // D: appended to C (superset)
		{Qubits: []int{3}, Directive: true, Ops: []circuit.Op{meas}}, // directive: never merges
		{Qubits: []int{3}, Ops: []circuit.Op{h(3)}},                  // E: B is not at the rear: stays
		{Qubits: []int{0}, Ops: []circuit.Op{h(0)}},                  // F: appended to C
	}
	p := &Partition{NumQubits: 4, BlockSize: 3, Blocks: slices.Clone(blocks)}
	before := p.Unfold()
	p.postMerge()
	// The merged block A+C+D+F moves to F's place, after the blocks on 3.
	want := [][]int{{2, 3}, {3}, {3}, {0, 1, 2}}
	if len(p.Blocks) != len(want) {
		t.Fatalf("%d blocks after merging, want %d: %+v", len(p.Blocks), len(want), p.Blocks)
	}
	for i, w := range want {
		if !slices.Equal(p.Blocks[i].Qubits, w) {
			t.Errorf("block %d qubits %v, want %v", i, p.Blocks[i].Qubits, w)
		}
	}
	if n := len(p.Blocks[3].Ops); n != 5 {
		t.Errorf("merged block has %d ops, want 5", n)
	}
	if v := verifyStates(before, p.Unfold(), 1); v.Cost > 1e-13 {
		t.Fatalf("cost %g", v.Cost)
	}
}

// TestPostMergeRandom checks that the post-merge never adds blocks and
// keeps the partition valid, and that it merges on some random circuits
// (with blocks of 4 qubits: with 3, the bins' own absorption of one-qubit
// bins already leaves nothing to merge on these circuits).
func TestPostMergeRandom(t *testing.T) {
	merged := 0
	for seed := range uint64(40) {
		c := randomCircuit(5, 40, seed, seed%2 == 0)
		a, err := quickPartition(c, 4, false)
		if err != nil {
			t.Fatal(err)
		}
		b, err := quickPartition(c, 4, true)
		if err != nil {
			t.Fatal(err)
		}
		checkPartition(t, c, b, 4)
		if v := verifyStates(c, b.Unfold(), 1); v.Cost > 1e-12 {
			t.Fatalf("seed %d: unfolded cost %g", seed, v.Cost)
		}
		if len(b.Blocks) > len(a.Blocks) {
			t.Fatalf("seed %d: %d blocks after the post-merge, %d before", seed, len(b.Blocks), len(a.Blocks))
		}
		if len(b.Blocks) < len(a.Blocks) {
			merged++
		}
	}
	if merged == 0 {
		t.Fatal("the post-merge merged nothing on 40 random circuits")
	}
}
