package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"math/bits"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/bqskit-mpi/bqskit-mpi/circuit"
	"github.com/bqskit-mpi/bqskit-mpi/cli"
	"github.com/bqskit-mpi/bqskit-mpi/compiler"
	"github.com/bqskit-mpi/bqskit-mpi/linalg"
	"github.com/bqskit-mpi/bqskit-mpi/qasm"
)

// printInfo prints the one-line JSON summary of a QASM file.
func printInfo(path string, stdout io.Writer) error {
	c, err := qasm.ParseFile(path)
	if err != nil {
		return usageError{err}
	}
	b, err := json.Marshal(c.Info())
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(stdout, "%s\n", b)
	return err
}

// npyMagic starts every NumPy .npy file.
var npyMagic = []byte("\x93NUMPY")

// input is the parsed input of a compile.
type input struct {
	req     compiler.Request
	circuit *circuit.Circuit // circuit input
	target  *linalg.Matrix   // unitary input
}

// loadInput reads the input file and the workflow into a validated request.
func loadInput(o *options) (*input, error) {
	data, err := os.ReadFile(o.input)
	if err != nil {
		return nil, usageError{err}
	}
	in := &input{req: compiler.Request{
		Name:              o.input,
		OptimizationLevel: o.level,
		Seed:              o.seed,
		BlockSize:         o.blockSize,
		RequestData:       true,
	}}
	if o.set("synthesis-epsilon") {
		in.req.SynthesisEpsilon = o.epsilon
	}
	if o.set("error-threshold") {
		t := o.errThresh
		in.req.ErrorThreshold = &t
	}
	if o.workflow != "" {
		w, err := os.ReadFile(o.workflow)
		if err != nil {
			return nil, usageError{fmt.Errorf("--workflow: %w", err)}
		}
		in.req.Workflow = json.RawMessage(w)
	}
	if bytes.HasPrefix(data, npyMagic) || strings.HasSuffix(strings.ToLower(o.input), ".npy") {
		in.req.Unitary = data
	} else {
		in.req.QASM = string(data)
	}
	if in.req.Model, err = o.machine.spec(); err != nil {
		return nil, err
	}
	plan, err := compiler.NewPlan(in.req)
	if err != nil {
		return nil, usageError{err}
	}
	in.circuit, in.target = plan.Circuit, plan.Target
	return in, nil
}

// compileLocal compiles on an embedded runtime and writes the outputs.
func compileLocal(ctx context.Context, o *options, stdout, stderr io.Writer) error {
	in, err := loadInput(o)
	if err != nil {
		return err
	}
	prog := newProgress(stderr, o.progress)
	start := time.Now()
	res, err := runEmbedded(ctx, o, in.req, prog)
	if err != nil {
		prog.finish("")
		return err
	}
	seconds := time.Since(start).Seconds()
	return finish(o, in, res, seconds, ranOn{ranks: 1, workers: o.workers, version: cli.Version("bqskit-compile")}, prog, stdout, stderr)
}

// ranOn is the runtime a compile ran on, for the statistics.
type ranOn struct {
	server  string // address; "" for the embedded runtime
	ranks   int    // 0: the server did not say
	workers int    // 0: the server did not say
	version string // the runtime's version line ("" when unknown)
}

// stats returns the runtime's statistics fields: unknown numbers are null.
func (r ranOn) stats(m map[string]any) {
	orNil := func(n int) any {
		if n <= 0 {
			return nil
		}
		return n
	}
	m["runtime"] = "embedded"
	if r.server != "" {
		m["runtime"] = "server"
		m["server"] = r.server
	}
	m["ranks"] = orNil(r.ranks)
	m["workers"] = orNil(r.workers)
	if r.version != "" {
		m["runtime_version"] = r.version
	}
}

// passStats is one pass of the statistics: its name, seconds and the
// two-qubit gate count after it.
type passStats struct {
	Pass          string  `json:"pass"`
	Seconds       float64 `json:"seconds"`
	TwoQubitGates int     `json:"two_qubit_gates"`
}

func passList(data *compiler.PassData) []passStats {
	ps := []passStats{}
	if data == nil {
		return ps
	}
	for _, s := range data.Stages {
		ps = append(ps, passStats{Pass: s.Pass, Seconds: s.Seconds, TwoQubitGates: s.TwoQubitGates})
	}
	return ps
}

