//go:build slow

package compiler

import "testing"

// TestSlowMappedMatrix is the whole device-compilation acceptance matrix:
// the shared circuits up to 18 qubits at levels 1 to 3, for linear, grid
// and heavy-hex models, with the cx,u3 and IBM gate sets (126 compiles;
// hours on two cores: select with -run, e.g.
// -run 'TestSlowMappedMatrix/qaoa12/'). Each case logs a RESULT line.
func TestSlowMappedMatrix(t *testing.T) {
	for _, name := range []string{"tfim4", "qft5", "grover5", "adder9", "qaoa12", "heisenberg16", "hub18"} {
		for _, level := range []int{1, 2, 3} {
			for _, coupling := range []string{"linear", "grid", "heavy-hex"} {
				for _, gates := range []string{"cx,u3", "ibm"} {
					tc := mappedCase{name, coupling, gates, level}
					t.Run(tc.String(), func(t *testing.T) { runMappedCase(t, tc) })
				}
			}
		}
	}
}
