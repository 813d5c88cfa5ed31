package compiler

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bqskit-mpi/bqskit-mpi/qasm"
)

func TestCompileOptionErrorsNameTheField(t *testing.T) {
	neg, big := -0.1, 1.5
	for _, tc := range []struct {
		req   Request
		field string
	}{
		{Request{QASM: redundantQASM, SynthesisEpsilon: -1e-9}, "synthesis_epsilon"},
		{Request{QASM: redundantQASM, SynthesisEpsilon: 0.5}, "synthesis_epsilon"},
		{Request{QASM: redundantQASM, ErrorThreshold: &neg}, "error_threshold"},
		{Request{QASM: redundantQASM, ErrorThreshold: &big}, "error_threshold"},
	} {
		_, err := NewPlan(tc.req)
		var re *RequestError
		if !errors.As(err, &re) || re.Field != tc.field || !errors.Is(err, ErrBadParam) || !strings.Contains(err.Error(), tc.field) {
			t.Errorf("%+v: err %v, want a bad-param RequestError on %s", tc.req, err, tc.field)
		}
	}
}

func TestSynthesisEpsilonReachesEveryPass(t *testing.T) {
	for _, level := range []int{1, 3} {
		p, err := NewPlan(Request{QASM: redundantQASM, OptimizationLevel: level, SynthesisEpsilon: 1e-6, Model: &ModelSpec{Coupling: "linear:3"}})
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		var walk func([]Pass)
		walk = func(ps []Pass) {
			for _, q := range ps {
				switch q.Name {
				case PassScanningGateRemoval, PassSynthesize, PassResynthRouted:
					n++
					if q.SuccessThreshold != 1e-6 {
						t.Errorf("level %d: %s has threshold %g", level, q.Name, q.SuccessThreshold)
					}
				}
				walk(q.Workflow)
			}
		}
		walk(p.Workflow)
		if n == 0 {
			t.Fatalf("level %d: no pass took the threshold", level)
		}
		if workflowEpsilon(p.Workflow) != 1e-6 {
			t.Fatalf("level %d: workflow epsilon %g", level, workflowEpsilon(p.Workflow))
		}
	}
	// A pass's own threshold wins.
	w := withEpsilon([]Pass{{Name: PassScanningGateRemoval, SuccessThreshold: 1e-3}}, 1e-6)
	if w[0].SuccessThreshold != 1e-3 {
		t.Fatalf("own threshold replaced: %g", w[0].SuccessThreshold)
	}
}

// TestErrorThresholdRefuses: with error_threshold 0 no inexact replacement
// is kept (the bound stays 0) while without one some are; a loose one
// changes nothing.
func TestErrorThresholdRefuses(t *testing.T) {
	src, err := os.ReadFile(filepath.Join(sharedDir, "tfim4.qasm"))
	if err != nil {
		t.Fatal(err)
	}
	zero, one := 0.0, 1.0
	free, _ := compileSmall(t, Request{QASM: string(src), OptimizationLevel: 1, Seed: 3, RequestData: true}, 2)
	if free.Data.ErrorBound == 0 {
		t.Skip("no inexact replacement to refuse")
	}
	strict, out := compileSmall(t, Request{QASM: string(src), OptimizationLevel: 1, Seed: 3, RequestData: true, ErrorThreshold: &zero}, 2)
	if strict.Data.ErrorBound != 0 || strict.Data.Refused == 0 || strict.Data.ErrorThreshold == nil {
		t.Fatalf("threshold 0: bound %g, refused %d", strict.Data.ErrorBound, strict.Data.Refused)
	}
	in, _ := qasm.Parse("in", src)
	if v, err := Verify(in, out, 1); err != nil || v.Distance > 1e-6 {
		t.Fatalf("threshold 0 output: %+v %v", v, err)
	}
	loose, _ := compileSmall(t, Request{QASM: string(src), OptimizationLevel: 1, Seed: 3, RequestData: true, ErrorThreshold: &one}, 2)
	if loose.QASM != free.QASM || loose.Data.Refused != 0 {
		t.Fatalf("threshold 1 changed the output (refused %d)", loose.Data.Refused)
	}
	t.Logf("bound without threshold %.3g (%d accepted); with 0: %d refused", free.Data.ErrorBound, free.Data.Accepted, strict.Data.Refused)
}

