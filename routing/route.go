package routing

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"

	"github.com/bqskit-mpi/bqskit-mpi/circuit"
	"github.com/bqskit-mpi/bqskit-mpi/linalg"
	"github.com/bqskit-mpi/bqskit-mpi/machine"
)

// ErrRoute is wrapped by every error Route returns.
var ErrRoute = errors.New("routing: cannot route")

// Options tunes placement and routing; zero fields take the defaults.
type Options struct {
	Seed         uint64
	Trials       int     // initial layouts tried (default 4)
	LayoutPasses int     // forward-backward passes per trial (default 3)
	ExtendedSize int     // lookahead window in two-qubit gates (default 20)
	Lookahead    float64 // weight of the extended set (default 0.5)
	DecayDelta   float64 // decay increment per swap (default 0.001)
	DecayReset   int     // swaps between decay resets (default 5)
	// Initial, if set, is the placement to use (no layout search): a
	// permutation of the model's qubits, or a prefix of one (logical qubit
	// l on physical Initial[l]).
	Initial []int
}

func (o *Options) defaults() {
	if o.Trials <= 0 {
		o.Trials = 4
	}
	if o.LayoutPasses <= 0 {
		o.LayoutPasses = 3
	}
	if o.ExtendedSize <= 0 {
		o.ExtendedSize = 20
	}
	if o.Lookahead <= 0 {
		o.Lookahead = 0.5
	}
	if o.DecayDelta <= 0 {
		o.DecayDelta = 0.001
	}
	if o.DecayReset <= 0 {
		o.DecayReset = 5
	}
}

// Result is a routed circuit and its placements.
type Result struct {
	// Circuit acts on the model's physical qubits; swaps are circuit.Swap.
	Circuit *circuit.Circuit
	// Initial and Final are full permutations of the model's qubits:
	// logical qubit l is on physical Initial[l] at the start and Final[l]
	// at the end (l ≥ the input's width are idle ancillas).
	Initial, Final []int
	// Swaps is the number of swaps inserted.
	Swaps int
}

// rop is one op reduced to what routing needs.
type rop struct {
	q    []int // logical qubits
	need bool  // a two-qubit gate: its qubits must be coupled
}

type router struct {
	n     int
	dist  [][]int
	model *machine.Model
	opts  Options
	ops   []rop
	rng   *rand.Rand
}

// Route places and routes c on model (see the package doc).
func Route(c *circuit.Circuit, model *machine.Model, opts Options) (*Result, error) {
	opts.defaults()
	n := model.NumQubits()
	if c.NumQubits() > n {
		return nil, fmt.Errorf("%w: the circuit has %d qubits, the machine %d", ErrRoute, c.NumQubits(), n)
	}
	if !model.Connected() {
		return nil, fmt.Errorf("%w: the coupling graph is not connected", ErrRoute)
	}
	ops := make([]rop, c.Len())
	for i, op := range c.Ops() {
		k := len(op.Qubits)
		if k > 2 && !circuit.IsBarrier(op.Gate) {
			return nil, fmt.Errorf("%w: op %d (%s) acts on %d qubits (decompose to one- and two-qubit gates first)", ErrRoute, i, op.Gate.Name(), k)
		}
		ops[i] = rop{q: op.Qubits, need: k == 2 && !circuit.IsDirective(op.Gate)}
	}
	r := &router{n: n, dist: model.Distances(), model: model, opts: opts, ops: ops,
		rng: rand.New(rand.NewPCG(opts.Seed, 0x5ab7e))}
	var initial []int
	if opts.Initial != nil {
		var err error
		if initial, err = completeLayout(opts.Initial, n); err != nil {
			return nil, err
		}
	} else {
		initial = r.layout()
	}
	fwd := r.dag(false)
	events, final := r.route(fwd, initial)
	out := circuit.New(n)
	swaps := 0
	layout := slices.Clone(initial)
	for _, reg := range c.CRegs() {
		out.AddCReg(reg.Name, reg.Size)
	}
	phys := make([]int, n) // physical -> logical
	for l, p := range initial {
		phys[p] = l
	}
	for _, e := range events {
		if e.op < 0 {
			out.Append(circuit.Op{Gate: circuit.Swap, Qubits: []int{e.a, e.b}})
			swaps++
			la, lb := phys[e.a], phys[e.b]
			phys[e.a], phys[e.b] = lb, la
			layout[la], layout[lb] = e.b, e.a
			continue
		}
		src := c.Op(e.op)
		op := src.Clone()
		for j, q := range src.Qubits {
			op.Qubits[j] = layout[q]
		}
		out.Append(op)
	}
	if !slices.Equal(layout, final) {
		panic("routing: final layout mismatch")
	}
	return &Result{Circuit: out, Initial: initial, Final: final, Swaps: swaps}, nil
}

