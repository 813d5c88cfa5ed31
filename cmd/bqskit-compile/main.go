package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"strings"

	"github.com/bqskit-mpi/bqskit-mpi/cli"
	"github.com/bqskit-mpi/bqskit-mpi/compiler"
)

// Exit statuses.
const (
	exitOK      = 0
	exitFailure = 1 // compilation failed, or --verify found too large a cost
	exitUsage   = 2 // bad flags or input
	// exitInterrupted: Ctrl-C (SIGINT) or SIGTERM stopped the compile.
	exitInterrupted = cli.ExitInterrupted
)

func main() { cli.Main(run) }

// options are the parsed command line; the remote (--ip) path reuses them.
type options struct {
	input     string
	output    string
	info      string
	level     int
	seed      uint64
	workers   int
	blockSize int
	epsilon   float64 // --synthesis-epsilon
	errThresh float64 // --error-threshold (when set)
	workflow  string
	jsonPath  string
	verify    bool
	maxCost   float64
	log       cli.Logging
	quiet     bool
	progress  bool // show the progress display (stderr is a terminal, no -q)
	cpuProf   string
	set       func(name string) bool
	remote    remoteOptions  // --ip, --token-file (remote.go)
	machine   machineOptions // --coupling, --gates, --with-mapping (model.go)
}

// usageError is an error in the command line or the input: exit 2.
type usageError struct{ err error }

func (u usageError) Error() string { return u.err.Error() }
func (u usageError) Unwrap() error { return u.err }

func newFlagSet(o *options) *cli.Command {
	c := cli.New("bqskit-compile", usage())
	fs := c.Flags
	fs.StringVarP(&o.output, "output", "o", "", "write the compiled circuit (OpenQASM 2.0) to this file instead of standard output")
	fs.StringVar(&o.info, "info", "", "print a one-line JSON summary of this QASM file (qubits, gates, two_qubit_gates, depth, gate_counts) and exit")
	fs.IntVarP(&o.level, "optimization-level", "O", compiler.DefaultLevel, "optimization level 1 to 4 (BQSKit's levels; higher is slower and never worse)")
	fs.Uint64Var(&o.seed, "seed", 0, "random seed; the same input, level and seed give the same output whatever the worker count")
	fs.IntVar(&o.workers, "workers", runtime.NumCPU(), "worker goroutines of the embedded runtime")
	fs.IntVar(&o.blockSize, "block-size", compiler.DefaultBlockSize, "partition block size in qubits (2 to 8)")
	fs.IntVar(&o.blockSize, "max-synthesis-size", compiler.DefaultBlockSize, "BQSKit's name for --block-size")
	fs.Float64Var(&o.epsilon, "synthesis-epsilon", compiler.DefaultEpsilon, "success threshold of instantiation, synthesis and gate removal (BQSKit's synthesis_epsilon; at most 0.01; the passes levels 2 to 4 add use ε·1e-4)")
	fs.Float64Var(&o.errThresh, "error-threshold", 0, "refuse block replacements that would take the error upper bound e to 1-sqrt(1-e^2) above this (BQSKit's error_threshold, 0 to 1; default: no threshold)")
	fs.StringVar(&o.workflow, "workflow", "", "JSON file with a workflow (an array of pass objects) to run instead of a level")
	fs.StringVar(&o.jsonPath, "json", "", "write statistics as JSON to this file (input and output summaries, seconds, workers, level, seed, cost, distance)")
	fs.BoolVar(&o.verify, "verify", false, "check the output against the input: cost 1-|Tr(U_in^† U_out)|/N (exact up to 10 qubits, else 8 random states; at most 28 qubits); exit 1 when above --max-cost")
	fs.Float64Var(&o.maxCost, "max-cost", 0, "largest cost --verify accepts (default: 2 x 1e-8 x accepted removals and replacements, at least 1e-7)")
	fs.BoolVarP(&o.quiet, "quiet", "q", false, "no progress display and no summary line on a terminal (warnings and errors still show)")
	o.log.AddFlags(fs)
	fs.StringVar(&o.cpuProf, "cpuprofile", "", "write a Go CPU profile of the compilation to this file (read it with go tool pprof)")
	o.remote.addFlags(fs)
	o.machine.addFlags(fs)
	return c
}

