package machine

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
)

// ErrSpec is wrapped by every error about a malformed model or gate set.
var ErrSpec = errors.New("machine: invalid model")

// Edge is an undirected coupled pair with Edge[0] < Edge[1].
type Edge [2]int

// Model is a device: width, coupling graph and native gates.
type Model struct {
	name    string
	n       int
	allPair bool // all-to-all: every pair is coupled
	edges   []Edge
	adj     [][]int
	coupled map[Edge]bool
	gates   *GateSet
}

// NewModel builds a model from an explicit edge list. Edges are undirected;
// duplicates (in either direction) are merged. gates may be nil (the
// default cx,u3 set).
func NewModel(name string, n int, edges [][2]int, gates *GateSet) (*Model, error) {
	if n < 1 {
		return nil, fmt.Errorf("%w: qubits: %d is not a positive count", ErrSpec, n)
	}
	m := &Model{name: name, n: n, coupled: map[Edge]bool{}, adj: make([][]int, n), gates: gates}
	for i, e := range edges {
		a, b := e[0], e[1]
		if a < 0 || a >= n || b < 0 || b >= n {
			return nil, fmt.Errorf("%w: edges[%d]: qubit out of range [0,%d): %v", ErrSpec, i, n, []int{a, b})
		}
		if a == b {
			return nil, fmt.Errorf("%w: edges[%d]: a qubit coupled to itself: %v", ErrSpec, i, []int{a, b})
		}
		if a > b {
			a, b = b, a
		}
		k := Edge{a, b}
		if m.coupled[k] {
			continue
		}
		m.coupled[k] = true
		m.edges = append(m.edges, k)
		m.adj[a] = append(m.adj[a], b)
		m.adj[b] = append(m.adj[b], a)
	}
	for _, l := range m.adj {
		slices.Sort(l)
	}
	if m.gates == nil {
		m.gates = DefaultGates()
	}
	return m, nil
}

// AllToAll returns the fully connected model on n qubits.
func AllToAll(n int, gates *GateSet) *Model {
	var edges [][2]int
	for a := 0; a < n; a++ {
		for b := a + 1; b < n; b++ {
			edges = append(edges, [2]int{a, b})
		}
	}
	m, err := NewModel(fmt.Sprintf("all-to-all:%d", n), n, edges, gates)
	if err != nil {
		panic(err) // n < 1: programmer error
	}
	m.allPair = true
	return m
}

// Name is the spec the model was built from.
func (m *Model) Name() string { return m.name }

// NumQubits is the device's width.
func (m *Model) NumQubits() int { return m.n }

// Edges returns the coupled pairs (a < b) in the order first given.
func (m *Model) Edges() []Edge { return slices.Clone(m.edges) }

// Neighbors returns the qubits coupled to q, ascending.
func (m *Model) Neighbors(q int) []int { return slices.Clone(m.adj[q]) }

// Coupled reports whether a two-qubit gate may act on a and b.
func (m *Model) Coupled(a, b int) bool {
	if a > b {
		a, b = b, a
	}
	return m.coupled[Edge{a, b}]
}

// IsAllToAll reports whether every pair is coupled.
func (m *Model) IsAllToAll() bool { return m.allPair }

// Gates is the native gate set.
func (m *Model) Gates() *GateSet { return m.gates }

// WithGates returns a copy of m with another gate set.
func (m *Model) WithGates(g *GateSet) *Model {
	c := *m
	c.gates = g
	return &c
}

// Connected reports whether the coupling graph is connected.
func (m *Model) Connected() bool {
	seen := make([]bool, m.n)
	stack := []int{0}
	seen[0] = true
	count := 1
	for len(stack) > 0 {
		q := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		for _, r := range m.adj[q] {
			if !seen[r] {
				seen[r] = true
				count++
				stack = append(stack, r)
			}
		}
	}
	return count == m.n
}

// Distances returns the all-pairs shortest-path lengths (in edges); -1
// where no path exists.
func (m *Model) Distances() [][]int {
	d := make([][]int, m.n)
	for s := range d {
		d[s] = make([]int, m.n)
		for i := range d[s] {
			d[s][i] = -1
		}
		d[s][s] = 0
		queue := []int{s}
		for len(queue) > 0 {
			q := queue[0]
			queue = queue[1:]
			for _, r := range m.adj[q] {
				if d[s][r] < 0 {
					d[s][r] = d[s][q] + 1
					queue = append(queue, r)
				}
			}
		}
	}
	return d
}

// maxQubits bounds the width a spec may ask for.
const maxQubits = 1 << 16

