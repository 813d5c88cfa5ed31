package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/creack/pty"

	"github.com/bqskit-mpi/bqskit-mpi/protocol"
)

// invokeIn runs the command in-process with a terminal decision and an
// environment of its own.
func invokeIn(t *testing.T, terminal bool, env map[string]string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	e := environment{
		isTerminal: func(io.Writer) bool { return terminal },
		getenv:     func(k string) string { return env[k] },
	}
	code = runIn(context.Background(), args, &out, &errb, e)
	return code, out.String(), errb.String()
}

// TestProgressDisplay: on a terminal the command shows the stage's name,
// blocks done/total, and a summary line; not on a pipe, nor with -q. The
// same holds through a server (--ip), whose progress events name the stage.
func TestProgressDisplay(t *testing.T) {
	addr, tokenFile := startRemoteServer(t)
	in := writeFile(t, "small.qasm", smallQASM)
	for _, remote := range []bool{false, true} {
		args := []string{in, "-O", "2", "--seed", "1", "-o", filepath.Join(t.TempDir(), "out.qasm")}
		if remote {
			args = append(args, "--ip", addr, "--token-file", tokenFile)
		}
		code, _, stderr := invokeIn(t, true, nil, args...)
		if code != exitOK {
			t.Fatalf("remote=%v: exit %d: %s", remote, code, stderr)
		}
		// The bar's rate is per second, or per minute when a block takes
		// more than a second (a loaded machine).
		if !strings.Contains(stderr, " blocks/s)") && !strings.Contains(stderr, " blocks/min)") {
			t.Errorf("remote=%v: terminal display lacks a block rate:\n%q", remote, stderr)
		}
		for _, want := range []string{"stage 1: gate removal", "(1/1, ", "bqskit-compile: compiled small.qasm in ", " two-qubit gates, ", " stage"} {
			if !strings.Contains(stderr, want) {
				t.Errorf("remote=%v: terminal display lacks %q:\n%q", remote, want, stderr)
			}
		}
		// The summary is the last line.
		if lines := strings.FieldsFunc(stderr, func(r rune) bool { return r == '\r' || r == '\n' }); !strings.HasPrefix(lines[len(lines)-1], "bqskit-compile: compiled ") {
			t.Errorf("remote=%v: last line %q is not the summary", remote, lines[len(lines)-1])
		}
		for _, tc := range []struct {
			terminal bool
			extra    []string
		}{{false, nil}, {true, []string{"-q"}}} {
			code, _, stderr := invokeIn(t, tc.terminal, nil, append(args, tc.extra...)...)
			if code != exitOK || stderr != "" {
				t.Errorf("remote=%v terminal=%v %v: exit %d, stderr %q; want 0 and nothing", remote, tc.terminal, tc.extra, code, stderr)
			}
		}
	}
}

// TestProgressStages: a stage starts when the cumulative block total
// grows; each bar counts that stage's blocks only.
func TestProgressStages(t *testing.T) {
	var buf bytes.Buffer
	p := newProgress(&buf, true)
	p.update("gate removal", 0, 4)
	p.update("gate removal", 4, 4)
	p.update("resynthesis", 4, 10)
	p.update("resynthesis", 10, 10)
	p.finish("done")
	out := buf.String()
	for _, want := range []string{"stage 1: gate removal", "(4/4, ", "stage 2: resynthesis", "(6/6, ", " blocks/s)", "done\n"} {
		if !strings.Contains(out, want) {
			t.Errorf("display lacks %q:\n%q", want, out)
		}
	}
	if strings.Contains(out, "/10") {
		t.Errorf("a bar counts the cumulative total:\n%q", out)
	}
	if p.stageCount() != 2 {
		t.Errorf("%d stages", p.stageCount())
	}
	var off bytes.Buffer
	q := newProgress(&off, false)
	q.update("x", 1, 2)
	q.finish("done")
	if off.Len() != 0 {
		t.Errorf("display off wrote %q", off.String())
	}
}

// TestVerbose: -v lists the passes with their times; -vv adds debug
// records of the compile.
func TestVerbose(t *testing.T) {
	in := writeFile(t, "small.qasm", smallQASM)
	out := filepath.Join(t.TempDir(), "out.qasm")
	_, _, quiet := invokeIn(t, false, nil, in, "-o", out)
	if strings.Contains(quiet, "pass ") {
		t.Errorf("without -v: %q", quiet)
	}
	code, _, v := invokeIn(t, false, nil, in, "-o", out, "-v")
	if code != exitOK || !strings.Contains(v, "bqskit-compile: pass for_each_block") || !strings.Contains(v, "s  ") {
		t.Errorf("-v: exit %d, stderr %q", code, v)
	}
	code, _, vv := invokeIn(t, false, nil, in, "-o", out, "-vv")
	if code != exitOK || !strings.Contains(vv, "DEBUG") || !strings.Contains(vv, "partitioned") {
		t.Errorf("-vv: exit %d, stderr %q", code, vv)
	}
	if strings.Contains(v, "DEBUG") {
		t.Errorf("-v shows debug records: %q", v)
	}
}

