package unitaryio

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"math/cmplx"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sbinet/npyio/npy"

	"github.com/bqskit-mpi/bqskit-mpi/linalg"
)

// writeNPY writes a .npy file by hand so that tests control the header
// (dtype, order, shape) exactly. data is written in the order given.
func rawNPY(descr string, fortran bool, shape string, payload []byte) []byte {
	var buf bytes.Buffer
	buf.Write(npy.Magic[:])
	buf.Write([]byte{1, 0})
	fo := "False"
	if fortran {
		fo = "True"
	}
	h := fmt.Sprintf("{'descr': '%s', 'fortran_order': %s, 'shape': %s, }", descr, fo, shape)
	for (10+len(h)+1)%64 != 0 {
		h += " "
	}
	h += "\n"
	binary.Write(&buf, binary.LittleEndian, uint16(len(h)))
	buf.WriteString(h)
	buf.Write(payload)
	return buf.Bytes()
}

func c128Bytes(v []complex128) []byte {
	var buf bytes.Buffer
	binary.Write(&buf, binary.LittleEndian, v)
	return buf.Bytes()
}

// testUnitary is a fixed non-symmetric 4x4 unitary: CX·(H ⊗ S).
func testUnitary() linalg.Matrix {
	s := complex(1/math.Sqrt2, 0)
	h := []complex128{s, s, s, -s}
	ph := []complex128{1, 0, 0, 1i}
	hs := linalg.New(4, 4)
	for i := 0; i < 2; i++ {
		for j := 0; j < 2; j++ {
			for k := 0; k < 2; k++ {
				for l := 0; l < 2; l++ {
					hs.Data[(2*i+k)*4+2*j+l] = h[2*i+j] * ph[2*k+l]
				}
			}
		}
	}
	cx := []int{0, 1, 3, 2}
	m := linalg.New(4, 4)
	for i := 0; i < 4; i++ {
		copy(m.Data[cx[i]*4:cx[i]*4+4], hs.Data[i*4:i*4+4])
	}
	return m
}

func writeFile(t *testing.T, name string, b []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestReadFileNpyioWriter(t *testing.T) {
	u := testUnitary()
	var rows [4][4]complex128
	for i := range rows {
		copy(rows[i][:], u.Data[i*4:i*4+4])
	}
	var buf bytes.Buffer
	if err := npy.Write(&buf, &rows); err != nil {
		t.Fatal(err)
	}
	p := writeFile(t, "u.npy", buf.Bytes())
	got, err := ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	if d := linalg.MaxAbsDiff(got, u); d != 0 {
		t.Fatalf("read matrix differs from written one by %g", d)
	}
}

func TestReadOrders(t *testing.T) {
	u := testUnitary()
	colMajor := make([]complex128, 16)
	for i := 0; i < 4; i++ {
		for j := 0; j < 4; j++ {
			colMajor[j*4+i] = u.Data[i*4+j]
		}
	}
	big := new(bytes.Buffer)
	binary.Write(big, binary.BigEndian, u.Data)
	for _, tc := range []struct {
		name string
		file []byte
	}{
		{"C order", rawNPY("<c16", false, "(4, 4)", c128Bytes(u.Data))},
		{"Fortran order", rawNPY("<c16", true, "(4, 4)", c128Bytes(colMajor))},
		{"big endian", rawNPY(">c16", false, "(4, 4)", big.Bytes())},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Read(tc.name, bytes.NewReader(tc.file))
			if err != nil {
				t.Fatal(err)
			}
			if d := linalg.MaxAbsDiff(got, u); d != 0 {
				t.Fatalf("differs by %g", d)
			}
		})
	}
}

