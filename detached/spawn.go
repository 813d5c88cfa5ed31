package detached

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"time"

	"go.uber.org/zap"

	"github.com/bqskit-mpi/bqskit-mpi/protocol"
)

// ErrWorkerExited: a spawned worker process ended before it joined.
var ErrWorkerExited = errors.New("detached: a spawned worker process exited before joining")

// spawned is the worker processes a manager started.
type spawned struct {
	cmds  []*exec.Cmd
	done  []chan struct{}
	wg    sync.WaitGroup
	mu    sync.Mutex
	quiet bool // the manager is stopping: exits are expected
}

// spawn starts n processes of command+args with the manager's environment
// plus the cluster token ($BQSKIT_MPI_TOKEN) and one BLAS thread unless
// set. A process that exits while the manager still gathers its workers
// calls early with ErrWorkerExited; later exits are logged (the runtime
// handles the loss).
func spawn(command, args []string, n int, token []byte, early context.CancelCauseFunc, log *zap.Logger) (*spawned, error) {
	if len(command) == 0 {
		return nil, fmt.Errorf("detached: no worker command to spawn")
	}
	env := append(os.Environ(), protocol.TokenEnv+"="+string(token))
	if _, ok := os.LookupEnv("OPENBLAS_NUM_THREADS"); !ok {
		env = append(env, "OPENBLAS_NUM_THREADS=1")
	}
	s := &spawned{}
	for range n {
		cmd := exec.Command(command[0], append(command[1:len(command):len(command)], args...)...)
		cmd.Env = env
		cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
		if err := cmd.Start(); err != nil {
			return s, fmt.Errorf("detached: starting worker %s: %w", command[0], err)
		}
		done := make(chan struct{})
		s.cmds, s.done = append(s.cmds, cmd), append(s.done, done)
		s.wg.Go(func() {
			err := cmd.Wait()
			close(done)
			s.mu.Lock()
			quiet := s.quiet
			s.mu.Unlock()
			if quiet {
				return
			}
			early(fmt.Errorf("%w: pid %d: %v", ErrWorkerExited, cmd.Process.Pid, cmd.ProcessState))
			if err != nil {
				log.Warn("worker process ended", zap.Int("pid", cmd.Process.Pid), zap.Stringer("status", cmd.ProcessState))
			} else {
				log.Info("worker process ended", zap.Int("pid", cmd.Process.Pid))
			}
		})
	}
	return s, nil
}

func (s *spawned) pids() []int {
	out := make([]int, len(s.cmds))
	for i, c := range s.cmds {
		out[i] = c.Process.Pid
	}
	return out
}

// stop waits up to spawnGrace for the workers to exit (a shutdown or a
// lost parent ends them), then kills those left, and waits for them all.
func (s *spawned) stop(log *zap.Logger) {
	if s == nil {
		return
	}
	s.mu.Lock()
	s.quiet = true
	s.mu.Unlock()
	all := make(chan struct{})
	go func() {
		for _, d := range s.done {
			<-d
		}
		close(all)
	}()
	timer := time.NewTimer(spawnGrace)
	defer timer.Stop()
	select {
	case <-all:
	case <-timer.C:
		for i, d := range s.done {
			select {
			case <-d:
			default:
				log.Warn("worker process still running; killing it", zap.Int("pid", s.cmds[i].Process.Pid))
				_ = s.cmds[i].Process.Signal(syscall.SIGKILL)
			}
		}
		<-all
	}
	s.wg.Wait()
}

// WorkerName is the program a manager spawns for its workers.
const WorkerName = "bqskit-worker"

// FindWorker returns the bqskit-worker program a manager spawns: the one
// next to the running executable, else the one on $PATH.
func FindWorker() (string, error) {
	if exe, err := os.Executable(); err == nil {
		p := filepath.Join(filepath.Dir(exe), WorkerName)
		if st, err := os.Stat(p); err == nil && !st.IsDir() && st.Mode()&0o111 != 0 {
			return p, nil
		}
	}
	p, err := exec.LookPath(WorkerName)
	if err != nil {
		return "", fmt.Errorf("detached: %s is neither next to this program nor on $PATH (use -x and start workers yourself, or install it): %w", WorkerName, err)
	}
	return p, nil
}
