package compiler

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/bits"
	"time"

	"go.uber.org/zap"

	"github.com/bqskit-mpi/bqskit-mpi/batch"
	"github.com/bqskit-mpi/bqskit-mpi/circuit"
	"github.com/bqskit-mpi/bqskit-mpi/linalg"
	"github.com/bqskit-mpi/bqskit-mpi/machine"
	"github.com/bqskit-mpi/bqskit-mpi/qasm"
	"github.com/bqskit-mpi/bqskit-mpi/synthesis"
	"github.com/bqskit-mpi/bqskit-mpi/unitaryio"
)

// Task names the compiler registers.
const (
	// TaskCompile is the root task: args an encoded Request, result an
	// encoded Result.
	TaskCompile = "compiler.compile"
	// TaskBlock runs one block's workflow (for_each_block's unit of work).
	TaskBlock = "compiler.block"
	// TaskInstantiate runs one batch item of a search's successor
	// instantiations (QSearch/LEAP's unit of work).
	TaskInstantiate = synthesis.TaskInstantiate
)

// Optimization levels and the default block size; NewPlan checks both.
const (
	MinLevel         = 1
	MaxLevel         = 4
	DefaultLevel     = 1
	DefaultBlockSize = 3
)

// MaxUnitaryInputQubits is the widest unitary input the compiler
// synthesizes (not to be confused with circuit.MaxUnitaryQubits, the widest
// circuit whose unitary can be built).
const MaxUnitaryInputQubits = 6

// Request is what a client submits to the compile task. Exactly one of
// QASM and Unitary is set; Workflow (JSON, see ParseWorkflow) overrides
// OptimizationLevel when present.
type Request struct {
	// QASM is the OpenQASM 2.0 source of the input circuit.
	QASM string `json:"qasm,omitempty"`
	// Name is used in error messages (e.g. the input file name).
	Name string `json:"name,omitempty"`
	// Unitary is the bytes of a NumPy .npy file holding a 2^n x 2^n
	// complex128 unitary (base64 in JSON).
	Unitary []byte `json:"unitary,omitempty"`
	// OptimizationLevel is 1 to 4 (0 means 1).
	OptimizationLevel int `json:"optimization_level,omitempty"`
	// Workflow is a JSON array of pass objects.
	Workflow json.RawMessage `json:"workflow,omitempty"`
	// Seed makes the result reproducible.
	Seed uint64 `json:"seed"`
	// BlockSize is the partition block size (0 means 3).
	BlockSize int `json:"block_size,omitempty"`
	// RequestData asks for PassData in the result.
	RequestData bool `json:"request_data,omitempty"`
	// Model, when set, compiles for a machine (see mapping.go): without a
	// workflow, the level's workflow is LevelWithModel's.
	Model *ModelSpec `json:"model,omitempty"`
	// SynthesisEpsilon is BQSKit's synthesis_epsilon: the success
	// threshold ε of every instantiation, search and gate removal whose
	// pass sets none (0 means DefaultEpsilon; at most MaxEpsilon).
	SynthesisEpsilon float64 `json:"synthesis_epsilon,omitempty"`
	// ErrorThreshold is BQSKit's error_threshold: when set, a block
	// replacement or removal is refused when it would take the error
	// upper bound e (PassData.ErrorBound) to 1 − sqrt(1 − e²) above it.
	ErrorThreshold *float64 `json:"error_threshold,omitempty"`
	// WithMapping asks for the mappings in the result even without a
	// model (then both are the identity).
	WithMapping bool `json:"with_mapping,omitempty"`
}

// Result is the compile task's result.
type Result struct {
	// QASM is the compiled circuit (gates cx and u3 only, plus directives).
	QASM string `json:"qasm"`
	// Data is present when the request asked for it.
	Data *PassData `json:"data,omitempty"`
	// InitialMapping and FinalMapping are set when the circuit was mapped
	// to a model (see PassData).
	InitialMapping []int `json:"initial_mapping,omitempty"`
	FinalMapping   []int `json:"final_mapping,omitempty"`
}

