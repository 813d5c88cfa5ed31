package unitaryio

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"math/bits"
	"math/cmplx"
	"os"
	"strings"

	"github.com/sbinet/npyio/npy"

	"github.com/bqskit-mpi/bqskit-mpi/linalg"
)

// Sentinel errors; every error returned by this package wraps one of them.
var (
	// ErrNotNPY: the input is not a readable NumPy .npy file.
	ErrNotNPY = errors.New("unitaryio: not a NumPy .npy file")
	// ErrDType: the array's element type is not complex128, complex64
	// or float64.
	ErrDType = errors.New("unitaryio: array dtype is not complex128, complex64 or float64")
	// ErrShape: the array is not a square 2^n x 2^n matrix with n >= 1.
	ErrShape = errors.New("unitaryio: array shape is not 2^n x 2^n")
	// ErrTooLarge: the matrix acts on more than MaxQubits qubits.
	ErrTooLarge = errors.New("unitaryio: unitary too large")
	// ErrNotUnitary: the matrix is not unitary within Tolerance.
	ErrNotUnitary = errors.New("unitaryio: matrix is not unitary")
)

const (
	// MaxQubits bounds the width of a target (2^10 x 2^10 complex128 is
	// 16 MiB); larger headers are refused before any data is read.
	MaxQubits = 10
	// Tolerance is the largest entrywise deviation of U†U from the
	// identity that is accepted (BQSKit's default is_unitary tolerance).
	Tolerance = 1e-8
	// Tolerance32 is Tolerance for complex64 files (single precision).
	Tolerance32 = 1e-5
)

// ReadFile reads the .npy file at path; see Read.
func ReadFile(path string) (linalg.Matrix, error) {
	f, err := os.Open(path)
	if err != nil {
		return linalg.Matrix{}, fmt.Errorf("unitaryio: %w", err)
	}
	defer f.Close()
	return Read(path, f)
}

// Read decodes a 2^n x 2^n unitary (complex128, complex64 or float64) from r; name is used in
// error messages (typically the file name). It is ReadMax with MaxQubits.
func Read(name string, r io.Reader) (linalg.Matrix, error) {
	return ReadMax(name, r, MaxQubits)
}

// ReadMax is Read for a caller that accepts at most maxQubits qubits
// (values above MaxQubits or below 1 mean MaxQubits). The cheap checks come
// first: dtype, shape and width are checked from the header alone, so a
// matrix too wide for the caller is refused (ErrTooLarge) before its data
// is read, and unitarity (cubic in the dimension) is checked last.
func ReadMax(name string, r io.Reader, maxQubits int) (linalg.Matrix, error) {
	if maxQubits < 1 || maxQubits > MaxQubits {
		maxQubits = MaxQubits
	}
	head := make([]byte, 10)
	n, err := io.ReadFull(r, head)
	if err != nil {
		return linalg.Matrix{}, fmt.Errorf("%w: %s: file too short (%d bytes) for a .npy header", ErrNotNPY, name, n)
	}
	if !bytes.Equal(head[:6], npy.Magic[:]) {
		return linalg.Matrix{}, fmt.Errorf("%w: %s: missing the \\x93NUMPY magic string", ErrNotNPY, name)
	}
	var hlen int
	switch head[6] {
	case 1:
		hlen = int(head[8]) | int(head[9])<<8
	case 2, 3:
		more := make([]byte, 2)
		if _, err := io.ReadFull(r, more); err != nil {
			return linalg.Matrix{}, fmt.Errorf("%w: %s: truncated header", ErrNotNPY, name)
		}
		hlen = int(head[8]) | int(head[9])<<8 | int(more[0])<<16 | int(more[1])<<24
	default:
		return linalg.Matrix{}, fmt.Errorf("%w: %s: unsupported .npy format version %d.%d", ErrNotNPY, name, head[6], head[7])
	}
	if hlen <= 0 || hlen > 1<<16 {
		return linalg.Matrix{}, fmt.Errorf("%w: %s: implausible header length %d", ErrNotNPY, name, hlen)
	}
	hdr := make([]byte, hlen)
	if _, err := io.ReadFull(r, hdr); err != nil {
		return linalg.Matrix{}, fmt.Errorf("%w: %s: truncated header (want %d bytes)", ErrNotNPY, name, hlen)
	}
	h, err := parseHeader(hdr)
	if err != nil {
		return linalg.Matrix{}, fmt.Errorf("%w: %s: header: %v", ErrNotNPY, name, err)
	}
	kind, ok := dtypes[h.descr[1:]]
	if !ok || !strings.ContainsRune("<>|=", rune(h.descr[0])) {
		return linalg.Matrix{}, fmt.Errorf("%w: %s: dtype %q, want complex128 ('<c16'), complex64 ('<c8') or float64 ('<f8')", ErrDType, name, h.descr)
	}
	if len(h.shape) != 2 {
		return linalg.Matrix{}, fmt.Errorf("%w: %s: shape %v has %d dimensions, want 2", ErrShape, name, h.shape, len(h.shape))
	}
	rows, cols := h.shape[0], h.shape[1]
	if rows != cols || rows < 2 || bits.OnesCount(uint(rows)) != 1 {
		return linalg.Matrix{}, fmt.Errorf("%w: %s: shape (%d, %d)", ErrShape, name, rows, cols)
	}
	if q := bits.TrailingZeros(uint(rows)); q > maxQubits {
		return linalg.Matrix{}, fmt.Errorf("%w: %s: %d qubits (shape (%d, %d)), at most %d supported", ErrTooLarge, name, q, rows, cols, maxQubits)
	}
	// Read exactly the payload the shape announces, plus one byte to
	// detect trailing garbage, then let npyio decode it behind the header
	// rewritten in the layout its parser takes.
	want := rows * cols * kind.size
	payload := make([]byte, want+1)
	got, _ := io.ReadFull(r, payload)
	switch {
	case got < want:
		return linalg.Matrix{}, fmt.Errorf("%w: %s: data truncated: %d bytes, shape (%d, %d) of %s needs %d", ErrNotNPY, name, got, rows, cols, h.descr, want)
	case got > want:
		return linalg.Matrix{}, fmt.Errorf("%w: %s: unexpected bytes after the %d-byte array data", ErrNotNPY, name, want)
	}
	rd, err := newReader(io.MultiReader(bytes.NewReader(h.canonical()), bytes.NewReader(payload[:want])))
	if err != nil {
		return linalg.Matrix{}, fmt.Errorf("%w: %s: %v", ErrNotNPY, name, err)
	}
	data, err := kind.read(rd)
	if err != nil {
		return linalg.Matrix{}, fmt.Errorf("%w: %s: reading data: %v", ErrNotNPY, name, err)
	}
	if len(data) != rows*cols {
		return linalg.Matrix{}, fmt.Errorf("%w: %s: data holds %d elements, shape (%d, %d) needs %d", ErrNotNPY, name, len(data), rows, cols, rows*cols)
	}
	m := linalg.New(rows, cols)
	if h.fortran {
		for j := 0; j < cols; j++ {
			for i := 0; i < rows; i++ {
				m.Data[i*cols+j] = data[j*rows+i]
			}
		}
	} else {
		copy(m.Data, data)
	}
	for i, v := range m.Data {
		if cmplx.IsNaN(v) || cmplx.IsInf(v) {
			return linalg.Matrix{}, fmt.Errorf("%w: %s: element (%d, %d) is %v", ErrNotUnitary, name, i/cols, i%cols, v)
		}
	}
	if dev := unitaryDeviation(m); !(dev <= kind.tolerance) {
		return linalg.Matrix{}, fmt.Errorf("%w: %s: max |U†U - I| entry is %.3g (tolerance %g for %s)", ErrNotUnitary, name, dev, kind.tolerance, h.descr)
	}
	if kind.tolerance > Tolerance {
		orthonormalize(m)
	}
	return m, nil
}

