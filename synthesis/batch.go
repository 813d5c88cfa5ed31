package synthesis

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"runtime"

	"github.com/bqskit-mpi/bqskit-mpi/batch"
	"github.com/bqskit-mpi/bqskit-mpi/circuit"
	"github.com/bqskit-mpi/bqskit-mpi/instantiate"
	"github.com/bqskit-mpi/bqskit-mpi/linalg"
)

// Job is one successor instantiation: the search circuit of NumQubits
// qubits with layer sequence Pairs (see BuildCircuit), to be instantiated
// towards Target with Multistarts seeded starts. Jobs are the unit of
// parallel work; they are self-contained and encoded (MarshalBinary) to
// run as TaskInstantiate tasks on any batch.Executor.
type Job struct {
	NumQubits int
	// Gate is the layers' two-qubit gate (nil: CX; see BuildLayers).
	Gate             circuit.Gate
	Pairs            []Pair
	Target           linalg.Matrix
	Seed             uint64
	Multistarts      int
	SuccessThreshold float64
	Residual         instantiate.Residual
	Solver           instantiate.Solver
}

// JobResult is the outcome of a Job: the best parameters found and their
// cost c = 1 − |Tr(U†V)|/N.
type JobResult struct {
	Params []float64
	Cost   float64
}

// TaskInstantiate is the task name under which a batch.Executor runs one
// encoded Job (InstantiateTask); every executor given to a search must
// know it.
const TaskInstantiate = "compiler.instantiate"

// RunJob runs one job in the calling goroutine.
func RunJob(ctx context.Context, j Job) (JobResult, error) {
	if err := j.validate(); err != nil {
		return JobResult{}, err
	}
	c := BuildLayers(j.NumQubits, j.Gate, j.Pairs, nil)
	params, cost, err := instantiate.Instantiate(ctx, c, j.Target, instantiate.Options{
		Seed:             j.Seed,
		Multistarts:      j.Multistarts,
		SuccessThreshold: j.SuccessThreshold,
		Method:           instantiate.LM,
		Residual:         j.Residual,
		Solver:           j.Solver,
	})
	if err != nil {
		return JobResult{}, err
	}
	return JobResult{Params: params, Cost: cost}, nil
}

// InstantiateTask is the body of TaskInstantiate: it decodes a Job
// (MarshalBinary's bytes), runs it and encodes the JobResult.
func InstantiateTask(ctx context.Context, args []byte) ([]byte, error) {
	var j Job
	if err := j.UnmarshalBinary(args); err != nil {
		return nil, fmt.Errorf("synthesis: instantiation job: %w", err)
	}
	r, err := RunJob(ctx, j)
	if err != nil {
		return nil, err
	}
	return r.MarshalBinary()
}

// NewLocalExecutor returns an executor that runs TaskInstantiate on up to
// workers goroutines of this process (0: GOMAXPROCS), the default of a
// search without Options.Executor.
func NewLocalExecutor(workers int) *batch.Local {
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	return &batch.Local{Workers: workers, Tasks: map[string]batch.Func{TaskInstantiate: InstantiateTask}}
}