// parseArgs parses the command line into options; --help and --version
// print to stdout.
func parseArgs(args []string, stdout io.Writer) (*options, error) {
	o := &options{}
	c := newFlagSet(o)
	fs := c.Flags
	if err := c.Parse(args, stdout); err != nil {
		return nil, err
	}
	o.set = func(name string) bool { return fs.Changed(name) }
	if o.info != "" {
		if fs.NArg() > 0 {
			return nil, usageError{fmt.Errorf("--info takes one file; unexpected argument %q", fs.Arg(0))}
		}
		return o, nil
	}
	switch fs.NArg() {
	case 0:
		return nil, usageError{errors.New("missing INPUT file (see --help)")}
	case 1:
		o.input = fs.Arg(0)
	default:
		return nil, usageError{fmt.Errorf("one INPUT file expected, got %d: %s", fs.NArg(), strings.Join(fs.Args(), " "))}
	}
	// 0 means "the default" in a compiler.Request, but not on the command
	// line; the ranges are the compiler's (NewPlan checks them again).
	if o.level < compiler.MinLevel || o.level > compiler.MaxLevel {
		return nil, usageError{fmt.Errorf("--optimization-level: want an integer from %d to %d, got %d", compiler.MinLevel, compiler.MaxLevel, o.level)}
	}
	if o.blockSize < compiler.MinBlockSize || o.blockSize > compiler.MaxBlockSize {
		return nil, usageError{fmt.Errorf("--block-size: want an integer from %d to %d, got %d", compiler.MinBlockSize, compiler.MaxBlockSize, o.blockSize)}
	}
	if fs.Changed("block-size") && fs.Changed("max-synthesis-size") {
		return nil, usageError{errors.New("--block-size and --max-synthesis-size are the same option; give one")}
	}
	if o.epsilon <= 0 || o.epsilon > compiler.MaxEpsilon || o.epsilon != o.epsilon {
		return nil, usageError{fmt.Errorf("--synthesis-epsilon: want a number in (0, %g], got %v", compiler.MaxEpsilon, o.epsilon)}
	}
	if fs.Changed("error-threshold") && (o.errThresh < 0 || o.errThresh > 1 || o.errThresh != o.errThresh) {
		return nil, usageError{fmt.Errorf("--error-threshold: want a number in [0, 1], got %v", o.errThresh)}
	}
	if o.workers < 1 {
		return nil, usageError{fmt.Errorf("--workers: want at least 1, got %d", o.workers)}
	}
	if o.maxCost < 0 || o.maxCost != o.maxCost {
		return nil, usageError{fmt.Errorf("--max-cost: want a non-negative number, got %v", o.maxCost)}
	}
	if err := o.log.Check(); err != nil {
		return nil, err
	}
	if o.remote.local && o.remote.ip != "" {
		return nil, usageError{errors.New("--local and --ip are exclusive")}
	}
	if o.workflow != "" && fs.Changed("optimization-level") {
		return nil, usageError{errors.New("--workflow and --optimization-level are exclusive")}
	}
	return o, nil
}

// environment is what the command takes from its surroundings besides
// the arguments and streams; tests replace it.
type environment struct {
	// isTerminal reports whether the writer is a terminal.
	isTerminal func(io.Writer) bool
	// getenv reads an environment variable.
	getenv func(string) string
}

// run is the whole command; it returns the exit status.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	return runIn(ctx, args, stdout, stderr, environment{isTerminal: isTerminal, getenv: os.Getenv})
}

// runIn is run in env.
func runIn(ctx context.Context, args []string, stdout, stderr io.Writer, env environment) int {
	o, err := parseArgs(args, stdout)
	if errors.Is(err, cli.ErrHelp) || errors.Is(err, cli.ErrVersion) {
		return exitOK
	}
	if err != nil {
		fmt.Fprintf(stderr, "bqskit-compile: %v (see --help)\n", err)
		return exitUsage
	}
	if o.info != "" {
		err = printInfo(o.info, stdout)
	} else {
		o.progress = env.isTerminal(stderr) && !o.quiet
		addr, fromEnv := o.remote.address(env.getenv)
		err = checkOutputs(o)
		if err == nil {
			err = withProfile(o.cpuProf, func() error {
				if addr != "" {
					r := o.remote
					r.ip, r.fromEnv, r.getenv = addr, fromEnv, env.getenv
					return compileRemote(ctx, o, &r, stdout, stderr)
				}
				return compileLocal(ctx, o, stdout, stderr)
			})
		}
	}
	var ue usageError
	if err != nil && ctx.Err() != nil && !errors.As(err, &ue) {
		fmt.Fprintln(stderr, "bqskit-compile: interrupted: compilation cancelled")
		return exitInterrupted
	}
	return report(err, stderr)
}

// report prints err (if any) once and maps it to an exit status.
func report(err error, stderr io.Writer) int {
	if err == nil {
		return exitOK
	}
	fmt.Fprintf(stderr, "bqskit-compile: %v\n", err)
	var ue usageError
	if errors.As(err, &ue) {
		return exitUsage
	}
	return exitFailure
}
