package linalg

import "fmt"

// Matrix is a dense complex128 matrix stored row-major: element (i, j) is
// Data[i*Cols+j]. The zero value is an empty 0x0 matrix. Matrices share
// storage when copied by value; use Clone for an independent copy.
type Matrix struct {
	Rows, Cols int
	Data       []complex128
}

// New returns a zeroed rows x cols matrix.
func New(rows, cols int) Matrix {
	if rows < 0 || cols < 0 {
		panic(fmt.Sprintf("linalg: negative dimension %dx%d", rows, cols))
	}
	return Matrix{Rows: rows, Cols: cols, Data: make([]complex128, rows*cols)}
}

// Identity returns the n x n identity matrix.
func Identity(n int) Matrix {
	m := New(n, n)
	for i := 0; i < n; i++ {
		m.Data[i*n+i] = 1
	}
	return m
}

// At returns element (i, j).
func (m Matrix) At(i, j int) complex128 { return m.Data[i*m.Cols+j] }

// Set sets element (i, j) to v.
func (m Matrix) Set(i, j int, v complex128) { m.Data[i*m.Cols+j] = v }

// Clone returns a deep copy of m.
func (m Matrix) Clone() Matrix {
	c := Matrix{Rows: m.Rows, Cols: m.Cols, Data: make([]complex128, len(m.Data))}
	copy(c.Data, m.Data)
	return c
}

// CopyFrom copies src into m; the shapes must match.
func (m Matrix) CopyFrom(src Matrix) {
	if m.Rows != src.Rows || m.Cols != src.Cols {
		panic(fmt.Sprintf("linalg: CopyFrom shape %dx%d from %dx%d", m.Rows, m.Cols, src.Rows, src.Cols))
	}
	copy(m.Data, src.Data)
}

// SetIdentity overwrites the square matrix m with the identity.
func (m Matrix) SetIdentity() {
	if m.Rows != m.Cols {
		panic("linalg: SetIdentity on a non-square matrix")
	}
	clear(m.Data)
	for i := 0; i < m.Rows; i++ {
		m.Data[i*m.Cols+i] = 1
	}
}
