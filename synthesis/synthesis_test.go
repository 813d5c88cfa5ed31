package synthesis

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/bqskit-mpi/bqskit-mpi/circuit"
	"github.com/bqskit-mpi/bqskit-mpi/instantiate"
	"github.com/bqskit-mpi/bqskit-mpi/linalg"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestAllToAllOrder(t *testing.T) {
	got := AllToAll(3)
	want := Coupling{{0, 1}, {0, 2}, {1, 2}}
	if !slices.Equal(got, want) {
		t.Fatalf("AllToAll(3) = %v, want %v", got, want)
	}
	if len(AllToAll(4)) != 6 || len(AllToAll(1)) != 0 {
		t.Fatal("wrong pair counts")
	}
}

func TestNewCoupling(t *testing.T) {
	c, err := NewCoupling(3, [][2]int{{2, 1}, {0, 1}, {1, 2}})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(c, Coupling{{0, 1}, {1, 2}}) {
		t.Fatalf("got %v", c)
	}
	for _, bad := range [][][2]int{nil, {{0, 0}}, {{0, 3}}, {{-1, 1}}} {
		if _, err := NewCoupling(3, bad); !errors.Is(err, ErrInvalid) {
			t.Errorf("%v: got %v", bad, err)
		}
	}
}

func TestOuterCNOTs(t *testing.T) {
	// Mirrors BQSKit's test_fringe_cnot_count cases.
	var pairs []Pair
	for i := 1; i < 10; i++ {
		pairs = append(pairs, Pair{0, 1})
		if got := outerCNOTs(2, pairs, Pair{0, 1}); got != i {
			t.Fatalf("2q: %d layers, count %d", i, got)
		}
	}
	pairs = []Pair{{0, 1}, {2, 3}}
	for i := 1; i < 10; i++ {
		pairs = append(pairs, Pair{1, 2})
		if got := outerCNOTs(4, pairs, Pair{1, 2}); got != i {
			t.Fatalf("4q: %d layers, count %d", i, got)
		}
	}
	hidden := []Pair{{0, 1}, {0, 1}, {0, 1}, {1, 2}}
	if got := outerCNOTs(3, hidden, Pair{0, 1}); got != 0 {
		t.Fatalf("hidden: count %d", got)
	}
	if got := outerCNOTs(3, nil, Pair{0, 1}); got != 0 {
		t.Fatalf("empty: count %d", got)
	}
	// A layer on a disjoint pair does not interrupt (4 qubits).
	if got := outerCNOTs(4, []Pair{{0, 1}, {0, 1}, {2, 3}}, Pair{0, 1}); got != 2 {
		t.Fatalf("disjoint: count %d", got)
	}
}

func TestSuccessorsPruning(t *testing.T) {
	c3 := AllToAll(3)
	three := []Pair{{0, 1}, {0, 1}, {0, 1}}
	if got := successors(3, c3, three); !slices.Equal(got, []Pair{{0, 2}, {1, 2}}) {
		t.Fatalf("3q after 3x(0,1): %v", got)
	}
	if got := successors(3, c3, three[:2]); !slices.Equal(got, []Pair(c3)) {
		t.Fatalf("3q after 2x(0,1): %v", got)
	}
	// Two qubits are never pruned.
	if got := successors(2, AllToAll(2), append(three, three...)); len(got) != 1 {
		t.Fatalf("2q: %v", got)
	}
}

func TestBuildCircuit(t *testing.T) {
	pairs := []Pair{{0, 1}, {1, 2}}
	params := make([]float64, InitialParams(3)+ParamsPerLayer*len(pairs))
	for i := range params {
		params[i] = float64(i) / 10
	}
	c := BuildCircuit(3, pairs, params)
	if c.NumParams() != len(params) || !slices.Equal(c.Params(), params) {
		t.Fatalf("params %v", c.Params())
	}
	names := []string{}
	for _, op := range c.Ops() {
		names = append(names, op.Gate.Name())
	}
	want := []string{"u3", "u3", "u3", "cx", "ry", "rz", "ry", "rx", "cx", "ry", "rz", "ry", "rx"}
	if !slices.Equal(names, want) {
		t.Fatalf("gates %v", names)
	}
	if q := c.Op(8).Qubits; !slices.Equal(q, []int{1, 2}) {
		t.Fatalf("second cx on %v", q)
	}
}

