package synthesis

import (
	"errors"
	"fmt"

	"go.uber.org/zap"

	"github.com/bqskit-mpi/bqskit-mpi/batch"
	"github.com/bqskit-mpi/bqskit-mpi/circuit"
	"github.com/bqskit-mpi/bqskit-mpi/instantiate"
)

// Sentinel errors.
var (
	// ErrInvalid: bad options or target.
	ErrInvalid = errors.New("synthesis: invalid input")
	// ErrNotReached: the search ended (frontier empty or layer limit)
	// without reaching the success threshold; the best circuit found is
	// still returned.
	ErrNotReached = errors.New("synthesis: success threshold not reached")
)

const (
	// MaxQubits is the widest target accepted. Generic unitaries need at
	// least ⌈(4^n − 3n − 1)/4⌉ CNOTs (61 at 4 qubits, 252 at 5): beyond 5
	// qubits search synthesis is hopeless.
	MaxQubits = 5
	// maxQubitsHard sizes fixed arrays; it is MaxQubits.
	maxQubitsHard = MaxQubits
	// MaxLayersLimit bounds Options.MaxLayers.
	MaxLayersLimit = 1000
	// MaxMultistarts bounds Options.Multistarts.
	MaxMultistarts = 1024
)

// DefaultMaxLayers is the layer limit used when Options.MaxLayers is 0:
// twice the generic CNOT lower bound (4^n − 3n − 1)/4 plus 4 (10 layers
// at 2 qubits, 32 at 3, 124 at 4, 502 at 5). BQSKit's compile() has no
// limit; a bound keeps a hopeless search from running forever.
func DefaultMaxLayers(n int) int {
	lb := ((1 << (2 * n)) - 3*n - 1) / 4
	return 2*lb + 4
}

// LevelOptions are the per-optimization-level settings (BQSKit's
// compile()): multistarts 1, 2, 4, 8 and LEAP min prefix size 3, 4, 7, 9
// for levels 1..4.
func LevelOptions(level int) (multistarts, minPrefix int, err error) {
	switch level {
	case 1:
		return 1, 3, nil
	case 2:
		return 2, 4, nil
	case 3:
		return 4, 7, nil
	case 4:
		return 8, 9, nil
	}
	return 0, 0, fmt.Errorf("%w: optimization level %d, want 1..4", ErrInvalid, level)
}

// Options configure QSearch and LEAP. The zero value is usable: all-to-all
// coupling, one start, seed 0, threshold 1e-8, default layer limit, LEAP
// min prefix 3, a goroutine pool of GOMAXPROCS workers, no logging.
type Options struct {
	// Coupling lists the coupled qubit pairs; nil means all-to-all.
	// Edges are normalised (see NewCoupling).
	Coupling [][2]int
	// Gate is the two-qubit gate of every layer (nil means CX; see
	// BuildLayers): a machine's native gate (cz, ecr, iswap, sqisw, rzz,
	// ...). Parameterized gates are instantiated like the rest.
	Gate circuit.Gate
	// Multistarts per successor instantiation (0 means 1).
	Multistarts int
	// MinPrefixSize is LEAP's minimum number of layers between prefix
	// commits (0 means 3). QSearch ignores it.
	MinPrefixSize int
	// Seed makes the search reproducible: every instantiation is seeded
	// from it and the layer sequence of its circuit.
	Seed uint64
	// SuccessThreshold on c = 1 − |Tr(U†V)|/N (0 means 1e-8).
	SuccessThreshold float64
	// MaxLayers bounds the number of CX layers (0 means
	// DefaultMaxLayers(n); at most MaxLayersLimit).
	MaxLayers int
	// Residual selects the LM residual (instantiate.DefaultResidual is
	// the phase-invariant one).
	Residual instantiate.Residual
	// Solver selects LM's linear solver (instantiate.CholeskySolver default).
	Solver instantiate.Solver
	// SequentialStarts runs a node's Multistarts starts inside one job,
	// in sequence, stopping at the first success (as BQSKit runs them in
	// one task). By default each start is its own job (seeded from the
	// node's seed and the start index) and the node's result is chosen as
	// a sequential run would choose it (first start below the threshold,
	// else the lowest cost): Multistarts times more parallel work per
	// batch, at the price of running starts after the first success.
	SequentialStarts bool
	// Executor runs each batch of successor instantiations as
	// TaskInstantiate tasks; nil means NewLocalExecutor(Workers).
	Executor batch.Executor
	// Workers sizes the default executor (0 means GOMAXPROCS).
	Workers int
	// Logger receives debug records (new best, prefix commits); nil means
	// none.
	Logger *zap.Logger
}

