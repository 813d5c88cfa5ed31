package circuit

import (
	"encoding/json"
	"math/rand/v2"
	"reflect"
	"testing"

	"github.com/bqskit-mpi/bqskit-mpi/linalg"
)

// naiveEmbed builds (G on qubits ⊗ I) entry by entry, independently of linalg.
func naiveEmbed(g linalg.Matrix, q []int, n int) linalg.Matrix {
	dim := 1 << n
	m := linalg.New(dim, dim)
	bit := func(x, qubit int) int { return (x >> (n - 1 - qubit)) & 1 }
	for r := 0; r < dim; r++ {
		for c := 0; c < dim; c++ {
			same := true
			gr, gc := 0, 0
			for qq := 0; qq < n; qq++ {
				in := false
				for _, b := range q {
					if b == qq {
						in = true
					}
				}
				if !in && bit(r, qq) != bit(c, qq) {
					same = false
				}
			}
			if !same {
				continue
			}
			for _, b := range q {
				gr = gr<<1 | bit(r, b)
				gc = gc<<1 | bit(c, b)
			}
			m.Data[r*dim+c] = g.At(gr, gc)
		}
	}
	return m
}

func naiveUnitary(c *Circuit) linalg.Matrix {
	dim := 1 << c.NumQubits()
	u := linalg.Identity(dim)
	for _, op := range c.Ops() {
		if IsDirective(op.Gate) {
			continue
		}
		full := naiveEmbed(gateMatrix(op.Gate, op.Params...), op.Qubits, c.NumQubits())
		u = matMul(full, u)
	}
	return u
}

// randomCircuit draws ops uniformly from the gate table (gates that fit in n
// qubits), with random distinct qubits and random parameters.
func randomCircuit(rng *rand.Rand, n, ops int) *Circuit {
	names := GateNames()
	c := New(n)
	for c.Len() < ops {
		g, _ := LookupGate(names[rng.IntN(len(names))])
		if g.NumQubits() > n {
			continue
		}
		q := rng.Perm(n)[:g.NumQubits()]
		c.Append(Op{Gate: g, Qubits: q, Params: randParams(rng, g.NumParams())})
	}
	return c
}

func TestCircuitUnitaryMatchesNaive(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for n := 1; n <= 5; n++ {
		for trial := 0; trial < 4; trial++ {
			c := randomCircuit(rng, n, 12)
			if n >= 2 {
				c.Append(Op{Gate: Barrier(2), Qubits: []int{1, 0}})
			}
			approxEqual(t, "Unitary", c.Unitary(), naiveUnitary(c), 1e-12)
			e := NewEvaluator(c)
			dst := linalg.New(1<<n, 1<<n)
			e.Unitary(c.Params(), dst)
			approxEqual(t, "Evaluator.Unitary", dst, naiveUnitary(c), 1e-12)
		}
	}
}

func TestBigEndianOrder(t *testing.T) {
	// X on qubit 0 of 2 maps |00> to |10> (index 2): qubit 0 is the MSB.
	c := New(2)
	c.Append(Op{Gate: X, Qubits: []int{0}})
	u := c.Unitary()
	if u.At(2, 0) != 1 {
		t.Errorf("X on qubit 0: U[2][0] = %v, want 1", u.At(2, 0))
	}
	// CX with control 1, target 0: |01> (index 1) -> |11> (index 3).
	c = New(2)
	c.Append(Op{Gate: CX, Qubits: []int{1, 0}})
	u = c.Unitary()
	if u.At(3, 1) != 1 || u.At(0, 0) != 1 || u.At(2, 2) != 1 || u.At(1, 3) != 1 {
		t.Errorf("cx q[1],q[0] = %v", u.Data)
	}
}