func TestFrontierFIFO(t *testing.T) {
	var f frontier
	a := &node{pairs: []Pair{{0, 1}}, cost: 0.1}
	b := &node{pairs: []Pair{{0, 2}}, cost: 0.1}
	c := &node{pairs: nil, cost: 0.15}
	d := &node{pairs: []Pair{{0, 1}, {0, 1}}, cost: 0}
	for _, n := range []*node{a, b, c, d} {
		f.add(n)
	}
	// f: a 2.0, b 2.0, c 1.5, d 2.0 → c, then a, b, d in insertion order.
	for i, want := range []*node{c, a, b, d} {
		if got := f.pop(); got != want {
			t.Fatalf("pop %d: wrong node", i)
		}
	}
	f.add(a)
	f.clear()
	if f.Len() != 0 {
		t.Fatal("clear left items")
	}
}

func TestLeapCondition(t *testing.T) {
	layers, dists := []float64{0}, []float64{0.8}
	// One point: no line, never a prefix.
	if leapCondition(1, 0.7, &layers, &dists, 0, 1) {
		t.Fatal("prefix from one point")
	}
	// Line through (0,0.8), (1,0.7) predicts 0.6 at 2: 0.65 is above it.
	if !leapCondition(2, 0.65, &layers, &dists, 0, 2) {
		t.Fatal("no prefix above the line")
	}
	l2, d2 := []float64{0, 1}, []float64{0.8, 0.7}
	if leapCondition(2, 0.5, &l2, &d2, 0, 2) {
		t.Fatal("prefix below the line")
	}
	l3, d3 := []float64{0, 1}, []float64{0.8, 0.7}
	if leapCondition(2, 0.65, &l3, &d3, 1, 2) {
		t.Fatal("prefix before min_prefix_size layers")
	}
	if len(l3) != 3 || d3[2] != 0.65 {
		t.Fatal("history not recorded")
	}
}

func TestU3Params(t *testing.T) {
	rng := rand.New(rand.NewPCG(4, 4))
	g := linalg.New(2, 2)
	for i := 0; i < 200; i++ {
		u := linalg.HaarRandom(2, rng)
		switch i {
		case 0:
			u = linalg.Identity(2)
		case 1:
			u = linalg.Matrix{Rows: 2, Cols: 2, Data: []complex128{0, 1i, 1, 0}}
		case 2:
			u = linalg.Matrix{Rows: 2, Cols: 2, Data: []complex128{1i, 0, 0, -1}}
		}
		th, ph, la := U3Params([4]complex128{u.Data[0], u.Data[1], u.Data[2], u.Data[3]})
		circuit.U3.Unitary([]float64{th, ph, la}, g)
		if c := linalg.Cost(u, g); math.Abs(c) > 1e-14 {
			t.Fatalf("case %d: cost %g", i, c)
		}
	}
}

func TestToCXU3(t *testing.T) {
	rng := rand.New(rand.NewPCG(8, 8))
	c := circuit.New(3)
	one := []circuit.Gate{circuit.U3, circuit.RX, circuit.RY, circuit.RZ, circuit.H, circuit.S}
	for i := 0; i < 40; i++ {
		if i%3 == 2 {
			a, b := rng.IntN(3), rng.IntN(3)
			if a == b {
				b = (a + 1) % 3
			}
			c.Append(circuit.Op{Gate: circuit.CX, Qubits: []int{a, b}})
			continue
		}
		g := one[rng.IntN(len(one))]
		p := make([]float64, g.NumParams())
		for j := range p {
			p[j] = 2 * math.Pi * rng.Float64()
		}
		c.Append(circuit.Op{Gate: g, Qubits: []int{rng.IntN(3)}, Params: p})
	}
	out, err := ToCXU3(c)
	if err != nil {
		t.Fatal(err)
	}
	for _, op := range out.Ops() {
		if op.Gate != circuit.CX && op.Gate != circuit.U3 {
			t.Fatalf("gate %s in output", op.Gate.Name())
		}
	}
	if out.TwoQubitCount() != c.TwoQubitCount() {
		t.Fatalf("cx count changed")
	}
	if cost := linalg.Cost(c.Unitary(), out.Unitary()); math.Abs(cost) > 1e-12 {
		t.Fatalf("conversion cost %g", cost)
	}
	bad := circuit.New(2)
	bad.Append(circuit.Op{Gate: circuit.CZ, Qubits: []int{0, 1}})
	if _, err := ToCXU3(bad); !errors.Is(err, ErrInvalid) {
		t.Fatalf("cz: %v", err)
	}
}

