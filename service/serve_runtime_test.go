package service

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/bqskit-mpi/bqskit-mpi/client"
)

// TestServeAnnouncesRuntime: a server's welcome describes its runtime
// (EmbeddedBackend: 1 rank, its workers) with the server's version line.
func TestServeAnnouncesRuntime(t *testing.T) {
	dir := t.TempDir()
	ep := Endpoint{Bind: "127.0.0.1", NoAuth: true, AddressFile: filepath.Join(dir, "addr")}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- Serve(ctx, ep, ServeConfig{Name: "test-server", Stderr: &bytes.Buffer{}, Shutdown: 5 * time.Second},
			func() (*Backend, error) { return EmbeddedBackend(2, nil) })
	}()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
	}()
	var addr string
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(5 * time.Millisecond) {
		if b, err := os.ReadFile(ep.AddressFile); err == nil {
			addr = strings.TrimSpace(string(b))
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("no address file")
		}
	}
	c, err := client.Dial(ctx, addr, client.WithNoToken())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if rt := c.Runtime(); rt == nil || rt.Ranks != 1 || rt.Workers != 2 || !strings.HasPrefix(rt.Version, "test-server ") {
		t.Errorf("welcome runtime %+v", rt)
	}
}
