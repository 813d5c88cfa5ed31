package linalg

import (
	"fmt"
	"math"
	"sync"
	"testing"
)

// TestConcurrentUse runs the cgo-backed operations from several goroutines
// at once (each with its own workspaces, as the package requires) and
// checks every result against one computed alone (to rounding: OpenBLAS may
// split work differently under concurrency): OpenBLAS and LAPACKE must be
// safe to call concurrently with the default thread pool.
func TestConcurrentUse(t *testing.T) {
	rng := newRNG(31)
	a, b := randMatrix(rng, 64, 64), randMatrix(rng, 64, 64)
	wantMul := New(64, 64)
	Mul(wantMul, a, b)
	s := randMatrix(rng, 16, 16)
	var sw SVD
	if err := sw.Factorize(s, false); err != nil {
		t.Fatal(err)
	}
	wantSV := append([]float64(nil), sw.Values()...)
	la, lb := randReal(150*30, 32), randReal(150, 33)
	wantX := make([]float64, 30)
	if err := LeastSquaresReal(wantX, la, 150, 30, lb, nil); err != nil {
		t.Fatal(err)
	}

	const workers, rounds = 4, 15
	errs := make(chan error, workers)
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			d := New(64, 64)
			var svd SVD
			var ls LeastSquaresRealWork
			x := make([]float64, 30)
			for r := 0; r < rounds; r++ {
				Mul(d, a, b)
				if e := MaxAbsDiff(d, wantMul); e > 1e-10 {
					errs <- fmt.Errorf("Mul differs by %g", e)
					return
				}
				if err := svd.Factorize(s, false); err != nil {
					errs <- err
					return
				}
				for i, v := range svd.Values() {
					if math.Abs(v-wantSV[i]) > 1e-12*wantSV[0] {
						errs <- fmt.Errorf("σ_%d = %v, alone %v", i, v, wantSV[i])
						return
					}
				}
				if err := LeastSquaresReal(x, la, 150, 30, lb, &ls); err != nil {
					errs <- err
					return
				}
				for i, v := range x {
					if math.Abs(v-wantX[i]) > 1e-12*(1+math.Abs(wantX[i])) {
						errs <- fmt.Errorf("x[%d] = %v, alone %v", i, v, wantX[i])
						return
					}
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}