func checkResult(t *testing.T, target linalg.Matrix, c *circuit.Circuit, cost float64) {
	t.Helper()
	for _, op := range c.Ops() {
		if op.Gate != circuit.CX && op.Gate != circuit.U3 {
			t.Fatalf("gate %s in synthesized circuit", op.Gate.Name())
		}
	}
	if got := linalg.Cost(target, c.Unitary()); math.Abs(got-cost) > 1e-12 {
		t.Fatalf("reported cost %g, actual %g", cost, got)
	}
}

// TestRandom2Q: 50 seeded Haar-random 2-qubit unitaries, each synthesized
// (QSearch, level 1 settings) with c < 1e-8 and at most 3 CNOTs.
func TestRandom2Q(t *testing.T) {
	rng := rand.New(rand.NewPCG(2024, 2))
	total := 0
	start := time.Now()
	for i := 0; i < 50; i++ {
		u := linalg.HaarRandom(4, rng)
		c, cost, err := Synthesize(context.Background(), u, 1, Options{Seed: uint64(i)})
		if err != nil {
			t.Fatalf("unitary %d: %v", i, err)
		}
		checkResult(t, u, c, cost)
		if cost >= 1e-8 || c.TwoQubitCount() > 3 {
			t.Fatalf("unitary %d: cost %g with %d cx", i, cost, c.TwoQubitCount())
		}
		total += c.TwoQubitCount()
	}
	t.Logf("50 random 2q unitaries: mean %.2f cx, %v each", float64(total)/50, time.Since(start)/50)
}

// seededTarget3 is a 3-qubit unitary reachable with a few layers.
func seededTarget3(seed uint64, pairs []Pair) linalg.Matrix {
	rng := rand.New(rand.NewPCG(seed, 3))
	p := make([]float64, InitialParams(3)+ParamsPerLayer*len(pairs))
	for i := range p {
		p[i] = 2 * math.Pi * rng.Float64()
	}
	return BuildCircuit(3, pairs, p).Unitary()
}

func TestSameSeedAnyWorkerCount(t *testing.T) {
	for _, seq := range []bool{false, true} {
		t.Run(fmt.Sprintf("sequential=%v", seq), func(t *testing.T) { sameSeedAnyWorkerCount(t, seq) })
	}
}

func sameSeedAnyWorkerCount(t *testing.T, seq bool) {
	target := seededTarget3(1, []Pair{{0, 1}, {1, 2}, {0, 2}})
	var ref *Result
	for _, workers := range []int{1, 4, 3} {
		r, err := LEAP(context.Background(), target, Options{Seed: 99, Multistarts: 2, MaxLayers: 5, Workers: workers, SequentialStarts: seq})
		if err != nil && !errors.Is(err, ErrNotReached) {
			t.Fatal(err)
		}
		if ref == nil {
			ref = r
			t.Logf("reference: %d layers, cost %.3g, %d instantiations", r.Layers, r.Cost, r.Instantiations)
			continue
		}
		if r.Cost != ref.Cost || r.Layers != ref.Layers || r.Instantiations != ref.Instantiations {
			t.Fatalf("workers=%d: cost %v layers %d inst %d; with 1 worker: %v %d %d", workers, r.Cost, r.Layers, r.Instantiations, ref.Cost, ref.Layers, ref.Instantiations)
		}
		if !slices.Equal(r.Circuit.Params(), ref.Circuit.Params()) {
			t.Fatalf("workers=%d: different parameters", workers)
		}
	}
}

// recordingExecutor checks that a custom executor is used and sees
// self-contained jobs; it runs them in reverse order through the task
// body, as a remote executor would.
type recordingExecutor struct {
	batches, jobs int
}

func (r *recordingExecutor) Map(ctx context.Context, name string, args [][]byte, done func(int)) ([][]byte, error) {
	if name != TaskInstantiate {
		return nil, fmt.Errorf("unexpected task %q", name)
	}
	r.batches++
	out := make([][]byte, len(args))
	for i := len(args) - 1; i >= 0; i-- { // any order is allowed
		res, err := InstantiateTask(ctx, args[i])
		if err != nil {
			return nil, err
		}
		out[i] = res
		r.jobs++
	}
	return out, nil
}