func TestReadErrors(t *testing.T) {
	u := testUnitary()
	nonUnitary := u.Clone()
	nonUnitary.Data[0] *= 1.001
	withNaN := u.Clone()
	withNaN.Data[5] = cmplx.NaN()
	f64 := new(bytes.Buffer)
	binary.Write(f64, binary.LittleEndian, make([]float64, 16))
	id8 := linalg.Identity(8)
	for _, tc := range []struct {
		name string
		file []byte
		want error
	}{
		{"empty", nil, ErrNotNPY},
		{"text", []byte("OPENQASM 2.0;\nqreg q[2];\n"), ErrNotNPY},
		{"bad version", append(append([]byte{}, npy.Magic[:]...), 9, 0, 0, 0), ErrNotNPY},
		{"truncated header", rawNPY("<c16", false, "(4, 4)", nil)[:30], ErrNotNPY},
		{"text after the dictionary", func() []byte {
			b := rawNPY("<c16", false, "(4, 4)", c128Bytes(u.Data))
			hlen := int(binary.LittleEndian.Uint16(b[8:10]))
			b[10+hlen-2] = 'x'
			return b
		}(), ErrNotNPY},
		{"unknown key", rawNPY("<c16', 'extra': 'x", false, "(4, 4)", c128Bytes(u.Data)), ErrNotNPY},
		{"structured dtype", []byte(strings.Replace(string(rawNPY("<c16", false, "(4, 4)", c128Bytes(u.Data))), "'<c16'", "[('a', '<c16')]", 1)), ErrNotNPY},
		{"truncated data", rawNPY("<c16", false, "(4, 4)", c128Bytes(u.Data)[:100]), ErrNotNPY},
		{"trailing data", rawNPY("<c16", false, "(4, 4)", append(c128Bytes(u.Data), 0)), ErrNotNPY},
		{"float64 zeros", rawNPY("<f8", false, "(4, 4)", f64.Bytes()), ErrNotUnitary},
		{"complex64 zeros", rawNPY("<c8", false, "(4, 4)", make([]byte, 128)), ErrNotUnitary},
		{"int64", rawNPY("<i8", false, "(4, 4)", f64.Bytes()), ErrDType},
		{"float32", rawNPY("<f4", false, "(4, 4)", make([]byte, 64)), ErrDType},
		{"1-D", rawNPY("<c16", false, "(16,)", c128Bytes(u.Data)), ErrShape},
		{"3-D", rawNPY("<c16", false, "(2, 2, 4)", c128Bytes(u.Data)), ErrShape},
		{"not square", rawNPY("<c16", false, "(4, 2)", c128Bytes(u.Data[:8])), ErrShape},
		{"not power of two", rawNPY("<c16", false, "(3, 3)", c128Bytes(u.Data[:9])), ErrShape},
		{"1x1", rawNPY("<c16", false, "(1, 1)", c128Bytes(u.Data[:1])), ErrShape},
		{"too large", rawNPY("<c16", false, "(4096, 4096)", nil), ErrTooLarge},
		{"non-unitary", rawNPY("<c16", false, "(4, 4)", c128Bytes(nonUnitary.Data)), ErrNotUnitary},
		{"NaN", rawNPY("<c16", false, "(4, 4)", c128Bytes(withNaN.Data)), ErrNotUnitary},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Read("fixture.npy", bytes.NewReader(tc.file))
			if !errors.Is(err, tc.want) {
				t.Fatalf("got %v, want %v", err, tc.want)
			}
			if !bytes.Contains([]byte(err.Error()), []byte("fixture.npy")) {
				t.Errorf("error %q does not name the file", err)
			}
		})
	}
	// A valid identity on 3 qubits reads fine (sanity for the table above).
	if _, err := Read("id8", bytes.NewReader(rawNPY("<c16", false, "(8, 8)", c128Bytes(id8.Data)))); err != nil {
		t.Fatal(err)
	}
}

