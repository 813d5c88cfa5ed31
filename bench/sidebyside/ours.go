package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"github.com/bqskit-mpi/bqskit-mpi/circuit"
	"github.com/bqskit-mpi/bqskit-mpi/instantiate"
	"github.com/bqskit-mpi/bqskit-mpi/unitaryio"
)

var errTimeout = errors.New("sidebyside: timed out")

// runCmd runs a command with a timeout (killing its process group) and
// returns its standard output and wall time.
func runCmd(ctx context.Context, timeout time.Duration, env []string, name string, args ...string) ([]byte, time.Duration, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Env = append(os.Environ(), env...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = 5 * time.Second
	var out, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &stderr
	t0 := time.Now()
	err := cmd.Run()
	d := time.Since(t0)
	if ctx.Err() == context.DeadlineExceeded {
		return out.Bytes(), d, errTimeout
	}
	if err != nil {
		msg := strings.TrimSpace(stderr.String())
		if len(msg) > 400 {
			msg = "..." + msg[len(msg)-400:]
		}
		return out.Bytes(), d, fmt.Errorf("%s: %w: %s", name, err, msg)
	}
	return out.Bytes(), d, nil
}

// compileStats is the part of bqskit-compile --json we read.
type compileStats struct {
	Input struct {
		TwoQubit int `json:"two_qubit_gates"`
	} `json:"input"`
	Output struct {
		TwoQubit int `json:"two_qubit_gates"`
	} `json:"output"`
	Seconds float64  `json:"seconds"`
	Cost    *float64 `json:"cost"`
}

func parseCompileStats(b []byte) (compileStats, error) {
	var s compileStats
	if err := json.Unmarshal(b, &s); err != nil {
		return s, fmt.Errorf("bqskit-compile --json: %w", err)
	}
	return s, nil
}

// oursCompile runs bin/bqskit-compile on input (QASM or .npy) with
// --verify, returning the values recorded: wall seconds (the process as
// a user runs it), the command's own compile seconds, two-qubit counts
// and the verified cost.
func oursCompile(ctx context.Context, bin, input string, level, seed, workers int, timeout time.Duration, tmp string) (map[string]float64, error) {
	stats := tmp + ".json"
	out := tmp + ".qasm"
	_, d, err := runCmd(ctx, timeout, []string{"OPENBLAS_NUM_THREADS=1"}, bin, input, "-o", out, "-O", fmt.Sprint(level),
		"--seed", fmt.Sprint(seed), "--workers", fmt.Sprint(workers), "--verify", "--json", stats)
	if err != nil {
		return nil, err
	}
	b, err := os.ReadFile(stats)
	if err != nil {
		return nil, err
	}
	s, err := parseCompileStats(b)
	if err != nil {
		return nil, err
	}
	v := map[string]float64{"seconds": d.Seconds(), "compile_seconds": s.Seconds,
		"two_qubit_in": float64(s.Input.TwoQubit), "two_qubit_out": float64(s.Output.TwoQubit)}
	if s.Cost != nil {
		v["verified_cost"] = *s.Cost
	}
	return v, nil
}

// rtLine is one JSON line of bench/runtime.
type rtLine map[string]any

func parseRTLines(b []byte) ([]rtLine, error) {
	var out []rtLine
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 || line[0] != '{' {
			continue
		}
		var m rtLine
		if err := json.Unmarshal(line, &m); err != nil {
			return nil, fmt.Errorf("bench/runtime output %q: %w", line, err)
		}
		out = append(out, m)
	}
	if len(out) == 0 {
		return nil, errors.New("sidebyside: bench/runtime printed no JSON line")
	}
	return out, nil
}

func findBench(lines []rtLine, bench string) (rtLine, error) {
	for _, l := range lines {
		if l["bench"] == bench {
			return l, nil
		}
	}
	return nil, fmt.Errorf("sidebyside: bench/runtime printed no %q line", bench)
}

// template3 is the 3-qubit template both sides instantiate: U3 on each
// qubit, then per layer CX(a,b) RY(a) RZ(a) RY(b) RX(b) on pairs cycling
// (0,1), (1,2), (0,2) (side.py's template builds the same).
func template3(layers int) *circuit.Circuit {
	c := circuit.New(3)
	for q := range 3 {
		c.Append(circuit.Op{Gate: circuit.U3, Qubits: []int{q}, Params: make([]float64, 3)})
	}
	pairs := [][2]int{{0, 1}, {1, 2}, {0, 2}}
	for i := range layers {
		a, b := pairs[i%3][0], pairs[i%3][1]
		c.Append(circuit.Op{Gate: circuit.CX, Qubits: []int{a, b}})
		c.Append(circuit.Op{Gate: circuit.RY, Qubits: []int{a}, Params: make([]float64, 1)})
		c.Append(circuit.Op{Gate: circuit.RZ, Qubits: []int{a}, Params: make([]float64, 1)})
		c.Append(circuit.Op{Gate: circuit.RY, Qubits: []int{b}, Params: make([]float64, 1)})
		c.Append(circuit.Op{Gate: circuit.RX, Qubits: []int{b}, Params: make([]float64, 1)})
	}
	return c
}

func threadCPU() float64 {
	var ts unix.Timespec
	if err := unix.ClockGettime(unix.CLOCK_THREAD_CPUTIME_ID, &ts); err != nil {
		return math.NaN()
	}
	return float64(ts.Sec) + float64(ts.Nsec)/1e9
}

// oursInstantiate runs one LM start (our defaults) per target file on the
// layers template, on this goroutine's locked thread, and returns the
// thread CPU seconds and final cost of each call.
func oursInstantiate(ctx context.Context, layers int, files []string, seed uint64) (cpu, cost []float64, err error) {
	c := template3(layers)
	w, err := instantiate.NewWorkspace(c)
	if err != nil {
		return nil, nil, err
	}
	dst := make([]float64, w.NumParams())
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	for i, f := range files {
		target, err := unitaryio.ReadFile(f)
		if err != nil {
			return nil, nil, err
		}
		t0 := threadCPU()
		r, err := w.Instantiate(ctx, target, instantiate.Options{Seed: seed + uint64(i)}, dst)
		el := threadCPU() - t0
		if err != nil {
			return nil, nil, fmt.Errorf("instantiating %s: %w", f, err)
		}
		cpu = append(cpu, el)
		cost = append(cost, r.Cost)
	}
	return cpu, cost, nil
}