func TestCustomExecutorMatchesLocal(t *testing.T) {
	target := seededTarget3(2, []Pair{{0, 2}, {1, 2}})
	rr := &recordingExecutor{}
	a, err := QSearch(context.Background(), target, Options{Seed: 5, Executor: rr, MaxLayers: 4})
	if err != nil {
		t.Fatal(err)
	}
	b, err := QSearch(context.Background(), target, Options{Seed: 5, Workers: 2, MaxLayers: 4})
	if err != nil {
		t.Fatal(err)
	}
	if rr.jobs != a.Instantiations || rr.batches == 0 {
		t.Fatalf("executor saw %d jobs in %d batches, search counted %d", rr.jobs, rr.batches, a.Instantiations)
	}
	if a.Cost != b.Cost || !slices.Equal(a.Circuit.Params(), b.Circuit.Params()) {
		t.Fatal("custom and local executors disagree")
	}
	if a.Cost >= 1e-8 || a.Layers > 2 {
		t.Fatalf("2-layer target: %d layers, cost %g", a.Layers, a.Cost)
	}
}

// TestCancelLongSynthesis cancels a 4-qubit random synthesis and expects
// the call to return with the context's error; the latency is logged.
func TestCancelLongSynthesis(t *testing.T) {
	u := linalg.HaarRandom(16, rand.New(rand.NewPCG(16, 16)))
	ctx, cancel := context.WithCancel(context.Background())
	var cancelled time.Time
	timer := time.AfterFunc(300*time.Millisecond, func() {
		cancelled = time.Now()
		cancel()
	})
	defer timer.Stop()
	c, _, err := Synthesize(ctx, u, 3, Options{Seed: 1, Workers: 2})
	returned := time.Now()
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("got circuit=%v err=%v", c != nil, err)
	}
	if c != nil {
		t.Fatal("circuit returned on cancellation")
	}
	t.Logf("returned %v after cancel", returned.Sub(cancelled))
}

func TestSynthesizeErrors(t *testing.T) {
	ctx := context.Background()
	u := linalg.Identity(4)
	notUnitary := linalg.Identity(4)
	notUnitary.Data[0] = 2
	for _, tc := range []struct {
		name   string
		target linalg.Matrix
		level  int
		opts   Options
	}{
		{"level 0", u, 0, Options{}},
		{"level 5", u, 5, Options{}},
		{"not square", linalg.New(4, 2), 1, Options{}},
		{"not power of two", linalg.Identity(3), 1, Options{}},
		{"too wide", linalg.Identity(64), 1, Options{}},
		{"not unitary", notUnitary, 1, Options{}},
		{"bad coupling", u, 1, Options{Coupling: [][2]int{{0, 2}}}},
		{"negative multistarts", u, 1, Options{Multistarts: -1}},
		{"too many layers", u, 1, Options{MaxLayers: MaxLayersLimit + 1}},
		{"threshold 1", u, 1, Options{SuccessThreshold: 1}},
		{"negative workers", u, 1, Options{Workers: -2}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, _, err := Synthesize(ctx, tc.target, tc.level, tc.opts); !errors.Is(err, ErrInvalid) {
				t.Fatalf("got %v", err)
			}
		})
	}
}

func TestNotReachedReturnsBest(t *testing.T) {
	u := linalg.HaarRandom(8, rand.New(rand.NewPCG(6, 6)))
	r, err := QSearch(context.Background(), u, Options{Seed: 1, MaxLayers: 2})
	if !errors.Is(err, ErrNotReached) {
		t.Fatalf("got %v", err)
	}
	if r == nil || r.Circuit == nil || r.Layers > 2 || r.Cost < 1e-3 {
		t.Fatalf("best: %+v", r)
	}
}

func TestSingleQubit(t *testing.T) {
	u := linalg.HaarRandom(2, rand.New(rand.NewPCG(1, 1)))
	c, cost, err := Synthesize(context.Background(), u, 1, Options{})
	if err != nil || cost >= 1e-8 || c.Len() != 1 {
		t.Fatalf("1q: %v cost %g len %d", err, cost, c.Len())
	}
}