// completeLayout checks a (prefix of a) placement and extends it to a
// permutation of n qubits with the unused physical qubits in order.
func completeLayout(p []int, n int) ([]int, error) {
	if len(p) > n {
		return nil, fmt.Errorf("%w: initial placement has %d entries for %d qubits", ErrRoute, len(p), n)
	}
	used := make([]bool, n)
	out := slices.Clone(p)
	for i, q := range p {
		if q < 0 || q >= n || used[q] {
			return nil, fmt.Errorf("%w: initial placement[%d] = %d is out of range or repeated", ErrRoute, i, q)
		}
		used[q] = true
	}
	for q := 0; q < n; q++ {
		if !used[q] {
			out = append(out, q)
		}
	}
	return out, nil
}

// dagInfo is the dependency structure of the ops in one direction.
type dagInfo struct {
	order []int   // op index by position
	succ  [][]int // positions
	npred []int
}

func (r *router) dag(reverse bool) *dagInfo {
	m := len(r.ops)
	d := &dagInfo{order: make([]int, m), succ: make([][]int, m), npred: make([]int, m)}
	for i := range d.order {
		if reverse {
			d.order[i] = m - 1 - i
		} else {
			d.order[i] = i
		}
	}
	last := make([]int, r.n)
	for i := range last {
		last[i] = -1
	}
	for pos, oi := range d.order {
		for _, q := range r.ops[oi].q {
			if p := last[q]; p >= 0 && (len(d.succ[p]) == 0 || d.succ[p][len(d.succ[p])-1] != pos) {
				d.succ[p] = append(d.succ[p], pos)
				d.npred[pos]++
			}
			last[q] = pos
		}
	}
	return d
}

// event is an emitted op (op ≥ 0) or a swap of physical a, b (op = -1).
type event struct{ op, a, b int }

// route runs SABRE on d from layout (logical -> physical, full) and returns
// the events and the final layout.
func (r *router) route(d *dagInfo, layout []int) ([]event, []int) {
	layout = slices.Clone(layout)
	phys := make([]int, r.n)
	for l, p := range layout {
		phys[p] = l
	}
	npred := slices.Clone(d.npred)
	var front []int
	for pos := range d.order {
		if npred[pos] == 0 {
			front = append(front, pos)
		}
	}
	events := make([]event, 0, len(d.order))
	decay := make([]float64, r.n)
	for i := range decay {
		decay[i] = 1
	}
	swapsSince, sinceProgress := 0, 0
	limit := 10*r.n + 20
	var cands [][2]int
	var ext []int
	for len(front) > 0 {
		// emit every executable front op, repeatedly.
		progress := false
		for i := 0; i < len(front); {
			pos := front[i]
			o := r.ops[d.order[pos]]
			if o.need && r.dist[layout[o.q[0]]][layout[o.q[1]]] != 1 {
				i++
				continue
			}
			events = append(events, event{op: d.order[pos]})
			front = slices.Delete(front, i, i+1)
			for _, s := range d.succ[pos] {
				npred[s]--
				if npred[s] == 0 {
					front = append(front, s)
				}
			}
			progress = true
		}
		if progress {
			for i := range decay {
				decay[i] = 1
			}
			swapsSince, sinceProgress = 0, 0
			continue
		}
		if len(front) == 0 {
			break
		}
		var a, b int
		if sinceProgress > limit {
			// bring the first front gate together along a shortest path.
			o := r.ops[d.order[front[0]]]
			pa, pb := layout[o.q[0]], layout[o.q[1]]
			for _, nb := range r.model.Neighbors(pa) {
				if r.dist[nb][pb] < r.dist[pa][pb] {
					a, b = pa, nb
					break
				}
			}
		} else {
			ext = r.extended(d, front, npred, ext[:0])
			cands = r.candidates(front, d, layout, cands[:0])
			best := 0.0
			var ties [][2]int
			for _, c := range cands {
				s := r.score(c, front, ext, d, layout, phys, decay)
				switch {
				case len(ties) == 0 || s < best-1e-12:
					best = s
					ties = append(ties[:0], c)
				case s <= best+1e-12:
					ties = append(ties, c)
				}
			}
			pick := ties[0]
			if len(ties) > 1 {
				pick = ties[r.rng.IntN(len(ties))]
			}
			a, b = pick[0], pick[1]
		}
		la, lb := phys[a], phys[b]
		phys[a], phys[b] = lb, la
		layout[la], layout[lb] = b, a
		events = append(events, event{op: -1, a: a, b: b})
		decay[a] += r.opts.DecayDelta
		decay[b] += r.opts.DecayDelta
		swapsSince++
		sinceProgress++
		if swapsSince >= r.opts.DecayReset {
			for i := range decay {
				decay[i] = 1
			}
			swapsSince = 0
		}
	}
	return events, layout
}