// qsearchTemplate is the 3-qubit, 4-layer QSearch template: U3 on each
// qubit, then per layer CX(a,b), RY(a), RZ(a), RY(b), RX(b).
func qsearchTemplate() *Circuit {
	c := New(3)
	for q := 0; q < 3; q++ {
		c.Append(Op{Gate: U3, Qubits: []int{q}, Params: make([]float64, 3)})
	}
	for _, p := range [][2]int{{0, 1}, {0, 2}, {1, 2}, {0, 1}} {
		a, b := p[0], p[1]
		c.Append(Op{Gate: CX, Qubits: []int{a, b}})
		c.Append(Op{Gate: RY, Qubits: []int{a}, Params: []float64{0}})
		c.Append(Op{Gate: RZ, Qubits: []int{a}, Params: []float64{0}})
		c.Append(Op{Gate: RY, Qubits: []int{b}, Params: []float64{0}})
		c.Append(Op{Gate: RX, Qubits: []int{b}, Params: []float64{0}})
	}
	return c
}

func checkGradFD(t *testing.T, name string, c *Circuit, p []float64) {
	t.Helper()
	e := NewEvaluator(c)
	if e.NumParams() != c.NumParams() {
		t.Fatalf("%s: NumParams %d, want %d", name, e.NumParams(), c.NumParams())
	}
	dim := 1 << c.NumQubits()
	dst := linalg.New(dim, dim)
	grads := make([]linalg.Matrix, len(p))
	for i := range grads {
		grads[i] = linalg.New(dim, dim)
	}
	e.UnitaryAndGrad(p, dst, grads)
	c2 := c.Clone()
	c2.SetParams(p)
	approxEqual(t, name+" unitary", dst, naiveUnitary(c2), 1e-12)
	const h = 1e-5
	up, um := linalg.New(dim, dim), linalg.New(dim, dim)
	for k := range p {
		pp := append([]float64(nil), p...)
		pm := append([]float64(nil), p...)
		pp[k] += h
		pm[k] -= h
		e.Unitary(pp, up)
		e.Unitary(pm, um)
		fd := linalg.New(dim, dim)
		for i := range fd.Data {
			fd.Data[i] = (up.Data[i] - um.Data[i]) / (2 * h)
		}
		if err := maxRelErr(grads[k], fd); err > 1e-6 {
			t.Errorf("%s: param %d: relative error %.3g", name, k, err)
		}
	}
}

func TestEvaluatorGradientFiniteDifference(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	tmpl := qsearchTemplate()
	for trial := 0; trial < 3; trial++ {
		checkGradFD(t, "qsearch template", tmpl, randParams(rng, tmpl.NumParams()))
	}
	// Every parameterized gate, several qubit widths and a directive in the middle.
	for n := 3; n <= 4; n++ {
		c := New(n)
		c.AddCReg("c", 1)
		for _, name := range GateNames() {
			g, _ := LookupGate(name)
			if g.NumParams() == 0 || g.NumQubits() > n {
				continue
			}
			c.Append(Op{Gate: g, Qubits: rng.Perm(n)[:g.NumQubits()], Params: make([]float64, g.NumParams())})
			if name == "cu" {
				c.Append(Op{Gate: Barrier(n), Qubits: rng.Perm(n)})
				c.Append(Op{Gate: CCX, Qubits: []int{2, 0, 1}})
				c.Append(Op{Gate: Reset, Qubits: []int{1}})
			}
		}
		c.Append(Op{Gate: Measure, Qubits: []int{0}, Clbits: []int{0}})
		checkGradFD(t, "all gates", c, randParams(rng, c.NumParams()))
	}
	// Variable unitary gates at unitary parameters.
	c := New(3)
	g2, g1 := NewUnitaryGate(2), NewUnitaryGate(1)
	c.Append(Op{Gate: g2, Qubits: []int{2, 0}, Params: make([]float64, g2.NumParams())})
	c.Append(Op{Gate: CX, Qubits: []int{0, 1}})
	c.Append(Op{Gate: g1, Qubits: []int{1}, Params: make([]float64, g1.NumParams())})
	c.Append(Op{Gate: g2, Qubits: []int{1, 2}, Params: make([]float64, g2.NumParams())})
	p := make([]float64, 0, c.NumParams())
	for _, op := range c.Ops() {
		if ug, ok := op.Gate.(*UnitaryGate); ok {
			pp := make([]float64, ug.NumParams())
			ug.UnitaryToParams(linalg.HaarRandom(1<<ug.NumQubits(), rng), pp)
			p = append(p, pp...)
		}
	}
	checkGradFD(t, "variable unitaries", c, p)
}