// dtype is an element type ReadMax accepts.
type dtype struct {
	size      int     // bytes per element
	tolerance float64 // largest |U†U - I| entry accepted
	read      func(*npy.Reader) ([]complex128, error)
}

// dtypes maps a dtype's descr without its byte-order character to how it
// is read. complex64 holds about 7 significant digits, so its unitaries
// are checked against Tolerance32 and then made unitary to double
// precision; float64 matrices are real unitaries (orthogonal).
var dtypes = map[string]dtype{
	"c16": {16, Tolerance, func(rd *npy.Reader) ([]complex128, error) {
		var d []complex128
		err := readData(rd, &d)
		return d, err
	}},
	"c8": {8, Tolerance32, func(rd *npy.Reader) ([]complex128, error) {
		var d []complex64
		if err := readData(rd, &d); err != nil {
			return nil, err
		}
		out := make([]complex128, len(d))
		for i, v := range d {
			out[i] = complex128(v)
		}
		return out, nil
	}},
	"f8": {8, Tolerance, func(rd *npy.Reader) ([]complex128, error) {
		var d []float64
		if err := readData(rd, &d); err != nil {
			return nil, err
		}
		out := make([]complex128, len(d))
		for i, v := range d {
			out[i] = complex(v, 0)
		}
		return out, nil
	}},
}

// orthonormalize makes m's columns orthonormal (modified Gram–Schmidt in
// complex128): a unitary read in single precision becomes a nearby
// unitary to double precision.
func orthonormalize(m linalg.Matrix) {
	n := m.Rows
	for j := 0; j < n; j++ {
		for k := 0; k < j; k++ {
			var dot complex128
			for i := 0; i < n; i++ {
				dot += cmplx.Conj(m.Data[i*n+k]) * m.Data[i*n+j]
			}
			for i := 0; i < n; i++ {
				m.Data[i*n+j] -= dot * m.Data[i*n+k]
			}
		}
		var norm float64
		for i := 0; i < n; i++ {
			a := cmplx.Abs(m.Data[i*n+j])
			norm += a * a
		}
		norm = math.Sqrt(norm)
		for i := 0; i < n; i++ {
			m.Data[i*n+j] /= complex(norm, 0)
		}
	}
}

// newReader and readData call into npyio, turning a panic inside that
// library on malformed input into an error.
func newReader(r io.Reader) (rd *npy.Reader, err error) {
	defer func() {
		if p := recover(); p != nil {
			rd, err = nil, fmt.Errorf("malformed header (%v)", p)
		}
	}()
	return npy.NewReader(r)
}

func readData(rd *npy.Reader, dst any) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("malformed data (%v)", p)
		}
	}()
	return rd.Read(dst)
}

// unitaryDeviation is max_ij |(U†U − I)_ij|, NaN-propagating.
func unitaryDeviation(m linalg.Matrix) float64 {
	n := m.Rows
	var dev float64
	for i := 0; i < n; i++ {
		for j := i; j < n; j++ {
			var s complex128
			for k := 0; k < n; k++ {
				s += cmplx.Conj(m.Data[k*n+i]) * m.Data[k*n+j]
			}
			if i == j {
				s--
			}
			if a := cmplx.Abs(s); a > dev || math.IsNaN(a) {
				dev = a
			}
		}
	}
	return dev
}
