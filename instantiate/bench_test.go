package instantiate

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/bqskit-mpi/bqskit-mpi/linalg"
)

// BenchmarkInstantiate3q: one LM start per op on a 3-qubit template of
// L layers, the target being the template's unitary at random
// parameters. Reports instantiations/s (one core), the success rate
// (c < 1e-8) from one start, and the median time of a successful one.
func BenchmarkInstantiate3q(b *testing.B) {
	for _, res := range []Residual{BQSKitResidual, PhaseInvariant} {
		for _, layers := range []int{2, 4, 6, 8} {
			b.Run(fmt.Sprintf("%s/layers=%d", res, layers), func(b *testing.B) {
				benchInstantiate(b, layers, res, false)
			})
		}
	}
}

// BenchmarkInstantiateFrame compares the reduced (frame) residual with
// the full 2N² residual on the 4-layer template.
func BenchmarkInstantiateFrame(b *testing.B) {
	for _, full := range []bool{false, true} {
		b.Run(fmt.Sprintf("full=%v", full), func(b *testing.B) {
			benchInstantiateWith(b, 4, PhaseInvariant, false, full)
		})
	}
}

// BenchmarkInstantiateSolver compares the QR least-squares solve
// (LAPACK dgels) with the normal equations solved by Cholesky.
func BenchmarkInstantiateSolver(b *testing.B) {
	for _, layers := range []int{4, 8} {
		for _, chol := range []bool{false, true} {
			b.Run(fmt.Sprintf("layers=%d/cholesky=%v", layers, chol), func(b *testing.B) {
				benchInstantiateWith(b, layers, PhaseInvariant, chol, false)
			})
		}
	}
}

// threadCPU is the calling OS thread's CPU time in µs
// (CLOCK_THREAD_CPUTIME_ID): unlike wall time it does not count time the
// thread waits for a core on a busy machine. Callers lock the goroutine
// to its thread.
func threadCPU() float64 {
	var ts unix.Timespec
	if err := unix.ClockGettime(unix.CLOCK_THREAD_CPUTIME_ID, &ts); err != nil {
		return math.NaN()
	}
	return float64(ts.Sec)*1e6 + float64(ts.Nsec)/1e3
}

func benchInstantiate(b *testing.B, layers int, res Residual, chol bool) {
	benchInstantiateWith(b, layers, res, chol, false)
}

func benchInstantiateWith(b *testing.B, layers int, res Residual, chol, full bool) {
	solver := QRSolver
	if chol {
		solver = CholeskySolver
	}
	c := template(3, layers3(layers))
	w, err := NewWorkspace(c)
	if err != nil {
		b.Fatal(err)
	}
	w.useFull = full
	rng := rand.New(rand.NewPCG(11, uint64(layers)))
	const ntargets = 64
	targets := make([]linalg.Matrix, ntargets)
	for i := range targets {
		targets[i] = randomTarget(c, rng)
	}
	dst := make([]float64, w.NumParams())
	ctx := context.Background()
	// Warm up (first LAPACK workspace query).
	if _, err := w.Instantiate(ctx, targets[0], Options{Residual: res, Solver: solver}, dst); err != nil {
		b.Fatal(err)
	}
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	var ok, iters int
	var cpuTotal float64
	okTimes := make([]float64, 0, b.N)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		c0 := threadCPU()
		r, err := w.Instantiate(ctx, targets[i%ntargets], Options{Seed: uint64(i), Residual: res, Solver: solver}, dst)
		el := threadCPU() - c0
		cpuTotal += el
		if err != nil {
			b.Fatal(err)
		}
		iters += r.Iterations
		if r.Cost < DefaultSuccessThreshold {
			ok++
			okTimes = append(okTimes, el)
		}
	}
	b.StopTimer()
	sec := b.Elapsed().Seconds()
	b.ReportMetric(float64(b.N)/sec, "inst/s")
	b.ReportMetric(float64(ok)/float64(b.N), "success")
	b.ReportMetric(float64(iters)/float64(b.N), "iters/op")
	b.ReportMetric(cpuTotal/float64(b.N), "cpu-µs/op")
	b.ReportMetric(float64(b.N)/(cpuTotal*1e-6), "inst/cpu-s")
	if len(okTimes) > 0 {
		slices.Sort(okTimes)
		b.ReportMetric(okTimes[len(okTimes)/2], "cpu-µs/success-median")
	} else {
		b.ReportMetric(math.NaN(), "cpu-µs/success-median")
	}
}

// BenchmarkJacobian times one residual+Jacobian evaluation of the
// reduced (frame) problem on 3-qubit templates.
func BenchmarkJacobian(b *testing.B) {
	for _, layers := range []int{4, 12} {
		b.Run(fmt.Sprintf("layers=%d", layers), func(b *testing.B) {
			c := template(3, layers3(layers))
			w, err := NewWorkspace(c)
			if err != nil {
				b.Fatal(err)
			}
			rng := rand.New(rand.NewPCG(1, 1))
			w.prob.target = randomTarget(c, rng)
			w.prob.phaseInvariant = true
			x := make([]float64, w.np)
			for i := range x {
				x[i] = rng.Float64() * 6
			}
			b.ReportAllocs()
			runtime.LockOSThread()
			defer runtime.UnlockOSThread()
			w.prob.jacobian(x, w.lm.r, w.lm.jac)
			b.ResetTimer()
			c0 := threadCPU()
			for i := 0; i < b.N; i++ {
				w.prob.jacobian(x, w.lm.r, w.lm.jac)
			}
			b.ReportMetric((threadCPU()-c0)/float64(b.N), "cpu-µs/op")
		})
	}
}