func TestWithMappingWithoutModel(t *testing.T) {
	res, _ := compileSmall(t, Request{QASM: redundantQASM, Seed: 1, WithMapping: true}, 1)
	if len(res.InitialMapping) != 3 || res.InitialMapping[2] != 2 || res.FinalMapping[1] != 1 {
		t.Fatalf("mappings %v %v", res.InitialMapping, res.FinalMapping)
	}
	res, _ = compileSmall(t, Request{QASM: redundantQASM, Seed: 1}, 1)
	if res.InitialMapping != nil {
		t.Fatalf("mapping without with_mapping: %v", res.InitialMapping)
	}
}

func TestDecodeRequestCompileOptions(t *testing.T) {
	r, err := DecodeRequest([]byte(`{"qasm":"x","seed":1,"synthesis_epsilon":1e-6,"error_threshold":0.01,"with_mapping":true}`))
	if err != nil || r.SynthesisEpsilon != 1e-6 || r.ErrorThreshold == nil || *r.ErrorThreshold != 0.01 || !r.WithMapping {
		t.Fatalf("%+v %v", r, err)
	}
}

// TestModelResynthesis: on a routed circuit, resynthesize_routed never
// adds two-qubit gates and keeps them on coupled pairs; with iswap
// (two per cx in the fixed template) native resynthesis needs fewer than
// the template; the output verifies up to the mappings.
func TestModelResynthesis(t *testing.T) {
	src, err := os.ReadFile(filepath.Join(sharedDir, "tfim4.qasm"))
	if err != nil {
		t.Fatal(err)
	}
	in, err := qasm.Parse("tfim4", src)
	if err != nil {
		t.Fatal(err)
	}
	spec := ModelSpec{Coupling: "linear:4", Gates: "iswap"}
	res, out := compileSmall(t, Request{QASM: string(src), Model: &spec, Seed: 1, RequestData: true}, 2)
	m, _ := spec.Build(4)
	checkNativeRouted(t, out, m)
	counts := map[string][]int{}
	for _, s := range res.Data.Stages {
		counts[s.Pass] = append(counts[s.Pass], s.TwoQubitGates)
	}
	routed, fixed := counts[PassResynthRouted], counts[PassRetargetNative]
	if len(routed) != 1 || len(fixed) != 2 || len(counts[PassMap]) != 1 {
		t.Fatalf("stages %v", counts)
	}
	if routed[0] > counts[PassUnfold][len(counts[PassUnfold])-1] {
		t.Fatalf("routed resynthesis added gates: %v", counts)
	}
	if fixed[0] != 2*routed[0] || out.TwoQubitCount() >= fixed[0] {
		t.Fatalf("iswap: template %d, output %d (routed cx %d)", fixed[0], out.TwoQubitCount(), routed[0])
	}
	v, err := VerifyMapped(in, out, res.InitialMapping, res.FinalMapping, 1)
	if err != nil || v.Distance > 1e-3 {
		t.Fatalf("verify: %+v %v", v, err)
	}
	t.Logf("tfim4 on linear:4 iswap: cx after routed resynthesis %d, fixed template %d iswap, resynthesized %d", routed[0], fixed[0], out.TwoQubitCount())
	// the passes refuse to run without a model or on an unmapped circuit
	for _, wf := range []string{`[{"pass":"resynthesize_routed"}]`, `[{"pass":"resynthesize_native"}]`} {
		_, err := Compile(context.Background(), Request{QASM: redundantQASM, Workflow: []byte(wf)}, NewLocalExecutor(1, nil), nil, nil)
		if err == nil || !strings.Contains(err.Error(), "needs a machine model") {
			t.Errorf("%s without model: %v", wf, err)
		}
	}
	sp := ModelSpec{Coupling: "linear:5"}
	_, err = Compile(context.Background(), Request{QASM: redundantQASM, Model: &sp, Workflow: []byte(`[{"pass":"resynthesize_routed"}]`)}, NewLocalExecutor(1, nil), nil, nil)
	if err == nil || !strings.Contains(err.Error(), "run map first") {
		t.Errorf("unmapped: %v", err)
	}
}
