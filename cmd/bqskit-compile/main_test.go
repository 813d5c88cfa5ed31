package main

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/bqskit-mpi/bqskit-mpi/circuit"
	"github.com/bqskit-mpi/bqskit-mpi/internal/testcircuits"
	"github.com/bqskit-mpi/bqskit-mpi/linalg"
	"github.com/bqskit-mpi/bqskit-mpi/qasm"
)

var sharedDir = filepath.Join("..", "..", "testdata", "circuits", "bqskit")

// invoke runs the command in-process.
func invoke(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = run(context.Background(), args, &out, &errb)
	return code, out.String(), errb.String()
}

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// smallQASM has a removable CX (4 CX between generic rotations on 2 qubits).
const smallQASM = testcircuits.FourCXMeasured

func TestHelpExplainsEveryFlag(t *testing.T) {
	code, stdout, _ := invoke(t, "--help")
	if code != 0 || !strings.HasPrefix(stdout, "Usage: bqskit-compile INPUT") {
		t.Fatalf("--help exit %d, standard output:\n%s", code, stdout)
	}
	for _, f := range []string{"--output", "--info", "--optimization-level", "--seed", "--workers", "--block-size",
		"--workflow", "--json", "--verify", "--max-cost", "--verbose", "--cpuprofile", "Exit status",
		"--synthesis-epsilon", "--error-threshold", "--max-synthesis-size"} {
		if !strings.Contains(stdout, f) {
			t.Errorf("--help does not mention %s", f)
		}
	}
}

func TestInfo(t *testing.T) {
	p := filepath.Join(sharedDir, "heisenberg16.qasm")
	if _, err := os.Stat(p); err != nil {
		p = writeFile(t, "s.qasm", smallQASM)
	}
	code, stdout, stderr := invoke(t, "--info", p)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if strings.Count(stdout, "\n") != 1 {
		t.Fatalf("want one line, got %q", stdout)
	}
	var info circuit.Info
	if err := json.Unmarshal([]byte(stdout), &info); err != nil {
		t.Fatal(err)
	}
	c, err := qasm.ParseFile(p)
	if err != nil {
		t.Fatal(err)
	}
	if info.Qubits != c.NumQubits() || info.TwoQubitGates != c.TwoQubitCount() || info.Depth != c.Depth() {
		t.Fatalf("info %+v", info)
	}
}

func TestUsageErrors(t *testing.T) {
	good := writeFile(t, "good.qasm", smallQASM)
	bad := writeFile(t, "bad.qasm", "OPENQASM 2.0;\nqreg q[2];\ncx q[0];\n")
	wfUnknown := writeFile(t, "w1.json", `[{"pass":"retarget"},{"pass":"magic"}]`)
	wfBadJSON := writeFile(t, "w2.json", `[{"pass":"retarget"`)
	wfBadType := writeFile(t, "w3.json", `[{"pass":"quick_partition","block_size":"three"},{"pass":"unfold"}]`)
	badNPY := writeFile(t, "u.npy", "not a numpy file")
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"no input", nil, "missing INPUT"},
		{"two inputs", []string{good, good}, "one INPUT file"},
		{"unknown flag", []string{"--frobnicate", good}, "unknown flag: --frobnicate"},
		{"unknown shorthand", []string{"-m", "2", good}, "unknown shorthand flag: 'm' in -m"},
		{"missing file", []string{filepath.Join(t.TempDir(), "none.qasm")}, "no such file"},
		{"parse error", []string{bad}, "bad.qasm:3:"},
		{"info parse error", []string{"--info", bad}, "bad.qasm:3:"},
		{"level high", []string{good, "-O", "5"}, "--optimization-level"},
		{"level zero", []string{good, "-O", "0"}, "--optimization-level"},
		{"block size", []string{good, "--block-size", "1"}, "--block-size"},
		{"block size high", []string{good, "--block-size", "9"}, "--block-size"},
		{"workers", []string{good, "--workers", "0"}, "--workers"},
		{"workflow unknown pass", []string{good, "--workflow", wfUnknown}, `workflow[1].pass: unknown pass "magic"`},
		{"workflow bad json", []string{good, "--workflow", wfBadJSON}, "workflow: not valid JSON"},
		{"workflow wrong type", []string{good, "--workflow", wfBadType}, "workflow[0].block_size: want an integer"},
		{"workflow and level", []string{good, "--workflow", wfUnknown, "-O", "2"}, "exclusive"},
		{"bad npy", []string{badNPY}, "u.npy"},
		{"epsilon zero", []string{good, "--synthesis-epsilon", "0"}, "--synthesis-epsilon"},
		{"epsilon high", []string{good, "--synthesis-epsilon", "0.5"}, "--synthesis-epsilon"},
		{"error threshold", []string{good, "--error-threshold", "-1"}, "--error-threshold"},
		{"block size twice", []string{good, "--block-size", "3", "--max-synthesis-size", "4"}, "same option"},
		{"max synthesis size", []string{good, "--max-synthesis-size", "9"}, "--block-size"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, _, stderr := invoke(t, tc.args...)
			if code != 2 {
				t.Fatalf("exit %d, want 2; stderr %q", code, stderr)
			}
			if !strings.Contains(stderr, tc.want) {
				t.Fatalf("stderr %q does not contain %q", stderr, tc.want)
			}
			if strings.Contains(stderr, "goroutine ") || strings.Contains(stderr, "panic") {
				t.Fatalf("stack trace on stderr: %s", stderr)
			}
		})
	}
}

