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
	"strings"
	"sync"
	"time"

	"golang.org/x/sys/unix"

	"github.com/bqskit-mpi/bqskit-mpi/circuit"
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
	bar := newProgressBar(stderr, o.progress)
	start := time.Now()
	res, err := runEmbedded(ctx, o, in.req, stderr, bar.update)
	bar.finish()
	if err != nil {
		return err
	}
	seconds := time.Since(start).Seconds()
	return finish(o, in, res, seconds, stdout)
}

// finish writes the output circuit, verifies it and writes the statistics.
func finish(o *options, in *input, res compiler.Result, seconds float64, stdout io.Writer) error {
	out, err := qasm.Parse("result", []byte(res.QASM))
	if err != nil {
		return fmt.Errorf("reading the compiled circuit back: %w", err)
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
	if in.target != nil {
		cost := math.Max(linalg.Cost(*in.target, out.Unitary()), 0) // rounding can dip below 0
		if o.jsonPath != "" {
			stats := map[string]any{
				"input":   map[string]int{"qubits": bits.Len(uint(in.target.Rows)) - 1},
				"output":  out.Info(),
				"seconds": seconds,
				"cost":    cost,
			}
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
		v, err := compiler.Verify(in.circuit, out, o.seed)
		if err != nil {
			return err
		}
		cost, dist = &v.Cost, &v.Distance
	}
	if o.jsonPath != "" {
		stats := map[string]any{
			"input":              in.circuit.Info(),
			"output":             out.Info(),
			"seconds":            seconds,
			"workers":            o.workers,
			"optimization_level": o.level,
			"seed":               o.seed,
			"cost":               cost,
			"distance":           dist,
		}
		if err := writeJSON(o.jsonPath, stats); err != nil {
			return err
		}
	}
	if o.verify && *cost > maxCost {
		return fmt.Errorf("verify: cost %.3g (distance %.3g) exceeds --max-cost %.3g", *cost, *dist, maxCost)
	}
	return nil
}

// isTerminal reports whether w is a terminal.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	_, err := unix.IoctlGetTermios(int(f.Fd()), unix.TCGETS)
	return err == nil
}

// progressBar draws "blocks done/total, elapsed" on a terminal.
type progressBar struct {
	mu      sync.Mutex
	w       io.Writer
	on      bool
	start   time.Time
	drawn   bool
	lastLen int
}

func newProgressBar(w io.Writer, on bool) *progressBar {
	return &progressBar{w: w, on: on, start: time.Now()}
}

func (p *progressBar) update(done, total int) {
	if !p.on || total <= 0 {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	const width = 30
	fill := width * done / total
	line := fmt.Sprintf("\r[%s%s] %d/%d blocks  %.1fs", strings.Repeat("=", fill), strings.Repeat(" ", width-fill),
		done, total, time.Since(p.start).Seconds())
	pad := max(p.lastLen-len(line), 0)
	fmt.Fprint(p.w, line+strings.Repeat(" ", pad))
	p.lastLen = len(line)
	p.drawn = true
}

func (p *progressBar) finish() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.drawn {
		fmt.Fprint(p.w, "\r"+strings.Repeat(" ", p.lastLen)+"\r")
	}
}
