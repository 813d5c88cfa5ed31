package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bqskit-mpi/bqskit-mpi/gateway"
	"github.com/bqskit-mpi/bqskit-mpi/protocol"
	"github.com/bqskit-mpi/bqskit-mpi/service/servicetest"
)

// startRemoteServer runs an embedded runtime behind a gateway on a
// loopback port and returns its address and token file.
func startRemoteServer(t *testing.T) (addr, tokenFile string) {
	t.Helper()
	tokenFile = filepath.Join(t.TempDir(), "token")
	tok, _, _, err := protocol.ServerToken(tokenFile, func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	srv, _ := servicetest.StartEmbedded(t, 2, gateway.Config{Token: tok, Runtime: &protocol.Runtime{Ranks: 1, Workers: 2, Slots: 2, Version: "test-server"}})
	return srv.Addr, tokenFile
}

func statsWithout(t *testing.T, path string, drop ...string) map[string]any {
	t.Helper()
	m, _ := readStats(t, path)
	for _, k := range drop {
		delete(m, k)
	}
	return m
}

// TestRemoteMatchesLocal: --ip gives the same circuit and statistics as
// the embedded runtime for the same flags and seed.
func TestRemoteMatchesLocal(t *testing.T) {
	addr, tokenFile := startRemoteServer(t)
	in := writeFile(t, "small.qasm", smallQASM)
	dir := t.TempDir()
	var outs [2]string
	var stats [2]map[string]any
	for i, remote := range []bool{false, true} {
		jsonPath := filepath.Join(dir, []string{"local.json", "remote.json"}[i])
		o, err := parseArgs([]string{in, "--seed", "11", "-O", "2", "--json", jsonPath, "--verify"}, &bytes.Buffer{})
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
	if outs[0] != outs[1] {
		t.Errorf("remote circuit differs from local:\nlocal:\n%s\nremote:\n%s", outs[0], outs[1])
	}
	a, _ := json.Marshal(stats[0])
	b, _ := json.Marshal(stats[1])
	if !bytes.Equal(a, b) {
		t.Errorf("statistics differ:\nlocal  %s\nremote %s", a, b)
	}
}

func TestRemoteErrors(t *testing.T) {
	addr, _ := startRemoteServer(t)
	in := writeFile(t, "small.qasm", smallQASM)
	o, err := parseArgs([]string{in}, &bytes.Buffer{})
	if err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	wrong := writeFile(t, "token", "0123456789abcdef-wrong\n")
	err = compileRemote(context.Background(), o, &remoteOptions{ip: addr, tokenFile: wrong}, &stdout, &stderr)
	if !errors.Is(err, protocol.ErrAuth) {
		t.Errorf("wrong token: %v", err)
	}
	err = compileRemote(context.Background(), o, &remoteOptions{ip: "host:notaport"}, &stdout, &stderr)
	var ue usageError
	if !errors.As(err, &ue) || !strings.Contains(err.Error(), "--ip") {
		t.Errorf("bad address: %v", err)
	}
}

// TestRemoteCommandLine runs the whole command with --ip.
func TestRemoteCommandLine(t *testing.T) {
	addr, tokenFile := startRemoteServer(t)
	in := writeFile(t, "small.qasm", smallQASM)
	jsonPath := filepath.Join(t.TempDir(), "stats.json")
	code, stdout, stderr := invoke(t, in, "--ip", addr, "--token-file", tokenFile, "-O", "2", "--verify", "--json", jsonPath)
	if code != exitOK || !strings.HasPrefix(stdout, "OPENQASM 2.0;") {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	stats := statsWithout(t, jsonPath)
	if stats["cost"] == nil || stats["output"] == nil {
		t.Errorf("statistics: %v", stats)
	}
	// A refused input exits 2 with the compiler's message; a wrong token 1.
	bad := writeFile(t, "bad.qasm", "OPENQASM 2.0;\nqreg q[1];\nfoo q[0];\n")
	if code, _, stderr := invoke(t, bad, "--ip", addr, "--token-file", tokenFile); code != exitUsage || !strings.Contains(stderr, "bad.qasm:3:") {
		t.Errorf("invalid input: exit %d: %s", code, stderr)
	}
	wrong := writeFile(t, "token", "nope-0123456789abcdef\n")
	if code, _, stderr := invoke(t, in, "--ip", addr, "--token-file", wrong); code != exitFailure || !strings.Contains(stderr, "wrong token") {
		t.Errorf("wrong token: exit %d: %s", code, stderr)
	}
}
