package mpiruntime

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/bqskit-mpi/bqskit-mpi/transport"
)

// scenarioStoppedPeer: rank 1 stops itself (SIGSTOP); rank 0 sends it
// stopMessages messages of TEST_SIZE bytes, each followed by a message to
// itself that must come back through its own pump within 10 s (the pump
// must not block on the stopped peer). Then rank 0 resumes rank 1, which
// must receive every message, in order.
func scenarioStoppedPeer() error {
	r, err := bootFromEnv()
	if err != nil {
		return err
	}
	dir := os.Getenv("TEST_DIR")
	size, _ := strconv.Atoi(os.Getenv("TEST_SIZE"))
	tr := r.Transport()
	if r.Rank() == 1 {
		_ = os.WriteFile(filepath.Join(dir, "pid1"), []byte(strconv.Itoa(os.Getpid())), 0o600)
		_ = syscall.Kill(os.Getpid(), syscall.SIGSTOP)
		n := 0
		for {
			p, err := recvTimeout(tr, 30*time.Second)
			if err != nil {
				return err
			}
			if string(p.Data) == "end" {
				break
			}
			if len(p.Data) != size || (size > 0 && p.Data[0] != byte(n)) {
				return fmt.Errorf("message %d: %d bytes, first %v", n, len(p.Data), p.Data[:min(1, len(p.Data))])
			}
			n++
		}
		fmt.Printf("RESULT rank=1 got=%d\n", n)
		_ = tr.Close()
		return finalize(r)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "pid1")); err == nil {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	time.Sleep(200 * time.Millisecond)
	ctx := context.Background()
	k := 0
	for ; k < stopMessages; k++ {
		m := make([]byte, size)
		if size > 0 {
			m[0] = byte(k)
		}
		_ = tr.Send(ctx, 1, m)
		_ = tr.Send(ctx, tr.Self(), []byte("m"))
		if _, err := recvTimeout(tr, 10*time.Second); err != nil {
			break
		}
	}
	fmt.Printf("RESULT size=%d served=%d\n", size, k)
	pid, _ := os.ReadFile(filepath.Join(dir, "pid1"))
	p, _ := strconv.Atoi(string(pid))
	_ = syscall.Kill(p, syscall.SIGCONT)
	_ = tr.Send(ctx, transport.PeerID(1), []byte("end"))
	_ = tr.Close() // flushes the queue to rank 1, which now receives
	return finalize(r)
}

const stopMessages = 1000

// TestMPIStoppedPeerDoesNotBlockPump: before sends moved to per-peer
// goroutines, the pump blocked in MPI_Send to a stopped rank at once for
// 4000-byte messages and after about 50 small ones, so the whole rank
// froze.
func TestMPIStoppedPeerDoesNotBlockPump(t *testing.T) {
	for _, size := range []int{64, 4000, 20000} {
		t.Run(strconv.Itoa(size), func(t *testing.T) {
			out := runMPI(t, 2, "stoppedpeer", "TEST_DIR="+t.TempDir(), "TEST_SIZE="+strconv.Itoa(size))
			for _, want := range []string{fmt.Sprintf("RESULT size=%d served=%d", size, stopMessages), fmt.Sprintf("RESULT rank=1 got=%d", stopMessages)} {
				if !strings.Contains(out, want) {
					t.Errorf("missing %q in:\n%s", want, out)
				}
			}
		})
	}
}
