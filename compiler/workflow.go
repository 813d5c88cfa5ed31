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
)

// Limits on pass parameters.
const (
	MinBlockSize     = 2
	MaxBlockSize     = 8
	MaxMultistarts   = 64
	MaxMinPrefix     = 64
	MaxLoopIters     = 100
	DefaultLoopIters = 10
	// DefaultEpsilon is the success threshold ε of instantiation and search.
	DefaultEpsilon = 1e-8
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
	// synthesize: LEAP's minimum number of layers between prefix commits (default 3).
	MinPrefix int `json:"min_prefix,omitempty"`
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
	PassRetarget:          {params: map[string]paramKind{}, scope: scopeTop | scopeBlock},
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
		"two_qubit_only": kindBool, "multistarts": kindInt, "success_threshold": kindFloat}, scope: scopeTop | scopeBlock},
	PassSynthesize: {params: map[string]paramKind{
		"multistarts": kindInt, "success_threshold": kindFloat, "min_prefix": kindInt}, scope: scopeBlock},
	PassWhileTwoQubitDrops: {params: map[string]paramKind{"workflow": kindWorkflow, "max_iterations": kindInt}, scope: scopeTop},
	PassWhileChanging:      {params: map[string]paramKind{"workflow": kindWorkflow, "max_iterations": kindInt}, scope: scopeTop | scopeBlock},
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
			p.TwoQubitOnly = b
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
		case PassWhileTwoQubitDrops, PassWhileChanging:
			if len(p.Workflow) == 0 {
				return false, fmt.Errorf("%w: %s.workflow: %s needs a non-empty workflow", ErrWorkflow, pp, p.Name)
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

// Level returns the workflow of optimization level 1, 2 or 3 for circuit
// input (see COMPILER_REFERENCE.md):
//
//	L1: retarget; twice: partition, per block (fill U3s, scanning removal
//	    of two-qubit gates, fusion), unfold; single-qubit fusion.
//	L2: L1 with 2 starts, plus one round of per-block scanning removal over
//	    all gates.
//	L3: retarget; while the two-qubit count drops: partition, per block
//	    QSearch/LEAP resynthesis (4 starts, min prefix 7), unfold; fusion;
//	    while the circuit changes: per-block scanning removal over all gates.
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
	ms := []int{1, 2, 4}[level-1]
	scan := func(twoOnly bool) []Pass {
		return []Pass{
			{Name: PassQuickPartition, BlockSize: blockSize},
			{Name: PassForEachBlock, Workflow: []Pass{
				{Name: PassFillU3},
				{Name: PassScanningGateRemoval, TwoQubitOnly: twoOnly, Multistarts: ms},
				{Name: PassSingleQubitFusion},
			}},
			{Name: PassUnfold},
		}
	}
	w := []Pass{{Name: PassRetarget}}
	switch level {
	case 1, 2:
		w = append(w, scan(true)...)
		w = append(w, scan(true)...)
		w = append(w, Pass{Name: PassSingleQubitFusion})
		if level == 2 {
			w = append(w, scan(false)...)
			w = append(w, Pass{Name: PassSingleQubitFusion})
		}
	case 3:
		w = append(w,
			Pass{Name: PassWhileTwoQubitDrops, Workflow: []Pass{
				{Name: PassQuickPartition, BlockSize: blockSize},
				{Name: PassForEachBlock, Workflow: []Pass{
					{Name: PassSynthesize, Multistarts: ms, MinPrefix: 7},
					{Name: PassSingleQubitFusion},
				}},
				{Name: PassUnfold},
			}},
			Pass{Name: PassSingleQubitFusion},
			Pass{Name: PassWhileChanging, Workflow: append(scan(false), Pass{Name: PassSingleQubitFusion})},
		)
	}
	return w, nil
}

// UnitaryLevel returns the workflow for unitary input at level 1, 2 or 3:
// synthesize (QSearch below 3 qubits, LEAP otherwise), single-qubit
// fusion, then scanning removal from level 2.
func UnitaryLevel(level int) ([]Pass, error) {
	if err := checkLevel(level); err != nil {
		return nil, err
	}
	ms := []int{1, 2, 4}[level-1]
	mp := []int{3, 4, 7}[level-1]
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
