package compiler

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/bqskit-mpi/bqskit-mpi/circuit"
	"github.com/bqskit-mpi/bqskit-mpi/qasm"
)

// TestLevelsNested checks the construction that makes levels monotone:
// level N's workflow is level N−1's followed by passes inside
// keep_if_fewer only.
func TestLevelsNested(t *testing.T) {
	for _, k := range []int{0, 2, 3, 4} {
		prev, err := Level(MinLevel, k)
		if err != nil {
			t.Fatal(err)
		}
		for level := MinLevel + 1; level <= MaxLevel; level++ {
			w, err := Level(level, k)
			if err != nil {
				t.Fatal(err)
			}
			if len(w) <= len(prev) || !reflect.DeepEqual(w[:len(prev)], prev) {
				t.Fatalf("level %d (block size %d) does not start with level %d's workflow", level, k, level-1)
			}
			for i, p := range w[len(prev):] {
				if p.Name != PassKeepIfFewer {
					t.Errorf("level %d (block size %d): added pass %d is %q, want %q", level, k, i, p.Name, PassKeepIfFewer)
				}
			}
			checkPrecise(t, w[len(prev):])
			prev = w
		}
	}
}

// TestLevelsWithModelNested: for a model, level N is level N−1's
// workflow for the model followed by one keep_if_fewer from the input
// (so the mapped result is never worse than the lower level's) around
// level N's logical workflow and mapping passes; every level validates.
func TestLevelsWithModelNested(t *testing.T) {
	prev, err := LevelWithModel(MinLevel, 0)
	if err != nil {
		t.Fatal(err)
	}
	for level := MinLevel; level <= MaxLevel; level++ {
		w, err := LevelWithModel(level, 0)
		if err != nil {
			t.Fatal(err)
		}
		if err := ValidateWorkflow(w); err != nil {
			t.Fatalf("level %d: %v", level, err)
		}
		if level == MinLevel {
			continue
		}
		if len(w) != len(prev)+1 || !reflect.DeepEqual(w[:len(prev)], prev) {
			t.Fatalf("level %d does not start with level %d's workflow for the model", level, level-1)
		}
		own, err := Level(level, 0)
		if err != nil {
			t.Fatal(err)
		}
		own = append(own, mappingPasses(level, 0)...)
		if k := w[len(prev)]; k.Name != PassKeepIfFewer || !k.FromInput || k.Fresh ||
			!reflect.DeepEqual(k.Workflow, own) || own[len(own)-1].Name != PassRetargetNative {
			t.Fatalf("level %d: last pass %+v, want keep_if_fewer from the input around the level's passes and mapping", level, k)
		}
		prev = w
	}
}

// checkPrecise fails unless every removal and resynthesis pass in w
// (nested workflows included) is precise.
func checkPrecise(t *testing.T, w []Pass) {
	t.Helper()
	for _, p := range w {
		if (p.Name == PassScanningGateRemoval || p.Name == PassSynthesize) && !p.Precise {
			t.Errorf("%s pass without precise: %+v", p.Name, p)
		}
		checkPrecise(t, p.Workflow)
	}
}

func TestKeepIfFewerWorkflowErrors(t *testing.T) {
	for _, tc := range []struct{ name, json, want string }{
		{"empty", `[{"pass":"keep_if_fewer","workflow":[]}]`, "keep_if_fewer needs a non-empty workflow"},
		{"partitioned", `[{"pass":"keep_if_fewer","workflow":[{"pass":"quick_partition"}]}]`, "must end unpartitioned"},
		{"in block", `[{"pass":"quick_partition"},{"pass":"for_each_block","workflow":[{"pass":"keep_if_fewer","workflow":[{"pass":"fill_u3"}]}]}]`, "cannot run inside for_each_block"},
		{"keep type", `[{"pass":"retarget","keep_multi_qubit":"yes"}]`, "workflow[0].keep_multi_qubit: want true or false"},
		{"unsupported at top", `[{"pass":"synthesize_unsupported"}]`, "runs only inside for_each_block"},
		{"fresh without from_input", `[{"pass":"keep_if_fewer","fresh":true,"workflow":[{"pass":"fill_u3"}]}]`, "fresh needs from_input"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseWorkflow([]byte(tc.json))
			if !errors.Is(err, ErrWorkflow) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want ErrWorkflow containing %q", err, tc.want)
			}
		})
	}
	w, err := ParseWorkflow([]byte(`[{"pass":"retarget","keep_multi_qubit":true},{"pass":"keep_if_fewer","workflow":[{"pass":"single_qubit_fusion"}]}]`))
	if err != nil || !w[0].KeepMultiQubit || len(w[1].Workflow) != 1 {
		t.Fatalf("decoded %+v, %v", w, err)
	}
}