// checkOutputs checks, before any work, that the files -o, --json and
// --cpuprofile name can be written: the directory exists and is writable,
// and the path is not a directory.
func checkOutputs(o *options) error {
	for _, f := range []struct{ flag, path string }{{"--output", o.output}, {"--json", o.jsonPath}, {"--cpuprofile", o.cpuProf}} {
		if f.path == "" {
			continue
		}
		if st, err := os.Stat(f.path); err == nil && st.IsDir() {
			return usageError{fmt.Errorf("%s: %s is a directory", f.flag, f.path)}
		}
		dir := filepath.Dir(f.path)
		st, err := os.Stat(dir)
		switch {
		case err != nil:
			return usageError{fmt.Errorf("%s: directory %s: %w", f.flag, dir, err)}
		case !st.IsDir():
			return usageError{fmt.Errorf("%s: %s is not a directory", f.flag, dir)}
		}
		probe, err := os.CreateTemp(dir, ".bqskit-compile-check-*")
		if err != nil {
			return usageError{fmt.Errorf("%s: cannot write in directory %s: %w", f.flag, dir, err)}
		}
		probe.Close()
		os.Remove(probe.Name())
	}
	return nil
}

// finish writes the output circuit, verifies it, writes the statistics,
// and with -v lists the passes with their times; on a terminal it ends the
// progress display with a summary line.
func finish(o *options, in *input, res compiler.Result, seconds float64, ran ranOn, prog *progress, stdout, stderr io.Writer) error {
	out, err := qasm.Parse("result", []byte(res.QASM))
	if err != nil {
		prog.finish("")
		return fmt.Errorf("reading the compiled circuit back: %w", err)
	}
	if in.circuit != nil {
		stages := "s"
		if prog.stageCount() == 1 {
			stages = ""
		}
		prog.finish(fmt.Sprintf("bqskit-compile: compiled %s in %.2fs: %d -> %d two-qubit gates, %d stage%s",
			filepath.Base(o.input), seconds, in.circuit.TwoQubitCount(), out.TwoQubitCount(), prog.stageCount(), stages))
	} else {
		prog.finish(fmt.Sprintf("bqskit-compile: synthesized %s in %.2fs: %d two-qubit gates",
			filepath.Base(o.input), seconds, out.TwoQubitCount()))
	}
	if o.log.Verbose >= 1 {
		for _, p := range passList(res.Data) {
			fmt.Fprintf(stderr, "bqskit-compile: pass %-22s %8.3fs  %d two-qubit gates\n", p.Pass, p.Seconds, p.TwoQubitGates)
		}
	}
	if o.output != "" {
		if err := os.WriteFile(o.output, []byte(res.QASM), 0o644); err != nil {
			return fmt.Errorf("--output: %w", err)
		}
	} else if _, err := io.WriteString(stdout, res.QASM); err != nil {
		return err
	}
	accepted, eps := 0, compiler.DefaultEpsilon
	if res.Data != nil {
		accepted, eps = res.Data.Accepted, res.Data.Epsilon
	}
	maxCost := o.maxCost
	if !o.set("max-cost") {
		maxCost = math.Max(2*eps*float64(accepted), 1e-7)
	}
	stats := map[string]any{
		"version":            cli.Version("bqskit-compile"),
		"output":             out.Info(),
		"seconds":            seconds,
		"optimization_level": o.level,
		"seed":               o.seed,
		"block_size":         o.blockSize,
		"synthesis_epsilon":  o.epsilon,
		"passes":             passList(res.Data),
	}
	if res.Data != nil {
		stats["error_bound"] = res.Data.ErrorBound
		if t := res.Data.ErrorThreshold; t != nil {
			stats["error_threshold"] = *t
			stats["refused_for_error"] = res.Data.Refused
		}
	}
	if o.workflow != "" {
		stats["workflow"] = o.workflow
		stats["optimization_level"] = nil
	}
	ran.stats(stats)
	o.machine.reportMapping(res, stats, stderr)
	if in.target != nil {
		u := out.Unitary()
		cost := math.Max(linalg.Cost(*in.target, u), 0) // rounding can dip below 0
		dist := linalg.Distance(*in.target, u)
		if o.jsonPath != "" {
			stats["input"] = map[string]any{"qubits": bits.Len(uint(in.target.Rows)) - 1}
			stats["cost"] = cost
			stats["distance"] = dist
			if err := writeJSON(o.jsonPath, stats); err != nil {
				return err
			}
		}
		if o.verify && cost > maxCost {
			return fmt.Errorf("verify: cost %.3g exceeds --max-cost %.3g", cost, maxCost)
		}
		return nil
	}
	var cost, dist *float64
	if o.verify {
		v, err := verifyOutput(in.circuit, out, res, o.seed)
		if err != nil {
			return err
		}
		cost, dist = &v.Cost, &v.Distance
	}
	if o.jsonPath != "" {
		stats["input"] = in.circuit.Info()
		stats["cost"] = cost
		stats["distance"] = dist
		if err := writeJSON(o.jsonPath, stats); err != nil {
			return err
		}
	}
	if o.verify && *cost > maxCost {
		return fmt.Errorf("verify: cost %.3g (distance %.3g) exceeds --max-cost %.3g", *cost, *dist, maxCost)
	}
	return nil
}