func TestEvaluatorNoAllocation(t *testing.T) {
	c := qsearchTemplate()
	c.Append(Op{Gate: CCX, Qubits: []int{0, 1, 2}}) // exercises the general kernel's scratch
	c.Append(Op{Gate: CCP, Qubits: []int{2, 1, 0}, Params: []float64{0.5}})
	e := NewEvaluator(c)
	p := randParams(rand.New(rand.NewPCG(1, 1)), e.NumParams())
	dst := linalg.New(8, 8)
	grads := make([]linalg.Matrix, e.NumParams())
	for i := range grads {
		grads[i] = linalg.New(8, 8)
	}
	if a := testing.AllocsPerRun(20, func() { e.UnitaryAndGrad(p, dst, grads) }); a != 0 {
		t.Errorf("UnitaryAndGrad allocates %v times per call", a)
	}
	if a := testing.AllocsPerRun(20, func() { e.Unitary(p, dst) }); a != 0 {
		t.Errorf("Unitary allocates %v times per call", a)
	}
}

func TestEvaluatorIgnoresLaterCircuitChanges(t *testing.T) {
	c := qsearchTemplate()
	e := NewEvaluator(c)
	p := randParams(rand.New(rand.NewPCG(2, 2)), e.NumParams())
	before := linalg.New(8, 8)
	e.Unitary(p, before)
	c.Op(3).Qubits[0] = 2 // mutate the circuit's op in place
	c.Op(3).Qubits[1] = 0
	after := linalg.New(8, 8)
	e.Unitary(p, after)
	approxEqual(t, "captured structure", after, before, 0)
}

func TestDepthCountsInfo(t *testing.T) {
	c := New(4)
	c.AddCReg("c", 2)
	add := func(g Gate, clbits []int, q ...int) {
		c.Append(Op{Gate: g, Qubits: q, Params: make([]float64, g.NumParams()), Clbits: clbits})
	}
	add(H, nil, 0)     // cycle 0
	add(CX, nil, 0, 1) // cycle 1
	add(U3, nil, 3)    // cycle 0
	add(CX, nil, 1, 2) // cycle 2
	add(Barrier(4), nil, 0, 1, 2, 3)
	add(X, nil, 3)            // cycle 3 (after the barrier)
	add(CCX, nil, 0, 1, 2)    // cycle 3
	add(Measure, []int{1}, 3) // cycle 4
	add(Reset, nil, 0)        // cycle 4
	wantCycles := []int{0, 1, 0, 2, 3, 3, 3, 4, 4}
	if got := c.Cycles(); !reflect.DeepEqual(got, wantCycles) {
		t.Errorf("Cycles = %v, want %v", got, wantCycles)
	}
	info := c.Info()
	want := Info{Qubits: 4, Gates: 8, TwoQubitGates: 2, Depth: 5,
		GateCounts: map[string]int{"h": 1, "cx": 2, "u3": 1, "x": 1, "ccx": 1, "measure": 1, "reset": 1}}
	if !reflect.DeepEqual(info, want) {
		t.Errorf("Info = %+v, want %+v", info, want)
	}
	b, err := json.Marshal(info)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"qubits", "gates", "two_qubit_gates", "depth", "gate_counts"} {
		if _, ok := m[k]; !ok {
			t.Errorf("Info JSON lacks %q: %s", k, b)
		}
	}
	if New(3).Depth() != 0 {
		t.Error("empty circuit depth not 0")
	}
}