// TestKeepIfFewer runs a body that removes two-qubit gates (kept) and one
// that does not (the input comes back unchanged, with no added error).
func TestKeepIfFewer(t *testing.T) {
	scan := `{"pass":"quick_partition"},{"pass":"for_each_block","workflow":[{"pass":"fill_u3"},{"pass":"scanning_gate_removal"},{"pass":"single_qubit_fusion"}]},{"pass":"unfold"}`
	in, err := qasm.Parse("in", []byte(redundantQASM))
	if err != nil {
		t.Fatal(err)
	}
	rt, err := Retarget(in)
	if err != nil {
		t.Fatal(err)
	}
	// Removes gates: kept.
	res, out := compileSmall(t, Request{QASM: redundantQASM, Seed: 2, RequestData: true,
		Workflow: []byte(`[{"pass":"retarget"},{"pass":"keep_if_fewer","workflow":[` + scan + `]}]`)}, 2)
	if out.TwoQubitCount() >= rt.TwoQubitCount() {
		t.Fatalf("kept body: %d two-qubit gates, input %d", out.TwoQubitCount(), rt.TwoQubitCount())
	}
	if res.Data.Accepted == 0 {
		t.Errorf("kept body: no accepted removals recorded")
	}
	// The same body run twice: the second run removes nothing more, so
	// its result (fill_u3 and a second scan change single-qubit gates)
	// is dropped and the first one's circuit and error bound stay.
	once, onceOut := compileSmall(t, Request{QASM: redundantQASM, Seed: 2, RequestData: true,
		Workflow: []byte(`[{"pass":"retarget"},` + scan + `,{"pass":"single_qubit_fusion"}]`)}, 2)
	twice, twiceOut := compileSmall(t, Request{QASM: redundantQASM, Seed: 2, RequestData: true,
		Workflow: []byte(`[{"pass":"retarget"},` + scan + `,{"pass":"single_qubit_fusion"},{"pass":"keep_if_fewer","workflow":[{"pass":"fill_u3"},` + scan + `]}]`)}, 2)
	if once.QASM != twice.QASM {
		t.Fatalf("rejected body changed the circuit:\n%s\nvs\n%s", once.QASM, twice.QASM)
	}
	if once.Data.ErrorBound != twice.Data.ErrorBound || once.Data.Accepted != twice.Data.Accepted {
		t.Errorf("rejected body changed the pass data: bound %g -> %g, accepted %d -> %d",
			once.Data.ErrorBound, twice.Data.ErrorBound, once.Data.Accepted, twice.Data.Accepted)
	}
	if onceOut.TwoQubitCount() != twiceOut.TwoQubitCount() {
		t.Errorf("two-qubit counts %d and %d", onceOut.TwoQubitCount(), twiceOut.TwoQubitCount())
	}
	// from_input: an alternative from the input that is worse (the input
	// only retargeted) is dropped; one that is better is kept.
	worse, _ := compileSmall(t, Request{QASM: redundantQASM, Seed: 2, RequestData: true,
		Workflow: []byte(`[{"pass":"retarget"},` + scan + `,{"pass":"single_qubit_fusion"},{"pass":"keep_if_fewer","from_input":true,"workflow":[{"pass":"retarget"}]}]`)}, 2)
	if worse.QASM != once.QASM || worse.Data.ErrorBound != once.Data.ErrorBound {
		t.Fatalf("worse alternative from the input changed the result:\n%s\nvs\n%s", once.QASM, worse.QASM)
	}
	_, better := compileSmall(t, Request{QASM: redundantQASM, Seed: 2,
		Workflow: []byte(`[{"pass":"retarget"},{"pass":"keep_if_fewer","from_input":true,"workflow":[{"pass":"retarget"},` + scan + `]}]`)}, 2)
	if better.TwoQubitCount() >= rt.TwoQubitCount() {
		t.Fatalf("better alternative from the input dropped: %d two-qubit gates", better.TwoQubitCount())
	}
	if v, err := Verify(in, better, 1); err != nil || v.Cost > 1e-7 {
		t.Fatalf("alternative from the input: cost %v, %v", v.Cost, err)
	}
	// fresh: the alternative is exactly what its workflow alone gives
	// with the same seed, wherever it runs; without fresh its block seeds
	// follow the stages before it.
	body := `{"pass":"retarget"},` + scan
	alone, _ := compileSmall(t, Request{QASM: redundantQASM, Seed: 2, Workflow: []byte(`[` + body + `]`)}, 2)
	before := `{"pass":"retarget"},{"pass":"quick_partition"},{"pass":"for_each_block","workflow":[{"pass":"fill_u3"}]},{"pass":"unfold"},`
	for _, fresh := range []bool{true, false} {
		got, _ := compileSmall(t, Request{QASM: redundantQASM, Seed: 2, Workflow: []byte(fmt.Sprintf(
			`[%s{"pass":"keep_if_fewer","from_input":true,"fresh":%v,"workflow":[%s]}]`, before, fresh, body))}, 2)
		if (got.QASM == alone.QASM) != fresh {
			t.Errorf("fresh=%v: same result as the workflow alone: %v", fresh, got.QASM == alone.QASM)
		}
	}
}

