package compiler

import (
	"fmt"
	"math"
	"math/cmplx"
	"math/rand/v2"
	"slices"

	"github.com/bqskit-mpi/bqskit-mpi/circuit"
	"github.com/bqskit-mpi/bqskit-mpi/linalg"
)

// Verification limits.
const (
	// ExactVerifyQubits is the widest circuit verified from full unitaries.
	ExactVerifyQubits = 10
	// MaxVerifyQubits is the widest circuit verified at all (by states).
	MaxVerifyQubits = 28
	// VerifyStates is the number of random input states above
	// ExactVerifyQubits, up to LargeVerifyQubits.
	VerifyStates = 8
	// LargeVerifyQubits: above it, LargeVerifyStates states are simulated.
	// For a Haar-random state ψ, |<aψ|bψ>| concentrates at |Tr(A†B)|/N
	// within about 2^(−n/2), so at this size one state already measures
	// the trace fidelity to 1/256; two guard against a fluke.
	LargeVerifyQubits = 16
	// LargeVerifyStates is the number of random states above
	// LargeVerifyQubits.
	LargeVerifyStates = 2
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

// verifyStates simulates VerifyStates (LargeVerifyStates above
// LargeVerifyQubits) seeded random states through a and b and reports the
// worst 1 − |<aψ|bψ>|.
func verifyStates(a, b *circuit.Circuit, seed uint64) Verification {
	if a.NumQubits() > LargeVerifyQubits {
		return verifyStatesN(a, b, seed, LargeVerifyStates)
	}
	return verifyStatesN(a, b, seed, VerifyStates)
}

func verifyStatesN(a, b *circuit.Circuit, seed uint64, states int) Verification {
	n := a.NumQubits()
	fa, fb := fuseForSim(a), fuseForSim(b)
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
		applyFused(fa, pa, n)
		applyFused(fb, psi, n)
		var ip complex128
		for i, x := range pa.Data {
			ip += cmplx.Conj(x) * psi.Data[i]
		}
		worst = math.Max(worst, 1-cmplx.Abs(ip))
	}
	worst = math.Max(worst, 0)
	return Verification{Cost: worst, Distance: DistanceFromCost(worst)}
}

// simOp is a gate of a circuit prepared for simulation: a unitary on
// qubits.
type simOp struct {
	qubits []int
	m      linalg.Matrix
}

// fuseForSim returns c's gates (directives dropped) with every
// single-qubit gate multiplied into the last multi-qubit gate on its
// qubit (or the next one, at the start), and consecutive two-qubit gates
// on the same pair multiplied together: a state is then pushed through
// about one 4x4 product per run of two-qubit gates instead of one per
// gate (hub18 routed: 16,723 gates, 9,245 products).
func fuseForSim(c *circuit.Circuit) []simOp {
	n := c.NumQubits()
	var ops []simOp
	last := make([]int, n)   // index in ops of the last op on q, or -1
	pend := make([]*mat2, n) // single-qubit product waiting on q
	for q := range last {
		last[q] = -1
	}
	// onQubit multiplies the 2x2 u (acting on qubit q) into op k on the
	// left (after it) or on the right (before it).
	onQubit := func(k, q int, u mat2, after bool) {
		o := ops[k]
		full := embed2(u, slices.Index(o.qubits, q), len(o.qubits))
		res := linalg.New(o.m.Rows, o.m.Cols)
		if after {
			linalg.Mul(res, full, o.m)
		} else {
			linalg.Mul(res, o.m, full)
		}
		ops[k].m = res
	}
	for _, op := range c.Ops() {
		if isDirective(op.Gate) {
			continue
		}
		k := len(op.Qubits)
		if k == 1 {
			q := op.Qubits[0]
			u := gateMat2(op)
			if last[q] >= 0 {
				onQubit(last[q], q, u, true)
				continue
			}
			if pend[q] != nil {
				u = mul2(u, *pend[q])
			}
			pend[q] = &u
			continue
		}
		g := linalg.New(1<<k, 1<<k)
		op.Gate.Unitary(op.Params, g)
		if k == 2 {
			a, b := op.Qubits[0], op.Qubits[1]
			if j := last[a]; j >= 0 && j == last[b] && len(ops[j].qubits) == 2 {
				// the previous op on both qubits is a two-qubit gate on
				// the same pair: multiply into it (swapping g's qubit
				// order when the pair is reversed).
				if ops[j].qubits[0] != a {
					g = swapQubits4(g)
				}
				res := linalg.New(4, 4)
				linalg.Mul(res, g, ops[j].m)
				ops[j].m = res
				continue
			}
		}
		ops = append(ops, simOp{qubits: slices.Clone(op.Qubits), m: g})
		for _, q := range op.Qubits {
			if pend[q] != nil {
				onQubit(len(ops)-1, q, *pend[q], false)
				pend[q] = nil
			}
			last[q] = len(ops) - 1
		}
	}
	for q, p := range pend {
		if p != nil {
			m := linalg.New(2, 2)
			copy(m.Data, p[:])
			ops = append(ops, simOp{qubits: []int{q}, m: m})
		}
	}
	return ops
}

// embed2 returns I ⊗ .. ⊗ u ⊗ .. ⊗ I: u on position pos of k qubits
// (big-endian).
func embed2(u mat2, pos, k int) linalg.Matrix {
	m := linalg.New(2, 2)
	copy(m.Data, u[:])
	full := linalg.Identity(1)
	for i := 0; i < k; i++ {
		if i == pos {
			full = linalg.Kron(full, m)
		} else {
			full = linalg.Kron(full, linalg.Identity(2))
		}
	}
	return full
}

// swapQubits4 returns SWAP·g·SWAP for a 4x4 g (its two qubits exchanged).
func swapQubits4(g linalg.Matrix) linalg.Matrix {
	perm := [4]int{0, 2, 1, 3}
	out := linalg.New(4, 4)
	for i := 0; i < 4; i++ {
		for j := 0; j < 4; j++ {
			out.Set(perm[i], perm[j], g.At(i, j))
		}
	}
	return out
}

// applyFused multiplies the 2^n-row m on the left by every op in order.
func applyFused(ops []simOp, m linalg.Matrix, n int) {
	var work []complex128
	for _, o := range ops {
		if need := o.m.Rows * m.Cols; len(work) < need {
			work = make([]complex128, need)
		}
		linalg.ApplyLeft(m, o.m, o.qubits, n, work)
	}
}
