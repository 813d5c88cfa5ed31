package machine

import (
	"fmt"
	"slices"
	"strings"

	"github.com/bqskit-mpi/bqskit-mpi/circuit"
)

// Basis names the closed form a single-qubit unitary takes in a gate set.
type Basis int

const (
	// BasisU3 is one u3 (or u) gate.
	BasisU3 Basis = iota
	// BasisZSX is rz·sx·rz·sx·rz (IBM).
	BasisZSX
	// BasisZYZ is rz·ry·rz.
	BasisZYZ
	// BasisZXZ is rz·rx·rz.
	BasisZXZ
)

func (b Basis) String() string {
	return [...]string{"u3", "rz-sx", "rz-ry", "rz-rx"}[b]
}

// GateSet is a native gate set: at most one two-qubit gate and single-qubit
// gates spanning every single-qubit unitary.
type GateSet struct {
	name   string
	gates  []circuit.Gate
	names  map[string]bool
	two    circuit.Gate
	basis  Basis
	single circuit.Gate // u3 or u for BasisU3
}

// named gate sets (besides plain lists).
var namedSets = map[string][]string{
	"ibm":        {"cx", "rz", "sx", "x"},
	"ibm-cx":     {"cx", "rz", "sx", "x"},
	"ibm-ecr":    {"ecr", "rz", "sx", "x"},
	"iswap":      {"iswap", "rz", "ry", "rx"},
	"sqrt_iswap": {"sqisw", "rz", "ry", "rx"},
	"sqisw":      {"sqisw", "rz", "ry", "rx"},
	"rzz":        {"rzz", "rz", "ry", "rx"},
}

// DefaultGates is cx,u3: what the compiler emits without a model.
func DefaultGates() *GateSet {
	g, err := NewGateSet("cx,u3", []string{"cx", "u3"})
	if err != nil {
		panic(err)
	}
	return g
}

// ParseGates reads a gate-set spec: a name (see the package doc) or a
// comma-separated list of gate names.
func ParseGates(spec string) (*GateSet, error) {
	spec = strings.TrimSpace(spec)
	if names, ok := namedSets[strings.ToLower(spec)]; ok {
		return NewGateSet(strings.ToLower(spec), names)
	}
	parts := strings.Split(spec, ",")
	for i := range parts {
		parts[i] = strings.TrimSpace(parts[i])
	}
	return NewGateSet(spec, parts)
}

// NewGateSet checks a list of gate names and builds the set.
func NewGateSet(name string, names []string) (*GateSet, error) {
	g := &GateSet{name: name, names: map[string]bool{}}
	if len(names) == 0 {
		return nil, fmt.Errorf("%w: gates: empty gate set", ErrSpec)
	}
	for i, n := range names {
		gate, ok := circuit.LookupGate(n)
		if !ok {
			return nil, fmt.Errorf("%w: gates[%d]: unknown gate %q", ErrSpec, i, n)
		}
		if g.names[gate.Name()] {
			continue
		}
		switch gate.NumQubits() {
		case 1:
		case 2:
			if g.two != nil {
				return nil, fmt.Errorf("%w: gates[%d]: a second two-qubit gate %q (the set already has %q)", ErrSpec, i, n, g.two.Name())
			}
			g.two = gate
		default:
			return nil, fmt.Errorf("%w: gates[%d]: %q acts on %d qubits (native gates act on one or two)", ErrSpec, i, n, gate.NumQubits())
		}
		g.names[gate.Name()] = true
		g.gates = append(g.gates, gate)
	}
	switch {
	case g.names["u3"]:
		g.basis, g.single = BasisU3, circuit.U3
	case g.names["u"]:
		g.basis, g.single = BasisU3, circuit.U
	case g.names["rz"] && g.names["sx"]:
		g.basis = BasisZSX
	case g.names["rz"] && g.names["ry"]:
		g.basis = BasisZYZ
	case g.names["rz"] && g.names["rx"]:
		g.basis = BasisZXZ
	default:
		return nil, fmt.Errorf("%w: gates %q: the single-qubit gates cannot express every unitary (need u3, u, rz+sx, rz+ry or rz+rx)", ErrSpec, name)
	}
	return g, nil
}

// Name is the spec the set was built from.
func (g *GateSet) Name() string { return g.name }

// Gates returns the gates in the order given.
func (g *GateSet) Gates() []circuit.Gate { return slices.Clone(g.gates) }

// Names returns the gate names, in the order given.
func (g *GateSet) Names() []string {
	out := make([]string, len(g.gates))
	for i, x := range g.gates {
		out[i] = x.Name()
	}
	return out
}

// Contains reports whether a gate (by its Name) is native.
func (g *GateSet) Contains(name string) bool { return g.names[name] }

// TwoQubit is the native two-qubit gate, or nil if the set has none.
func (g *GateSet) TwoQubit() circuit.Gate { return g.two }

// SingleQubitBasis is the form single-qubit unitaries take.
func (g *GateSet) SingleQubitBasis() Basis { return g.basis }

// SingleQubitGate is the u3-like gate for BasisU3 (u3 or u), nil otherwise.
func (g *GateSet) SingleQubitGate() circuit.Gate { return g.single }