func TestJobEncoding(t *testing.T) {
	j := Job{NumQubits: 2, Pairs: []Pair{{0, 1}, {0, 1}}, Target: linalg.HaarRandom(4, rand.New(rand.NewPCG(1, 1))),
		Seed: 77, Multistarts: 3, SuccessThreshold: 1e-9, Residual: instantiate.BQSKitResidual, Solver: instantiate.CholeskySolver}
	b, err := j.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	var k Job
	if err := k.UnmarshalBinary(b); err != nil {
		t.Fatal(err)
	}
	if k.NumQubits != j.NumQubits || !slices.Equal(k.Pairs, j.Pairs) || k.Seed != j.Seed || k.Multistarts != j.Multistarts ||
		k.SuccessThreshold != j.SuccessThreshold || k.Residual != j.Residual || k.Solver != j.Solver || linalg.MaxAbsDiff(k.Target, j.Target) != 0 {
		t.Fatalf("round trip: %+v", k)
	}
	for _, cut := range []int{0, 5, len(b) - 1} {
		if err := k.UnmarshalBinary(b[:cut]); !errors.Is(err, ErrDecode) {
			t.Errorf("truncated at %d: %v", cut, err)
		}
	}
	bad := append([]byte{}, b...)
	bad[len(bad)-16*16-3] = 7 // a pair entry out of range
	if err := k.UnmarshalBinary(bad); !errors.Is(err, ErrDecode) {
		t.Errorf("bad pair: %v", err)
	}
	r := JobResult{Params: []float64{1, 2, 3}, Cost: 0.5}
	rb, _ := r.MarshalBinary()
	var s JobResult
	if err := s.UnmarshalBinary(rb); err != nil || s.Cost != 0.5 || !slices.Equal(s.Params, r.Params) {
		t.Fatalf("result round trip: %+v %v", s, err)
	}
	if err := s.UnmarshalBinary(rb[:len(rb)-1]); !errors.Is(err, ErrDecode) {
		t.Fatalf("truncated result: %v", err)
	}
}

func FuzzJobDecode(f *testing.F) {
	j := Job{NumQubits: 1, Pairs: nil, Target: linalg.Identity(2), Multistarts: 1}
	b, _ := j.MarshalBinary()
	f.Add(b)
	j2 := Job{NumQubits: 2, Pairs: []Pair{{0, 1}}, Target: linalg.Identity(4), Multistarts: 2, SuccessThreshold: 1e-8}
	b2, _ := j2.MarshalBinary()
	f.Add(b2)
	f.Fuzz(func(t *testing.T, b []byte) {
		var j Job
		if err := j.UnmarshalBinary(b); err != nil {
			if !errors.Is(err, ErrDecode) {
				t.Fatalf("error %v is not ErrDecode", err)
			}
			return
		}
		if err := j.validate(); err != nil {
			t.Fatalf("decoded an invalid job: %v", err)
		}
		again, err := j.MarshalBinary()
		if err != nil || len(again) != len(b) {
			t.Fatalf("re-encode: %v", err)
		}
	})
}

func FuzzResultDecode(f *testing.F) {
	b, _ := JobResult{Params: []float64{1}, Cost: 0.1}.MarshalBinary()
	f.Add(b)
	f.Fuzz(func(t *testing.T, b []byte) {
		var r JobResult
		if err := r.UnmarshalBinary(b); err != nil && !errors.Is(err, ErrDecode) {
			t.Fatalf("error %v is not ErrDecode", err)
		}
	})
}

func TestFourQubitLinearCoupling(t *testing.T) {
	pairs := []Pair{{0, 1}, {2, 3}, {1, 2}}
	rng := rand.New(rand.NewPCG(44, 4))
	p := make([]float64, InitialParams(4)+ParamsPerLayer*len(pairs))
	for i := range p {
		p[i] = 2 * math.Pi * rng.Float64()
	}
	target := BuildCircuit(4, pairs, p).Unitary()
	coupling := [][2]int{{0, 1}, {1, 2}, {2, 3}}
	r, err := LEAP(context.Background(), target, Options{Seed: 3, Multistarts: 4, Coupling: coupling, MaxLayers: 5})
	if err != nil {
		t.Fatal(err)
	}
	checkResult(t, target, r.Circuit, r.Cost)
	for _, op := range r.Circuit.Ops() {
		if op.Gate == circuit.CX && op.Qubits[1]-op.Qubits[0] != 1 {
			t.Fatalf("cx on %v outside the linear coupling", op.Qubits)
		}
	}
	if r.Layers != 3 {
		t.Fatalf("%d layers for a 3-layer target", r.Layers)
	}
}

