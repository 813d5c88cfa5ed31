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

	"github.com/sbinet/npyio/npy"

	"github.com/bqskit-mpi/bqskit-mpi/linalg"
)

// Sentinel errors; every error returned by this package wraps one of them.
var (
	// ErrNotNPY: the input is not a readable NumPy .npy file.
	ErrNotNPY = errors.New("unitaryio: not a NumPy .npy file")
	// ErrDType: the array's element type is not complex128.
	ErrDType = errors.New("unitaryio: array dtype is not complex128")
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

// Read decodes a 2^n x 2^n complex128 unitary from r; name is used in
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
	// The whole file is small (bounded by MaxQubits once the header is
	// checked), so reading it up front lets us validate the header
	// before handing it to npyio.
	head := make([]byte, 10)
	n, err := io.ReadFull(r, head)
	if err != nil {
		return linalg.Matrix{}, fmt.Errorf("%w: %s: file too short (%d bytes) for a .npy header", ErrNotNPY, name, n)
	}
	if !bytes.Equal(head[:6], npy.Magic[:]) {
		return linalg.Matrix{}, fmt.Errorf("%w: %s: missing the \\x93NUMPY magic string", ErrNotNPY, name)
	}
	var hlen int
	var prefix []byte
	switch head[6] {
	case 1:
		hlen = int(head[8]) | int(head[9])<<8
		prefix = head
	case 2, 3:
		more := make([]byte, 2)
		if _, err := io.ReadFull(r, more); err != nil {
			return linalg.Matrix{}, fmt.Errorf("%w: %s: truncated header", ErrNotNPY, name)
		}
		hlen = int(head[8]) | int(head[9])<<8 | int(more[0])<<16 | int(more[1])<<24
		prefix = append(head, more...)
		if head[6] == 3 {
			// Version 3 only changes the header encoding to UTF-8;
			// npyio knows versions 1 and 2, so present it as 2.
			prefix[6] = 2
		}
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
	if err := checkHeaderText(hdr); err != nil {
		return linalg.Matrix{}, fmt.Errorf("%w: %s: %v", ErrNotNPY, name, err)
	}

	header := append(prefix, hdr...)
	rd, err := newReader(bytes.NewReader(header))
	if err != nil {
		return linalg.Matrix{}, fmt.Errorf("%w: %s: %v", ErrNotNPY, name, err)
	}
	h := rd.Header.Descr
	switch h.Type {
	case "<c16", ">c16", "|c16":
	default:
		return linalg.Matrix{}, fmt.Errorf("%w: %s: dtype %q, want complex128 ('<c16')", ErrDType, name, h.Type)
	}
	if len(h.Shape) != 2 {
		return linalg.Matrix{}, fmt.Errorf("%w: %s: shape %v has %d dimensions, want 2", ErrShape, name, h.Shape, len(h.Shape))
	}
	rows, cols := h.Shape[0], h.Shape[1]
	if rows != cols || rows < 2 || bits.OnesCount(uint(rows)) != 1 {
		return linalg.Matrix{}, fmt.Errorf("%w: %s: shape (%d, %d)", ErrShape, name, rows, cols)
	}
	if q := bits.TrailingZeros(uint(rows)); q > maxQubits {
		return linalg.Matrix{}, fmt.Errorf("%w: %s: %d qubits (shape (%d, %d)), at most %d supported", ErrTooLarge, name, q, rows, cols, maxQubits)
	}
	// Read exactly the payload the shape announces, plus one byte to
	// detect trailing garbage, then let npyio decode it.
	want := rows * cols * 16
	payload := make([]byte, want+1)
	got, _ := io.ReadFull(r, payload)
	switch {
	case got < want:
		return linalg.Matrix{}, fmt.Errorf("%w: %s: data truncated: %d bytes, shape (%d, %d) needs %d", ErrNotNPY, name, got, rows, cols, want)
	case got > want:
		return linalg.Matrix{}, fmt.Errorf("%w: %s: unexpected bytes after the %d-byte array data", ErrNotNPY, name, want)
	}
	rd, err = newReader(io.MultiReader(bytes.NewReader(header), bytes.NewReader(payload[:want])))
	if err != nil {
		return linalg.Matrix{}, fmt.Errorf("%w: %s: %v", ErrNotNPY, name, err)
	}

	var data []complex128
	if err := readData(rd, &data); err != nil {
		return linalg.Matrix{}, fmt.Errorf("%w: %s: reading data: %v", ErrNotNPY, name, err)
	}
	if len(data) != rows*cols {
		return linalg.Matrix{}, fmt.Errorf("%w: %s: data holds %d elements, shape (%d, %d) needs %d", ErrNotNPY, name, len(data), rows, cols, rows*cols)
	}
	m := linalg.New(rows, cols)
	if h.Fortran {
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
	if dev := unitaryDeviation(m); !(dev <= Tolerance) {
		return linalg.Matrix{}, fmt.Errorf("%w: %s: max |U†U - I| entry is %.3g (tolerance %g)", ErrNotUnitary, name, dev, Tolerance)
	}
	return m, nil
}

// checkHeaderText rejects header dictionaries that npyio's parser would
// index out of range on: it needs the three keys in its fixed order, a
// closing brace after them, and a terminating newline.
func checkHeaderText(h []byte) error {
	if h[len(h)-1] != '\n' {
		return errors.New("header does not end with a newline")
	}
	d := bytes.Index(h, []byte("'descr': "))
	o := bytes.Index(h, []byte("'fortran_order': "))
	s := bytes.Index(h, []byte("'shape': "))
	e := bytes.Index(h, []byte("}"))
	if d < 0 || o < 0 || s < 0 || e < 0 {
		return errors.New("header dictionary lacks 'descr', 'fortran_order' or 'shape'")
	}
	if !(d+len("'descr': ")+1 <= o-3 && o+len("'fortran_order': ") <= s-2 && s+len("'shape': ") <= e-2) {
		return errors.New("header dictionary keys are not in the standard order 'descr', 'fortran_order', 'shape'")
	}
	shape := h[s+len("'shape': ") : e-2]
	if len(shape) < 2 || shape[0] != '(' || shape[len(shape)-1] != ')' {
		return fmt.Errorf("header shape %q is not a tuple", shape)
	}
	return nil
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

func readData(rd *npy.Reader, dst *[]complex128) (err error) {
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
