package compiler

import (
	"fmt"
	"math"
	"math/cmplx"
	"math/rand/v2"

	"github.com/bqskit-mpi/bqskit-mpi/circuit"
	"github.com/bqskit-mpi/bqskit-mpi/linalg"
)

// Verification limits.
const (
	// ExactVerifyQubits is the widest circuit verified from full unitaries.
	ExactVerifyQubits = 10
	// MaxVerifyQubits is the widest circuit verified at all (by states).
	MaxVerifyQubits = 28
	// VerifyStates is the number of random input states above ExactVerifyQubits.
	VerifyStates = 8
)

// Verification is the outcome of comparing two circuits.
type Verification struct {
	// Cost is c = 1 − |Tr(U_a† U_b)|/N (exact), or for the state method the
	// worst over the states of 1 − |<a ψ|b ψ>|.
	Cost float64
	// Distance is sqrt(1 − (1 − c)²).
	Distance float64
	// Exact is true when full unitaries were compared.
	Exact bool
}

// DistanceFromCost converts c to d = sqrt(1 − min(1 − c, 1)²).
func DistanceFromCost(c float64) float64 {
	f := math.Min(1-c, 1)
	return math.Sqrt(math.Max(0, 1-f*f))
}

// Verify compares the unitary parts of a and b (directives are skipped:
// measure, reset and barrier are left in place by every pass, so the gates
// between them are what changes). Up to ExactVerifyQubits qubits it builds
// both unitaries; above, it simulates VerifyStates seeded random states
// through both circuits and reports the worst; above MaxVerifyQubits it
// returns an error wrapping ErrVerify.
func Verify(a, b *circuit.Circuit, seed uint64) (Verification, error) {
	n := a.NumQubits()
	if b.NumQubits() != n {
		return Verification{}, fmt.Errorf("%w: circuits have %d and %d qubits", ErrVerify, n, b.NumQubits())
	}
	if n > MaxVerifyQubits {
		return Verification{}, fmt.Errorf("%w: %d qubits is more than the %d that can be simulated", ErrVerify, n, MaxVerifyQubits)
	}
	if n <= ExactVerifyQubits {
		ua, ub := a.Unitary(), b.Unitary()
		c := math.Max(linalg.Cost(ua, ub), 0)
		return Verification{Cost: c, Distance: DistanceFromCost(c), Exact: true}, nil
	}
	return verifyStates(a, b, seed), nil
}

// verifyStates simulates VerifyStates seeded random states through a and b
// and reports the worst 1 − |<aψ|bψ>|.
func verifyStates(a, b *circuit.Circuit, seed uint64) Verification {
	return verifyStatesN(a, b, seed, VerifyStates)
}

func verifyStatesN(a, b *circuit.Circuit, seed uint64, states int) Verification {
	n := a.NumQubits()
	rng := rand.New(rand.NewPCG(seed, 0x7665726966790000))
	dim := 1 << n
	worst := 0.0
	for range states {
		psi := linalg.New(dim, 1)
		norm := 0.0
		for i := range psi.Data {
			v := complex(rng.NormFloat64(), rng.NormFloat64())
			psi.Data[i] = v
			norm += real(v)*real(v) + imag(v)*imag(v)
		}
		s := complex(1/math.Sqrt(norm), 0)
		for i := range psi.Data {
			psi.Data[i] *= s
		}
		pa := psi.Clone()
		apply(a, pa)
		apply(b, psi)
		var ip complex128
		for i, x := range pa.Data {
			ip += cmplx.Conj(x) * psi.Data[i]
		}
		worst = math.Max(worst, 1-cmplx.Abs(ip))
	}
	worst = math.Max(worst, 0)
	return Verification{Cost: worst, Distance: DistanceFromCost(worst)}
}

// apply multiplies m (a 2^n-row unitary or state) on the left by every gate
// of c in order.
func apply(c *circuit.Circuit, m linalg.Matrix) {
	n := c.NumQubits()
	var gates [5]linalg.Matrix
	var work []complex128
	for _, op := range c.Ops() {
		if isDirective(op.Gate) {
			continue
		}
		k := len(op.Qubits)
		if gates[min(k, 4)].Rows != 1<<k {
			gates[min(k, 4)] = linalg.New(1<<k, 1<<k)
		}
		g := gates[min(k, 4)]
		op.Gate.Unitary(op.Params, g)
		if need := (1 << k) * m.Cols; len(work) < need {
			work = make([]complex128, need)
		}
		linalg.ApplyLeft(m, g, op.Qubits, n, work)
	}
}
