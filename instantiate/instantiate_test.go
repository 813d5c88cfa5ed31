package instantiate

import (
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/bqskit-mpi/bqskit-mpi/circuit"
	"github.com/bqskit-mpi/bqskit-mpi/linalg"
)

// template builds the QSearch-style circuit: U3 on every qubit, then for
// each pair: CX, RY+RZ on the control, RY+RX on the target.
func template(n int, pairs [][2]int) *circuit.Circuit {
	c := circuit.New(n)
	for q := 0; q < n; q++ {
		c.Append(circuit.Op{Gate: circuit.U3, Qubits: []int{q}, Params: make([]float64, 3)})
	}
	for _, p := range pairs {
		a, b := p[0], p[1]
		c.Append(circuit.Op{Gate: circuit.CX, Qubits: []int{a, b}})
		c.Append(circuit.Op{Gate: circuit.RY, Qubits: []int{a}, Params: make([]float64, 1)})
		c.Append(circuit.Op{Gate: circuit.RZ, Qubits: []int{a}, Params: make([]float64, 1)})
		c.Append(circuit.Op{Gate: circuit.RY, Qubits: []int{b}, Params: make([]float64, 1)})
		c.Append(circuit.Op{Gate: circuit.RX, Qubits: []int{b}, Params: make([]float64, 1)})
	}
	return c
}

// layers3 returns k pairs cycling (0,1), (1,2), (0,2).
func layers3(k int) [][2]int {
	all := [][2]int{{0, 1}, {1, 2}, {0, 2}}
	p := make([][2]int, k)
	for i := range p {
		p[i] = all[i%3]
	}
	return p
}

// randomTarget returns the unitary of c at uniformly random parameters.
func randomTarget(c *circuit.Circuit, rng *rand.Rand) linalg.Matrix {
	x := make([]float64, c.NumParams())
	for i := range x {
		x[i] = 2 * math.Pi * rng.Float64()
	}
	d := c.Clone()
	d.SetParams(x)
	return d.Unitary()
}

func costOf(c *circuit.Circuit, params []float64, target linalg.Matrix) float64 {
	d := c.Clone()
	d.SetParams(params)
	return linalg.Cost(target, d.Unitary())
}

func TestLMReachesTemplateTargets(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, tc := range []struct {
		name   string
		c      *circuit.Circuit
		res    Residual
		starts int
		solver Solver
	}{
		{"bqskit/2q-3cx", template(2, [][2]int{{0, 1}, {0, 1}, {0, 1}}), BQSKitResidual, 16, QRSolver},
		{"bqskit/3q-2layers", template(3, layers3(2)), BQSKitResidual, 64, QRSolver},
		{"phase-invariant/2q-3cx", template(2, [][2]int{{0, 1}, {0, 1}, {0, 1}}), PhaseInvariant, 8, QRSolver},
		{"phase-invariant/3q-4layers", template(3, layers3(4)), PhaseInvariant, 24, QRSolver},
		{"phase-invariant/3q-4layers/cholesky", template(3, layers3(4)), PhaseInvariant, 24, CholeskySolver},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for trial := 0; trial < 3; trial++ {
				target := randomTarget(tc.c, rng)
				params, cost, err := Instantiate(context.Background(), tc.c, target, Options{Seed: uint64(trial), Multistarts: tc.starts, Residual: tc.res, Solver: tc.solver})
				if err != nil {
					t.Fatal(err)
				}
				if cost >= 1e-8 {
					t.Fatalf("trial %d: cost %g", trial, cost)
				}
				if c2 := costOf(tc.c, params, target); math.Abs(c2-cost) > 1e-12 {
					t.Fatalf("reported cost %g, recomputed %g", cost, c2)
				}
			}
		})
	}
}

