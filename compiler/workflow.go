package compiler

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
)

// Pass names. A workflow is an ordered list of passes; it is data (JSON),
// never code.
const (
	PassRetarget            = "retarget"
	PassQuickPartition      = "quick_partition"
	PassExtendBlockSize     = "extend_block_size"
	PassForEachBlock        = "for_each_block"
	PassUnfold              = "unfold"
	PassSingleQubitFusion   = "single_qubit_fusion"
	PassFillU3              = "fill_u3"
	PassScanningGateRemoval = "scanning_gate_removal"
	PassSynthesize          = "synthesize"
	PassWhileTwoQubitDrops  = "while_two_qubit_drops"
	PassWhileChanging       = "while_changing"
	// PassSynthesizeUnsupported (inside for_each_block) replaces a block
	// holding gates other than cx and u3 by a synthesized circuit over
	// {CX, U3}, or by Retarget's fixed decompositions when synthesis does
	// not reach the threshold with fewer two-qubit gates.
	PassSynthesizeUnsupported = "synthesize_unsupported"
	// PassKeepIfFewer runs its workflow and keeps the result only when it
	// has fewer two-qubit gates than the circuit it started from;
	// otherwise the circuit (and the pass data's error bound) stay as they
	// were, so passes that gain nothing add no error. With from_input the
	// workflow starts from the compilation's input instead (an
	// alternative compared with the current circuit); with fresh too, it
	// also runs with the block seeds a compilation of the input by that
	// workflow alone would use (its stages numbered from the start).
	PassKeepIfFewer = "keep_if_fewer"
)

// Limits on pass parameters.
const (
	MinBlockSize     = 2
	MaxBlockSize     = 8
	MaxMultistarts   = 64
	MaxMinPrefix     = 64
	MaxLoopIters     = 100
	DefaultLoopIters = 10
	// MaxKeptGateQubits is the widest gate retarget's keep_multi_qubit
	// keeps whole (at most the partition block size too).
	MaxKeptGateQubits = 4
	// DefaultEpsilon is the success threshold ε of instantiation and search.
	DefaultEpsilon = 1e-8
	// PreciseFactor scales ε for a pass with precise set: 1e-12 at the
	// default ε. Measured at level 3, seed 1 (ε -> ε·1e-4): tfim4 27 -> 26
	// two-qubit gates, distance to the input 2.9e-4 -> 1.6e-6;
	// heisenberg16 154 -> 146, 1.5e-6 -> 9.5e-7 (qft5, grover5, adder9,
	// qaoa12 unchanged: their replacements were already exact). At level
	// 2 (seeds 1-3, tfim4 to hub18) only tfim4 seed 2 changes: 43 -> 44
	// (level 1's count), distance 1.2e-4 -> 1.7e-6 (level 1's).
	PreciseFactor = 1e-4
	// MaxTopLevelScanQubits bounds scanning gate removal on a whole circuit
	// (outside for_each_block), which instantiates 2^n x 2^n unitaries.
	MaxTopLevelScanQubits = 8
)

// Pass is one step of a workflow. Name selects the pass; the other fields
// are its parameters (zero means the default). JSON form:
//
//	{"pass": "scanning_gate_removal", "two_qubit_only": true, "multistarts": 2}
type Pass struct {
	Name string `json:"pass"`
	// quick_partition: qubits per block (default: the request's block size).
	BlockSize int `json:"block_size,omitempty"`
	// scanning_gate_removal: try removing only gates on two or more qubits.
	TwoQubitOnly bool `json:"two_qubit_only,omitempty"`
	// scanning_gate_removal, synthesize: random starts per instantiation (default 1).
	Multistarts int `json:"multistarts,omitempty"`
	// scanning_gate_removal, synthesize: success threshold ε (default 1e-8).
	SuccessThreshold float64 `json:"success_threshold,omitempty"`
	// scanning_gate_removal, synthesize: accept at ε·PreciseFactor instead
	// of ε (what levels 2 to 4 add to level 1 uses it, so that a higher
	// level does not end farther from the input than a lower one).
	Precise bool `json:"precise,omitempty"`
	// synthesize: LEAP's minimum number of layers between prefix commits (default 3).
	MinPrefix int `json:"min_prefix,omitempty"`
	// retarget: keep gates on 3 to MaxKeptGateQubits qubits (at most the
	// request's block size) whole, for synthesize_unsupported.
	KeepMultiQubit bool `json:"keep_multi_qubit,omitempty"`
	// keep_if_fewer: run the workflow on the compilation's input circuit
	// (as the request gave it) instead of the current circuit.
	FromInput bool `json:"from_input,omitempty"`
	// keep_if_fewer with from_input: derive the workflow's block and
	// routing seeds as a compilation of the input by that workflow alone
	// would, so that the same seed gives the same alternative wherever it
	// runs (except that a block an earlier stage already processed with
	// the same inner workflow keeps that result, as everywhere: the memo).
	Fresh bool `json:"fresh,omitempty"`
	// for_each_block, while_*: the inner workflow.
	Workflow []Pass `json:"workflow,omitempty"`
	// while_*: iteration cap (default 10).
	MaxIterations int `json:"max_iterations,omitempty"`
}

