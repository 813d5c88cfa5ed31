package service

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bqskit-mpi/bqskit-mpi/cli"
	"github.com/bqskit-mpi/bqskit-mpi/gateway"
	"github.com/bqskit-mpi/bqskit-mpi/protocol"
)

func TestEndpointCheck(t *testing.T) {
	for _, tc := range []struct {
		ep   Endpoint
		want string
	}{
		{Endpoint{Port: 0, Bind: "127.0.0.1", NoAuth: true}, ""},
		{Endpoint{Port: 70000}, "--port: want 0 to 65535, got 70000"},
		{Endpoint{Port: -1}, "--port"},
		{Endpoint{NoAuth: true}, "--no-auth needs --bind 127.0.0.1 (or ::1): refusing to serve all interfaces"},
		{Endpoint{NoAuth: true, Bind: "10.0.0.1"}, "refusing to serve 10.0.0.1"},
	} {
		err := tc.ep.Check()
		var ue cli.UsageError
		if tc.want == "" && err != nil || tc.want != "" && (!errors.As(err, &ue) || !strings.Contains(err.Error(), tc.want)) {
			t.Errorf("%+v: %v, want %q", tc.ep, err, tc.want)
		}
	}
	ep := Endpoint{AddressFile: "addr", PIDFile: "pid"}
	if err := ep.Check(); err != nil || !filepath.IsAbs(ep.AddressFile) || !filepath.IsAbs(ep.PIDFile) {
		t.Errorf("run files not made absolute: %+v %v", ep, err)
	}
}

// idleBackend accepts sessions and runs nothing.
type idleBackend struct{}

func (idleBackend) OpenSession(context.Context, gateway.SessionInfo, gateway.EventSink) (gateway.Session, error) {
	return nil, errors.New("no sessions in this test")
}

func TestServeRunFilesAndShutdown(t *testing.T) {
	dir := t.TempDir()
	ep := Endpoint{Bind: "127.0.0.1", NoAuth: true, AddressFile: filepath.Join(dir, "addr"), PIDFile: filepath.Join(dir, "pid")}
	var stderr bytes.Buffer
	var stopped atomic.Int32
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- Serve(ctx, ep, ServeConfig{Name: "test-server", Stderr: &stderr, Shutdown: 5 * time.Second}, func() (*Backend, error) {
			return &Backend{Backend: idleBackend{}, Summary: "2 workers", Stop: func(context.Context) error { stopped.Add(1); return nil }}, nil
		})
	}()
	var addr []byte
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(5 * time.Millisecond) {
		if b, err := os.ReadFile(ep.AddressFile); err == nil {
			addr = b
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("no address file")
		}
	}
	if !strings.HasPrefix(string(addr), "127.0.0.1:") || !strings.HasSuffix(string(addr), "\n") {
		t.Errorf("address file %q", addr)
	}
	if b, err := os.ReadFile(ep.PIDFile); err != nil || string(b) != strconv.Itoa(os.Getpid())+"\n" {
		t.Errorf("pid file %q %v", b, err)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if stopped.Load() != 1 {
		t.Errorf("Stop called %d times", stopped.Load())
	}
	for _, f := range []string{ep.AddressFile, ep.PIDFile} {
		if _, err := os.Stat(f); !os.IsNotExist(err) {
			t.Errorf("%s left behind: %v", f, err)
		}
	}
	want := "test-server: serving clients on " + strings.TrimSpace(string(addr)) + " (2 workers, no authentication)\n"
	if stderr.String() != want {
		t.Errorf("start-up line %q, want %q", stderr.String(), want)
	}
}

func TestServeErrors(t *testing.T) {
	local := Endpoint{Bind: "127.0.0.1", NoAuth: true}
	cfg := ServeConfig{Name: "t", Stderr: &bytes.Buffer{}}
	boom := errors.New("boom")
	if err := Serve(context.Background(), local, cfg, func() (*Backend, error) { return nil, boom }); !errors.Is(err, boom) {
		t.Errorf("start error: %v", err)
	}
	dead := make(chan struct{})
	close(dead)
	err := Serve(context.Background(), local, cfg, func() (*Backend, error) {
		return &Backend{Backend: idleBackend{}, Done: dead, Stop: func(context.Context) error { return nil }}, nil
	})
	if !errors.Is(err, ErrRuntimeStopped) {
		t.Errorf("runtime ended: %v", err)
	}
	bad := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(bad, []byte("secret\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv(protocol.TokenEnv, "")
	err = Serve(context.Background(), Endpoint{Bind: "127.0.0.1", TokenFile: bad}, cfg, func() (*Backend, error) {
		t.Error("start called despite a bad token file")
		return nil, boom
	})
	if !errors.Is(err, protocol.ErrTokenFile) {
		t.Errorf("world-readable token file: %v", err)
	}
	// A token shorter than 16 characters: a usage error at start-up.
	t.Setenv(protocol.TokenEnv, "short")
	err = Serve(context.Background(), Endpoint{Bind: "127.0.0.1"}, cfg, func() (*Backend, error) {
		t.Error("start called despite a short token")
		return nil, boom
	})
	var ue cli.UsageError
	if !errors.Is(err, protocol.ErrShortToken) || !errors.As(err, &ue) || !strings.Contains(err.Error(), "at least 16") {
		t.Errorf("short token: %v", err)
	}
	t.Setenv(protocol.TokenEnv, "")
	slow := make(chan struct{})
	defer close(slow)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err = Serve(ctx, local, ServeConfig{Name: "t", Stderr: &bytes.Buffer{}, Shutdown: 50 * time.Millisecond}, func() (*Backend, error) {
		return &Backend{Backend: idleBackend{}, Stop: func(context.Context) error { <-slow; return nil }}, nil
	})
	if !errors.Is(err, ErrStopTimeout) {
		t.Errorf("slow stop: %v", err)
	}
}