// TestFrameMatchesFullResidual: the reduced (frame) residual gives the
// same LM iterates as the full 2N² residual, for both residual kinds.
func TestFrameMatchesFullResidual(t *testing.T) {
	c := template(3, layers3(3))
	target := linalg.HaarRandom(8, rand.New(rand.NewPCG(9, 9)))
	for _, res := range []Residual{BQSKitResidual, PhaseInvariant} {
		w, err := NewWorkspace(c)
		if err != nil {
			t.Fatal(err)
		}
		a := make([]float64, w.NumParams())
		b := make([]float64, w.NumParams())
		opts := Options{Seed: 3, Residual: res, MaxIterations: 15}
		ra, err := w.Instantiate(context.Background(), target, opts, a)
		if err != nil {
			t.Fatal(err)
		}
		w.useFull = true
		rb, err := w.Instantiate(context.Background(), target, opts, b)
		if err != nil {
			t.Fatal(err)
		}
		if ra.Iterations != rb.Iterations {
			t.Fatalf("%v: %d vs %d iterations", res, ra.Iterations, rb.Iterations)
		}
		for i := range a {
			if math.Abs(a[i]-b[i]) > 1e-8 {
				t.Fatalf("%v: param %d: %v vs %v", res, i, a[i], b[i])
			}
		}
	}
}

// TestNoAllocation: after the first call, Workspace.Instantiate (LM,
// several starts, hundreds of iterations) allocates nothing.
func TestNoAllocation(t *testing.T) {
	c := template(3, layers3(4))
	w, err := NewWorkspace(c)
	if err != nil {
		t.Fatal(err)
	}
	target := linalg.HaarRandom(8, rand.New(rand.NewPCG(1, 1)))
	dst := make([]float64, w.NumParams())
	ctx := context.Background()
	if _, err := w.Instantiate(ctx, target, Options{}, dst); err != nil {
		t.Fatal(err)
	}
	seed := uint64(0)
	allocs := testing.AllocsPerRun(5, func() {
		seed++
		r, err := w.Instantiate(ctx, target, Options{Seed: seed, Multistarts: 2}, dst)
		if err != nil || r.Iterations < 10 {
			t.Fatalf("%v %+v", err, r)
		}
	})
	if allocs != 0 {
		t.Fatalf("%v allocations per Instantiate", allocs)
	}
}

func TestInstantiateDeterministic(t *testing.T) {
	c := template(3, layers3(3))
	target := linalg.HaarRandom(8, rand.New(rand.NewPCG(7, 7)))
	p1, c1, err := Instantiate(context.Background(), c, target, Options{Seed: 42, Multistarts: 2})
	if err != nil {
		t.Fatal(err)
	}
	p2, c2, _ := Instantiate(context.Background(), c, target, Options{Seed: 42, Multistarts: 2})
	if c1 != c2 {
		t.Fatalf("costs differ: %v %v", c1, c2)
	}
	for i := range p1 {
		if p1[i] != p2[i] {
			t.Fatalf("param %d differs", i)
		}
	}
	p3, _, _ := Instantiate(context.Background(), c, target, Options{Seed: 43, Multistarts: 2})
	same := true
	for i := range p1 {
		same = same && p1[i] == p3[i]
	}
	if same {
		t.Fatal("different seeds gave identical parameters")
	}
}

func TestInstantiateErrors(t *testing.T) {
	c := template(2, [][2]int{{0, 1}})
	ctx := context.Background()
	if _, _, err := Instantiate(ctx, c, linalg.Identity(8), Options{}); !errors.Is(err, ErrInvalid) {
		t.Errorf("wrong target size: %v", err)
	}
	nan := linalg.Identity(4)
	nan.Data[5] = complex(math.NaN(), 0)
	if _, _, err := Instantiate(ctx, c, nan, Options{}); !errors.Is(err, ErrInvalid) {
		t.Errorf("NaN target: %v", err)
	}
	if _, _, err := Instantiate(ctx, c, linalg.Identity(4), Options{Multistarts: -1}); !errors.Is(err, ErrInvalid) {
		t.Errorf("negative multistarts: %v", err)
	}
	if _, _, err := Instantiate(ctx, c, linalg.Identity(4), Options{FunctionTolerance: math.NaN()}); !errors.Is(err, ErrInvalid) {
		t.Errorf("NaN tolerance: %v", err)
	}
	if _, _, err := Instantiate(ctx, c, linalg.Identity(4), Options{Method: QFactor}); !errors.Is(err, ErrUnsupported) {
		t.Errorf("QFactor on U3 circuit: %v", err)
	}
	vu := circuit.New(2)
	vu.Append(circuit.Op{Gate: circuit.NewUnitaryGate(2), Qubits: []int{0, 1}, Params: make([]float64, 32)})
	if _, _, err := Instantiate(ctx, vu, linalg.Identity(4), Options{Method: LM}); !errors.Is(err, ErrUnsupported) {
		t.Errorf("LM on unitary gate: %v", err)
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, _, err := Instantiate(cctx, c, linalg.Identity(4), Options{}); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled context: %v", err)
	}
}