// paramSpec describes a pass's parameter fields for validation.
type paramKind int

const (
	kindInt paramKind = iota
	kindBool
	kindFloat
	kindWorkflow
)

type passInfo struct {
	params map[string]paramKind
	scope  scope // where the pass may appear
}

type scope int

const (
	scopeTop   scope = 1 << iota // whole circuit, unpartitioned
	scopeBlock                   // inside for_each_block
)

var passTable = map[string]passInfo{
	PassRetarget:          {params: map[string]paramKind{"keep_multi_qubit": kindBool}, scope: scopeTop | scopeBlock},
	PassQuickPartition:    {params: map[string]paramKind{"block_size": kindInt}, scope: scopeTop},
	PassExtendBlockSize:   {params: map[string]paramKind{}, scope: scopeTop},
	PassForEachBlock:      {params: map[string]paramKind{"workflow": kindWorkflow}, scope: scopeTop},
	PassUnfold:            {params: map[string]paramKind{}, scope: scopeTop},
	PassMap:               {params: map[string]paramKind{}, scope: scopeTop},
	PassRetargetNative:    {params: map[string]paramKind{}, scope: scopeTop},
	PassResynthRouted:     {params: resynthParams, scope: scopeTop},
	PassResynthNative:     {params: resynthParams, scope: scopeTop},
	PassSingleQubitFusion: {params: map[string]paramKind{}, scope: scopeTop | scopeBlock},
	PassFillU3:            {params: map[string]paramKind{}, scope: scopeTop | scopeBlock},
	PassScanningGateRemoval: {params: map[string]paramKind{
		"two_qubit_only": kindBool, "multistarts": kindInt, "success_threshold": kindFloat, "precise": kindBool}, scope: scopeTop | scopeBlock},
	PassSynthesize: {params: map[string]paramKind{
		"multistarts": kindInt, "success_threshold": kindFloat, "precise": kindBool, "min_prefix": kindInt}, scope: scopeBlock},
	PassWhileTwoQubitDrops: {params: map[string]paramKind{"workflow": kindWorkflow, "max_iterations": kindInt}, scope: scopeTop},
	PassWhileChanging:      {params: map[string]paramKind{"workflow": kindWorkflow, "max_iterations": kindInt}, scope: scopeTop | scopeBlock},
	PassSynthesizeUnsupported: {params: map[string]paramKind{
		"multistarts": kindInt, "success_threshold": kindFloat, "min_prefix": kindInt}, scope: scopeBlock},
	PassKeepIfFewer: {params: map[string]paramKind{"workflow": kindWorkflow, "from_input": kindBool, "fresh": kindBool}, scope: scopeTop},
}

