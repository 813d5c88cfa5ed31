package main

import (
	"bytes"
	"context"
	"errors"
	"github.com/bqskit-mpi/bqskit-mpi/cli"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bqskit-mpi/bqskit-mpi/client"
	"github.com/bqskit-mpi/bqskit-mpi/protocol"
	"github.com/bqskit-mpi/bqskit-mpi/service/servicetest"
	"go.uber.org/goleak"
)

// Exit statuses.
const (
	exitOK      = cli.ExitOK
	exitFailure = cli.ExitFailure
	exitUsage   = cli.ExitUsage
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m, goleak.Cleanup(func(code int) {
		if binPath != "" {
			os.RemoveAll(filepath.Dir(binPath))
		}
		os.Exit(code)
	}))
}

// startServer runs the command in this process and returns its address
// once the address file appears.
func startServer(t *testing.T, args ...string) (addr string, stop func() int, stderr *servicetest.SyncBuffer) {
	t.Helper()
	dir := t.TempDir()
	addrFile := filepath.Join(dir, "address")
	args = append([]string{"--bind", "127.0.0.1", "--port", "0", "--address-file", addrFile}, args...)
	ctx, cancel := context.WithCancel(context.Background())
	stderr = &servicetest.SyncBuffer{}
	exited := make(chan struct{})
	code := 0
	go func() {
		code = run(ctx, args, io.Discard, stderr)
		close(exited)
	}()
	t.Cleanup(cancel)
	addr = servicetest.WaitAddressFile(t, addrFile, 20*time.Second, exited, stderr)
	var once sync.Once
	stop = func() int {
		once.Do(func() {
			cancel()
			<-exited
			if _, err := os.Stat(addrFile); !os.IsNotExist(err) {
				t.Errorf("address file left behind after exit: %v", err)
			}
		})
		return code
	}
	t.Cleanup(func() { stop() })
	return addr, stop, stderr
}

func TestServeCompileAndStop(t *testing.T) {
	tokenFile := filepath.Join(t.TempDir(), "cfg", "token")
	t.Setenv(protocol.TokenEnv, "")
	addr, stop, stderr := startServer(t, "--workers", "2", "--token-file", tokenFile)
	st, err := os.Stat(tokenFile)
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("token file: %v %v", st, err)
	}
	ctx := context.Background()
	c, err := client.Dial(ctx, addr, client.WithTokenFile(tokenFile))
	if err != nil {
		t.Fatal(err)
	}
	src := "OPENQASM 2.0;\ninclude \"qelib1.inc\";\nqreg q[2];\nh q[0];\ncx q[0],q[1];\ncx q[0],q[1];\n"
	res, err := c.Compile(ctx, &protocol.SubmitRequest{QASM: src})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(res.QASM, "OPENQASM 2.0;") || !strings.Contains(res.QASM, "qreg q[2];") {
		t.Errorf("result is not the compiled circuit:\n%s", res.QASM)
	}
	// Wrong token, from another client.
	if _, err := client.Dial(ctx, addr, client.WithToken("nope-0123456789abcdef")); err == nil || !strings.Contains(err.Error(), "wrong token") {
		t.Errorf("wrong token: %v", err)
	}
	// Stopping with a task in flight: the client learns of the shutdown.
	if _, err := c.Submit(ctx, &protocol.SubmitRequest{QASM: src}); err != nil {
		t.Fatal(err)
	}
	if code := stop(); code != exitOK {
		t.Fatalf("exit status %d:\n%s", code, stderr)
	}
	<-c.Done()
	if !errors.Is(c.Err(), protocol.ErrShuttingDown) {
		t.Errorf("client's error after shutdown: %v", c.Err())
	}
	c.Close()
	if !strings.Contains(stderr.String(), "serving clients on "+addr) {
		t.Errorf("no start-up line in:\n%s", stderr)
	}
}

func TestFlags(t *testing.T) {
	tests := []struct {
		args []string
		code int
		want string
	}{
		{[]string{"--help"}, exitOK, "--address-file"},
		{[]string{"--workers", "0"}, exitUsage, "--workers"},
		{[]string{"--no-auth"}, exitUsage, "--no-auth needs --bind 127.0.0.1"},
		{[]string{"--no-auth", "--bind", "0.0.0.0"}, exitUsage, "--no-auth needs"},
		{[]string{"10.0.0.1:7473", "--workers", "2"}, exitUsage, "--workers sizes the embedded runtime"},
		{[]string{"host:99999"}, exitUsage, "port \"99999\" is not 1 to 65535"},
		{[]string{"a,b", "--connect-timeout", "0s"}, exitUsage, "--connect-timeout"},
		{[]string{"--log-format", "xml"}, exitUsage, "--log-format"},
		{[]string{"--port", "70000"}, exitUsage, "--port"},
		{[]string{"--max-gates", "0"}, exitUsage, "--max-gates"},
		{[]string{"--session-queue-mib", "0"}, exitUsage, "--session-queue-mib"},
		{[]string{"--max-unauthenticated-per-host", "0"}, exitUsage, "--max-unauthenticated-per-host"},
		{[]string{"--bogus"}, exitUsage, "unknown flag: --bogus"},
		{[]string{"-m", "2"}, exitUsage, "unknown shorthand flag: 'm' in -m"},
		{[]string{"--version"}, exitOK, "bqskit-server "},
	}
	for _, tc := range tests {
		var stdout, stderr bytes.Buffer
		code := run(context.Background(), tc.args, &stdout, &stderr)
		// --help and --version answer on standard output, errors on standard error.
		got := stderr.String()
		if code == exitOK {
			got = stdout.String()
		}
		if code != tc.code || !strings.Contains(got, tc.want) {
			t.Errorf("%v: exit %d, want %d; stdout:\n%s\nstderr:\n%s", tc.args, code, tc.code, stdout.String(), stderr.String())
		}
	}
}

func TestNoAuthLoopback(t *testing.T) {
	addr, stop, _ := startServer(t, "--workers", "1", "--no-auth")
	c, err := client.Dial(context.Background(), addr, client.WithNoToken())
	if err != nil {
		t.Fatal(err)
	}
	c.Close()
	if code := stop(); code != exitOK {
		t.Fatalf("exit %d", code)
	}
}