// ParseCoupling reads a coupling spec or a JSON file path (see the package
// doc). width is used for a bare "all-to-all" (the circuit's width); gates
// may be nil (the file's "gates" or the default set).
func ParseCoupling(spec string, width int) (*Model, error) {
	spec = strings.TrimSpace(spec)
	if strings.HasSuffix(spec, ".json") || fileExists(spec) {
		b, err := os.ReadFile(spec)
		if err != nil {
			return nil, fmt.Errorf("%w: coupling file: %v", ErrSpec, err)
		}
		m, err := ParseJSON(b)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", spec, err)
		}
		return m, nil
	}
	kind, arg, hasArg := strings.Cut(spec, ":")
	num := func() (int, error) {
		if !hasArg {
			return 0, fmt.Errorf("%w: coupling %q: %s needs a size (%s:N)", ErrSpec, spec, kind, kind)
		}
		v, err := strconv.Atoi(arg)
		if err != nil || v < 1 || v > maxQubits {
			return 0, fmt.Errorf("%w: coupling %q: size %q is not an integer in [1, %d]", ErrSpec, spec, arg, maxQubits)
		}
		return v, nil
	}
	switch kind {
	case "all-to-all":
		n := width
		if hasArg {
			v, err := num()
			if err != nil {
				return nil, err
			}
			n = v
		}
		if n < 1 {
			return nil, fmt.Errorf("%w: coupling %q: no width (give all-to-all:N)", ErrSpec, spec)
		}
		if n > 1024 {
			return nil, fmt.Errorf("%w: coupling %q: all-to-all is limited to 1024 qubits", ErrSpec, spec)
		}
		return AllToAll(n, nil), nil
	case "linear", "ring":
		n, err := num()
		if err != nil {
			return nil, err
		}
		var edges [][2]int
		for q := 0; q+1 < n; q++ {
			edges = append(edges, [2]int{q, q + 1})
		}
		if kind == "ring" && n > 2 {
			edges = append(edges, [2]int{n - 1, 0})
		}
		return NewModel(spec, n, edges, nil)
	case "grid":
		rs, cs, ok := strings.Cut(arg, "x")
		r, err1 := strconv.Atoi(rs)
		c, err2 := strconv.Atoi(cs)
		if !hasArg || !ok || err1 != nil || err2 != nil || r < 1 || c < 1 || r*c > maxQubits {
			return nil, fmt.Errorf("%w: coupling %q: grid needs RxC with positive R, C (R·C ≤ %d)", ErrSpec, spec, maxQubits)
		}
		var edges [][2]int
		for i := 0; i < r; i++ {
			for j := 0; j < c; j++ {
				q := i*c + j
				if j+1 < c {
					edges = append(edges, [2]int{q, q + 1})
				}
				if i+1 < r {
					edges = append(edges, [2]int{q, q + c})
				}
			}
		}
		return NewModel(spec, r*c, edges, nil)
	case "heavy-hex":
		d, err := num()
		if err != nil {
			return nil, err
		}
		if d < 3 || d%2 == 0 || d > 101 {
			return nil, fmt.Errorf("%w: coupling %q: heavy-hex needs an odd number of rows in [3, 101]", ErrSpec, spec)
		}
		n, edges := heavyHex(d)
		return NewModel(spec, n, edges, nil)
	}
	return nil, fmt.Errorf("%w: coupling %q: unknown kind %q (all-to-all, linear:N, ring:N, grid:RxC, heavy-hex:D, or a JSON file)", ErrSpec, spec, kind)
}

func fileExists(p string) bool {
	if p == "" || !strings.ContainsAny(p, "/.") {
		return false
	}
	st, err := os.Stat(p)
	return err == nil && !st.IsDir()
}

// heavyHex builds the D-row heavy-hex lattice described in the package doc.
func heavyHex(d int) (int, [][2]int) {
	w := 2*d + 1
	var edges [][2]int
	next := 0
	var prev map[int]int // column -> qubit of the bridge row above
	for r := 0; r < d; r++ {
		lo, hi := 0, w
		if r == 0 {
			hi = w - 1
		}
		if r == d-1 {
			lo = 1
		}
		row := map[int]int{}
		for c := lo; c < hi; c++ {
			row[c] = next
			if c > lo {
				edges = append(edges, [2]int{next - 1, next})
			}
			if b, ok := prev[c]; ok {
				edges = append(edges, [2]int{b, next})
			}
			next++
		}
		if r == d-1 {
			break
		}
		prev = map[int]int{}
		start := 0
		if r%2 == 1 {
			start = 2
		}
		for c := start; c < w; c += 4 {
			q, ok := row[c]
			if !ok {
				continue
			}
			prev[c] = next
			edges = append(edges, [2]int{q, next})
			next++
		}
	}
	return next, edges
}

// fileModel is the JSON form of a model.
type fileModel struct {
	Qubits *int              `json:"qubits"`
	Edges  []json.RawMessage `json:"edges"`
	Gates  []string          `json:"gates"`
}

// ParseJSON reads {"qubits":N,"edges":[[a,b],...],"gates":[...]}.
func ParseJSON(b []byte) (*Model, error) {
	var f fileModel
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("%w: JSON: %v", ErrSpec, err)
	}
	if f.Qubits == nil {
		return nil, fmt.Errorf("%w: qubits: missing", ErrSpec)
	}
	if *f.Qubits < 1 || *f.Qubits > maxQubits {
		return nil, fmt.Errorf("%w: qubits: %d is not in [1, %d]", ErrSpec, *f.Qubits, maxQubits)
	}
	edges := make([][2]int, 0, len(f.Edges))
	for i, raw := range f.Edges {
		var e []int
		if err := json.Unmarshal(raw, &e); err != nil || len(e) != 2 {
			return nil, fmt.Errorf("%w: edges[%d]: %s is not a pair of qubit indices", ErrSpec, i, raw)
		}
		edges = append(edges, [2]int{e[0], e[1]})
	}
	var gs *GateSet
	if f.Gates != nil {
		g, err := NewGateSet(strings.Join(f.Gates, ","), f.Gates)
		if err != nil {
			return nil, fmt.Errorf("gates: %w", err)
		}
		gs = g
	}
	return NewModel("json", *f.Qubits, edges, gs)
}
