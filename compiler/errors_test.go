package compiler

import (
	"errors"
	"testing"
)

func TestNewPlanRequestErrors(t *testing.T) {
	good := "OPENQASM 2.0;\nqreg q[2];\ncx q[0],q[1];\n"
	tests := []struct {
		name  string
		req   Request
		kind  error
		also  error
		field string
		msg   string
	}{
		{"level high", Request{QASM: good, OptimizationLevel: 5}, ErrBadParam, ErrBadParam, "optimization_level",
			"compiler: bad parameter: optimization_level: want an integer in [1, 4], got 5"},
		{"level negative", Request{QASM: good, OptimizationLevel: -1}, ErrBadParam, ErrBadParam, "optimization_level",
			"compiler: bad parameter: optimization_level: want an integer in [1, 4], got -1"},
		{"block size", Request{QASM: good, BlockSize: 9}, ErrBadParam, ErrBadParam, "block_size",
			"compiler: bad parameter: block_size: want an integer in [2, 8], got 9"},
		{"both inputs", Request{QASM: good, Unitary: []byte{1}}, ErrRequest, ErrRequest, "",
			"compiler: bad request: give either qasm or unitary, not both"},
		{"no input", Request{}, ErrRequest, ErrRequest, "qasm", "compiler: bad request: qasm: no input circuit or unitary"},
		{"unknown pass", Request{QASM: good, Workflow: []byte(`[{"pass":"frob"}]`)}, ErrUnknownPass, ErrWorkflow, "workflow", ""},
		{"bad workflow", Request{QASM: good, Workflow: []byte(`[{"pass":"unfold","x":1}]`)}, ErrWorkflow, ErrWorkflow, "workflow", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := NewPlan(tc.req)
			var re *RequestError
			if !errors.As(err, &re) {
				t.Fatalf("want *RequestError, got %T %v", err, err)
			}
			if re.Kind != tc.kind || re.Field != tc.field || !errors.Is(err, tc.kind) || !errors.Is(err, tc.also) {
				t.Fatalf("kind %v field %q (%v), want %v %q", re.Kind, re.Field, err, tc.kind, tc.field)
			}
			if tc.msg != "" && err.Error() != tc.msg {
				t.Fatalf("message %q, want %q", err.Error(), tc.msg)
			}
		})
	}
	// An unknown pass reads as an invalid workflow.
	_, err := NewPlan(Request{QASM: good, Workflow: []byte(`[{"pass":"frob"}]`)})
	if want := "compiler: invalid workflow: workflow[0].pass: unknown pass \"frob\""; len(err.Error()) < len(want) || err.Error()[:len(want)] != want {
		t.Fatalf("message %q", err)
	}
}