// candidates lists the coupling edges touching a blocked front gate's qubit.
func (r *router) candidates(front []int, d *dagInfo, layout []int, out [][2]int) [][2]int {
	for _, pos := range front {
		o := r.ops[d.order[pos]]
		if !o.need {
			continue
		}
		for _, l := range o.q {
			p := layout[l]
			for _, nb := range r.model.Neighbors(p) {
				e := [2]int{min(p, nb), max(p, nb)}
				if !slices.Contains(out, e) {
					out = append(out, e)
				}
			}
		}
	}
	slices.SortFunc(out, func(x, y [2]int) int {
		if x[0] != y[0] {
			return x[0] - y[0]
		}
		return x[1] - y[1]
	})
	return out
}

// extended collects up to ExtendedSize two-qubit gates following the front.
func (r *router) extended(d *dagInfo, front []int, npred []int, out []int) []int {
	seen := map[int]int{}
	queue := slices.Clone(front)
	for len(queue) > 0 && len(out) < r.opts.ExtendedSize {
		pos := queue[0]
		queue = queue[1:]
		for _, s := range d.succ[pos] {
			seen[s]++
			if seen[s] == npred[s] { // all its pending predecessors are ahead
				if r.ops[d.order[s]].need {
					out = append(out, s)
				}
				queue = append(queue, s)
			}
		}
	}
	return out
}

func (r *router) score(c [2]int, front, ext []int, d *dagInfo, layout, phys []int, decay []float64) float64 {
	a, b := c[0], c[1]
	at := func(l int) int {
		p := layout[l]
		switch p {
		case a:
			return b
		case b:
			return a
		}
		return p
	}
	var fs float64
	nf := 0
	for _, pos := range front {
		o := r.ops[d.order[pos]]
		if o.need {
			fs += float64(r.dist[at(o.q[0])][at(o.q[1])])
			nf++
		}
	}
	s := fs / float64(max(nf, 1))
	if len(ext) > 0 {
		var es float64
		for _, pos := range ext {
			o := r.ops[d.order[pos]]
			es += float64(r.dist[at(o.q[0])][at(o.q[1])])
		}
		s += r.opts.Lookahead * es / float64(len(ext))
	}
	return s * max(decay[a], decay[b])
}

// layout picks an initial placement by forward-backward passes from
// several starting layouts (see the package doc).
func (r *router) layout() []int {
	fwd, bwd := r.dag(false), r.dag(true)
	var best []int
	bestSwaps := -1
	for t := 0; t < r.opts.Trials; t++ {
		l := make([]int, r.n)
		for i := range l {
			l[i] = i
		}
		if t > 0 {
			r.rng.Shuffle(len(l), func(i, j int) { l[i], l[j] = l[j], l[i] })
		}
		for p := 0; p < r.opts.LayoutPasses; p++ {
			_, end := r.route(fwd, l)
			_, l = r.route(bwd, end)
		}
		ev, _ := r.route(fwd, l)
		swaps := 0
		for _, e := range ev {
			if e.op < 0 {
				swaps++
			}
		}
		if bestSwaps < 0 || swaps < bestSwaps {
			best, bestSwaps = l, swaps
		}
	}
	return best
}

// PermutationMatrix returns the 2^n x 2^n unitary that moves the state of
// wire l to wire perm[l] (big-endian qubit order, as circuit.Unitary).
func PermutationMatrix(perm []int) linalg.Matrix {
	n := len(perm)
	dim := 1 << n
	m := linalg.New(dim, dim)
	for x := 0; x < dim; x++ {
		y := 0
		for l := 0; l < n; l++ {
			if x>>(n-1-l)&1 == 1 {
				y |= 1 << (n - 1 - perm[l])
			}
		}
		m.Set(y, x, 1)
	}
	return m
}

// Permuted returns P(final)·u·P(initial)†: what a routed circuit's unitary
// is for an input unitary u padded to the model's width.
func Permuted(u linalg.Matrix, initial, final []int) linalg.Matrix {
	tmp := linalg.New(u.Rows, u.Cols)
	linalg.MulAdjB(tmp, u, PermutationMatrix(initial))
	out := linalg.New(u.Rows, u.Cols)
	linalg.Mul(out, PermutationMatrix(final), tmp)
	return out
}
