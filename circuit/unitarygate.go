package circuit

import (
	"fmt"

	"github.com/bqskit-mpi/bqskit-mpi/linalg"
)

// UnitaryGate is a general variable k-qubit gate whose parameters are the
// entries of its matrix (for QFactor-style instantiation, BQSKit's
// VariableUnitaryGate). With D = 2^k, it has 2·D² parameters laid out as in
// BQSKit: params[i*D+j] = Re U[i][j] and params[D*D+i*D+j] = Im U[i][j]
// (first all real parts row-major, then all imaginary parts).
//
// Unitary writes the matrix the parameters spell out, as is: it is unitary
// only when the parameters are those of a unitary (set them with
// UnitaryToParams). The map from parameters to matrix is linear, so Grad is
// exact: d/d params[m] is the unit matrix E_ij for a real part and i·E_ij for
// an imaginary part. Gradients computed by Evaluator assume every op's matrix
// is unitary.
type UnitaryGate struct {
	k int
}

var unitaryGates = [7]*UnitaryGate{{0}, {1}, {2}, {3}, {4}, {5}, {6}}

// NewUnitaryGate returns the variable unitary gate on k ≥ 1 qubits. Values
// for the same k compare equal for k ≤ 6.
func NewUnitaryGate(k int) *UnitaryGate {
	if k < 1 || k > 16 {
		panic(fmt.Sprintf("circuit: NewUnitaryGate(%d): k must be in [1,16]", k))
	}
	if k < len(unitaryGates) {
		return unitaryGates[k]
	}
	return &UnitaryGate{k: k}
}

// Name is "unitary<k>", e.g. "unitary2". The gate has no QASM 2.0 form.
func (g *UnitaryGate) Name() string { return fmt.Sprintf("unitary%d", g.k) }

// NumQubits is k.
func (g *UnitaryGate) NumQubits() int { return g.k }

// NumParams is 2·4^k.
func (g *UnitaryGate) NumParams() int { d := 1 << g.k; return 2 * d * d }

func (g *UnitaryGate) String() string { return g.Name() }

// Unitary writes Re + i·Im of the parameters into dst.
func (g *UnitaryGate) Unitary(params []float64, dst linalg.Matrix) {
	checkDst(g, dst)
	checkParams(g, params)
	n := len(params) / 2
	for m := 0; m < n; m++ {
		dst.Data[m] = complex(params[m], params[n+m])
	}
}

// Grad writes the unit matrices described on UnitaryGate.
func (g *UnitaryGate) Grad(params []float64, dst []linalg.Matrix) {
	checkParams(g, params)
	if len(dst) != len(params) {
		panic(fmt.Sprintf("circuit: %s.Grad got %d matrices, want %d", g.Name(), len(dst), len(params)))
	}
	n := len(params) / 2
	for m := range dst {
		checkDst(g, dst[m])
		clear(dst[m].Data)
		if m < n {
			dst[m].Data[m] = 1
		} else {
			dst[m].Data[m-n] = 1i
		}
	}
}

// UnitaryToParams writes the parameters of g that spell out the 2^k x 2^k
// matrix u into dst (len(dst) == g.NumParams()).
func (g *UnitaryGate) UnitaryToParams(u linalg.Matrix, dst []float64) {
	checkDst(g, u)
	checkParams(g, dst)
	n := len(dst) / 2
	for m := 0; m < n; m++ {
		dst[m] = real(u.Data[m])
		dst[n+m] = imag(u.Data[m])
	}
}
