package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"syscall"
	"time"
)

// Errors of the BQSKit side.
var (
	errPyTimeout = errors.New("sidebyside: BQSKit request timed out")
	errPyDead    = errors.New("sidebyside: BQSKit side exited")
)

// pySide drives bench/bqskitside/side.py: one Python process (and BQSKit's
// runtime server and workers under it, in one process group) answering
// JSON requests line by line. A request that times out kills the group;
// the next request starts a fresh one.
type pySide struct {
	python, script string
	workers        int
	logPath        string

	cmd   *exec.Cmd
	in    io.WriteCloser
	lines chan []byte
	done  chan struct{} // closed when the reader goroutine has returned
}

func newPySide(python, script string, workers int, logPath string) *pySide {
	return &pySide{python: python, script: script, workers: workers, logPath: logPath}
}

func (p *pySide) start() error {
	logf, err := os.OpenFile(p.logPath, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	cmd := exec.Command(p.python, p.script, "serve", "--workers", fmt.Sprint(p.workers))
	cmd.Env = append(os.Environ(), "OPENBLAS_NUM_THREADS=1", "OMP_NUM_THREADS=1", "PYTHONUNBUFFERED=1")
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Stderr = logf
	in, err := cmd.StdinPipe()
	if err != nil {
		logf.Close()
		return err
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		logf.Close()
		return err
	}
	if err := cmd.Start(); err != nil {
		logf.Close()
		return fmt.Errorf("starting %s: %w", p.python, err)
	}
	logf.Close() // the child holds its own descriptor
	p.cmd, p.in = cmd, in
	p.lines, p.done = make(chan []byte, 1), make(chan struct{})
	go func(lines chan<- []byte, done chan<- struct{}) {
		defer close(done)
		defer close(lines)
		sc := bufio.NewScanner(out)
		sc.Buffer(make([]byte, 1<<20), 256<<20)
		for sc.Scan() {
			lines <- append([]byte(nil), sc.Bytes()...)
		}
	}(p.lines, p.done)
	ready, err := p.read(180 * time.Second)
	if err != nil {
		p.kill()
		return fmt.Errorf("BQSKit side did not start (log: %s): %w", p.logPath, err)
	}
	if ok, _ := ready["ok"].(bool); !ok {
		p.kill()
		return fmt.Errorf("BQSKit side did not start: %v (log: %s)", ready["error"], p.logPath)
	}
	return nil
}

func (p *pySide) read(timeout time.Duration) (map[string]any, error) {
	t := time.NewTimer(timeout)
	defer t.Stop()
	select {
	case line, ok := <-p.lines:
		if !ok {
			return nil, errPyDead
		}
		var m map[string]any
		if err := json.Unmarshal(line, &m); err != nil {
			return nil, fmt.Errorf("BQSKit side: bad reply %q: %w", line, err)
		}
		return m, nil
	case <-t.C:
		return nil, errPyTimeout
	}
}

// do sends one request and waits for its reply. On a timeout or a dead
// process the group is killed and the error returned; a reply with
// "ok": false becomes an error too.
func (p *pySide) do(req map[string]any, timeout time.Duration) (map[string]any, error) {
	if p.cmd == nil {
		if err := p.start(); err != nil {
			return nil, err
		}
	}
	b, err := json.Marshal(req)
	if err != nil {
		return nil, err
	}
	if _, err := p.in.Write(append(b, '\n')); err != nil {
		p.kill()
		return nil, fmt.Errorf("%w: %v", errPyDead, err)
	}
	m, err := p.read(timeout)
	if err != nil {
		p.kill()
		return nil, err
	}
	if ok, _ := m["ok"].(bool); !ok {
		return nil, fmt.Errorf("BQSKit: %v", m["error"])
	}
	return m, nil
}

// kill ends the process group and waits for the reader.
func (p *pySide) kill() {
	if p.cmd == nil {
		return
	}
	_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
	p.in.Close()
	for range p.lines {
	}
	<-p.done
	_ = p.cmd.Wait()
	p.cmd = nil
}

// close asks the side to stop (stdin closed) and kills it after a grace
// period.
func (p *pySide) close() {
	if p.cmd == nil {
		return
	}
	p.in.Close()
	exited := make(chan struct{})
	go func() {
		for range p.lines {
		}
		close(exited)
	}()
	select {
	case <-exited:
	case <-time.After(20 * time.Second):
	}
	_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
	<-exited
	<-p.done
	_ = p.cmd.Wait()
	p.cmd = nil
}

// floats converts a JSON array of numbers.
func floats(v any) []float64 {
	xs, _ := v.([]any)
	out := make([]float64, 0, len(xs))
	for _, x := range xs {
		f, _ := x.(float64)
		out = append(out, f)
	}
	return out
}

func bools(v any) []bool {
	xs, _ := v.([]any)
	out := make([]bool, 0, len(xs))
	for _, x := range xs {
		b, _ := x.(bool)
		out = append(out, b)
	}
	return out
}

func num(m map[string]any, k string) float64 {
	f, _ := m[k].(float64)
	return f
}
