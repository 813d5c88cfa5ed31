package compiler

import (
	"context"
	"slices"
	"testing"
)

func TestStageName(t *testing.T) {
	for _, tc := range []struct {
		inner []Pass
		want  string
	}{
		{[]Pass{{Name: PassFillU3}, {Name: PassScanningGateRemoval}}, StageGateRemoval},
		{[]Pass{{Name: PassSynthesize}, {Name: PassScanningGateRemoval}}, StageResynthesis},
		{[]Pass{{Name: PassWhileChanging, Workflow: []Pass{{Name: PassSynthesize}}}}, StageResynthesis},
		{[]Pass{{Name: PassRetarget}}, StageRetarget},
		{[]Pass{{Name: PassSingleQubitFusion}}, StageBlocks},
	} {
		if got := StageName(Pass{Name: PassForEachBlock, Workflow: tc.inner}); got != tc.want {
			t.Errorf("StageName(%+v) = %q, want %q", tc.inner, got, tc.want)
		}
	}
}

// TestStageProgressAndRecords checks that a compile task reports named
// stages whose block totals only grow by whole stages, and that the pass
// data records partitioning and for_each_block passes with their counts.
func TestStageProgressAndRecords(t *testing.T) {
	req := Request{QASM: redundantQASM, OptimizationLevel: 1, Seed: 3, RequestData: true}
	args, err := EncodeRequest(req)
	if err != nil {
		t.Fatal(err)
	}
	var stages []string
	var plain, staged [][2]int
	env := Env{
		Exec:     NewLocalExecutor(2, nil),
		Progress: func(done, total int) { plain = append(plain, [2]int{done, total}) },
		StageProgress: func(stage string, done, total int) {
			staged = append(staged, [2]int{done, total})
			if len(stages) == 0 || stages[len(stages)-1] != stage {
				stages = append(stages, stage)
			}
		},
	}
	raw, err := RunTask(context.Background(), TaskCompile, args, env)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(plain, staged) || len(staged) == 0 {
		t.Errorf("progress %v, stage progress %v: want the same, non-empty", plain, staged)
	}
	if !slices.Equal(stages, []string{StageGateRemoval}) {
		t.Errorf("stages %q, want only %q (level 1 removes gates)", stages, StageGateRemoval)
	}
	res, err := DecodeResult(raw)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, s := range res.Data.Stages {
		names = append(names, s.Pass)
		if s.Seconds < 0 || s.TwoQubitGates < 0 {
			t.Errorf("stage %+v", s)
		}
	}
	if !slices.Contains(names, PassQuickPartition) || !slices.Contains(names, PassForEachBlock) {
		t.Errorf("recorded passes %q lack quick_partition or for_each_block", names)
	}
}