func TestCompileJSONAndVerify(t *testing.T) {
	in := writeFile(t, "in.qasm", smallQASM)
	dir := t.TempDir()
	out, stats := filepath.Join(dir, "out.qasm"), filepath.Join(dir, "stats.json")
	code, _, stderr := invoke(t, in, "-o", out, "-O", "2", "--seed", "7", "--workers", "2", "--block-size", "3",
		"--json", stats, "--verify")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	s, b := readStats(t, stats)
	keys := make([]string, 0, len(s))
	for k := range s {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	want := []string{"block_size", "cost", "distance", "error_bound", "input", "optimization_level", "output", "passes", "ranks",
		"runtime", "runtime_version", "seconds", "seed", "synthesis_epsilon", "version", "workers"}
	if !slices.Equal(keys, want) {
		t.Fatalf("keys %v, want %v", keys, want)
	}
	if s["cost"] == nil || s["distance"] == nil || s["workers"].(float64) != 2 || s["ranks"].(float64) != 1 ||
		s["seed"].(float64) != 7 || s["runtime"] != "embedded" || !strings.HasPrefix(s["version"].(string), "bqskit-compile ") {
		t.Fatalf("stats %v", s)
	}
	checkPasses(t, b)
	inInfo, outInfo := s["input"].(map[string]any), s["output"].(map[string]any)
	if outInfo["two_qubit_gates"].(float64) > inInfo["two_qubit_gates"].(float64) {
		t.Fatalf("two-qubit count grew: %v -> %v", inInfo, outInfo)
	}
	c, err := qasm.ParseFile(out)
	if err != nil {
		t.Fatal(err)
	}
	for name := range c.GateCounts() {
		if name != "cx" && name != "u3" && name != "measure" {
			t.Fatalf("output gate %s", name)
		}
	}
	// Without --verify, cost and distance are null.
	code, _, stderr = invoke(t, in, "-o", out, "--json", stats)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	b, _ = os.ReadFile(stats)
	if !bytes.Contains(b, []byte(`"cost":null`)) || !bytes.Contains(b, []byte(`"distance":null`)) {
		t.Fatalf("stats without --verify: %s", b)
	}
	// A loose threshold lets scanning drop a small rotation that cannot be
	// absorbed exactly: the default bound (2 x 0.01 x accepted) passes, a
	// tight --max-cost fails with exit 1.
	loose := writeFile(t, "loose.qasm", "OPENQASM 2.0;\ninclude \"qelib1.inc\";\nqreg q[2];\nry(0.01) q[0];\ncx q[0],q[1];\n")
	wf := writeFile(t, "loose.json", `[{"pass":"retarget"},{"pass":"fill_u3"},{"pass":"scanning_gate_removal","success_threshold":0.01},{"pass":"single_qubit_fusion"}]`)
	code, _, stderr = invoke(t, loose, "-o", out, "--workflow", wf, "--verify", "--json", stats)
	if code != 0 {
		t.Fatalf("default bound: exit %d, stderr %q", code, stderr)
	}
	b, _ = os.ReadFile(stats)
	if err := json.Unmarshal(b, &s); err != nil || s["cost"].(float64) < 1e-7 {
		t.Fatalf("loose compile stats %s (want a cost above 1e-7)", b)
	}
	code, _, stderr = invoke(t, loose, "-o", out, "--workflow", wf, "--verify", "--max-cost", "1e-7")
	if code != 1 || !strings.Contains(stderr, "exceeds --max-cost") {
		t.Fatalf("exit %d, stderr %q; want 1 and a cost message", code, stderr)
	}
}

// checkPasses checks the per-pass statistics of stats: every pass of a
// level has a name, seconds and a two-qubit count, and partitioning and
// for_each_block are among them.
func checkPasses(t *testing.T, stats []byte) {
	t.Helper()
	var s struct {
		Passes []struct {
			Pass     string   `json:"pass"`
			Seconds  *float64 `json:"seconds"`
			TwoQubit *int     `json:"two_qubit_gates"`
		} `json:"passes"`
	}
	if err := json.Unmarshal(stats, &s); err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, p := range s.Passes {
		if p.Pass == "" || p.Seconds == nil || *p.Seconds < 0 || p.TwoQubit == nil {
			t.Errorf("pass entry %+v", p)
		}
		names = append(names, p.Pass)
	}
	if !slices.Contains(names, "quick_partition") || !slices.Contains(names, "for_each_block") || !slices.Contains(names, "unfold") {
		t.Errorf("passes %v lack quick_partition, for_each_block or unfold", names)
	}
}

func TestSameOutputAnyWorkers(t *testing.T) {
	in := writeFile(t, "in.qasm", smallQASM)
	var outs []string
	for _, w := range []string{"1", "2"} {
		code, stdout, stderr := invoke(t, in, "-O", "2", "--seed", "3", "--workers", w)
		if code != 0 {
			t.Fatalf("workers %s: exit %d: %s", w, code, stderr)
		}
		outs = append(outs, stdout)
	}
	if outs[0] != outs[1] {
		t.Fatalf("outputs differ:\n%s\n---\n%s", outs[0], outs[1])
	}
}

// writeNPY writes a C-order complex128 .npy file.
func writeNPY(t *testing.T, m linalg.Matrix) string {
	t.Helper()
	var buf bytes.Buffer
	buf.WriteString("\x93NUMPY\x01\x00")
	h := fmt.Sprintf("{'descr': '<c16', 'fortran_order': False, 'shape': (%d, %d), }", m.Rows, m.Cols)
	for (10+len(h)+1)%64 != 0 {
		h += " "
	}
	h += "\n"
	binary.Write(&buf, binary.LittleEndian, uint16(len(h)))
	buf.WriteString(h)
	binary.Write(&buf, binary.LittleEndian, m.Data)
	p := filepath.Join(t.TempDir(), "u.npy")
	if err := os.WriteFile(p, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestUnitaryInput(t *testing.T) {
	u := linalg.HaarRandom(4, rand.New(rand.NewPCG(5, 6)))
	in := writeNPY(t, u)
	dir := t.TempDir()
	out, stats := filepath.Join(dir, "out.qasm"), filepath.Join(dir, "s.json")
	code, _, stderr := invoke(t, in, "-O", "1", "--seed", "2", "-o", out, "--json", stats, "--verify")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	c := parseCXU3(t, out)
	if c.TwoQubitCount() > 3 {
		t.Errorf("%d CX for a 2-qubit unitary (at most 3 needed)", c.TwoQubitCount())
	}
	var s struct {
		Input    map[string]int `json:"input"`
		Output   circuit.Info   `json:"output"`
		Seconds  float64        `json:"seconds"`
		Cost     *float64       `json:"cost"`
		Distance *float64       `json:"distance"`
		Level    *int           `json:"optimization_level"`
		Seed     *uint64        `json:"seed"`
		Workers  *int           `json:"workers"`
		Version  string         `json:"version"`
		Passes   []any          `json:"passes"`
	}
	b, _ := os.ReadFile(stats)
	if err := json.Unmarshal(b, &s); err != nil {
		t.Fatal(err)
	}
	if s.Input["qubits"] != 2 || s.Output.Qubits != 2 || s.Cost == nil || *s.Cost > 1e-8 || s.Distance == nil || *s.Distance > 1e-4 ||
		s.Level == nil || *s.Level != 1 || s.Seed == nil || *s.Seed != 2 || s.Workers == nil || s.Version == "" || len(s.Passes) == 0 {
		t.Fatalf("stats %s", b)
	}
	if got := linalg.Cost(u, c.Unitary()); got > 1e-8 {
		t.Fatalf("written circuit cost %g", got)
	}
}

func TestNonUnitaryNPY(t *testing.T) {
	m := linalg.New(4, 4)
	m.Data[0] = 2
	code, _, stderr := invoke(t, writeNPY(t, m))
	if code != 2 || !strings.Contains(stderr, "u.npy") {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
}

// TestCompileOptionFlags: --error-threshold 0 keeps the error bound at 0
// (the refusals are counted in --json), --synthesis-epsilon and
// --max-synthesis-size reach the statistics.
func TestCompileOptionFlags(t *testing.T) {
	in := writeFile(t, "in.qasm", smallQASM)
	dir := t.TempDir()
	out, stats := filepath.Join(dir, "out.qasm"), filepath.Join(dir, "stats.json")
	code, _, stderr := invoke(t, in, "-o", out, "--seed", "7", "--workers", "2", "--max-synthesis-size", "2",
		"--synthesis-epsilon", "1e-10", "--error-threshold", "0", "--json", stats, "--verify")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	s, b := readStats(t, stats)
	if s["block_size"].(float64) != 2 || s["synthesis_epsilon"].(float64) != 1e-10 || s["error_threshold"].(float64) != 0 ||
		s["error_bound"].(float64) != 0 || s["refused_for_error"] == nil {
		t.Fatalf("stats %s", b)
	}
}

// readStats reads the --json statistics file at path, as a map and as
// the raw bytes (for failure messages).
func readStats(t *testing.T, path string) (map[string]any, []byte) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var s map[string]any
	if err := json.Unmarshal(b, &s); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return s, b
}

// parseCXU3 parses the written circuit at path and fails unless every
// gate in it is cx or u3.
func parseCXU3(t *testing.T, path string) *circuit.Circuit {
	t.Helper()
	c, err := qasm.ParseFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for name := range c.GateCounts() {
		if name != "cx" && name != "u3" {
			t.Fatalf("%s: output gate %s", path, name)
		}
	}
	return c
}