func TestCircuitMutationAndRegisters(t *testing.T) {
	c := New(3)
	c.Append(Op{Gate: H, Qubits: []int{0}})
	c.Append(Op{Gate: RZ, Qubits: []int{1}, Params: []float64{1}})
	c.Insert(0, Op{Gate: U2, Qubits: []int{2}, Params: []float64{2, 3}})
	if c.Len() != 3 || c.Op(0).Gate != U2 || c.NumParams() != 3 {
		t.Fatalf("after insert: %d ops, first %s, %d params", c.Len(), c.Op(0).Gate.Name(), c.NumParams())
	}
	if got := c.Params(); !reflect.DeepEqual(got, []float64{2, 3, 1}) {
		t.Errorf("Params = %v", got)
	}
	c.SetParams([]float64{4, 5, 6})
	d := c.Clone()
	d.SetParams([]float64{0, 0, 0})
	if got := c.Params(); !reflect.DeepEqual(got, []float64{4, 5, 6}) {
		t.Errorf("Clone shares params: %v", got)
	}
	q := []int{2}
	c.AppendGate(RY, q, 0.5)
	q[0] = 0
	if op := c.Op(c.Len() - 1); op.Gate != RY || op.Qubits[0] != 2 || op.Params[0] != 0.5 {
		t.Errorf("AppendGate: %+v", op)
	}
	c.Remove(c.Len() - 1)
	c.Remove(0)
	if c.Len() != 2 || c.Op(0).Gate != H {
		t.Errorf("Remove: %d ops", c.Len())
	}
	if r := c.QRegs(); !reflect.DeepEqual(r, []Register{{"q", 3}}) {
		t.Errorf("default QRegs = %v", r)
	}
	c.SetQRegs([]Register{{"a", 1}, {"b", 2}})
	c.AddCReg("m", 2)
	c.AddCReg("n", 1)
	if c.NumClbits() != 3 || len(c.Clone().CRegs()) != 2 || c.Clone().QRegs()[1].Name != "b" {
		t.Errorf("registers: %v %v", c.QRegs(), c.CRegs())
	}
	mustPanic(t, "qreg sizes", func() { c.SetQRegs([]Register{{"a", 2}}) })
	mustPanic(t, "dup creg", func() { c.AddCReg("m", 1) })
	mustPanic(t, "clbit range", func() { c.Append(Op{Gate: Measure, Qubits: []int{0}, Clbits: []int{3}}) })
	mustPanic(t, "clbits on gate", func() { c.Append(Op{Gate: X, Qubits: []int{0}, Clbits: []int{0}}) })
	mustPanic(t, "repeated qubit", func() { c.Append(Op{Gate: CX, Qubits: []int{1, 1}}) })
	mustPanic(t, "params", func() { c.Append(Op{Gate: RX, Qubits: []int{1}}) })
	// Wide ops take the set path of the repeated-qubit check.
	w := New(40)
	wide := make([]int, 40)
	for i := range wide {
		wide[i] = 39 - i
	}
	w.Append(Op{Gate: Barrier(40), Qubits: wide})
	wide[30] = 5
	mustPanic(t, "repeated qubit in a wide op", func() { w.Append(Op{Gate: Barrier(40), Qubits: wide}) })
}

func mustPanic(t *testing.T, what string, f func()) {
	t.Helper()
	defer func() {
		if recover() == nil {
			t.Errorf("%s: no panic", what)
		}
	}()
	f()
}

func BenchmarkUnitaryAndGradQSearch3x4(b *testing.B) {
	c := qsearchTemplate()
	e := NewEvaluator(c)
	p := randParams(rand.New(rand.NewPCG(1, 1)), e.NumParams())
	dst := linalg.New(8, 8)
	grads := make([]linalg.Matrix, e.NumParams())
	for i := range grads {
		grads[i] = linalg.New(8, 8)
	}
	b.ReportAllocs()
	for b.Loop() {
		e.UnitaryAndGrad(p, dst, grads)
	}
}

func BenchmarkUnitaryQSearch3x4(b *testing.B) {
	c := qsearchTemplate()
	e := NewEvaluator(c)
	p := randParams(rand.New(rand.NewPCG(1, 1)), e.NumParams())
	dst := linalg.New(8, 8)
	b.ReportAllocs()
	for b.Loop() {
		e.Unitary(p, dst)
	}
}
