package compiler

import (
	"errors"
	"strings"
	"testing"
)

func TestParseWorkflowErrors(t *testing.T) {
	for _, tc := range []struct {
		name, json, want string
	}{
		{"not json", `[{"pass": "unfold"`, "workflow: not valid JSON"},
		{"trailing", `[{"pass":"retarget"}] x`, "trailing data"},
		{"not array", `{"pass": "retarget"}`, "workflow: want an array of passes, got an object"},
		{"empty", `[]`, "workflow: empty"},
		{"item not object", `[3]`, "workflow[0]: want a pass object"},
		{"missing name", `[{"block_size": 3}]`, "workflow[0].pass: missing pass name"},
		{"name type", `[{"pass": 3}]`, "workflow[0].pass: want a string, got a number"},
		{"unknown pass", `[{"pass": "retarget"}, {"pass": "optimize_everything"}]`, `workflow[1].pass: unknown pass "optimize_everything"`},
		{"unknown param", `[{"pass": "quick_partition", "size": 3}]`, `workflow[0].size: pass "quick_partition" has no parameter "size"`},
		{"int type", `[{"pass": "quick_partition", "block_size": "3"}, {"pass":"unfold"}]`, "workflow[0].block_size: want an integer, got a string"},
		{"int fraction", `[{"pass": "quick_partition", "block_size": 2.5}]`, "workflow[0].block_size: want an integer"},
		{"int range", `[{"pass": "quick_partition", "block_size": 9}, {"pass":"unfold"}]`, "workflow[0].block_size: want an integer in [2, 8], got 9"},
		{"bool type", `[{"pass": "scanning_gate_removal", "two_qubit_only": 1}]`, "workflow[0].two_qubit_only: want true or false, got a number"},
		{"precise type", `[{"pass": "synthesize_unsupported", "precise": true}]`, `workflow[0].precise: pass "synthesize_unsupported" has no parameter "precise"`},
		{"float range", `[{"pass": "scanning_gate_removal", "success_threshold": 0.5}]`, "workflow[0].success_threshold: want a number in (0, 0.01]"},
		{"multistarts range", `[{"pass": "scanning_gate_removal", "multistarts": 1000}]`, "workflow[0].multistarts: want an integer in [1, 64], got 1000"},
		{"nested", `[{"pass":"quick_partition"},{"pass":"for_each_block","workflow":[{"pass":"synthesize","min_prefix":"x"}]}]`, "workflow[1].workflow[0].min_prefix: want an integer, got a string"},
		{"nested unknown", `[{"pass":"quick_partition"},{"pass":"for_each_block","workflow":[{"pass":"nope"}]}]`, `workflow[1].workflow[0].pass: unknown pass "nope"`},
		{"block pass at top", `[{"pass": "synthesize"}]`, `workflow[0].pass: "synthesize" runs only inside for_each_block`},
		{"top pass in block", `[{"pass":"quick_partition"},{"pass":"for_each_block","workflow":[{"pass":"unfold"}]}]`, `workflow[1].workflow[0].pass: "unfold" cannot run inside for_each_block`},
		{"foreach unpartitioned", `[{"pass": "for_each_block", "workflow": [{"pass":"fill_u3"}]}]`, "needs a partitioned circuit"},
		{"double partition", `[{"pass": "quick_partition"}, {"pass": "quick_partition"}]`, "already partitioned"},
		{"fusion while partitioned", `[{"pass": "quick_partition"}, {"pass": "single_qubit_fusion"}]`, "needs an unpartitioned circuit"},
		{"empty foreach", `[{"pass":"quick_partition"},{"pass":"for_each_block","workflow":[]}]`, "workflow[1].workflow: for_each_block needs a non-empty workflow"},
		{"foreach workflow type", `[{"pass":"quick_partition"},{"pass":"for_each_block","workflow":{}}]`, "workflow[1].workflow: want an array of passes, got an object"},
		{"loop partitioned", `[{"pass":"while_changing","workflow":[{"pass":"quick_partition"}]}]`, "workflow[0].workflow: loop body must end unpartitioned"},
		{"loop iters", `[{"pass":"while_changing","max_iterations":-1,"workflow":[{"pass":"single_qubit_fusion"}]}]`, "workflow[0].max_iterations: want an integer in [1, 100]"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseWorkflow([]byte(tc.json))
			if err == nil {
				t.Fatalf("no error, want %q", tc.want)
			}
			if !errors.Is(err, ErrWorkflow) {
				t.Errorf("error %v does not wrap ErrWorkflow", err)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q, want it to contain %q", err, tc.want)
			}
		})
	}
}