// TestOutputCheckedFirst: an unwritable -o or --json is refused (exit 2)
// before the compile starts: with an already cancelled context a compile
// would exit 130, so exit 2 shows the check came first.
func TestOutputCheckedFirst(t *testing.T) {
	in := writeFile(t, "small.qasm", smallQASM)
	dir := t.TempDir()
	file := writeFile(t, "plain", "x")
	cases := []struct {
		name, flag, path, want string
	}{
		{"missing directory", "-o", filepath.Join(dir, "none", "out.qasm"), "--output: directory "},
		{"directory is a file", "-o", filepath.Join(file, "out.qasm"), "is not a directory"},
		{"output is a directory", "-o", dir, "is a directory"},
		{"json missing directory", "--json", filepath.Join(dir, "none", "s.json"), "--json: directory "},
	}
	if runtime.GOOS == "linux" {
		// Not writable even for root.
		cases = append(cases, struct{ name, flag, path, want string }{"unwritable", "-o", "/proc/out.qasm", "--output: cannot write in directory /proc"})
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			code := runIn(ctx, []string{in, tc.flag, tc.path}, &out, &errb, environment{isTerminal: isTerminal, getenv: func(string) string { return "" }})
			if code != exitUsage || !strings.Contains(errb.String(), tc.want) {
				t.Errorf("exit %d, stderr %q; want 2 and %q", code, errb.String(), tc.want)
			}
		})
	}
	// The check leaves nothing behind.
	if ents, _ := os.ReadDir(dir); len(ents) != 0 {
		t.Errorf("files left in the output directory: %v", ents)
	}
}

// TestAddressFromEnvironment: without --ip the command compiles on the
// server in $BQSKIT_MPI_ADDRESS with the token in $BQSKIT_MPI_TOKEN_FILE,
// and its statistics show the server's runtime; --local and --ip win.
func TestAddressFromEnvironment(t *testing.T) {
	addr, tokenFile := startRemoteServer(t)
	in := writeFile(t, "small.qasm", smallQASM)
	stats := filepath.Join(t.TempDir(), "s.json")
	env := map[string]string{protocol.AddressEnv: addr, protocol.TokenFileEnv: tokenFile}
	read := func() map[string]any {
		t.Helper()
		m, _ := readStats(t, stats)
		os.Remove(stats)
		return m
	}
	code, _, stderr := invokeIn(t, false, env, in, "--json", stats, "--workers", "7")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	// The server's runtime (startRemoteServer announces 2 workers), not --workers.
	if m := read(); m["runtime"] != "server" || m["server"] != addr || m["workers"] != 2.0 || m["ranks"] != 1.0 || m["runtime_version"] != "test-server" {
		t.Errorf("stats with $%s: %v", protocol.AddressEnv, m)
	}
	code, _, stderr = invokeIn(t, false, env, in, "--json", stats, "--workers", "3", "--local")
	if m := read(); code != exitOK || m["runtime"] != "embedded" || m["workers"] != 3.0 {
		t.Errorf("--local: exit %d, %s, stats %v", code, stderr, m)
	}
	bad := map[string]string{protocol.AddressEnv: "host:notaport", protocol.TokenFileEnv: tokenFile}
	code, _, stderr = invokeIn(t, false, bad, in)
	if code != exitUsage || !strings.Contains(stderr, "$"+protocol.AddressEnv) {
		t.Errorf("bad $%s: exit %d, %s", protocol.AddressEnv, code, stderr)
	}
	code, _, stderr = invokeIn(t, false, bad, in, "--ip", addr)
	if code != exitOK {
		t.Errorf("--ip over a bad $%s: exit %d, %s", protocol.AddressEnv, code, stderr)
	}
	if code, _, stderr := invokeIn(t, false, nil, in, "--ip", addr, "--local"); code != exitUsage || !strings.Contains(stderr, "exclusive") {
		t.Errorf("--ip with --local: exit %d, %s", code, stderr)
	}
}

// buildCommand builds bqskit-compile into a temporary directory.
func buildCommand(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds the command")
	}
	bin := filepath.Join(t.TempDir(), "bqskit-compile")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	return bin
}

