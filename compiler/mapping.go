package compiler

import (
	"cmp"
	"context"
	"fmt"
	"strings"

	"github.com/bqskit-mpi/bqskit-mpi/circuit"
	"github.com/bqskit-mpi/bqskit-mpi/machine"
	"github.com/bqskit-mpi/bqskit-mpi/qasm"
	"github.com/bqskit-mpi/bqskit-mpi/routing"
)

// Passes that need a machine model (Request.Model).
const (
	// PassMap places and routes the circuit on the model's coupling graph
	// (SABRE-style, see package routing); swaps become three cx, so the
	// result is over {cx, u3} again and acts on the model's width.
	PassMap = "map"
	// PassRetargetNative rewrites the circuit into the model's native gate
	// set (RetargetNative).
	PassRetargetNative = "retarget_native"
)

// ModelSpec is the machine model of a request (JSON "model"): a built-in
// coupling spec (see machine.ParseCoupling; no file paths: a client reads
// the file and sends Qubits and Edges) or an explicit graph, and a
// gate-set spec (machine.ParseGates; default "cx,u3").
type ModelSpec struct {
	Coupling string   `json:"coupling,omitempty"`
	Qubits   int      `json:"qubits,omitempty"`
	Edges    [][2]int `json:"edges,omitempty"`
	Gates    string   `json:"gates,omitempty"`
}

// Build checks the spec and returns the model; width is the circuit's
// (used by a bare "all-to-all").
func (s *ModelSpec) Build(width int) (*machine.Model, error) {
	var m *machine.Model
	var err error
	switch {
	case s.Coupling != "" && (s.Qubits != 0 || s.Edges != nil):
		return nil, reqError(ErrBadParam, "model", "model: give coupling or qubits and edges, not both")
	case s.Coupling != "":
		if strings.ContainsAny(s.Coupling, "/\\") || strings.HasSuffix(s.Coupling, ".json") {
			return nil, reqError(ErrBadParam, "model.coupling", "model.coupling: %q: a file is read by the client (send qubits and edges)", s.Coupling)
		}
		m, err = machine.ParseCoupling(s.Coupling, width)
	default:
		m, err = machine.NewModel("custom", s.Qubits, s.Edges, nil)
	}
	if err != nil {
		return nil, reqError(ErrBadParam, "model.coupling", "model: %v", err)
	}
	gs, err := machine.ParseGates(cmp.Or(s.Gates, "cx,u3"))
	if err != nil {
		return nil, reqError(ErrBadParam, "model.gates", "model.gates: %v", err)
	}
	if m.NumQubits() < width {
		return nil, reqError(ErrBadParam, "model", "model: %s has %d qubits, the circuit %d", m.Name(), m.NumQubits(), width)
	}
	if !m.Connected() {
		return nil, reqError(ErrBadParam, "model.edges", "model: the coupling graph is not connected")
	}
	return m.WithGates(gs), nil
}

// LevelWithModel is the workflow of a level for a machine model. At level
// 1: level 1's workflow on the logical circuit, then map (placement and
// routing), then per-block scanning gate removal of two-qubit gates and
// single-qubit fusion on the routed circuit (passes that only remove
// gates, so every pair stays coupled), resynthesize_routed (blocks
// resynthesized on their coupled pairs, so routing swaps are absorbed),
// retarget_native, and resynthesize_native (blocks resynthesized with
// the native two-qubit gate where its cx template needs more than one)
// followed by retarget_native again (the native single-qubit form). At
// level N > 1: level N−1's workflow for the model, then, inside
// keep_if_fewer from the input, level N's logical workflow and the same
// mapping passes (with level N's starts and prefix). Fewer gates on the
// logical circuit do not always route to fewer (resynthesis may put gates
// on pairs that are far apart on the device: qaoa12 on linear:12 at level
// 3, 175 logical gates routed to 202, level 2's 198 to 189), so the mapped
// results are compared, and a higher level is never worse for the model
// either. The cost is that of the levels below plus one more mapping.
func LevelWithModel(level, blockSize int) ([]Pass, error) {
	w, err := Level(level, blockSize)
	if err != nil {
		return nil, err
	}
	w = append(w, mappingPasses(level, blockSize)...)
	if level == MinLevel {
		return w, nil
	}
	lower, err := LevelWithModel(level-1, blockSize)
	if err != nil {
		return nil, err
	}
	return append(lower, Pass{Name: PassKeepIfFewer, FromInput: true, Workflow: w}), nil
}

