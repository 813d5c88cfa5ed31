//go:build slow

package compiler

import "testing"

// TestSlowLevelsMonotone is the full matrix: every shared circuit at
// levels 1 to 3 with seeds 1-3, each output verified, no level worse than
// a lower one; level 4 on heisenberg16 and tfim4 (seed 1) never worse than
// level 3. (bench/quality prints the same matrix as a table.)
func TestSlowLevelsMonotone(t *testing.T) {
	for _, name := range []string{"tfim4", "qft5", "grover5", "adder9", "qaoa12", "heisenberg16", "hub18"} {
		for seed := uint64(1); seed <= 3; seed++ {
			top := 3
			if (name == "heisenberg16" || name == "tfim4") && seed == 1 {
				top = 4
			}
			checkMonotone(t, name, seed, top)
		}
	}
}