// badExecutor returns results with no parameters.
type badExecutor struct{}

func (badExecutor) Map(ctx context.Context, name string, args [][]byte, done func(int)) ([][]byte, error) {
	out := make([][]byte, len(args))
	for i := range out {
		out[i], _ = JobResult{}.MarshalBinary()
	}
	return out, nil
}

func TestBadExecutorResults(t *testing.T) {
	_, err := QSearch(context.Background(), linalg.Identity(4), Options{Executor: badExecutor{}})
	if err == nil || errors.Is(err, ErrInvalid) {
		t.Fatalf("got %v", err)
	}
}

// TestNativeLayerGates: QSearch with a machine's two-qubit gate as the
// layer gate synthesizes random two-qubit unitaries in at most three
// layers of that gate, and the result is over {gate, u3}.
func TestNativeLayerGates(t *testing.T) {
	for i, name := range []string{"cz", "iswap", "sqisw", "rzz", "ecr"} {
		g, ok := circuit.LookupGate(name)
		if !ok {
			t.Fatalf("no gate %s", name)
		}
		u := linalg.HaarRandom(4, rand.New(rand.NewPCG(uint64(i), 9)))
		res, err := QSearch(context.Background(), u, Options{Gate: g, Multistarts: 4, Seed: 1, Workers: 2})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if res.Layers > 3 || res.Cost >= 1e-8 {
			t.Fatalf("%s: %d layers, cost %g", name, res.Layers, res.Cost)
		}
		for _, op := range res.Circuit.Ops() {
			if op.Gate != g && op.Gate != circuit.U3 {
				t.Fatalf("%s: gate %s in the output", name, op.Gate.Name())
			}
		}
		if d := linalg.Distance(u, res.Circuit.Unitary()); d > 1e-3 {
			t.Fatalf("%s: distance %g", name, d)
		}
	}
	// a coupling restricts the layers: a 3-qubit target with only (0,1)
	// and (1,2) coupled never gets a gate on (0,2).
	pairs := []Pair{{0, 2}, {0, 1}}
	p := make([]float64, InitialParams(3)+ParamsPerLayer*len(pairs))
	for k := range p {
		p[k] = 0.3 + 0.1*float64(k)
	}
	target := BuildCircuit(3, pairs, p).Unitary()
	cz, _ := circuit.LookupGate("cz")
	res, err := LEAP(context.Background(), target, Options{Gate: cz, Coupling: [][2]int{{0, 1}, {1, 2}}, Multistarts: 2, Seed: 1, Workers: 2})
	if err != nil {
		t.Fatal(err)
	}
	for _, op := range res.Circuit.Ops() {
		if len(op.Qubits) == 2 && (op.Qubits[0] == 0 && op.Qubits[1] == 2 || op.Qubits[0] == 2 && op.Qubits[1] == 0) {
			t.Fatalf("gate on the uncoupled pair (0,2)")
		}
	}
	if _, err := QSearch(context.Background(), target, Options{Gate: circuit.U3}); !errors.Is(err, ErrInvalid) {
		t.Fatalf("single-qubit layer gate: %v", err)
	}
}

func TestJobEncodingGate(t *testing.T) {
	g, _ := circuit.LookupGate("iswap")
	for _, gate := range []circuit.Gate{nil, circuit.CX, g} {
		j := Job{NumQubits: 2, Gate: gate, Pairs: []Pair{{0, 1}}, Target: linalg.Identity(4), Multistarts: 1}
		b, err := j.MarshalBinary()
		if err != nil {
			t.Fatal(err)
		}
		var k Job
		if err := k.UnmarshalBinary(b); err != nil || k.Gate != gate {
			t.Fatalf("gate %v: round trip %v, %v", gate, k.Gate, err)
		}
		r, err := RunJob(context.Background(), k)
		if err != nil || len(r.Params) != InitialParams(2)+LayerParams(gate) {
			t.Fatalf("gate %v: %d params, %v", gate, len(r.Params), err)
		}
	}
}