// mappingPasses are the passes LevelWithModel appends to a level's
// logical workflow.
func mappingPasses(level, blockSize int) []Pass {
	blockSize = cmp.Or(blockSize, DefaultBlockSize)
	ms, mp := levelSearch(level)
	return []Pass{
		{Name: PassMap},
		{Name: PassQuickPartition, BlockSize: blockSize},
		{Name: PassForEachBlock, Workflow: []Pass{
			{Name: PassFillU3},
			{Name: PassScanningGateRemoval, TwoQubitOnly: true, Multistarts: ms},
			{Name: PassSingleQubitFusion},
		}},
		{Name: PassUnfold},
		{Name: PassResynthRouted, BlockSize: blockSize, Multistarts: ms, MinPrefix: mp},
		{Name: PassSingleQubitFusion},
		{Name: PassRetargetNative},
		{Name: PassResynthNative, Multistarts: ms},
		{Name: PassRetargetNative},
	}
}

// modelPass runs map or retarget_native.
func (e *engine) modelPass(ctx context.Context, p Pass, c *circuit.Circuit) (*circuit.Circuit, error) {
	if e.model == nil {
		return nil, reqError(ErrWorkflow, "workflow", "workflow: pass %q needs a machine model (request field model)", p.Name)
	}
	if p.Name == PassRetargetNative {
		return RetargetNative(ctx, c, e.model.Gates())
	}
	in, err := Retarget(c)
	if err != nil {
		return nil, err
	}
	res, err := routing.Route(in, e.model, routing.Options{Seed: mix(e.seed, e.stage, 0x6d6170)})
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrUnsupported, err)
	}
	out, err := Retarget(res.Circuit)
	if err != nil {
		return nil, err
	}
	if in.NumQubits() > 0 {
		out.SetQRegs([]circuit.Register{{Name: in.QRegs()[0].Name, Size: out.NumQubits()}})
	}
	init, fin := res.Initial, res.Final
	if prev := e.data.InitialMapping; prev != nil { // mapped before: compose
		init, fin = make([]int, len(prev)), make([]int, len(prev))
		for l := range prev {
			init[l] = res.Initial[prev[l]]
			fin[l] = res.Final[e.data.FinalMapping[l]]
		}
	}
	e.data.InitialMapping, e.data.FinalMapping = init, fin
	e.log.Debug("mapped") // counts are in the stage record
	return out, nil
}

// PermutationOps returns swap ops that move the state of wire l to wire
// perm[l] (perm a permutation of 0..len(perm)-1).
func PermutationOps(perm []int) []circuit.Op {
	n := len(perm)
	at := make([]int, n)  // at[w]: the original wire whose state is on w
	pos := make([]int, n) // pos[l]: where original wire l's state is
	for i := range at {
		at[i], pos[i] = i, i
	}
	var ops []circuit.Op
	for l := 0; l < n; l++ {
		want, cur := perm[l], pos[l]
		if cur == want {
			continue
		}
		other := at[want]
		ops = append(ops, circuit.Op{Gate: circuit.Swap, Qubits: []int{cur, want}})
		at[cur], at[want] = other, l
		pos[other], pos[l] = cur, want
	}
	return ops
}