func TestParseWorkflowValid(t *testing.T) {
	src := `[
	  {"pass": "retarget"},
	  {"pass": "while_two_qubit_drops", "max_iterations": 3, "workflow": [
	    {"pass": "quick_partition", "block_size": 3},
	    {"pass": "extend_block_size"},
	    {"pass": "for_each_block", "workflow": [
	      {"pass": "synthesize", "multistarts": 2, "min_prefix": 4, "success_threshold": 1e-9, "precise": true},
	      {"pass": "single_qubit_fusion"}]},
	    {"pass": "unfold"}]},
	  {"pass": "quick_partition"},
	  {"pass": "for_each_block", "workflow": [
	    {"pass": "fill_u3"},
	    {"pass": "while_changing", "workflow": [{"pass": "scanning_gate_removal", "two_qubit_only": true}]}]}
	]`
	w, err := ParseWorkflow([]byte(src))
	if err != nil {
		t.Fatal(err)
	}
	if len(w) != 4 || w[1].MaxIterations != 3 || w[1].Workflow[2].Workflow[0].MinPrefix != 4 ||
		w[1].Workflow[2].Workflow[0].SuccessThreshold != 1e-9 || !w[1].Workflow[2].Workflow[0].Precise || !w[3].Workflow[1].Workflow[0].TwoQubitOnly {
		t.Fatalf("decoded %+v", w)
	}
}

func TestLevelsValidate(t *testing.T) {
	for level := MinLevel; level <= MaxLevel; level++ {
		for _, k := range []int{0, 2, 3, 4} {
			w, err := Level(level, k)
			if err != nil {
				t.Fatal(err)
			}
			if err := ValidateWorkflow(w); err != nil {
				t.Fatalf("level %d block size %d: %v", level, k, err)
			}
		}
		u, err := UnitaryLevel(level)
		if err != nil {
			t.Fatal(err)
		}
		if err := ValidateUnitaryWorkflow(u); err != nil {
			t.Fatalf("unitary level %d: %v", level, err)
		}
	}
	for _, tc := range []struct{ level, k int }{{0, 3}, {5, 3}, {1, 1}, {2, 9}} {
		if _, err := Level(tc.level, tc.k); !errors.Is(err, ErrBadParam) {
			t.Errorf("Level(%d, %d): error %v, want ErrBadParam", tc.level, tc.k, err)
		}
	}
}

func FuzzParseWorkflow(f *testing.F) {
	f.Add([]byte(`[{"pass": "retarget"}]`))
	f.Add([]byte(`[{"pass":"quick_partition"},{"pass":"for_each_block","workflow":[{"pass":"fill_u3"}]},{"pass":"unfold"}]`))
	f.Add([]byte(`[{"pass":"while_changing","workflow":[{"pass":"single_qubit_fusion"}],"max_iterations":2}]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		w, err := ParseWorkflow(data)
		if err != nil {
			if !errors.Is(err, ErrWorkflow) {
				t.Fatalf("error %v does not wrap ErrWorkflow", err)
			}
			return
		}
		if err := ValidateWorkflow(w); err != nil {
			t.Fatalf("parsed workflow fails validation: %v", err)
		}
	})
}