func TestInstantiateNoParams(t *testing.T) {
	c := circuit.New(2)
	c.Append(circuit.Op{Gate: circuit.CX, Qubits: []int{0, 1}})
	p, cost, err := Instantiate(context.Background(), c, c.Unitary(), Options{})
	if err != nil || len(p) != 0 || math.Abs(cost) > 1e-15 {
		t.Fatalf("got %v %v %v", p, cost, err)
	}
}

func TestCancelStopsPromptly(t *testing.T) {
	// A long instantiation: many starts on a target the template cannot
	// reach, so no start stops early.
	c := template(3, layers3(8))
	target := linalg.HaarRandom(8, rand.New(rand.NewPCG(3, 3)))
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		time.Sleep(20 * time.Millisecond)
		cancel()
	}()
	start := time.Now()
	params, _, err := Instantiate(ctx, c, target, Options{Multistarts: 10000})
	el := time.Since(start)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v after %v", err, el)
	}
	if len(params) != c.NumParams() {
		t.Fatalf("no best-so-far parameters returned")
	}
	t.Logf("returned %v after the cancel", el-20*time.Millisecond)
}

func TestQFactor(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 5))
	// Two-qubit unitary blocks on a 3-qubit ladder, target from the same
	// structure at a random point.
	c := circuit.New(3)
	vu := circuit.NewUnitaryGate(2)
	for _, q := range [][]int{{0, 1}, {1, 2}, {0, 1}} {
		c.Append(circuit.Op{Gate: vu, Qubits: q, Params: make([]float64, vu.NumParams())})
	}
	c.Append(circuit.Op{Gate: circuit.CX, Qubits: []int{2, 0}})
	tgt := c.Clone()
	x := make([]float64, c.NumParams())
	for i, op := range tgt.Ops() {
		if op.Gate == circuit.CX {
			continue
		}
		vu.UnitaryToParams(linalg.HaarRandom(4, rng), x[i*32:(i+1)*32])
	}
	tgt.SetParams(x)
	target := tgt.Unitary()
	params, cost, err := Instantiate(context.Background(), c, target, Options{Seed: 1, Multistarts: 4})
	if err != nil {
		t.Fatal(err)
	}
	if cost >= 1e-8 {
		t.Fatalf("QFactor cost %g", cost)
	}
	if c2 := costOf(c, params, target); math.Abs(c2-cost) > 1e-10 {
		t.Fatalf("reported %g recomputed %g", cost, c2)
	}
}

func TestQFactorCancel(t *testing.T) {
	c := circuit.New(3)
	vu := circuit.NewUnitaryGate(2)
	for _, q := range [][]int{{0, 1}, {1, 2}} {
		c.Append(circuit.Op{Gate: vu, Qubits: q, Params: make([]float64, vu.NumParams())})
	}
	// Unreachable target, rules that never stop on their own.
	target := linalg.HaarRandom(8, rand.New(rand.NewPCG(4, 4)))
	ctx, cancel := context.WithCancel(context.Background())
	timer := time.AfterFunc(30*time.Millisecond, cancel)
	defer timer.Stop()
	start := time.Now()
	params, cost, err := Instantiate(ctx, c, target, Options{QFactor: QFactorOptions{MinIters: 1 << 30, MaxIters: 1 << 30}})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v after %v", err, time.Since(start))
	}
	if len(params) != c.NumParams() || !(cost > 0 && cost < 1) {
		t.Fatalf("best so far: %d params, cost %g", len(params), cost)
	}
}

