package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bqskit-mpi/bqskit-mpi/machine"
	"github.com/bqskit-mpi/bqskit-mpi/qasm"
)

func TestCompileForMachine(t *testing.T) {
	in := filepath.Join(sharedDir, "qft5.qasm")
	dev := writeFile(t, "dev.json", `{"qubits":5,"edges":[[0,1],[1,2],[1,3],[3,4]],"gates":["cz","rz","sx"]}`)
	for _, tc := range []struct {
		args  []string
		model string // spec to check against
		gates string
	}{
		{[]string{"--coupling", "linear:5", "--gates", "ibm"}, "linear:5", "ibm"},
		{[]string{"--coupling", "grid:2x3"}, "grid:2x3", "cx,u3"},
		{[]string{"--coupling", dev}, dev, "cz,rz,sx"},
		{[]string{"--gates", "iswap"}, "all-to-all:5", "iswap"},
	} {
		dir := t.TempDir()
		outPath, stats := filepath.Join(dir, "out.qasm"), filepath.Join(dir, "s.json")
		args := append([]string{"--workers", "2", "--verify", "--with-mapping", "-o", outPath, "--json", stats, in}, tc.args...)
		code, _, stderr := invoke(t, args...)
		if code != 0 {
			t.Fatalf("%v: exit %d: %s", tc.args, code, stderr)
		}
		if !strings.Contains(stderr, "initial_mapping [") {
			t.Errorf("%v: --with-mapping printed nothing: %s", tc.args, stderr)
		}
		out, err := qasm.ParseFile(outPath)
		if err != nil {
			t.Fatal(err)
		}
		m, err := machine.ParseCoupling(tc.model, 5)
		if err != nil {
			t.Fatal(err)
		}
		gs, err := machine.ParseGates(tc.gates)
		if err != nil {
			t.Fatal(err)
		}
		for i, op := range out.Ops() {
			if !gs.Contains(op.Gate.Name()) {
				t.Fatalf("%v: op %d %s not native", tc.args, i, op.Gate.Name())
			}
			if len(op.Qubits) == 2 && !m.Coupled(op.Qubits[0], op.Qubits[1]) {
				t.Fatalf("%v: op %d on uncoupled %v", tc.args, i, op.Qubits)
			}
		}
		b, err := os.ReadFile(stats)
		if err != nil {
			t.Fatal(err)
		}
		var s struct {
			Initial  []int    `json:"initial_mapping"`
			Final    []int    `json:"final_mapping"`
			Distance *float64 `json:"distance"`
		}
		if err := json.Unmarshal(b, &s); err != nil || len(s.Initial) != m.NumQubits() || len(s.Final) != m.NumQubits() || s.Distance == nil {
			t.Fatalf("%v: stats %s (%v)", tc.args, b, err)
		}
	}
}

func TestMachineUsageErrors(t *testing.T) {
	in := writeFile(t, "in.qasm", smallQASM)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--coupling", "linear:2", in}, "2 qubits, the circuit 3"},
		{[]string{"--coupling", "moebius:3", in}, "unknown kind"},
		{[]string{"--gates", "cx,foo", in}, "unknown gate"},
		{[]string{"--with-mapping", in}, "--with-mapping needs"},
		{[]string{"--coupling", writeFile(t, "bad.json", `{"qubits":3,"edges":[[0,7]]}`), in}, "edges[0]"},
	} {
		code, _, stderr := invoke(t, tc.args...)
		if code != exitUsage || !strings.Contains(stderr, tc.want) {
			t.Errorf("%v: exit %d, stderr %q; want usage error with %q", tc.args, code, stderr, tc.want)
		}
	}
}

func TestHelpExplainsMachineFlags(t *testing.T) {
	_, stdout, _ := invoke(t, "--help")
	for _, f := range []string{"--coupling", "--gates", "--with-mapping", "heavy-hex:D"} {
		if !strings.Contains(stdout, f) {
			t.Errorf("--help does not mention %s", f)
		}
	}
}

// TestRemoteMachineMatchesLocal: a machine model goes through the protocol
// and the server gives the same circuit and mappings as the embedded
// runtime.
func TestRemoteMachineMatchesLocal(t *testing.T) {
	addr, tokenFile := startRemoteServer(t)
	in := writeFile(t, "small.qasm", smallQASM)
	dev := writeFile(t, "dev.json", `{"qubits":4,"edges":[[0,1],[1,2],[2,3]]}`)
	dir := t.TempDir()
	var outs [2]string
	var stats [2]map[string]any
	for i, remote := range []bool{false, true} {
		jsonPath := filepath.Join(dir, []string{"local.json", "remote.json"}[i])
		o, err := parseArgs([]string{in, "--seed", "3", "--coupling", dev, "--gates", "ibm", "--json", jsonPath, "--verify"}, &bytes.Buffer{})
		if err != nil {
			t.Fatal(err)
		}
		var stdout, stderr bytes.Buffer
		if remote {
			err = compileRemote(context.Background(), o, &remoteOptions{ip: addr, tokenFile: tokenFile}, &stdout, &stderr)
		} else {
			err = compileLocal(context.Background(), o, &stdout, &stderr)
		}
		if err != nil {
			t.Fatalf("remote=%v: %v\n%s", remote, err, stderr.String())
		}
		outs[i] = stdout.String()
		stats[i] = statsWithout(t, jsonPath, "seconds", "passes", "workers", "ranks", "runtime", "server", "runtime_version")
	}
	if outs[0] != outs[1] || !strings.Contains(outs[1], "// final_mapping: [") {
		t.Errorf("remote circuit differs from local:\nlocal:\n%s\nremote:\n%s", outs[0], outs[1])
	}
	a, _ := json.Marshal(stats[0])
	b, _ := json.Marshal(stats[1])
	if !bytes.Equal(a, b) || stats[1]["final_mapping"] == nil {
		t.Errorf("statistics differ:\nlocal  %s\nremote %s", a, b)
	}
}
