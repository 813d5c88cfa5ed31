package linalg

import (
	"fmt"
	"math"
	"math/cmplx"

	"github.com/bqskit-mpi/bqskit-mpi/linalg/internal/kernel"
)

// Multiply dispatch thresholds, from the benchmarks in bench_test.go (see
// the package documentation for the measured figures):
//   - mulCrossover: products whose largest dimension is below it use the
//     portable Go kernel when the SIMD kernel does not apply (odd column
//     count, or a CPU without AVX2/FMA); at and above it OpenBLAS zgemm.
//   - simdMax: with AVX2/FMA and an even column count, products whose
//     largest dimension is below it use the assembly kernel; from it on
//     zgemm (its cache blocking wins; 64x64 measured a tie).
//   - 2x2 products always use the unrolled Go code (faster than either).
const (
	mulCrossover = 6
	simdMax      = 64
)

// Mul sets dst = a·b. dst must be a.Rows x b.Cols and must not share
// storage with a or b. Shape mismatches and aliasing panic (programmer
// error). It allocates nothing.
func Mul(dst, a, b Matrix) {
	checkMul(dst, a, b, "Mul")
	mulInto(dst.Data, a.Data, b.Data, a.Rows, a.Cols, b.Cols)
}

// mulInto is Mul on raw row-major slices (dst m x n, a m x k, b k x n,
// tightly packed), without shape or alias checks.
func mulInto(dst, a, b []complex128, m, k, n int) {
	big := max(m, k, n)
	if m == 2 && k == 2 && n == 2 {
		mulKernel(dst, a, b, m, k, n)
		return
	}
	if big < simdMax && kernel.ZMul(dst, a, b, m, k, n) {
		return
	}
	if big < mulCrossover {
		mulKernel(dst, a, b, m, k, n)
		return
	}
	zgemm(false, false, m, n, k, a, k, b, n, dst, n)
}

// MulAdjB sets dst = a·b†. dst must be a.Rows x b.Rows and must not share
// storage with a or b.
func MulAdjB(dst, a, b Matrix) {
	if a.Cols != b.Cols || dst.Rows != a.Rows || dst.Cols != b.Rows {
		panic(fmt.Sprintf("linalg: MulAdjB shapes dst %dx%d, a %dx%d, b %dx%d", dst.Rows, dst.Cols, a.Rows, a.Cols, b.Rows, b.Cols))
	}
	if overlaps(dst.Data, a.Data) || overlaps(dst.Data, b.Data) {
		panic("linalg: MulAdjB destination aliases an operand")
	}
	m, k, n := a.Rows, a.Cols, b.Rows
	if max(m, k, n) < mulCrossover {
		mulAdjBKernel(dst.Data, a.Data, b.Data, m, k, n)
		return
	}
	zgemm(false, true, m, n, k, a.Data, k, b.Data, k, dst.Data, n)
}

// MulAdjA sets dst = a†·b. dst must be a.Cols x b.Cols and must not share
// storage with a or b.
func MulAdjA(dst, a, b Matrix) {
	if a.Rows != b.Rows || dst.Rows != a.Cols || dst.Cols != b.Cols {
		panic(fmt.Sprintf("linalg: MulAdjA shapes dst %dx%d, a %dx%d, b %dx%d", dst.Rows, dst.Cols, a.Rows, a.Cols, b.Rows, b.Cols))
	}
	if overlaps(dst.Data, a.Data) || overlaps(dst.Data, b.Data) {
		panic("linalg: MulAdjA destination aliases an operand")
	}
	m, k, n := a.Cols, a.Rows, b.Cols
	if max(m, k, n) < mulCrossover {
		mulAdjAKernel(dst.Data, a.Data, b.Data, m, k, n)
		return
	}
	zgemm(true, false, m, n, k, a.Data, m, b.Data, n, dst.Data, n)
}

func checkMul(dst, a, b Matrix, op string) {
	if a.Cols != b.Rows || dst.Rows != a.Rows || dst.Cols != b.Cols {
		panic(fmt.Sprintf("linalg: %s shapes dst %dx%d, a %dx%d, b %dx%d", op, dst.Rows, dst.Cols, a.Rows, a.Cols, b.Rows, b.Cols))
	}
	if overlaps(dst.Data, a.Data) || overlaps(dst.Data, b.Data) {
		panic("linalg: " + op + " destination aliases an operand")
	}
}

// overlaps reports whether two non-empty slices share any element.
func overlaps(x, y []complex128) bool {
	if len(x) == 0 || len(y) == 0 {
		return false
	}
	x0, x1 := &x[0], &x[len(x)-1]
	y0, y1 := &y[0], &y[len(y)-1]
	return !(ptrLess(x1, y0) || ptrLess(y1, x0))
}

