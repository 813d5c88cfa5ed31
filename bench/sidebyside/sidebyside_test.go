package main

import (
	"math/cmplx"
	"math/rand/v2"
	"path/filepath"
	"testing"

	"github.com/bqskit-mpi/bqskit-mpi/linalg"
	"github.com/bqskit-mpi/bqskit-mpi/unitaryio"
)

func TestParseRTLines(t *testing.T) {
	out := []byte("mpirun noise\n{\"bench\":\"empty_tasks\",\"tasks_per_s\":1000}\n\n{\"bench\":\"xrank_roundtrip\",\"crossed\":3,\"samples\":4,\"p50_us\":9,\"p99_us\":12}\n")
	lines, err := parseRTLines(out)
	if err != nil || len(lines) != 2 {
		t.Fatalf("%v %v", lines, err)
	}
	l, err := findBench(lines, "xrank_roundtrip")
	if err != nil {
		t.Fatal(err)
	}
	v, _, err := xrankValues(l)
	if err != nil || v["crossed_fraction"] != 0.75 || v["p50_us"] != 9 {
		t.Errorf("xrank values %v, %v", v, err)
	}
	if _, err := findBench(lines, "nested_map"); err == nil {
		t.Error("missing bench should fail")
	}
	for _, bad := range []string{"", "no json\n", "{\"bench\":\n"} {
		if _, err := parseRTLines([]byte(bad)); err == nil {
			t.Errorf("%q: want an error", bad)
		}
	}
	if _, _, err := xrankValues(rtLine{"bench": "xrank_roundtrip"}); err == nil {
		t.Error("a line without samples should fail")
	}
}

func TestParseCompileStats(t *testing.T) {
	s, err := parseCompileStats([]byte(`{"cost":1e-15,"input":{"two_qubit_gates":20},"output":{"two_qubit_gates":12},"seconds":0.5}`))
	if err != nil || s.Input.TwoQubit != 20 || s.Output.TwoQubit != 12 || s.Cost == nil || *s.Cost != 1e-15 {
		t.Fatalf("%+v %v", s, err)
	}
	if _, err := parseCompileStats([]byte("{")); err == nil {
		t.Error("truncated JSON should fail")
	}
}

func maxDiff(a, b linalg.Matrix) float64 {
	d := 0.0
	for i := range a.Data {
		d = max(d, cmplx.Abs(a.Data[i]-b.Data[i]))
	}
	return d
}

// The inputs written for BQSKit are read back unchanged by our reader,
// and the random unitaries are unitary.
func TestInputsRoundTripThroughNPY(t *testing.T) {
	dir := t.TempDir()
	rng := rand.New(rand.NewPCG(1, 2))
	ms := map[string]linalg.Matrix{"haar": haar(8, rng), "toffoli": toffoli(), "target": templateTargets(4, 1, 7)[0]}
	for name, m := range ms {
		f := filepath.Join(dir, name+".npy")
		if err := writeNPY(f, m); err != nil {
			t.Fatal(err)
		}
		got, err := unitaryio.ReadFile(f)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if got.Rows != m.Rows || maxDiff(got, m) != 0 {
			t.Errorf("%s: read back differs", name)
		}
		// U U† = I
		for i := range m.Rows {
			for j := range m.Rows {
				var s complex128
				for k := range m.Cols {
					s += m.At(i, k) * cmplx.Conj(m.At(j, k))
				}
				want := complex(0, 0)
				if i == j {
					want = 1
				}
				if cmplx.Abs(s-want) > 1e-12 {
					t.Fatalf("%s: not unitary at (%d,%d): %v", name, i, j, s)
				}
			}
		}
	}
	if b := encodeNPY(ms["toffoli"]); (len(b)-8*2*64)%64 != 0 {
		t.Errorf("header not padded to 64 bytes: %d", len(b))
	}
}

func TestTemplateTargetsSeeded(t *testing.T) {
	a, b := templateTargets(2, 3, 7), templateTargets(2, 3, 7)
	if maxDiff(a[2], b[2]) != 0 || maxDiff(a[0], a[1]) == 0 {
		t.Error("targets should be reproducible per seed and differ from each other")
	}
	if n := template3(8).NumParams(); n != 9+8*4 {
		t.Errorf("8-layer template has %d parameters, want 41", n)
	}
}
