package servicetest

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bqskit-mpi/bqskit-mpi/compiler"
	"github.com/bqskit-mpi/bqskit-mpi/gateway"
	"github.com/bqskit-mpi/bqskit-mpi/gateway/gatewaytest"
	"github.com/bqskit-mpi/bqskit-mpi/qasm"
	"github.com/bqskit-mpi/bqskit-mpi/service"
)

// StartEmbedded starts an embedded runtime of workers workers and serves it
// through a gateway on 127.0.0.1:0 (gatewaytest.Start: cfg.Token defaults
// to a fresh token unless cfg.NoAuth). At clean-up the gateway stops
// first, then the runtime.
func StartEmbedded(t testing.TB, workers int, cfg gateway.Config) (*gatewaytest.Server, *service.Service) {
	t.Helper()
	svc, err := service.StartEmbedded(context.Background(), service.EmbeddedConfig{Workers: workers}, nil)
	if err != nil {
		t.Fatal(err)
	}
	// Cleanups run last-in first-out: the gateway stops before the runtime.
	t.Cleanup(func() {
		if err := svc.Stop(); err != nil {
			t.Errorf("runtime stop: %v", err)
		}
	})
	return gatewaytest.Start(t, cfg, svc), svc
}

// WaitAddressFile waits until the server command writing path has written
// its address (one line, HOST:PORT) and returns it. It fails t when exited
// is closed first (the command ended) or after timeout, showing output.
func WaitAddressFile(t testing.TB, path string, timeout time.Duration, exited <-chan struct{}, output fmt.Stringer) string {
	t.Helper()
	deadline := time.After(timeout)
	for {
		// The file is written by a rename: it is complete once it exists.
		if b, err := os.ReadFile(path); err == nil {
			if !bytes.HasSuffix(b, []byte("\n")) || bytes.Count(b, []byte("\n")) != 1 {
				t.Fatalf("address file %q is not one line", b)
			}
			return strings.TrimSpace(string(b))
		}
		select {
		case <-exited:
			t.Fatalf("the server ended before writing its address file:\n%s", output)
		case <-deadline:
			t.Fatalf("no address file after %v:\n%s", timeout, output)
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// WaitOutput waits until output contains want and returns output's text
// then. A command's output reaches a test through a pipe copied by another
// goroutine, so a line the command printed before writing its address
// file may arrive after the test has seen the file: read start-up lines
// with WaitOutput, never right after WaitAddressFile. It fails t when
// exited is closed first or after timeout.
func WaitOutput(t testing.TB, output fmt.Stringer, want string, timeout time.Duration, exited <-chan struct{}) string {
	t.Helper()
	deadline := time.After(timeout)
	for {
		out := output.String()
		if strings.Contains(out, want) {
			return out
		}
		select {
		case <-exited:
			// The copy is complete once the command has been waited for.
			if out = output.String(); strings.Contains(out, want) {
				return out
			}
			t.Fatalf("the command ended without printing %q:\n%s", want, out)
		case <-deadline:
			t.Fatalf("no %q in the output after %v:\n%s", want, timeout, output)
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// SyncBuffer is a bytes.Buffer that goroutines may share, e.g. as a
// command's standard error while the test reads it.
type SyncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *SyncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *SyncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// Circuit returns the text of one of the repository's benchmark circuits
// (testdata/circuits/bqskit/name).
func Circuit(t testing.TB, name string) string {
	t.Helper()
	_, here, _, ok := runtime.Caller(0)
	if !ok {
		t.Fatal("servicetest: no source location for the testdata directory")
	}
	b, err := os.ReadFile(filepath.Join(filepath.Dir(here), "..", "..", "testdata", "circuits", "bqskit", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// Verify fails t unless out is QASM implementing the same unitary as in
// (compiler.Verify cost at most 1e-6).
func Verify(t testing.TB, in, out string) {
	t.Helper()
	a, err := qasm.Parse("in", []byte(in))
	if err != nil {
		t.Fatal(err)
	}
	b, err := qasm.Parse("out", []byte(out))
	if err != nil {
		t.Fatalf("result is not QASM: %v", err)
	}
	v, err := compiler.Verify(a, b, 1)
	if err != nil || v.Cost > 1e-6 {
		t.Fatalf("result does not verify: %+v %v", v, err)
	}
}