func TestTwoQubitCost(t *testing.T) {
	c := circuit.New(4)
	c.Append(circuit.Op{Gate: circuit.CX, Qubits: []int{0, 1}})
	c.Append(circuit.Op{Gate: circuit.CCX, Qubits: []int{0, 1, 2}})
	c.Append(circuit.Op{Gate: circuit.H, Qubits: []int{3}})
	fixed, err := Retarget(c)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := twoQubitCost(c), fixed.TwoQubitCount(); got != want || want != 7 {
		t.Fatalf("twoQubitCost %d, fixed decomposition %d, want 7", got, want)
	}
	if !hasWideGate(c) || hasWideGate(fixed) {
		t.Fatal("hasWideGate wrong")
	}
	kept, err := retarget(c, 3)
	if err != nil {
		t.Fatal(err)
	}
	if kept.Len() != 3 || kept.Op(1).Gate != circuit.CCX {
		t.Fatalf("retarget keeping 3-qubit gates: %v", kept.Ops())
	}
}

// TestToffoliAdderLevel1 compiles a 4-bit ripple-carry adder built from
// ccx (testdata/circuits/adder4_toffoli.qasm): its Toffoli gates stay whole
// until their partition blocks are resynthesized, so level 1 ends below
// the fixed decomposition's two-qubit count (6 CX per ccx).
func TestToffoliAdderLevel1(t *testing.T) {
	path := filepath.Join("..", "testdata", "circuits", "adder4_toffoli.qasm")
	src, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	in, err := qasm.Parse(path, src)
	if err != nil {
		t.Fatal(err)
	}
	checkAdds(t, in)
	fixed, err := Retarget(in)
	if err != nil {
		t.Fatal(err)
	}
	res, err := Compile(context.Background(), Request{QASM: string(src), Seed: 1}, NewLocalExecutor(2, nil), nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	out, err := qasm.Parse("out", []byte(res.QASM))
	if err != nil {
		t.Fatal(err)
	}
	for _, op := range out.Ops() {
		if op.Gate != circuit.CX && op.Gate != circuit.U3 {
			t.Fatalf("output gate %s", op.Gate.Name())
		}
	}
	v, err := Verify(in, out, 1)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("fixed decomposition %d CX, level 1 %d, cost %.3g", fixed.TwoQubitCount(), out.TwoQubitCount(), v.Cost)
	if v.Cost > 1e-7 {
		t.Errorf("cost %g", v.Cost)
	}
	if out.TwoQubitCount() >= fixed.TwoQubitCount() {
		t.Errorf("level 1: %d two-qubit gates, fixed decomposition %d", out.TwoQubitCount(), fixed.TwoQubitCount())
	}
}

// checkAdds checks that the adder maps every basis state |c, b, a⟩ (q[0]
// carry in, b_i = q[2i+1], a_i = q[2i+2], q[9] carry out) to b ← a + b + c
// with the carry out in q[9], a and c unchanged.
func checkAdds(t *testing.T, c *circuit.Circuit) {
	t.Helper()
	u := c.Unitary()
	n := c.NumQubits()
	bit := func(x, q int) int { return x >> (n - 1 - q) & 1 } // q[0] is the most significant
	for x := range 1 << n {
		if bit(x, 9) == 1 {
			continue
		}
		a, b := 0, 0
		for i := range 4 {
			b |= bit(x, 2*i+1) << i
			a |= bit(x, 2*i+2) << i
		}
		cin := bit(x, 0)
		sum := a + b + cin
		y := x
		for i := range 4 {
			y &^= 1 << (n - 1 - (2*i + 1))
			y |= (sum >> i & 1) << (n - 1 - (2*i + 1))
		}
		y |= (sum >> 4 & 1) << (n - 1 - 9)
		if got := u.At(y, x); real(got) < 0.999 {
			t.Fatalf("input %010b: <%010b|U|x> = %v, want 1 (a=%d b=%d c=%d)", x, y, got, a, b, cin)
		}
	}
}

// TestSingleQubitRemovalExact: under the default threshold, scanning
// removal keeps a single-qubit rotation whose removal costs 1.25e-9 (below
// ε = 1e-8, above singleQubitRemovalThreshold); an explicit threshold of
// 1e-8 removes it.
func TestSingleQubitRemovalExact(t *testing.T) {
	const src = "OPENQASM 2.0;\ninclude \"qelib1.inc\";\nqreg q[2];\nry(0.0001) q[0];\ncx q[0],q[1];\n"
	for _, tc := range []struct {
		wf    string
		gates int
	}{
		{`[{"pass":"retarget"},{"pass":"scanning_gate_removal"}]`, 2},
		{`[{"pass":"retarget"},{"pass":"scanning_gate_removal","success_threshold":1e-8}]`, 1},
		// precise: ε·1e-4, under the removal's cost (about 1.25e-9) at 1e-8,
		// above it at 1e-4.
		{`[{"pass":"retarget"},{"pass":"scanning_gate_removal","success_threshold":1e-8,"precise":true}]`, 2},
		{`[{"pass":"retarget"},{"pass":"scanning_gate_removal","success_threshold":1e-4,"precise":true}]`, 1},
	} {
		_, out := compileSmall(t, Request{QASM: src, Seed: 1, Workflow: []byte(tc.wf)}, 1)
		if out.Len() != tc.gates {
			t.Errorf("%s: %d gates out, want %d", tc.wf, out.Len(), tc.gates)
		}
	}
}