// PassNames lists the known pass names, sorted.
func PassNames() []string {
	names := make([]string, 0, len(passTable))
	for n := range passTable {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// ParseWorkflow decodes and validates a JSON workflow: an array of pass
// objects. Errors wrap ErrWorkflow and name the offending field by path,
// e.g. `workflow[2].multistarts: want an integer in [1, 64], got "x"`.
func ParseWorkflow(data []byte) ([]Pass, error) {
	var raw json.RawMessage
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&raw); err != nil {
		return nil, fmt.Errorf("%w: workflow: not valid JSON: %v", ErrWorkflow, err)
	}
	if dec.More() {
		return nil, fmt.Errorf("%w: workflow: trailing data after the JSON value", ErrWorkflow)
	}
	passes, err := decodePasses("workflow", raw)
	if err != nil {
		return nil, err
	}
	if err := ValidateWorkflow(passes); err != nil {
		return nil, err
	}
	return passes, nil
}

func jsonType(raw json.RawMessage) string {
	s := strings.TrimSpace(string(raw))
	switch {
	case s == "":
		return "nothing"
	case s[0] == '"':
		return "a string"
	case s[0] == '{':
		return "an object"
	case s[0] == '[':
		return "an array"
	case s == "true" || s == "false":
		return "a boolean"
	case s == "null":
		return "null"
	default:
		return "a number"
	}
}

func decodePasses(path string, raw json.RawMessage) ([]Pass, error) {
	var items []json.RawMessage
	if err := json.Unmarshal(raw, &items); err != nil {
		return nil, fmt.Errorf("%w: %s: want an array of passes, got %s", ErrWorkflow, path, jsonType(raw))
	}
	passes := make([]Pass, 0, len(items))
	for i, item := range items {
		p, err := decodePass(fmt.Sprintf("%s[%d]", path, i), item)
		if err != nil {
			return nil, err
		}
		passes = append(passes, p)
	}
	return passes, nil
}

func decodePass(path string, raw json.RawMessage) (Pass, error) {
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(raw, &fields); err != nil || fields == nil {
		return Pass{}, fmt.Errorf("%w: %s: want a pass object {\"pass\": NAME, ...}, got %s", ErrWorkflow, path, jsonType(raw))
	}
	nameRaw, ok := fields["pass"]
	if !ok {
		return Pass{}, fmt.Errorf("%w: %s.pass: missing pass name", ErrWorkflow, path)
	}
	var p Pass
	if err := json.Unmarshal(nameRaw, &p.Name); err != nil {
		return Pass{}, fmt.Errorf("%w: %s.pass: want a string, got %s", ErrWorkflow, path, jsonType(nameRaw))
	}
	info, ok := passTable[p.Name]
	if !ok {
		return Pass{}, reqError(ErrUnknownPass, "workflow", "%s.pass: unknown pass %q (known: %s)", path, p.Name, strings.Join(PassNames(), ", "))
	}
	keys := make([]string, 0, len(fields))
	for k := range fields {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		if k == "pass" {
			continue
		}
		v := fields[k]
		kind, ok := info.params[k]
		fp := path + "." + k
		if !ok {
			return Pass{}, fmt.Errorf("%w: %s: pass %q has no parameter %q", ErrWorkflow, fp, p.Name, k)
		}
		switch kind {
		case kindInt:
			var f float64
			if err := json.Unmarshal(v, &f); err != nil || f != float64(int(f)) {
				return Pass{}, fmt.Errorf("%w: %s: want an integer, got %s", ErrWorkflow, fp, jsonType(v))
			}
			switch k {
			case "block_size":
				p.BlockSize = int(f)
			case "multistarts":
				p.Multistarts = int(f)
			case "min_prefix":
				p.MinPrefix = int(f)
			case "max_iterations":
				p.MaxIterations = int(f)
			}
		case kindBool:
			var b bool
			if err := json.Unmarshal(v, &b); err != nil {
				return Pass{}, fmt.Errorf("%w: %s: want true or false, got %s", ErrWorkflow, fp, jsonType(v))
			}
			switch k {
			case "keep_multi_qubit":
				p.KeepMultiQubit = b
			case "from_input":
				p.FromInput = b
			case "fresh":
				p.Fresh = b
			case "precise":
				p.Precise = b
			default:
				p.TwoQubitOnly = b
			}
		case kindFloat:
			var f float64
			if err := json.Unmarshal(v, &f); err != nil {
				return Pass{}, fmt.Errorf("%w: %s: want a number, got %s", ErrWorkflow, fp, jsonType(v))
			}
			p.SuccessThreshold = f
		case kindWorkflow:
			inner, err := decodePasses(fp, v)
			if err != nil {
				return Pass{}, err
			}
			p.Workflow = inner
		}
	}
	return p, nil
}

// ValidateUnitaryWorkflow checks a workflow for unitary input: the whole
// unitary is one block, so only block passes are allowed.
func ValidateUnitaryWorkflow(passes []Pass) error {
	if len(passes) == 0 {
		return fmt.Errorf("%w: workflow: empty", ErrWorkflow)
	}
	_, err := validate("workflow", passes, scopeBlock, false)
	return err
}

// ValidateWorkflow checks pass names, parameter ranges and where each pass
// may appear: partitioning passes at top level, block passes inside
// for_each_block, loops leaving the circuit unpartitioned.
func ValidateWorkflow(passes []Pass) error {
	if len(passes) == 0 {
		return fmt.Errorf("%w: workflow: empty", ErrWorkflow)
	}
	partitioned, err := validate("workflow", passes, scopeTop, false)
	if err != nil {
		return err
	}
	_ = partitioned // a trailing partition is unfolded at the end
	return nil
}

func validate(path string, passes []Pass, where scope, partitioned bool) (bool, error) {
	for i, p := range passes {
		pp := fmt.Sprintf("%s[%d]", path, i)
		info, ok := passTable[p.Name]
		if !ok {
			return false, reqError(ErrUnknownPass, "workflow", "%s.pass: unknown pass %q", pp, p.Name)
		}
		if info.scope&where == 0 {
			if where == scopeBlock {
				return false, fmt.Errorf("%w: %s.pass: %q cannot run inside for_each_block", ErrWorkflow, pp, p.Name)
			}
			return false, fmt.Errorf("%w: %s.pass: %q runs only inside for_each_block", ErrWorkflow, pp, p.Name)
		}
		if err := checkRanges(pp, p); err != nil {
			return false, err
		}
		if where == scopeTop {
			switch p.Name {
			case PassQuickPartition:
				if partitioned {
					return false, fmt.Errorf("%w: %s.pass: circuit already partitioned (unfold first)", ErrWorkflow, pp)
				}
				partitioned = true
				continue
			case PassExtendBlockSize, PassForEachBlock, PassUnfold:
				if !partitioned {
					return false, fmt.Errorf("%w: %s.pass: %q needs a partitioned circuit (quick_partition first)", ErrWorkflow, pp, p.Name)
				}
				if p.Name == PassUnfold {
					partitioned = false
				}
			default:
				if partitioned {
					return false, fmt.Errorf("%w: %s.pass: %q needs an unpartitioned circuit (unfold first)", ErrWorkflow, pp, p.Name)
				}
			}
		}
		switch p.Name {
		case PassForEachBlock:
			if len(p.Workflow) == 0 {
				return false, fmt.Errorf("%w: %s.workflow: for_each_block needs a non-empty workflow", ErrWorkflow, pp)
			}
			if _, err := validate(pp+".workflow", p.Workflow, scopeBlock, false); err != nil {
				return false, err
			}
		case PassWhileTwoQubitDrops, PassWhileChanging, PassKeepIfFewer:
			if len(p.Workflow) == 0 {
				return false, fmt.Errorf("%w: %s.workflow: %s needs a non-empty workflow", ErrWorkflow, pp, p.Name)
			}
			if p.Fresh && !p.FromInput {
				return false, fmt.Errorf("%w: %s.fresh: keep_if_fewer's fresh needs from_input", ErrWorkflow, pp)
			}
			end, err := validate(pp+".workflow", p.Workflow, where, false)
			if err != nil {
				return false, err
			}
			if end {
				return false, fmt.Errorf("%w: %s.workflow: loop body must end unpartitioned (add unfold)", ErrWorkflow, pp)
			}
		}
	}
	return partitioned, nil
}

func checkRanges(path string, p Pass) error {
	bad := func(field, want string, got any) error {
		return fmt.Errorf("%w: %s.%s: want %s, got %v", ErrWorkflow, path, field, want, got)
	}
	if p.BlockSize != 0 && (p.BlockSize < MinBlockSize || p.BlockSize > MaxBlockSize) {
		return bad("block_size", fmt.Sprintf("an integer in [%d, %d]", MinBlockSize, MaxBlockSize), p.BlockSize)
	}
	if p.Multistarts < 0 || p.Multistarts > MaxMultistarts {
		return bad("multistarts", fmt.Sprintf("an integer in [1, %d]", MaxMultistarts), p.Multistarts)
	}
	if p.MinPrefix < 0 || p.MinPrefix > MaxMinPrefix {
		return bad("min_prefix", fmt.Sprintf("an integer in [1, %d]", MaxMinPrefix), p.MinPrefix)
	}
	if p.MaxIterations < 0 || p.MaxIterations > MaxLoopIters {
		return bad("max_iterations", fmt.Sprintf("an integer in [1, %d]", MaxLoopIters), p.MaxIterations)
	}
	if p.SuccessThreshold < 0 || p.SuccessThreshold > 1e-2 || p.SuccessThreshold != p.SuccessThreshold {
		return bad("success_threshold", "a number in (0, 0.01]", p.SuccessThreshold)
	}
	return nil
}

// Level returns the workflow of optimization level 1 to 4 for circuit
// input (see COMPILER_REFERENCE.md). Each level is the level below, then
// what it adds inside keep_if_fewer: the additions are kept only when they
// remove two-qubit gates, so a higher level never gives more two-qubit
// gates than a lower one on the same input and seed (the lower level's
// passes run with the same parameters and seeds), and when they remove
// none the output is the lower level's circuit, at the same distance
// from the input. The cost of level N is about that of level N−1 plus its
// additions (identical blocks are not recomputed: the block memo).
//
//	L1: retarget, keeping gates on 3 or more qubits whole (up to the block
//	    size, at most MaxKeptGateQubits); partition; per block: a block
//	    holding such a gate is resynthesized (QSearch/LEAP; fixed
//	    decompositions when synthesis does not find fewer two-qubit
//	    gates), fill U3s, scanning removal of two-qubit gates, fusion;
//	    unfold; once more without the resynthesis; single-qubit fusion.
//	L2: L1; kept if fewer: per-block scanning removal over all gates (2
//	    starts, precise: see L3), fusion.
//	L3: L2; kept if fewer: BQSKit's level-3 optimization run from the
//	    input (from_input: retarget keeping wide gates whole; while the
//	    two-qubit count drops, per-block QSearch/LEAP resynthesis, 4
//	    starts, min prefix 7, and fusion; fusion; while the circuit
//	    changes, per-block scanning removal over all gates and fusion).
//	    Its removal and resynthesis passes are precise (ε·PreciseFactor):
//	    at ε a replacement that only approximates its block can be kept,
//	    and a few of them took tfim4 from distance 6e-8 at level 1 to
//	    2.9e-4 at level 3; at ε·1e-4 level 3 ends at 1.6e-6 with as few
//	    gates. Its cost is that of the former level 3 plus level 2's.
//	L4: L3; kept if fewer: per-block scanning removal of two-qubit
//	    gates with 8 starts (BQSKit's level-4 multistarts) on blocks one
//	    qubit wider than the block size (at most MaxBlockSize), and
//	    fusion (precise): wider blocks see removals no block of the usual size
//	    can, at a fraction of the cost of another search round on
//	    blocks level 3 left tight (tfim4: 27 -> 12). (BQSKit's level 4
//	    also maps permutation-aware and uses LEAP min prefix 9; with the
//	    all-to-all target there is nothing to map, and a search round
//	    from level 3's circuit doubled the cost for no gain on tfim4.)
//
// blockSize is the partition block size (0 = 3).
func Level(level, blockSize int) ([]Pass, error) {
	if err := checkLevel(level); err != nil {
		return nil, err
	}
	blockSize = cmp.Or(blockSize, DefaultBlockSize)
	if err := checkBlockSize(blockSize); err != nil {
		return nil, err
	}
	scan := func(twoOnly, precise bool, ms int, pre ...Pass) []Pass {
		inner := append(slices.Clone(pre),
			Pass{Name: PassFillU3},
			Pass{Name: PassScanningGateRemoval, TwoQubitOnly: twoOnly, Multistarts: ms, Precise: precise},
			Pass{Name: PassSingleQubitFusion})
		return []Pass{
			{Name: PassQuickPartition, BlockSize: blockSize},
			{Name: PassForEachBlock, Workflow: inner},
			{Name: PassUnfold},
		}
	}
	resynth := func(ms, mp int) []Pass {
		return []Pass{
			{Name: PassQuickPartition, BlockSize: blockSize},
			{Name: PassForEachBlock, Workflow: []Pass{
				{Name: PassSynthesize, Multistarts: ms, MinPrefix: mp, Precise: true},
				{Name: PassSingleQubitFusion},
			}},
			{Name: PassUnfold},
		}
	}
	keep := func(body ...Pass) Pass { return Pass{Name: PassKeepIfFewer, Workflow: body} }
	w := []Pass{{Name: PassRetarget, KeepMultiQubit: true}}
	w = append(w, scan(true, false, 1, Pass{Name: PassSynthesizeUnsupported, Multistarts: 2, MinPrefix: 3})...)
	w = append(w, scan(true, false, 1)...)
	w = append(w, Pass{Name: PassSingleQubitFusion})
	if level >= 2 {
		w = append(w, keep(append(scan(false, true, 2), Pass{Name: PassSingleQubitFusion})...))
	}
	// optimize is BQSKit's level-3 optimization: resynthesis while the
	// two-qubit count drops, fusion, scanning removal over all gates while
	// the circuit changes.
	optimize := func(ms, mp int) []Pass {
		return []Pass{
			{Name: PassWhileTwoQubitDrops, Workflow: resynth(ms, mp)},
			{Name: PassSingleQubitFusion},
			{Name: PassWhileChanging, Workflow: append(scan(false, true, ms), Pass{Name: PassSingleQubitFusion})},
		}
	}
	if level >= 3 {
		// From the input: resynthesis does much better on blocks that
		// scanning removal has not already thinned (tfim4: 27 from the
		// input, 42 from level 2's circuit, at the same cost).
		w = append(w, Pass{Name: PassKeepIfFewer, FromInput: true, Workflow: append(
			[]Pass{{Name: PassRetarget, KeepMultiQubit: true}}, optimize(4, 7)...)})
	}
	if level >= 4 {
		// Blocks one qubit wider than the block size see two-qubit gates
		// that no block of the usual size could remove; removal (8
		// starts, BQSKit's level-4 multistarts) is far cheaper than a
		// search round on blocks level 3 has already left tight.
		wide := min(blockSize+1, MaxBlockSize)
		w = append(w, keep(
			Pass{Name: PassQuickPartition, BlockSize: wide},
			Pass{Name: PassForEachBlock, Workflow: []Pass{
				{Name: PassFillU3},
				{Name: PassScanningGateRemoval, TwoQubitOnly: true, Multistarts: 8, Precise: true},
				{Name: PassSingleQubitFusion},
			}},
			Pass{Name: PassUnfold},
			Pass{Name: PassSingleQubitFusion},
		))
	}
	return w, nil
}

// levelSearch returns BQSKit's random starts per instantiation and LEAP
// minimum prefix for an optimization level (1 to 4), as the unitary and
// device workflows use them.
func levelSearch(level int) (multistarts, minPrefix int) {
	return []int{1, 2, 4, 8}[level-1], []int{3, 4, 7, 9}[level-1]
}

// UnitaryLevel returns the workflow for unitary input at level 1 to 4:
// synthesize (QSearch below 3 qubits, LEAP otherwise), single-qubit
// fusion, then scanning removal from level 2.
func UnitaryLevel(level int) ([]Pass, error) {
	if err := checkLevel(level); err != nil {
		return nil, err
	}
	ms, mp := levelSearch(level)
	w := []Pass{
		{Name: PassSynthesize, Multistarts: ms, MinPrefix: mp},
		{Name: PassSingleQubitFusion},
	}
	if level >= 2 {
		w = append(w,
			Pass{Name: PassFillU3},
			Pass{Name: PassScanningGateRemoval, Multistarts: ms},
			Pass{Name: PassSingleQubitFusion})
	}
	return w, nil
}
