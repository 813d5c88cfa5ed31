package unitaryio

import (
	"bufio"
	"math/cmplx"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/bqskit-mpi/bqskit-mpi/linalg"
)

// manifest reads testdata/MANIFEST (written by testdata/gen_npy.py with
// numpy): the reference matrices U (complex) and R (real), and the files.
func manifest(t *testing.T) (u, r linalg.Matrix, files []string) {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", "MANIFEST"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	floats := func(fields []string) []float64 {
		out := make([]float64, len(fields))
		for i, s := range fields {
			v, err := strconv.ParseFloat(s, 64)
			if err != nil {
				t.Fatalf("MANIFEST: %v", err)
			}
			out[i] = v
		}
		return out
	}
	u, r = linalg.New(4, 4), linalg.New(4, 4)
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		line := sc.Text()
		fields := strings.Fields(line)
		switch {
		case strings.HasPrefix(line, "#"):
		case strings.HasPrefix(line, "U "):
			v := floats(fields[1:])
			for i := range u.Data {
				u.Data[i] = complex(v[2*i], v[2*i+1])
			}
		case strings.HasPrefix(line, "R "):
			for i, x := range floats(fields[1:]) {
				r.Data[i] = complex(x, 0)
			}
		default:
			files = append(files, line)
		}
	}
	if len(files) == 0 {
		t.Fatal("MANIFEST lists no files")
	}
	return u, r, files
}

// TestNumpyFiles reads every fixture numpy wrote or read: complex128 in C
// and Fortran order, big-endian, format versions 2.0 and 3.0, complex64
// (converted, made unitary to double precision), real float64, and the
// header variants numpy's np.load accepts (no trailing comma, other key
// order, double quotes, other spacing).
func TestNumpyFiles(t *testing.T) {
	u, r, files := manifest(t)
	for _, name := range files {
		t.Run(name, func(t *testing.T) {
			m, err := ReadFile(filepath.Join("testdata", name))
			if err != nil {
				t.Fatal(err)
			}
			want, tol := u, 1e-15
			switch {
			case strings.HasPrefix(name, "f8"):
				want = r
			case strings.HasPrefix(name, "c8"):
				tol = 1e-6 // single precision
			}
			for i, v := range m.Data {
				if d := cmplx.Abs(v - want.Data[i]); d > tol {
					t.Fatalf("element %d: %v, want %v (|diff| %g)", i, v, want.Data[i], d)
				}
			}
			if dev := unitaryDeviation(m); dev > 1e-12 {
				t.Errorf("read matrix is unitary only to %g", dev)
			}
		})
	}
}

func TestParseHeader(t *testing.T) {
	for _, tc := range []struct {
		text    string
		descr   string
		fortran bool
		shape   []int
		err     string
	}{
		{text: "{'descr': '<c16', 'fortran_order': False, 'shape': (4, 4), }", descr: "<c16", shape: []int{4, 4}},
		{text: "{'shape': (2L, 2L), 'descr': '>c8', 'fortran_order': True}  \n", descr: ">c8", fortran: true, shape: []int{2, 2}},
		{text: "{'descr': '<f8', 'fortran_order': False, 'shape': (16,)}", descr: "<f8", shape: []int{16}},
		{text: "{'descr': '<f8', 'fortran_order': False, 'shape': ()}", descr: "<f8", shape: []int{}},
		{text: "{'descr': '<c16', 'fortran_order': False}", err: `lacks "shape"`},
		{text: "{'descr': '<c16', 'descr': '<c16'}", err: "twice"},
		{text: "{'descr': '<c16', 'fortran_order': 0, 'shape': (4, 4)}", err: "fortran_order"},
		{text: "{'descr': '<c16', 'fortran_order': False, 'shape': (4, x)}", err: "shape size"},
		{text: "{'descr': '<c16', 'fortran_order': False, 'shape': (4, 4)} junk", err: "after the dictionary"},
		{text: "{'descr': '<c16', 'fortran_order': False, 'shape': (4, 4)", err: "ends inside"},
		{text: "['descr']", err: "opening the dictionary"},
	} {
		h, err := parseHeader([]byte(tc.text))
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%q: error %v, want %q", tc.text, err, tc.err)
			}
			continue
		}
		if err != nil || h.descr != tc.descr || h.fortran != tc.fortran || len(h.shape) != len(tc.shape) {
			t.Errorf("%q: %+v, %v", tc.text, h, err)
			continue
		}
		for i := range h.shape {
			if h.shape[i] != tc.shape[i] {
				t.Errorf("%q: shape %v", tc.text, h.shape)
			}
		}
	}
}