// runJobs runs a batch of jobs as TaskInstantiate tasks on exec and
// returns their results in job order.
func runJobs(ctx context.Context, exec batch.Executor, jobs []Job) ([]JobResult, error) {
	args := make([][]byte, len(jobs))
	for i, j := range jobs {
		a, err := j.MarshalBinary()
		if err != nil {
			return nil, err
		}
		args[i] = a
	}
	raw, err := exec.Map(ctx, TaskInstantiate, args, nil)
	if err != nil {
		if cerr := ctx.Err(); cerr != nil && !errors.Is(err, cerr) {
			return nil, fmt.Errorf("synthesis: %w (%v)", cerr, err)
		}
		return nil, err
	}
	if len(raw) != len(jobs) {
		return nil, fmt.Errorf("synthesis: executor returned %d results for %d jobs", len(raw), len(jobs))
	}
	out := make([]JobResult, len(raw))
	for i, r := range raw {
		if err := out[i].UnmarshalBinary(r); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// jobSeed derives a job's seed from the search seed and the identity of
// its circuit (the layer sequence), never from scheduling order: FNV-1a
// over both, then the SplitMix64 finaliser.
func jobSeed(seed uint64, pairs []Pair) uint64 {
	h := uint64(14695981039346656037)
	mix := func(b byte) {
		h ^= uint64(b)
		h *= 1099511628211
	}
	for i := 0; i < 8; i++ {
		mix(byte(seed >> (8 * i)))
	}
	for _, p := range pairs {
		mix(byte(p[0]))
		mix(byte(p[1]))
	}
	mix(byte(len(pairs)))
	h ^= h >> 30
	h *= 0xbf58476d1ce4e5b9
	h ^= h >> 27
	h *= 0x94d049bb133111eb
	h ^= h >> 31
	return h
}

// startSeed derives the seed of start k of a node whose seed is base
// (split multistarts: one job per start).
func startSeed(base uint64, k int) uint64 {
	h := base + uint64(k+1)*0x9e3779b97f4a7c15
	h ^= h >> 30
	h *= 0xbf58476d1ce4e5b9
	h ^= h >> 27
	h *= 0x94d049bb133111eb
	h ^= h >> 31
	return h
}

func (j Job) validate() error {
	n := j.NumQubits
	if n < 1 || n > MaxQubits {
		return fmt.Errorf("%w: job on %d qubits, want 1..%d", ErrInvalid, n, MaxQubits)
	}
	if len(j.Pairs) > MaxLayersLimit {
		return fmt.Errorf("%w: job has %d layers, at most %d", ErrInvalid, len(j.Pairs), MaxLayersLimit)
	}
	if j.Gate != nil && (j.Gate.NumQubits() != 2 || circuit.IsDirective(j.Gate)) {
		return fmt.Errorf("%w: job layer gate %s is not a two-qubit gate", ErrInvalid, j.Gate.Name())
	}
	for i, p := range j.Pairs {
		if p[0] < 0 || p[0] >= p[1] || p[1] >= n {
			return fmt.Errorf("%w: job layer %d on pair (%d, %d), want 0 <= a < b < %d", ErrInvalid, i, p[0], p[1], n)
		}
	}
	d := 1 << n
	if j.Target.Rows != d || j.Target.Cols != d || len(j.Target.Data) != d*d {
		return fmt.Errorf("%w: job target is %dx%d, want %dx%d", ErrInvalid, j.Target.Rows, j.Target.Cols, d, d)
	}
	if j.Multistarts < 0 || j.Multistarts > MaxMultistarts {
		return fmt.Errorf("%w: job multistarts %d, want 0..%d", ErrInvalid, j.Multistarts, MaxMultistarts)
	}
	if !(j.SuccessThreshold >= 0 && j.SuccessThreshold < 1) {
		return fmt.Errorf("%w: job success threshold %v, want in [0, 1)", ErrInvalid, j.SuccessThreshold)
	}
	switch j.Residual {
	case instantiate.DefaultResidual, instantiate.BQSKitResidual, instantiate.PhaseInvariant:
	default:
		return fmt.Errorf("%w: job residual %d", ErrInvalid, int(j.Residual))
	}
	switch j.Solver {
	case instantiate.QRSolver, instantiate.CholeskySolver:
	default:
		return fmt.Errorf("%w: job solver %d", ErrInvalid, int(j.Solver))
	}
	return nil
}

// Wire format version of encoded jobs and results (2: jobs carry their
// layer gate's name).
const wireVersion = 2

// ErrDecode: an encoded job or result is malformed.
var ErrDecode = errors.New("synthesis: malformed encoding")

// MarshalBinary encodes the job (little-endian: version, qubits,
// residual, solver, multistarts, seed, threshold, layer count, gate name
// length and name ("" for nil), pairs, target).
func (j Job) MarshalBinary() ([]byte, error) {
	if err := j.validate(); err != nil {
		return nil, err
	}
	b := make([]byte, 0, 32+2*len(j.Pairs)+16*len(j.Target.Data))
	b = append(b, wireVersion, byte(j.NumQubits), byte(j.Residual), byte(j.Solver))
	b = binary.LittleEndian.AppendUint32(b, uint32(j.Multistarts))
	b = binary.LittleEndian.AppendUint64(b, j.Seed)
	b = binary.LittleEndian.AppendUint64(b, math.Float64bits(j.SuccessThreshold))
	b = binary.LittleEndian.AppendUint32(b, uint32(len(j.Pairs)))
	gname := ""
	if j.Gate != nil {
		gname = j.Gate.Name()
	}
	b = append(b, byte(len(gname)))
	b = append(b, gname...)
	for _, p := range j.Pairs {
		b = append(b, byte(p[0]), byte(p[1]))
	}
	for _, v := range j.Target.Data {
		b = binary.LittleEndian.AppendUint64(b, math.Float64bits(real(v)))
		b = binary.LittleEndian.AppendUint64(b, math.Float64bits(imag(v)))
	}
	return b, nil
}

// UnmarshalBinary decodes a job encoded by MarshalBinary and validates it.
func (j *Job) UnmarshalBinary(b []byte) error {
	const head = 4 + 4 + 8 + 8 + 4 + 1
	if len(b) < head {
		return fmt.Errorf("%w: job of %d bytes, header needs %d", ErrDecode, len(b), head)
	}
	if b[0] != wireVersion {
		return fmt.Errorf("%w: job wire version %d, want %d", ErrDecode, b[0], wireVersion)
	}
	n := int(b[1])
	if n < 1 || n > MaxQubits {
		return fmt.Errorf("%w: job on %d qubits", ErrDecode, n)
	}
	var out Job
	out.NumQubits = n
	out.Residual = instantiate.Residual(b[2])
	out.Solver = instantiate.Solver(b[3])
	out.Multistarts = int(binary.LittleEndian.Uint32(b[4:]))
	out.Seed = binary.LittleEndian.Uint64(b[8:])
	out.SuccessThreshold = math.Float64frombits(binary.LittleEndian.Uint64(b[16:]))
	np := binary.LittleEndian.Uint32(b[24:])
	if np > MaxLayersLimit {
		return fmt.Errorf("%w: job with %d layers", ErrDecode, np)
	}
	gl := int(b[28])
	d := 1 << n
	want := head + gl + 2*int(np) + 16*d*d
	if len(b) != want {
		return fmt.Errorf("%w: job of %d bytes, want %d", ErrDecode, len(b), want)
	}
	if gl > 0 {
		g, ok := circuit.LookupGate(string(b[head : head+gl]))
		if !ok || g.Name() != string(b[head:head+gl]) {
			return fmt.Errorf("%w: job layer gate %q unknown", ErrDecode, b[head:head+gl])
		}
		out.Gate = g
	}
	b = b[head+gl:]
	out.Pairs = make([]Pair, np)
	for i := range out.Pairs {
		out.Pairs[i] = Pair{int(b[2*i]), int(b[2*i+1])}
	}
	b = b[2*np:]
	out.Target = linalg.New(d, d)
	for i := range out.Target.Data {
		re := math.Float64frombits(binary.LittleEndian.Uint64(b[16*i:]))
		im := math.Float64frombits(binary.LittleEndian.Uint64(b[16*i+8:]))
		out.Target.Data[i] = complex(re, im)
	}
	if err := out.validate(); err != nil {
		return fmt.Errorf("%w: %w", ErrDecode, err)
	}
	*j = out
	return nil
}

// MarshalBinary encodes the result (version, cost, count, params).
func (r JobResult) MarshalBinary() ([]byte, error) {
	b := make([]byte, 0, 13+8*len(r.Params))
	b = append(b, wireVersion)
	b = binary.LittleEndian.AppendUint64(b, math.Float64bits(r.Cost))
	b = binary.LittleEndian.AppendUint32(b, uint32(len(r.Params)))
	for _, v := range r.Params {
		b = binary.LittleEndian.AppendUint64(b, math.Float64bits(v))
	}
	return b, nil
}

// UnmarshalBinary decodes a result encoded by MarshalBinary.
func (r *JobResult) UnmarshalBinary(b []byte) error {
	if len(b) < 13 {
		return fmt.Errorf("%w: result of %d bytes", ErrDecode, len(b))
	}
	if b[0] != wireVersion {
		return fmt.Errorf("%w: result wire version %d, want %d", ErrDecode, b[0], wireVersion)
	}
	cost := math.Float64frombits(binary.LittleEndian.Uint64(b[1:]))
	np := binary.LittleEndian.Uint32(b[9:])
	if uint64(len(b)) != 13+8*uint64(np) {
		return fmt.Errorf("%w: result of %d bytes for %d parameters", ErrDecode, len(b), np)
	}
	params := make([]float64, np)
	for i := range params {
		params[i] = math.Float64frombits(binary.LittleEndian.Uint64(b[13+8*i:]))
	}
	r.Cost, r.Params = cost, params
	return nil
}
