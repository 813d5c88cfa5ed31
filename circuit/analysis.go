package circuit

import (
	"fmt"

	"github.com/bqskit-mpi/bqskit-mpi/linalg"
)

// MaxUnitaryQubits is the widest circuit Unitary accepts (a 2^14 x 2^14
// complex128 matrix is 4 GiB).
const MaxUnitaryQubits = 14

// Unitary returns the 2^n x 2^n unitary of the circuit: the product of its
// gates' unitaries, the first op rightmost. Directives (measure, reset,
// barrier) are skipped. It panics when NumQubits > MaxUnitaryQubits; callers
// check the width first.
func (c *Circuit) Unitary() linalg.Matrix {
	if c.numQubits > MaxUnitaryQubits {
		panic(fmt.Sprintf("circuit: Unitary of %d qubits (at most %d)", c.numQubits, MaxUnitaryQubits))
	}
	dim := 1 << c.numQubits
	u := linalg.Identity(dim)
	var bufs [MaxUnitaryQubits + 1]linalg.Matrix
	var work []complex128
	for _, op := range c.ops {
		if IsDirective(op.Gate) {
			continue
		}
		k := op.Gate.NumQubits()
		if bufs[k].Data == nil {
			bufs[k] = linalg.New(1<<k, 1<<k)
		}
		op.Gate.Unitary(op.Params, bufs[k])
		// 2^k·dim of scratch takes ApplyLeft's blocked path.
		if k > 2 && len(work) < (1<<k)*dim {
			work = make([]complex128, (1<<k)*dim)
		}
		linalg.ApplyLeft(u, bufs[k], op.Qubits, c.numQubits, work)
	}
	return u
}

// Cycles returns, for every op, its ASAP cycle (0-based): one more than the
// latest cycle of an earlier op sharing a qubit. Barriers take no cycle:
// they align their qubits to the latest cycle among them and get the index
// of the first cycle after that point.
func (c *Circuit) Cycles() []int {
	level := make([]int, c.numQubits) // cycles used so far on each qubit
	cyc := make([]int, len(c.ops))
	for i, op := range c.ops {
		t := 0
		for _, q := range op.Qubits {
			t = max(t, level[q])
		}
		cyc[i] = t
		if !IsBarrier(op.Gate) {
			t++
		}
		for _, q := range op.Qubits {
			level[q] = t
		}
	}
	return cyc
}

// Depth is the number of ASAP cycles (see Cycles); an empty circuit has
// depth 0. Measure and reset count as ops; barriers do not.
func (c *Circuit) Depth() int {
	d := 0
	for i, t := range c.Cycles() {
		if !IsBarrier(c.ops[i].Gate) {
			d = max(d, t+1)
		}
	}
	return d
}

// GateCounts counts ops by gate name (lower-case QASM names, e.g. "cx",
// "u3", "measure"). Barriers are not counted.
func (c *Circuit) GateCounts() map[string]int {
	m := make(map[string]int)
	for _, op := range c.ops {
		if IsBarrier(op.Gate) {
			continue
		}
		m[op.Gate.Name()]++
	}
	return m
}

// TwoQubitCount is the number of two-qubit gates (directives excluded).
func (c *Circuit) TwoQubitCount() int {
	n := 0
	for _, op := range c.ops {
		if op.Gate.NumQubits() == 2 && !IsDirective(op.Gate) {
			n++
		}
	}
	return n
}

// Info is a summary of a circuit, as `bqskit-compile --info` prints it.
// Gates counts every op except barriers (measure and reset included), the
// same ops GateCounts counts.
type Info struct {
	Qubits        int            `json:"qubits"`
	Gates         int            `json:"gates"`
	TwoQubitGates int            `json:"two_qubit_gates"`
	Depth         int            `json:"depth"`
	GateCounts    map[string]int `json:"gate_counts"`
}

// Info summarises the circuit.
func (c *Circuit) Info() Info {
	counts := c.GateCounts()
	total := 0
	for _, n := range counts {
		total += n
	}
	return Info{
		Qubits:        c.numQubits,
		Gates:         total,
		TwoQubitGates: c.TwoQubitCount(),
		Depth:         c.Depth(),
		GateCounts:    counts,
	}
}