func TestReadFileErrorsOnDisk(t *testing.T) {
	u := testUnitary()
	nonUnitary := u.Clone()
	nonUnitary.Data[3] += 0.5
	dir := t.TempDir()
	write := func(name string, v any) string {
		var buf bytes.Buffer
		if err := npy.Write(&buf, v); err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	rowsOf := func(m linalg.Matrix) *[4][4]complex128 {
		var r [4][4]complex128
		for i := range r {
			copy(r[i][:], m.Data[i*4:(i+1)*4])
		}
		return &r
	}
	int2 := &[2][2]int32{{1, 0}, {0, 1}}
	notNPY := filepath.Join(dir, "notes.txt")
	if err := os.WriteFile(notNPY, []byte("hello"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		path string
		want error
	}{
		{write("nonunitary.npy", rowsOf(nonUnitary)), ErrNotUnitary},
		{write("shape.npy", &[2][3]complex128{{1, 0, 0}, {0, 1, 0}}), ErrShape},
		{write("dtype.npy", int2), ErrDType},
		{notNPY, ErrNotNPY},
	} {
		_, err := ReadFile(tc.path)
		if !errors.Is(err, tc.want) {
			t.Errorf("%s: got %v, want %v", filepath.Base(tc.path), err, tc.want)
		}
	}
	if _, err := ReadFile(filepath.Join(dir, "missing.npy")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: got %v", err)
	}
}

func FuzzRead(f *testing.F) {
	u := testUnitary()
	f.Add(rawNPY("<c16", false, "(4, 4)", c128Bytes(u.Data)))
	f.Add(rawNPY("<c16", true, "(2, 2)", c128Bytes(u.Data[:4])))
	f.Add(rawNPY("<f8", false, "(2, 2)", make([]byte, 32)))
	f.Add([]byte("\x93NUMPY\x01\x00\x05\x00{}  \n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := Read("fuzz.npy", bytes.NewReader(b))
		if err != nil {
			for _, s := range []error{ErrNotNPY, ErrDType, ErrShape, ErrTooLarge, ErrNotUnitary} {
				if errors.Is(err, s) {
					return
				}
			}
			t.Fatalf("error %v wraps no sentinel", err)
		}
		if !linalg.IsUnitary(m, 1e-7) {
			t.Fatalf("accepted a non-unitary matrix")
		}
	})
}

// countingReader counts the bytes read through it.
type countingReader struct {
	r io.Reader
	n int
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += n
	return n, err
}

// TestReadMaxChecksWidthFirst: a target wider than the caller accepts is
// refused from its header, before its data is read or its unitarity
// checked (issue 17: a 10-qubit file took 4.2 s to be refused).
func TestReadMaxChecksWidthFirst(t *testing.T) {
	const dim = 1 << 10
	ident := make([]complex128, dim*dim)
	for i := range dim {
		ident[i*dim+i] = 1
	}
	file := rawNPY("<c16", false, fmt.Sprintf("(%d, %d)", dim, dim), c128Bytes(ident))
	headerLen := len(file) - 16*dim*dim
	for _, max := range []int{1, 4, 9} {
		cr := &countingReader{r: bytes.NewReader(file)}
		_, err := ReadMax("wide.npy", cr, max)
		if !errors.Is(err, ErrTooLarge) || !strings.Contains(err.Error(), fmt.Sprintf("10 qubits (shape (1024, 1024)), at most %d supported", max)) {
			t.Fatalf("max %d: %v", max, err)
		}
		if cr.n > headerLen {
			t.Errorf("max %d: read %d bytes before refusing, the header is %d", max, cr.n, headerLen)
		}
	}
	// A non-unitary matrix too wide for the caller is reported as too
	// wide (the cheap check), not as not unitary.
	file2 := rawNPY("<c16", false, "(8, 8)", make([]byte, 16*64))
	if _, err := ReadMax("zeros.npy", bytes.NewReader(file2), 2); !errors.Is(err, ErrTooLarge) {
		t.Errorf("zeros, max 2: %v", err)
	}
	if _, err := ReadMax("zeros.npy", bytes.NewReader(file2), 3); !errors.Is(err, ErrNotUnitary) {
		t.Errorf("zeros, max 3: %v", err)
	}
	// Within the bound it reads as Read does; out-of-range bounds mean
	// MaxQubits (a 3-qubit identity: checking a 10-qubit one's unitarity
	// takes seconds).
	id8 := make([]complex128, 64)
	for i := range 8 {
		id8[i*8+i] = 1
	}
	file3 := rawNPY("<c16", false, "(8, 8)", c128Bytes(id8))
	for _, max := range []int{0, -1, 3, 10, 11} {
		m, err := ReadMax("ident.npy", bytes.NewReader(file3), max)
		if err != nil || m.Rows != 8 {
			t.Fatalf("max %d: %v", max, err)
		}
	}
	if _, err := ReadMax("ident.npy", bytes.NewReader(file3), 2); !errors.Is(err, ErrTooLarge) {
		t.Errorf("identity, max 2: %v", err)
	}
}