// TestTerminalDisplayOnPTY runs the built command with its standard error
// on a pseudo-terminal: the display and summary show there, and not when
// standard error is a pipe.
func TestTerminalDisplayOnPTY(t *testing.T) {
	bin := buildCommand(t)
	in := writeFile(t, "small.qasm", smallQASM)
	out := filepath.Join(t.TempDir(), "out.qasm")
	cmd := exec.Command(bin, in, "-O", "2", "-o", out)
	ptmx, tty, err := pty.Open()
	if err != nil {
		t.Skipf("no pseudo-terminal: %v", err)
	}
	defer ptmx.Close()
	cmd.Stderr = tty
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	tty.Close()
	var shown bytes.Buffer
	copied := make(chan struct{})
	go func() {
		defer close(copied)
		io.Copy(&shown, ptmx) // ends with EIO once the command exits
	}()
	err = cmd.Wait()
	<-copied
	if err != nil {
		t.Fatalf("%v: %q", err, shown.String())
	}
	for _, want := range []string{"stage 1: gate removal", "blocks", "bqskit-compile: compiled small.qasm in "} {
		if !strings.Contains(shown.String(), want) {
			t.Errorf("terminal shows no %q:\n%q", want, shown.String())
		}
	}
	piped, err := exec.Command(bin, in, "-O", "2", "-o", out).CombinedOutput()
	if err != nil || len(piped) != 0 {
		t.Errorf("on a pipe: %v, output %q; want none", err, piped)
	}
}

// TestInterrupt starts a long compile (embedded, then through a server),
// sends SIGINT once the compile is under way, and expects exit 130 with a
// one-line message.
func TestInterrupt(t *testing.T) {
	bin := buildCommand(t)
	big := filepath.Join(sharedDir, "heisenberg16.qasm")
	if _, err := os.Stat(big); err != nil {
		t.Skipf("no test circuit: %v", err)
	}
	addr, tokenFile := startRemoteServer(t)
	for _, remote := range []bool{false, true} {
		args := []string{big, "-O", "3", "--workers", "1", "-vv", "-o", filepath.Join(t.TempDir(), "out.qasm")}
		if remote {
			args = append(args, "--ip", addr, "--token-file", tokenFile)
		}
		cmd := exec.Command(bin, args...)
		stderr, err := cmd.StderrPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		// A compile that outlives the interrupt by far fails the test.
		guard := time.AfterFunc(3*time.Minute, func() { cmd.Process.Kill() })
		// -vv logs debug records once the compile runs (the partition
		// first); wait for the first, then interrupt.
		sc := bufio.NewScanner(stderr)
		var lines []string
		started := false
		for sc.Scan() {
			lines = append(lines, sc.Text())
			if !started {
				started = true
				time.Sleep(200 * time.Millisecond)
				if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
					t.Fatal(err)
				}
			}
		}
		err = cmd.Wait()
		guard.Stop()
		var ee *exec.ExitError
		if !errors.As(err, &ee) || ee.ExitCode() != exitInterrupted {
			t.Fatalf("remote=%v: %v, want exit 130; stderr:\n%s", remote, err, strings.Join(lines, "\n"))
		}
		if !started || lines[len(lines)-1] != "bqskit-compile: interrupted: compilation cancelled" {
			t.Errorf("remote=%v: last line %q", remote, lines[len(lines)-1])
		}
	}
}

// TestNumpyUnitaries synthesizes unitaries numpy wrote in complex64 and in
// real float64: both compile, verify, and the statistics carry the level,
// seed and distance.
func TestNumpyUnitaries(t *testing.T) {
	for _, name := range []string{"c8.npy", "f8.npy", "hdr_reordered_no_comma.npy"} {
		in := filepath.Join("..", "..", "unitaryio", "testdata", name)
		stats := filepath.Join(t.TempDir(), "s.json")
		code, _, stderr := invokeIn(t, false, nil, in, "-O", "1", "--seed", "4", "--verify", "--json", stats, "-o", filepath.Join(t.TempDir(), "o.qasm"))
		if code != exitOK {
			t.Fatalf("%s: exit %d: %s", name, code, stderr)
		}
		b, err := os.ReadFile(stats)
		if err != nil {
			t.Fatal(err)
		}
		var s map[string]any
		if err := json.Unmarshal(b, &s); err != nil {
			t.Fatal(err)
		}
		if s["optimization_level"] != 1.0 || s["seed"] != 4.0 || s["distance"] == nil || s["cost"] == nil || s["version"] == nil {
			t.Errorf("%s: stats %s", name, b)
		}
	}
}
