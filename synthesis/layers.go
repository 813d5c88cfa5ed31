package synthesis

import (
	"fmt"
	"slices"

	"github.com/bqskit-mpi/bqskit-mpi/circuit"
)

// Pair is a coupled qubit pair (a < b); a layer on it is CX(a→b)
// followed by RY, RZ on a and RY, RX on b.
type Pair [2]int

// Coupling is the ordered list of coupled pairs successors are made from.
type Coupling []Pair

// AllToAll returns every pair (a, b), a < b, in the order (0,1), (0,2),
// ..., (1,2), ... (BQSKit's all-to-all coupling graph order).
func AllToAll(n int) Coupling {
	var c Coupling
	for a := 0; a < n; a++ {
		for b := a + 1; b < n; b++ {
			c = append(c, Pair{a, b})
		}
	}
	return c
}

// NewCoupling validates edges for an n-qubit target and returns them
// normalised: each edge as (min, max), duplicates removed, sorted. An
// empty edge list is an error (there would be no successors); use
// AllToAll for the default.
func NewCoupling(n int, edges [][2]int) (Coupling, error) {
	if len(edges) == 0 {
		return nil, fmt.Errorf("%w: coupling graph has no edges", ErrInvalid)
	}
	var c Coupling
	for i, e := range edges {
		a, b := e[0], e[1]
		if a < 0 || a >= n || b < 0 || b >= n {
			return nil, fmt.Errorf("%w: coupling edge %d (%d, %d) names a qubit outside 0..%d", ErrInvalid, i, a, b, n-1)
		}
		if a == b {
			return nil, fmt.Errorf("%w: coupling edge %d (%d, %d) is a self-loop", ErrInvalid, i, a, b)
		}
		c = append(c, Pair{min(a, b), max(a, b)})
	}
	slices.SortFunc(c, func(x, y Pair) int {
		if x[0] != y[0] {
			return x[0] - y[0]
		}
		return x[1] - y[1]
	})
	return slices.Compact(c), nil
}

// ParamsPerLayer is the number of parameters a CX successor layer adds.
const ParamsPerLayer = 4

// LayerParams is the number of parameters a successor layer of the
// two-qubit gate g adds: 4 for CX (nil), else g's own parameters and two
// U3s (6).
func LayerParams(g circuit.Gate) int {
	if g == nil || g == circuit.CX {
		return ParamsPerLayer
	}
	return g.NumParams() + 6
}

// InitialParams is the number of parameters of the initial layer (one U3
// per qubit).
func InitialParams(n int) int { return 3 * n }

// BuildCircuit returns the search circuit on n qubits for the layer
// sequence pairs: a U3 on every qubit, then per pair CX(a→b), RY(a),
// RZ(a), RY(b), RX(b) (BQSKit's FourParamGenerator). Parameters are zero
// unless params (len InitialParams(n) + 4·len(pairs)) is given.
func BuildCircuit(n int, pairs []Pair, params []float64) *circuit.Circuit {
	return BuildLayers(n, nil, pairs, params)
}

// BuildLayers is BuildCircuit with layers of the two-qubit gate g (nil:
// CX): for any other gate a layer is g(a, b) with its parameters, then a
// U3 on a and on b (BQSKit's SimpleLayerGenerator), LayerParams(g)
// parameters. Instantiation handles any parameterized gate, so any
// native two-qubit gate can be the search's entangler.
func BuildLayers(n int, g circuit.Gate, pairs []Pair, params []float64) *circuit.Circuit {
	c := circuit.New(n)
	k := 0
	next := func(m int) []float64 {
		p := make([]float64, m)
		if params != nil {
			copy(p, params[k:k+m])
		}
		k += m
		return p
	}
	for q := 0; q < n; q++ {
		c.Append(circuit.Op{Gate: circuit.U3, Qubits: []int{q}, Params: next(3)})
	}
	for _, p := range pairs {
		a, b := p[0], p[1]
		if g != nil && g != circuit.CX {
			c.Append(circuit.Op{Gate: g, Qubits: []int{a, b}, Params: next(g.NumParams())})
			c.Append(circuit.Op{Gate: circuit.U3, Qubits: []int{a}, Params: next(3)})
			c.Append(circuit.Op{Gate: circuit.U3, Qubits: []int{b}, Params: next(3)})
			continue
		}
		c.Append(circuit.Op{Gate: circuit.CX, Qubits: []int{a, b}})
		c.Append(circuit.Op{Gate: circuit.RY, Qubits: []int{a}, Params: next(1)})
		c.Append(circuit.Op{Gate: circuit.RZ, Qubits: []int{a}, Params: next(1)})
		c.Append(circuit.Op{Gate: circuit.RY, Qubits: []int{b}, Params: next(1)})
		c.Append(circuit.Op{Gate: circuit.RX, Qubits: []int{b}, Params: next(1)})
	}
	return c
}

// outerCNOTs counts how many uninterrupted layers on edge end the
// circuit, as BQSKit's FourParamGenerator.count_outer_cnots: zero unless
// qubit edge[0]'s last gate lies in the circuit's last cycle; otherwise
// walk back over the layers, skipping those that touch neither qubit of
// the edge, counting layers on the edge and stopping at the first layer
// on another pair that touches one of its qubits.
func outerCNOTs(n int, pairs []Pair, edge Pair) int {
	if len(pairs) == 0 {
		return 0
	}
	// Every layer is 3 cycles deep on both of its qubits (CX, then two
	// single-qubit gates each), the initial U3 layer 1 cycle.
	var finish [maxQubitsHard]int
	for q := 0; q < n; q++ {
		finish[q] = 1
	}
	last := 1
	for _, p := range pairs {
		t := max(finish[p[0]], finish[p[1]]) + 3
		finish[p[0]], finish[p[1]] = t, t
		last = max(last, t)
	}
	if finish[edge[0]] != last {
		return 0
	}
	count := 0
	for i := len(pairs) - 1; i >= 0; i-- {
		p := pairs[i]
		if p == edge {
			count++
			continue
		}
		if p[0] == edge[0] || p[0] == edge[1] || p[1] == edge[0] || p[1] == edge[1] {
			break
		}
	}
	return count
}

// successors lists the pairs a node with layers pairs may be extended by:
// every coupling pair in order, except, for more than 2 qubits, pairs
// that already end the circuit with 3 uninterrupted layers.
func successors(n int, coupling Coupling, pairs []Pair) []Pair {
	out := make([]Pair, 0, len(coupling))
	for _, e := range coupling {
		if n > 2 && outerCNOTs(n, pairs, e) >= 3 {
			continue
		}
		out = append(out, e)
	}
	return out
}
