package main

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math"
	"math/cmplx"
	"math/rand/v2"
	"os"

	"github.com/bqskit-mpi/bqskit-mpi/linalg"
)

// The inputs both systems get are generated here, seeded, and written as
// .npy files that each side reads: instantiation targets (the template's
// unitary at uniform random parameters), Haar-random 3-qubit unitaries
// and the Toffoli gate.

// templateTargets returns n targets for the layers template.
func templateTargets(layers, n int, seed uint64) []linalg.Matrix {
	rng := rand.New(rand.NewPCG(seed, uint64(layers)))
	c := template3(layers)
	out := make([]linalg.Matrix, n)
	for i := range out {
		x := make([]float64, c.NumParams())
		for j := range x {
			x[j] = 2 * math.Pi * rng.Float64()
		}
		d := c.Clone()
		d.SetParams(x)
		out[i] = d.Unitary()
	}
	return out
}

// haar returns a Haar-random dim x dim unitary: Gram-Schmidt on the
// columns of a complex Gaussian matrix (R's diagonal made positive).
func haar(dim int, rng *rand.Rand) linalg.Matrix {
	cols := make([][]complex128, dim)
	for j := range cols {
		v := make([]complex128, dim)
		for i := range v {
			v[i] = complex(rng.NormFloat64(), rng.NormFloat64())
		}
		for k := range j {
			var dot complex128
			for i := range v {
				dot += cmplx.Conj(cols[k][i]) * v[i]
			}
			for i := range v {
				v[i] -= dot * cols[k][i]
			}
		}
		var norm float64
		for _, x := range v {
			norm += real(x)*real(x) + imag(x)*imag(x)
		}
		norm = math.Sqrt(norm)
		for i := range v {
			v[i] /= complex(norm, 0)
		}
		cols[j] = v
	}
	m := linalg.Matrix{Rows: dim, Cols: dim, Data: make([]complex128, dim*dim)}
	for i := range dim {
		for j := range dim {
			m.Data[i*dim+j] = cols[j][i]
		}
	}
	return m
}

func toffoli() linalg.Matrix {
	m := linalg.Matrix{Rows: 8, Cols: 8, Data: make([]complex128, 64)}
	for i := range 6 {
		m.Data[i*8+i] = 1
	}
	m.Data[6*8+7], m.Data[7*8+6] = 1, 1
	return m
}

// encodeNPY encodes a complex128 matrix as a NumPy .npy (format 1.0,
// C order).
func encodeNPY(m linalg.Matrix) []byte {
	hdr := fmt.Sprintf("{'descr': '<c16', 'fortran_order': False, 'shape': (%d, %d), }", m.Rows, m.Cols)
	pad := 64 - (10+len(hdr)+1)%64
	if pad == 64 {
		pad = 0
	}
	hdr += string(bytes.Repeat([]byte{' '}, pad)) + "\n"
	var b bytes.Buffer
	b.WriteString("\x93NUMPY\x01\x00")
	_ = binary.Write(&b, binary.LittleEndian, uint16(len(hdr)))
	b.WriteString(hdr)
	for _, z := range m.Data {
		_ = binary.Write(&b, binary.LittleEndian, real(z))
		_ = binary.Write(&b, binary.LittleEndian, imag(z))
	}
	return b.Bytes()
}

func writeNPY(path string, m linalg.Matrix) error {
	return os.WriteFile(path, encodeNPY(m), 0o644)
}
