package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/pflag"

	"github.com/bqskit-mpi/bqskit-mpi/circuit"
	"github.com/bqskit-mpi/bqskit-mpi/compiler"
	"github.com/bqskit-mpi/bqskit-mpi/machine"
)

// machineOptions are --coupling, --gates and --with-mapping.
type machineOptions struct {
	coupling    string
	gates       string
	withMapping bool
}

func (m *machineOptions) addFlags(fs *pflag.FlagSet) {
	fs.StringVar(&m.coupling, "coupling", "", "compile for a machine with this coupling graph: all-to-all, linear:N, ring:N, grid:RxC, heavy-hex:D (IBM's 65/127-qubit lattice at D=5/7), or a JSON file {\"qubits\":N,\"edges\":[[0,1],...],\"gates\":[...]}; the output acts on physical qubits and carries the mapping as a comment")
	fs.StringVar(&m.gates, "gates", "", "native gate set: cx,u3 (default), cz,u3, ibm (cx rz sx x), ibm-ecr, iswap, sqrt_iswap, rzz, or a comma-separated list of gate names (implies --coupling all-to-all when --coupling is not given)")
	fs.BoolVar(&m.withMapping, "with-mapping", false, "with a machine model, also print the initial and final mappings on stderr (they are always in the QASM comment and the --json statistics)")
}

// enabled reports whether a machine model was asked for.
func (m *machineOptions) enabled() bool { return m.coupling != "" || m.gates != "" }

// spec builds the request's model; a coupling file is read here.
func (m *machineOptions) spec() (*compiler.ModelSpec, error) {
	if !m.enabled() {
		if m.withMapping {
			return nil, usageError{errors.New("--with-mapping needs --coupling or --gates")}
		}
		return nil, nil
	}
	s := &compiler.ModelSpec{Coupling: m.coupling, Gates: m.gates}
	if s.Coupling == "" {
		s.Coupling = "all-to-all"
	}
	if st, err := os.Stat(m.coupling); strings.HasSuffix(m.coupling, ".json") || (err == nil && !st.IsDir() && strings.ContainsAny(m.coupling, "/.")) {
		b, err := os.ReadFile(m.coupling)
		if err != nil {
			return nil, usageError{fmt.Errorf("--coupling: %w", err)}
		}
		model, err := machine.ParseJSON(b)
		if err != nil {
			return nil, usageError{fmt.Errorf("--coupling %s: %w", m.coupling, err)}
		}
		s.Coupling, s.Qubits = "", model.NumQubits()
		for _, e := range model.Edges() {
			s.Edges = append(s.Edges, [2]int(e))
		}
		if s.Edges == nil {
			s.Edges = [][2]int{}
		}
		if s.Gates == "" {
			s.Gates = strings.Join(model.Gates().Names(), ",")
		}
	}
	return s, nil
}

// verifyOutput compares the output with the input, up to the reported
// mapping when there is one.
func verifyOutput(in, out *circuit.Circuit, res compiler.Result, seed uint64) (compiler.Verification, error) {
	if res.InitialMapping != nil {
		return compiler.VerifyMapped(in, out, res.InitialMapping, res.FinalMapping, seed)
	}
	return compiler.Verify(in, out, seed)
}

// reportMapping adds the mappings to the statistics and, with
// --with-mapping, prints them.
func (m *machineOptions) reportMapping(res compiler.Result, stats map[string]any, stderr io.Writer) {
	if res.InitialMapping == nil {
		return
	}
	stats["initial_mapping"] = res.InitialMapping
	stats["final_mapping"] = res.FinalMapping
	if m.coupling != "" {
		stats["coupling"] = m.coupling
	}
	if m.gates != "" {
		stats["gates"] = m.gates
	}
	if m.withMapping {
		fmt.Fprintf(stderr, "bqskit-compile: initial_mapping %v final_mapping %v\n", res.InitialMapping, res.FinalMapping)
	}
}