// VerifyMapped compares a mapped output with its input: out must equal
// P(final)·in·P(initial)⁻¹ (in padded with idle qubits to out's width;
// initial and final as reported in PassData). It verifies
// P(final)⁻¹·out·P(initial) against in with Verify, on the wires that
// matter only: physical qubits no op of out touches and that hold no
// input qubit at the start or end are dropped (so a small circuit on a
// large machine verifies at its own size).
func VerifyMapped(in, out *circuit.Circuit, initial, final []int, seed uint64) (Verification, error) {
	n := out.NumQubits()
	if len(initial) != n || len(final) != n || in.NumQubits() > n {
		return Verification{}, fmt.Errorf("%w: mapping of %d/%d entries for %d qubits", ErrVerify, len(initial), len(final), n)
	}
	active := make([]bool, n)
	for _, op := range out.Ops() {
		for _, q := range op.Qubits {
			active[q] = true
		}
	}
	for l := 0; l < in.NumQubits(); l++ {
		active[initial[l]], active[final[l]] = true, true
	}
	idx := make([]int, n) // physical wire -> reduced wire
	m := 0
	for w := range active {
		if active[w] {
			idx[w] = m
			m++
		}
	}
	if m < n {
		var ri, rf []int
		for l := range initial {
			a, b := active[initial[l]], active[final[l]]
			if a != b {
				return Verification{}, fmt.Errorf("%w: mapping moves qubit %d between an idle and a used wire", ErrVerify, l)
			}
			if a {
				ri, rf = append(ri, idx[initial[l]]), append(rf, idx[final[l]])
			}
		}
		red := circuit.New(m)
		for _, r := range out.CRegs() {
			red.AddCReg(r.Name, r.Size)
		}
		for _, op := range out.Ops() {
			o := op.Clone()
			for j, q := range op.Qubits {
				o.Qubits[j] = idx[q]
			}
			red.Append(o)
		}
		out, initial, final, n = red, ri, rf, m
	}
	a := circuit.New(n)
	for _, r := range in.CRegs() {
		a.AddCReg(r.Name, r.Size)
	}
	for _, op := range in.Ops() {
		a.Append(op.Clone())
	}
	b := circuit.New(n)
	for _, r := range out.CRegs() {
		b.AddCReg(r.Name, r.Size)
	}
	for _, op := range PermutationOps(initial) {
		b.Append(op)
	}
	for _, op := range out.Ops() {
		b.Append(op.Clone())
	}
	inv := make([]int, n)
	for l, p := range final {
		inv[p] = l
	}
	for _, op := range PermutationOps(inv) {
		b.Append(op)
	}
	return Verify(a, b, seed)
}

// mappingComment is the QASM comment that carries a mapping.
func mappingComment(d *PassData) string {
	if d == nil || d.InitialMapping == nil {
		return ""
	}
	return fmt.Sprintf("// initial_mapping: %v (logical qubit i starts on physical qubit initial_mapping[i])\n// final_mapping: %v (logical qubit i ends on physical qubit final_mapping[i])\n",
		strings.Join(strings.Fields(fmt.Sprint(d.InitialMapping)), ","), strings.Join(strings.Fields(fmt.Sprint(d.FinalMapping)), ","))
}

// WithMappingComment inserts the mapping comment after the QASM header line.
func WithMappingComment(qasmText string, d *PassData) string {
	cm := mappingComment(d)
	if cm == "" {
		return qasmText
	}
	head, rest, ok := strings.Cut(qasmText, "\n")
	if !ok {
		return qasmText + "\n" + cm
	}
	return head + "\n" + cm + rest
}

// resultFor is the Result for a compiled circuit: its QASM (with the
// mapping comment when it was mapped) and the mappings (the identity when
// withMapping and the circuit was not mapped).
func resultFor(c *circuit.Circuit, data *PassData, withMapping bool) Result {
	r := Result{QASM: WithMappingComment(qasm.Format(c), data), InitialMapping: data.InitialMapping, FinalMapping: data.FinalMapping}
	if withMapping && r.InitialMapping == nil {
		r.InitialMapping, r.FinalMapping = make([]int, c.NumQubits()), make([]int, c.NumQubits())
		for i := range r.InitialMapping {
			r.InitialMapping[i], r.FinalMapping[i] = i, i
		}
	}
	return r
}
