package machine

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestParseCoupling(t *testing.T) {
	tests := []struct {
		spec          string
		width         int
		qubits, edges int
		maxDeg        int
		coupled       [][2]int
		notCoupled    [][2]int
	}{
		{"all-to-all", 5, 5, 10, 4, [][2]int{{0, 4}}, nil},
		{"all-to-all:3", 0, 3, 3, 2, [][2]int{{2, 0}}, nil},
		{"linear:5", 0, 5, 4, 2, [][2]int{{0, 1}, {4, 3}}, [][2]int{{0, 4}, {0, 2}}},
		{"ring:5", 0, 5, 5, 2, [][2]int{{0, 4}}, [][2]int{{0, 2}}},
		{"ring:2", 0, 2, 1, 1, [][2]int{{0, 1}}, nil},
		{"grid:3x4", 0, 12, 17, 4, [][2]int{{0, 1}, {0, 4}, {5, 9}}, [][2]int{{3, 4}, {0, 5}}},
		{"grid:1x1", 0, 1, 0, 0, nil, nil},
		{"heavy-hex:3", 0, 23, 24, 3, nil, nil},
		// IBM Hummingbird (65) and Eagle (127): known qubit and edge counts
		// and the first bridges of their published coupling maps.
		{"heavy-hex:5", 0, 65, 72, 3, [][2]int{{0, 10}, {10, 13}, {4, 11}, {11, 17}, {9, 8}, {15, 24}}, [][2]int{{9, 10}}},
		{"heavy-hex:7", 0, 127, 144, 3, [][2]int{{0, 14}, {14, 18}, {4, 15}, {15, 22}, {12, 17}, {17, 30}, {20, 33}, {33, 39}, {13, 12}, {126, 125}, {112, 126}}, [][2]int{{13, 14}}},
	}
	for _, tt := range tests {
		t.Run(tt.spec, func(t *testing.T) {
			m, err := ParseCoupling(tt.spec, tt.width)
			if err != nil {
				t.Fatal(err)
			}
			if m.NumQubits() != tt.qubits || len(m.Edges()) != tt.edges {
				t.Fatalf("got %d qubits %d edges, want %d, %d", m.NumQubits(), len(m.Edges()), tt.qubits, tt.edges)
			}
			deg := 0
			for q := 0; q < m.NumQubits(); q++ {
				deg = max(deg, len(m.Neighbors(q)))
			}
			if deg != tt.maxDeg {
				t.Errorf("max degree %d, want %d", deg, tt.maxDeg)
			}
			if !m.Connected() {
				t.Error("not connected")
			}
			for _, e := range tt.coupled {
				if !m.Coupled(e[0], e[1]) || !m.Coupled(e[1], e[0]) {
					t.Errorf("%v not coupled", e)
				}
			}
			for _, e := range tt.notCoupled {
				if m.Coupled(e[0], e[1]) {
					t.Errorf("%v coupled", e)
				}
			}
		})
	}
}

func TestDistances(t *testing.T) {
	m, err := ParseCoupling("grid:3x3", 0)
	if err != nil {
		t.Fatal(err)
	}
	d := m.Distances()
	if d[0][8] != 4 || d[4][0] != 2 || d[2][6] != 4 || d[1][1] != 0 {
		t.Errorf("distances %v", d)
	}
}

func TestParseCouplingErrors(t *testing.T) {
	tests := []struct{ spec, want string }{
		{"linear", "needs a size"},
		{"linear:0", "size"},
		{"linear:x", "size"},
		{"grid:3", "RxC"},
		{"grid:0x3", "RxC"},
		{"heavy-hex:4", "odd"},
		{"hex:4", "unknown kind"},
		{"all-to-all", "no width"},
		{"nosuch.json", "coupling file"},
	}
	for _, tt := range tests {
		_, err := ParseCoupling(tt.spec, 0)
		if !errors.Is(err, ErrSpec) || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%q: err %v, want ErrSpec mentioning %q", tt.spec, err, tt.want)
		}
	}
}