// EncodeRequest and DecodeRequest convert a Request to and from the bytes
// the compile task takes.
func EncodeRequest(r Request) ([]byte, error) { return json.Marshal(r) }

// DecodeRequest decodes and validates a request's options (not its circuit).
func DecodeRequest(b []byte) (Request, error) {
	var r Request
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&r); err != nil {
		return Request{}, fmt.Errorf("%w: %v", ErrRequest, err)
	}
	return r, nil
}

// EncodeResult and DecodeResult convert a Result to and from bytes.
func EncodeResult(r Result) ([]byte, error) { return json.Marshal(r) }

// DecodeResult decodes a Result.
func DecodeResult(b []byte) (Result, error) {
	var r Result
	if err := json.Unmarshal(b, &r); err != nil {
		return Result{}, fmt.Errorf("%w: result: %v", ErrRequest, err)
	}
	return r, nil
}

// Plan is a validated request: the input and the workflow to run.
type Plan struct {
	Circuit   *circuit.Circuit // circuit input, or nil
	Target    *linalg.Matrix   // unitary input, or nil
	Workflow  []Pass
	Seed      uint64
	BlockSize int
	Model     *machine.Model // nil: no machine model
	// Epsilon is the request's synthesis_epsilon (already applied to
	// Workflow's passes that set no threshold); 0: the default.
	Epsilon float64
	// ErrorThreshold is the request's error_threshold (nil: none).
	ErrorThreshold *float64
	// WithMapping: see Request.WithMapping.
	WithMapping bool
}

// NewPlan validates a request, the one place the level and block size
// are checked: level and block size ranges (MinLevel..MaxLevel,
// MinBlockSize..MaxBlockSize, 0 meaning the defaults), the workflow, and
// the input, parsed once here (QASM parse errors are *qasm.Error with file,
// line and column; unitary errors come from unitaryio). Request errors are
// *RequestError (matching ErrBadParam, ErrWorkflow, ErrUnknownPass,
// ErrUnsupported or ErrRequest) naming the field at fault; input errors
// are the input package's.
func NewPlan(r Request) (*Plan, error) {
	return NewPlanContext(context.Background(), r, qasm.Limits{})
}

// NewPlanContext is NewPlan parsing the QASM input with the caller's
// limits (zero fields: qasm's defaults) and stopping when ctx is done (the
// error then wraps ctx.Err()). A server passes its --max-qubits and
// --max-gates; an input over them is a *qasm.Error matching
// qasm.ErrTooManyQubits, ErrTooManyClbits or ErrTooManyGates.
func NewPlanContext(ctx context.Context, r Request, lim qasm.Limits) (*Plan, error) {
	level := cmp.Or(r.OptimizationLevel, DefaultLevel)
	if err := checkLevel(level); err != nil {
		return nil, err
	}
	bs := cmp.Or(r.BlockSize, DefaultBlockSize)
	if err := checkBlockSize(bs); err != nil {
		return nil, err
	}
	if err := checkCompileOptions(r); err != nil {
		return nil, err
	}
	p := &Plan{Seed: r.Seed, BlockSize: bs, Epsilon: r.SynthesisEpsilon, ErrorThreshold: r.ErrorThreshold, WithMapping: r.WithMapping}
	switch {
	case r.QASM != "" && len(r.Unitary) > 0:
		return nil, reqError(ErrRequest, "", "give either qasm or unitary, not both")
	case len(r.Unitary) > 0:
		name := r.Name
		if name == "" {
			name = "unitary.npy"
		}
		u, err := unitaryio.ReadMax(name, bytes.NewReader(r.Unitary), MaxUnitaryInputQubits)
		if err != nil {
			return nil, err
		}
		n := bits.Len(uint(u.Rows)) - 1
		if n < 1 || n > MaxUnitaryInputQubits {
			return nil, reqError(ErrUnsupported, "unitary", "unitary: %d qubits (the compiler synthesizes 1 to %d)", n, MaxUnitaryInputQubits)
		}
		p.Target = &u
	case r.QASM != "":
		name := r.Name
		if name == "" {
			name = "input.qasm"
		}
		c, err := qasm.ParseContext(ctx, name, []byte(r.QASM), lim)
		if err != nil {
			return nil, err
		}
		p.Circuit = c
	default:
		return nil, reqError(ErrRequest, "qasm", "qasm: no input circuit or unitary")
	}
	var err error
	switch {
	case len(r.Workflow) > 0:
		p.Workflow, err = ParseWorkflow(r.Workflow)
		if err == nil && p.Target != nil && !p.viaQSD() {
			err = ValidateUnitaryWorkflow(p.Workflow)
		}
		var re *RequestError
		if err != nil && !errors.As(err, &re) {
			err = &RequestError{Kind: ErrWorkflow, Field: "workflow", msg: err.Error()}
		}
	case p.viaQSD():
		p.Workflow, err = qsdLevel(level, bs)
	case p.Target != nil:
		p.Workflow, err = UnitaryLevel(level)
	case r.Model != nil:
		p.Workflow, err = LevelWithModel(level, bs)
	default:
		p.Workflow, err = Level(level, bs)
	}
	if err != nil {
		return nil, err
	}
	p.Workflow = withEpsilon(p.Workflow, r.SynthesisEpsilon)
	if r.Model != nil {
		if p.Target != nil {
			return nil, reqError(ErrUnsupported, "model", "model: mapping a unitary input is not supported (give a circuit)")
		}
		if p.Model, err = r.Model.Build(p.Circuit.NumQubits()); err != nil {
			return nil, err
		}
	}
	return p, nil
}

