package linalg

import (
	"fmt"
	"runtime"
	"syscall"
	"testing"
	"time"

	"gonum.org/v1/gonum/blas"

	"github.com/bqskit-mpi/bqskit-mpi/linalg/internal/kernel"
)

// threadCPU returns the CPU time consumed by the calling OS thread.
func threadCPU() time.Duration {
	var ru syscall.Rusage
	const rusageThread = 1 // RUSAGE_THREAD (Linux)
	_ = syscall.Getrusage(rusageThread, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// loop runs f under b.Loop and also reports cpu-ns/op, the CPU time of the
// benchmark's own thread per call. On the shared 2-core development machine
// wall-clock ns/op swings several-fold with other jobs; cpu-ns/op is the
// steadier figure (it still includes cache and frequency effects).
func loop(b *testing.B, f func()) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	n := 0
	t0 := threadCPU()
	for b.Loop() {
		f()
		n++
	}
	if n > 0 {
		b.ReportMetric(float64(threadCPU()-t0)/float64(n), "cpu-ns/op")
	}
}

var benchSizes = []int{2, 3, 4, 5, 6, 8, 16, 32, 64}

// BenchmarkMul compares the portable Go kernel, the AVX2/FMA assembly
// kernel and OpenBLAS zgemm for square n x n products; Mul dispatches
// between them (mulCrossover, simdMax).
func BenchmarkMul(b *testing.B) {
	rng := newRNG(1)
	for _, n := range benchSizes {
		x, y, d := randMatrix(rng, n, n), randMatrix(rng, n, n), New(n, n)
		b.Run(fmt.Sprintf("kernel/%dx%d", n, n), func(b *testing.B) {
			loop(b, func() { mulKernel(d.Data, x.Data, y.Data, n, n, n) })
		})
		if kernel.HasAVX2FMA && n%2 == 0 {
			b.Run(fmt.Sprintf("simd/%dx%d", n, n), func(b *testing.B) {
				loop(b, func() { kernel.ZMul(d.Data, x.Data, y.Data, n, n, n) })
			})
		}
		b.Run(fmt.Sprintf("zgemm/%dx%d", n, n), func(b *testing.B) {
			loop(b, func() { zgemm(false, false, n, n, n, x.Data, n, y.Data, n, d.Data, n) })
		})
		// gonum's netlib binding of the same cblas_zgemm (not used by Mul:
		// its alpha and beta escape, two allocations per call).
		b.Run(fmt.Sprintf("netlib-zgemm/%dx%d", n, n), func(b *testing.B) {
			loop(b, func() {
				blasImpl{}.Zgemm(blas.NoTrans, blas.NoTrans, n, n, n, 1, x.Data, n, y.Data, n, 0, d.Data, n)
			})
		})
		b.Run(fmt.Sprintf("Mul/%dx%d", n, n), func(b *testing.B) {
			loop(b, func() { Mul(d, x, y) })
		})
	}
}

// applyCases are the qubit choices benchmarked: for 3 qubits every single
// qubit and three pairs; for 10 qubits the most and least significant ends.
var applyCases = map[int][][]int{
	3:  {{0}, {1}, {2}, {0, 1}, {1, 2}, {2, 0}, {0, 1, 2}},
	10: {{0}, {9}, {0, 1}, {8, 9}, {9, 0}, {0, 5, 9}},
}

func benchApply(b *testing.B, right bool) {
	rng := newRNG(2)
	for _, n := range []int{3, 10} {
		m := HaarRandom(1<<n, rng)
		work := make([]complex128, 8<<n) // 2^3·Cols: the contract's size
		for _, qs := range applyCases[n] {
			g := HaarRandom(1<<len(qs), rng)
			b.Run(fmt.Sprintf("%dq/on%dq/%v", len(qs), n, qs), func(b *testing.B) {
				if right {
					loop(b, func() { ApplyRight(m, g, qs, n, work) })
				} else {
					loop(b, func() { ApplyLeft(m, g, qs, n, work) })
				}
			})
		}
	}
}

func BenchmarkApplyLeft(b *testing.B)  { benchApply(b, false) }
func BenchmarkApplyRight(b *testing.B) { benchApply(b, true) }

func BenchmarkSVD(b *testing.B) {
	rng := newRNG(4)
	for _, n := range []int{4, 8, 16} {
		a := randMatrix(rng, n, n)
		for _, full := range []bool{false, true} {
			name := "values"
			if full {
				name = "full"
			}
			b.Run(fmt.Sprintf("%s/%dx%d", name, n, n), func(b *testing.B) {
				var w SVD
				loop(b, func() {
					if err := w.Factorize(a, full); err != nil {
						b.Fatal(err)
					}
				})
			})
		}
	}
}

func BenchmarkLeastSquaresReal(b *testing.B) {
	rng := newRNG(5)
	for _, s := range [][2]int{{150, 30}, {180, 30}, {32, 8}} {
		m, n := s[0], s[1]
		a, rhs, x := make([]float64, m*n), make([]float64, m), make([]float64, n)
		for i := range a {
			a[i] = rng.NormFloat64()
		}
		for i := range rhs {
			rhs[i] = rng.NormFloat64()
		}
		b.Run(fmt.Sprintf("%dx%d", m, n), func(b *testing.B) {
			var w LeastSquaresRealWork
			loop(b, func() {
				if err := LeastSquaresReal(x, a, m, n, rhs, &w); err != nil {
					b.Fatal(err)
				}
			})
		})
	}
}

func BenchmarkLeastSquares(b *testing.B) {
	rng := newRNG(6)
	a, rhs, x := randMatrix(rng, 64, 16), randMatrix(rng, 64, 1), New(16, 1)
	var w LeastSquaresWork
	loop(b, func() {
		if err := LeastSquares(x, a, rhs, &w); err != nil {
			b.Fatal(err)
		}
	})
}

// BenchmarkNormalEquationsReal is the Cholesky route for the same 150x30
// problem as BenchmarkLeastSquaresReal: form AᵀA and Aᵀb, then solve.
func BenchmarkNormalEquationsReal(b *testing.B) {
	m, n := 150, 30
	a, rhs := randReal(m*n, 7), randReal(m, 8)
	g, atb, x := make([]float64, n*n), make([]float64, n), make([]float64, n)
	shift := make([]float64, n)
	for i := range shift {
		shift[i] = 1e-3
	}
	var w CholeskyRealWork
	b.Run("form/150x30", func(b *testing.B) {
		loop(b, func() { NormalEquationsReal(g, atb, a, m, n, rhs) })
	})
	b.Run("solve/30", func(b *testing.B) {
		loop(b, func() {
			if err := CholeskySolveReal(x, g, n, shift, atb, &w); err != nil {
				b.Fatal(err)
			}
		})
	})
}