func TestParseJSON(t *testing.T) {
	m, err := ParseJSON([]byte(`{"qubits":4,"edges":[[0,1],[1,2],[2,1],[3,2]],"gates":["cz","rz","sx"]}`))
	if err != nil {
		t.Fatal(err)
	}
	if m.NumQubits() != 4 || len(m.Edges()) != 3 || !m.Coupled(3, 2) || m.Gates().TwoQubit().Name() != "cz" || m.Gates().SingleQubitBasis() != BasisZSX {
		t.Errorf("model %+v", m)
	}
	dir := t.TempDir()
	p := filepath.Join(dir, "dev.json")
	if err := os.WriteFile(p, []byte(`{"qubits":2,"edges":[[0,1]]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	m, err = ParseCoupling(p, 0)
	if err != nil || m.NumQubits() != 2 || m.Gates().Name() != "cx,u3" {
		t.Fatalf("file model %v, %v", m, err)
	}
	bad := []struct{ in, want string }{
		{`{"edges":[]}`, "qubits: missing"},
		{`{"qubits":0}`, "qubits: 0"},
		{`{"qubits":3,"edges":[[0,1],[1,3]]}`, "edges[1]: qubit out of range"},
		{`{"qubits":3,"edges":[[0,1],[2,2]]}`, "edges[1]: a qubit coupled to itself"},
		{`{"qubits":3,"edges":[[0,1,2]]}`, "edges[0]"},
		{`{"qubits":3,"edges":[[0,"a"]]}`, "edges[0]"},
		{`{"qubits":3,"gates":["cx","foo"]}`, "gates[1]: unknown gate"},
		{`{"qubits":3,"color":1}`, "unknown field"},
		{`[`, "JSON"},
	}
	for _, tt := range bad {
		_, err := ParseJSON([]byte(tt.in))
		if !errors.Is(err, ErrSpec) || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: err %v, want %q", tt.in, err, tt.want)
		}
	}
}

func TestParseGates(t *testing.T) {
	tests := []struct {
		spec  string
		two   string
		basis Basis
	}{
		{"cx,u3", "cx", BasisU3},
		{"cz,u3", "cz", BasisU3},
		{"ibm", "cx", BasisZSX},
		{"ibm-ecr", "ecr", BasisZSX},
		{"iswap", "iswap", BasisZYZ},
		{"sqrt_iswap", "sqisw", BasisZYZ},
		{"rzz", "rzz", BasisZYZ},
		{"cz, rz, rx", "cz", BasisZXZ},
		{"u3", "", BasisU3},
	}
	for _, tt := range tests {
		g, err := ParseGates(tt.spec)
		if err != nil {
			t.Fatalf("%q: %v", tt.spec, err)
		}
		two := ""
		if g.TwoQubit() != nil {
			two = g.TwoQubit().Name()
		}
		if two != tt.two || g.SingleQubitBasis() != tt.basis {
			t.Errorf("%q: two %q basis %v", tt.spec, two, g.SingleQubitBasis())
		}
		for _, n := range g.Names() {
			if !g.Contains(n) {
				t.Errorf("%q: does not contain its own %q", tt.spec, n)
			}
		}
	}
	for _, tt := range []struct{ spec, want string }{
		{"cx,cz,u3", "second two-qubit gate"},
		{"ccx,u3", "acts on 3 qubits"},
		{"cx,rz", "cannot express"},
		{"cx,u3,bogus", "gates[2]: unknown gate"},
		{"", "unknown gate"},
	} {
		_, err := ParseGates(tt.spec)
		if !errors.Is(err, ErrSpec) || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%q: err %v, want %q", tt.spec, err, tt.want)
		}
	}
}

func FuzzParseJSON(f *testing.F) {
	f.Add([]byte(`{"qubits":4,"edges":[[0,1],[1,2]],"gates":["cx","u3"]}`))
	f.Add([]byte(`{"qubits":1}`))
	f.Add([]byte(`{"qubits":3,"edges":[[0,5]]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := ParseJSON(b)
		if err != nil {
			if !errors.Is(err, ErrSpec) {
				t.Fatalf("error does not wrap ErrSpec: %v", err)
			}
			return
		}
		for _, e := range m.Edges() {
			if e[0] >= e[1] || e[1] >= m.NumQubits() || !m.Coupled(e[1], e[0]) {
				t.Fatalf("bad edge %v", e)
			}
		}
	})
}

func FuzzParseSpec(f *testing.F) {
	for _, s := range []string{"linear:4", "grid:2x3", "heavy-hex:3", "ring:7", "all-to-all:3", "ibm", "cx,u3"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if strings.ContainsAny(s, "/.") {
			return // file paths are not fuzzed
		}
		if len(s) > 20 {
			return
		}
		if m, err := ParseCoupling(s, 3); err == nil {
			if m.NumQubits() < 1 {
				t.Fatalf("%q: %d qubits", s, m.NumQubits())
			}
		} else if !errors.Is(err, ErrSpec) {
			t.Fatalf("%q: %v", s, err)
		}
		if _, err := ParseGates(s); err != nil && !errors.Is(err, ErrSpec) {
			t.Fatalf("%q: %v", s, err)
		}
	})
}