// TestLMStopsAtSuccessThreshold: LM ends as soon as an iterate's cost is
// below the success threshold, so a loose threshold takes fewer
// iterations than a tight one from the same start, and still meets it.
func TestLMStopsAtSuccessThreshold(t *testing.T) {
	c := template(3, layers3(2))
	rng := rand.New(rand.NewPCG(5, 6))
	for _, solver := range []Solver{QRSolver, CholeskySolver} {
		t.Run(solver.String(), func(t *testing.T) {
			w, err := NewWorkspace(c)
			if err != nil {
				t.Fatal(err)
			}
			dst := make([]float64, w.NumParams())
			checked := 0
			for trial := 0; trial < 20 && checked < 3; trial++ {
				target := randomTarget(c, rng)
				tight, err := w.Instantiate(context.Background(), target, Options{Seed: uint64(trial), SuccessThreshold: 1e-15, Solver: solver}, dst)
				if err != nil {
					t.Fatal(err)
				}
				if tight.Cost >= 1e-4 {
					continue // this start fails either way
				}
				loose, err := w.Instantiate(context.Background(), target, Options{Seed: uint64(trial), SuccessThreshold: 1e-4, Solver: solver}, dst)
				if err != nil {
					t.Fatal(err)
				}
				if loose.Cost >= 1e-4 {
					t.Fatalf("trial %d: loose threshold cost %g", trial, loose.Cost)
				}
				if c2 := costOf(c, dst, target); math.Abs(c2-loose.Cost) > 1e-12 {
					t.Fatalf("trial %d: reported cost %g, recomputed %g", trial, loose.Cost, c2)
				}
				if loose.Iterations >= tight.Iterations {
					t.Fatalf("trial %d: %d iterations to 1e-4, %d to convergence", trial, loose.Iterations, tight.Iterations)
				}
				checked++
			}
			if checked < 3 {
				t.Fatalf("only %d of 20 starts succeeded", checked)
			}
		})
	}
}

// TestWarmStartRefines: a start stopped early at a loose threshold,
// resumed from its parameters (Options.Start), converges to a far lower
// cost in one start; a Start of the wrong length is refused.
func TestWarmStartRefines(t *testing.T) {
	c := template(3, layers3(2))
	rng := rand.New(rand.NewPCG(7, 8))
	w, err := NewWorkspace(c)
	if err != nil {
		t.Fatal(err)
	}
	loose := make([]float64, w.NumParams())
	refined := make([]float64, w.NumParams())
	checked := 0
	for trial := 0; trial < 20 && checked < 3; trial++ {
		target := randomTarget(c, rng)
		r, err := w.Instantiate(context.Background(), target, Options{Seed: uint64(trial), SuccessThreshold: 1e-4}, loose)
		if err != nil {
			t.Fatal(err)
		}
		if r.Cost >= 1e-4 || r.Cost < 1e-9 {
			continue // failed, or already converged: nothing to refine
		}
		warm, err := w.Instantiate(context.Background(), target, Options{Seed: 99, Start: loose, SuccessThreshold: 1e-15}, refined)
		if err != nil {
			t.Fatal(err)
		}
		if warm.Starts != 1 || warm.Cost > 1e-12 || warm.Cost >= r.Cost {
			t.Fatalf("trial %d: warm start from cost %g gave cost %g in %d starts", trial, r.Cost, warm.Cost, warm.Starts)
		}
		// From a random point the tighter goal takes more iterations than
		// the loose one did; from the loose result it takes fewer.
		if warm.Iterations >= r.Iterations {
			t.Fatalf("trial %d: warm start took %d iterations, the loose random start %d", trial, warm.Iterations, r.Iterations)
		}
		checked++
	}
	if checked < 3 {
		t.Fatalf("only %d of 20 loose starts left something to refine", checked)
	}
	if _, err := w.Instantiate(context.Background(), randomTarget(c, rng), Options{Start: []float64{1, 2}}, refined); !errors.Is(err, ErrInvalid) {
		t.Fatalf("Start of 2 values: %v, want ErrInvalid", err)
	}
}