// Run executes the plan on exec. progress, when not nil, receives
// (blocks done, blocks total) as for_each_block passes advance.
func (p *Plan) Run(ctx context.Context, exec batch.Executor, log *zap.Logger, progress func(done, total int)) (*circuit.Circuit, *PassData, error) {
	return p.run(ctx, exec, log, progress, nil)
}

func (p *Plan) run(ctx context.Context, exec batch.Executor, log *zap.Logger, progress func(done, total int), stageProgress func(stage string, done, total int)) (*circuit.Circuit, *PassData, error) {
	if log == nil {
		log = zap.NewNop()
	}
	e := newEngine(exec, p.Seed, p.BlockSize, log)
	e.model = p.Model
	e.errLimit = -1
	if p.ErrorThreshold != nil {
		e.errLimit = *p.ErrorThreshold
		e.data.ErrorThreshold = p.ErrorThreshold
	}
	e.progress = progress
	e.stageProgress = stageProgress
	e.data.Epsilon = workflowEpsilon(p.Workflow)
	start := time.Now()
	if p.viaQSD() {
		c, err := e.runQSD(ctx, p.Workflow, *p.Target, p.Seed)
		if err != nil {
			return nil, nil, err
		}
		e.data.ErrorBound = linalg.Distance(*p.Target, c.Unitary())
		return c, e.data, nil
	}
	if p.Target != nil {
		n := bits.Len(uint(p.Target.Rows)) - 1
		c, acc, err := e.blockWorkflow(ctx, p.Workflow, circuit.New(n), p.Target, p.Seed)
		if err != nil {
			return nil, nil, err
		}
		c = polish(ctx, c, *p.Target)
		e.data.Accepted = acc
		e.data.ErrorBound = linalg.Distance(*p.Target, c.Unitary())
		e.record("unitary", c, start)
		return c, e.data, nil
	}
	e.record("input", p.Circuit, start)
	e.input = p.Circuit
	c, err := e.run(ctx, p.Workflow, p.Circuit)
	if err != nil {
		return nil, nil, err
	}
	return c, e.data, nil
}

// Compile runs a request end to end on exec and returns the encoded-ready
// Result (PassData only when requested).
func Compile(ctx context.Context, r Request, exec batch.Executor, log *zap.Logger, progress func(done, total int)) (Result, error) {
	p, err := NewPlan(r)
	if err != nil {
		return Result{}, err
	}
	c, data, err := p.Run(ctx, exec, log, progress)
	if err != nil {
		return Result{}, err
	}
	res := resultFor(c, data, r.WithMapping)
	if r.RequestData {
		res.Data = data
	}
	return res, nil
}