// mulKernel computes dst (m x n) = a (m x k) · b (k x n), all row-major and
// tightly packed, in i-k-j order so the inner loop streams rows of b and dst.
func mulKernel(dst, a, b []complex128, m, k, n int) {
	if m == 2 && k == 2 && n == 2 {
		a00, a01, a10, a11 := a[0], a[1], a[2], a[3]
		b00, b01, b10, b11 := b[0], b[1], b[2], b[3]
		dst[0] = a00*b00 + a01*b10
		dst[1] = a00*b01 + a01*b11
		dst[2] = a10*b00 + a11*b10
		dst[3] = a10*b01 + a11*b11
		return
	}
	if m == 4 && k == 4 && n == 4 {
		mul4x4(dst, a, b)
		return
	}
	if k == 0 {
		clear(dst[:m*n])
		return
	}
	for i := 0; i < m; i++ {
		drow := dst[i*n : i*n+n]
		arow := a[i*k : i*k+k]
		aik := arow[0]
		brow := b[:n]
		for j, bv := range brow {
			drow[j] = aik * bv
		}
		for p := 1; p < k; p++ {
			aik = arow[p]
			brow = b[p*n : p*n+n]
			brow = brow[:len(drow)]
			for j, bv := range brow {
				drow[j] += aik * bv
			}
		}
	}
}

// mul4x4 is the fully unrolled 4x4 product (two-qubit gates); measured about
// twice as fast as the general loop at this size.
func mul4x4(dst, a, b []complex128) {
	dst = dst[:16]
	a = a[:16]
	b = b[:16]
	for i := 0; i < 16; i += 4 {
		a0, a1, a2, a3 := a[i], a[i+1], a[i+2], a[i+3]
		dst[i] = a0*b[0] + a1*b[4] + a2*b[8] + a3*b[12]
		dst[i+1] = a0*b[1] + a1*b[5] + a2*b[9] + a3*b[13]
		dst[i+2] = a0*b[2] + a1*b[6] + a2*b[10] + a3*b[14]
		dst[i+3] = a0*b[3] + a1*b[7] + a2*b[11] + a3*b[15]
	}
}

// mulAdjBKernel computes dst (m x n) = a (m x k) · b†, b being n x k.
func mulAdjBKernel(dst, a, b []complex128, m, k, n int) {
	for i := 0; i < m; i++ {
		arow := a[i*k : i*k+k]
		for j := 0; j < n; j++ {
			brow := b[j*k : j*k+k]
			brow = brow[:len(arow)]
			var s complex128
			for p, av := range arow {
				s += av * cmplx.Conj(brow[p])
			}
			dst[i*n+j] = s
		}
	}
}

// mulAdjAKernel computes dst (m x n) = a† · b, a being k x m and b k x n.
func mulAdjAKernel(dst, a, b []complex128, m, k, n int) {
	clear(dst[:m*n])
	for p := 0; p < k; p++ {
		arow := a[p*m : p*m+m]
		brow := b[p*n : p*n+n]
		for i, av := range arow {
			c := cmplx.Conj(av)
			drow := dst[i*n : i*n+n]
			drow = drow[:len(brow)]
			for j, bv := range brow {
				drow[j] += c * bv
			}
		}
	}
}

// Adjoint sets dst to the conjugate transpose of a. dst must be
// a.Cols x a.Rows and must not share storage with a.
func Adjoint(dst, a Matrix) {
	if dst.Rows != a.Cols || dst.Cols != a.Rows {
		panic(fmt.Sprintf("linalg: Adjoint shapes dst %dx%d, a %dx%d", dst.Rows, dst.Cols, a.Rows, a.Cols))
	}
	if overlaps(dst.Data, a.Data) {
		panic("linalg: Adjoint destination aliases its operand")
	}
	r, c := a.Rows, a.Cols
	for i := 0; i < r; i++ {
		row := a.Data[i*c : i*c+c]
		for j, v := range row {
			dst.Data[j*r+i] = cmplx.Conj(v)
		}
	}
}

// Adjoint returns a new matrix holding the conjugate transpose of m.
func (m Matrix) Adjoint() Matrix {
	d := New(m.Cols, m.Rows)
	Adjoint(d, m)
	return d
}

// Kron returns the Kronecker product a ⊗ b, of shape
// (a.Rows·b.Rows) x (a.Cols·b.Cols). With big-endian qubit order, Kron(a, b)
// acts with a on the more significant (lower-numbered) qubits.
func Kron(a, b Matrix) Matrix {
	d := New(a.Rows*b.Rows, a.Cols*b.Cols)
	KronInto(d, a, b)
	return d
}

// KronInto sets dst = a ⊗ b. dst must have shape
// (a.Rows·b.Rows) x (a.Cols·b.Cols) and must not share storage with a or b.
func KronInto(dst, a, b Matrix) {
	if dst.Rows != a.Rows*b.Rows || dst.Cols != a.Cols*b.Cols {
		panic(fmt.Sprintf("linalg: KronInto shapes dst %dx%d, a %dx%d, b %dx%d", dst.Rows, dst.Cols, a.Rows, a.Cols, b.Rows, b.Cols))
	}
	if overlaps(dst.Data, a.Data) || overlaps(dst.Data, b.Data) {
		panic("linalg: KronInto destination aliases an operand")
	}
	dc := dst.Cols
	for i := 0; i < a.Rows; i++ {
		for j := 0; j < a.Cols; j++ {
			av := a.Data[i*a.Cols+j]
			for p := 0; p < b.Rows; p++ {
				off := (i*b.Rows+p)*dc + j*b.Cols
				drow := dst.Data[off : off+b.Cols]
				brow := b.Data[p*b.Cols : p*b.Cols+b.Cols]
				for q, bv := range brow {
					drow[q] = av * bv
				}
			}
		}
	}
}