type settings struct {
	n           int
	gate        circuit.Gate
	coupling    Coupling
	multistarts int
	minPrefix   int
	seed        uint64
	eps         float64
	maxLayers   int
	residual    instantiate.Residual
	solver      instantiate.Solver
	sequential  bool
	exec        batch.Executor
	log         *zap.Logger
}

func (o Options) resolve(n int) (settings, error) {
	s := settings{n: n, seed: o.Seed, residual: o.Residual, solver: o.Solver, sequential: o.SequentialStarts}
	if n < 1 || n > MaxQubits {
		return s, fmt.Errorf("%w: target acts on %d qubits, synthesis supports 1..%d", ErrInvalid, n, MaxQubits)
	}
	s.gate = o.Gate
	if s.gate == nil {
		s.gate = circuit.CX
	}
	if s.gate.NumQubits() != 2 || circuit.IsDirective(s.gate) {
		return s, fmt.Errorf("%w: layer gate %s acts on %d qubits, want 2", ErrInvalid, s.gate.Name(), s.gate.NumQubits())
	}
	if o.Coupling == nil {
		s.coupling = AllToAll(n)
	} else {
		c, err := NewCoupling(n, o.Coupling)
		if err != nil {
			return s, err
		}
		s.coupling = c
	}
	switch {
	case o.Multistarts < 0 || o.Multistarts > MaxMultistarts:
		return s, fmt.Errorf("%w: Multistarts = %d, want 0..%d", ErrInvalid, o.Multistarts, MaxMultistarts)
	case o.Multistarts == 0:
		s.multistarts = 1
	default:
		s.multistarts = o.Multistarts
	}
	switch {
	case o.MinPrefixSize < 0:
		return s, fmt.Errorf("%w: MinPrefixSize = %d, want >= 0", ErrInvalid, o.MinPrefixSize)
	case o.MinPrefixSize == 0:
		s.minPrefix = 3
	default:
		s.minPrefix = o.MinPrefixSize
	}
	switch {
	case o.SuccessThreshold < 0 || o.SuccessThreshold != o.SuccessThreshold || o.SuccessThreshold >= 1:
		return s, fmt.Errorf("%w: SuccessThreshold = %v, want in [0, 1)", ErrInvalid, o.SuccessThreshold)
	case o.SuccessThreshold == 0:
		s.eps = instantiate.DefaultSuccessThreshold
	default:
		s.eps = o.SuccessThreshold
	}
	switch {
	case o.MaxLayers < 0 || o.MaxLayers > MaxLayersLimit:
		return s, fmt.Errorf("%w: MaxLayers = %d, want 0..%d", ErrInvalid, o.MaxLayers, MaxLayersLimit)
	case o.MaxLayers == 0:
		s.maxLayers = min(DefaultMaxLayers(n), MaxLayersLimit)
	default:
		s.maxLayers = o.MaxLayers
	}
	if o.Workers < 0 {
		return s, fmt.Errorf("%w: Workers = %d, want >= 0", ErrInvalid, o.Workers)
	}
	s.exec = o.Executor
	if s.exec == nil {
		s.exec = NewLocalExecutor(o.Workers)
	}
	s.log = o.Logger
	if s.log == nil {
		s.log = zap.NewNop()
	}
	return s, nil
}