// Trace returns the sum of the diagonal of the square matrix m.
func Trace(m Matrix) complex128 {
	if m.Rows != m.Cols {
		panic(fmt.Sprintf("linalg: Trace of a non-square %dx%d matrix", m.Rows, m.Cols))
	}
	var s complex128
	for i := 0; i < m.Rows; i++ {
		s += m.Data[i*m.Cols+i]
	}
	return s
}

// TraceAdjMul returns Tr(a†·b) = Σ conj(a_ij)·b_ij without forming the
// product. a and b must have the same shape.
func TraceAdjMul(a, b Matrix) complex128 {
	if a.Rows != b.Rows || a.Cols != b.Cols {
		panic(fmt.Sprintf("linalg: TraceAdjMul shapes %dx%d and %dx%d", a.Rows, a.Cols, b.Rows, b.Cols))
	}
	bd := b.Data[:len(a.Data)]
	var re, im float64
	for i, av := range a.Data {
		bv := bd[i]
		ar, ai := real(av), imag(av)
		br, bi := real(bv), imag(bv)
		// conj(a)·b = (ar·br + ai·bi) + i(ar·bi − ai·br)
		re += ar*br + ai*bi
		im += ar*bi - ai*br
	}
	return complex(re, im)
}

// Cost returns the phase-blind success cost c(U, V) = 1 − |Tr(U†V)|/N for
// N x N matrices u and v. It is 0 when v equals u up to a global phase and
// can fall slightly below 0 through rounding.
func Cost(u, v Matrix) float64 {
	if u.Rows != u.Cols {
		panic(fmt.Sprintf("linalg: Cost of a non-square %dx%d matrix", u.Rows, u.Cols))
	}
	return 1 - cmplx.Abs(TraceAdjMul(u, v))/float64(u.Rows)
}

// Distance returns d(U, V) = sqrt(1 − min(|Tr(U†V)|/N, 1)²) for N x N
// matrices u and v (the distance BQSKit reports). It lies in [0, 1].
func Distance(u, v Matrix) float64 {
	if u.Rows != u.Cols {
		panic(fmt.Sprintf("linalg: Distance of a non-square %dx%d matrix", u.Rows, u.Cols))
	}
	f := math.Min(cmplx.Abs(TraceAdjMul(u, v))/float64(u.Rows), 1)
	return math.Sqrt(1 - f*f)
}

// IsUnitary reports whether m is square and every entry of m†m differs
// from the identity by at most tol in absolute value. It allocates nothing.
func IsUnitary(m Matrix, tol float64) bool {
	if m.Rows != m.Cols || len(m.Data) != m.Rows*m.Cols {
		return false
	}
	n := m.Rows
	for i := 0; i < n; i++ {
		for j := i; j < n; j++ {
			// (m†m)_ij = Σ_k conj(m_ki) m_kj
			var s complex128
			for k := 0; k < n; k++ {
				s += cmplx.Conj(m.Data[k*n+i]) * m.Data[k*n+j]
			}
			if i == j {
				s--
			}
			if !(cmplx.Abs(s) <= tol) { // also false for NaN
				return false
			}
		}
	}
	return true
}

// Sub sets dst = a − b elementwise; all three must have the same shape
// (dst may be a or b).
func Sub(dst, a, b Matrix) {
	if a.Rows != b.Rows || a.Cols != b.Cols || dst.Rows != a.Rows || dst.Cols != a.Cols {
		panic(fmt.Sprintf("linalg: Sub shapes dst %dx%d, a %dx%d, b %dx%d", dst.Rows, dst.Cols, a.Rows, a.Cols, b.Rows, b.Cols))
	}
	bd := b.Data[:len(a.Data)]
	dd := dst.Data[:len(a.Data)]
	for i, av := range a.Data {
		dd[i] = av - bd[i]
	}
}

// Scale multiplies every entry of m by s in place.
func Scale(m Matrix, s complex128) {
	for i := range m.Data {
		m.Data[i] *= s
	}
}

// MaxAbsDiff returns max_ij |a_ij − b_ij|; a and b must have the same shape.
func MaxAbsDiff(a, b Matrix) float64 {
	if a.Rows != b.Rows || a.Cols != b.Cols {
		panic(fmt.Sprintf("linalg: MaxAbsDiff shapes %dx%d and %dx%d", a.Rows, a.Cols, b.Rows, b.Cols))
	}
	var d float64
	for i, av := range a.Data {
		e := cmplx.Abs(av - b.Data[i])
		if e > d || e != e {
			d = e
		}
	}
	return d
}
