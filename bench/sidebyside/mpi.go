package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// oursMPICompile starts `mpirun -n workers+1 bqskit-mpi` on a free
// loopback port, compiles the scaling circuit through bqskit-compile --ip
// and stops the job through rank 0's pid file. The wall time counted is
// the compile's, not the start-up's.
func (b *bench) oursMPICompile(ctx context.Context, input string, workers int, timeout time.Duration) (map[string]float64, map[string][]float64, error) {
	dir, err := os.MkdirTemp(b.work, "mpi-")
	if err != nil {
		return nil, nil, err
	}
	defer os.RemoveAll(dir)
	addr, pidf, tok := filepath.Join(dir, "addr"), filepath.Join(dir, "pid"), filepath.Join(dir, "token")
	mpirun := os.Getenv("BQSKIT_BENCH_MPIRUN")
	if mpirun == "" {
		mpirun = "mpirun"
	}
	job := exec.Command(mpirun, "-n", strconv.Itoa(workers+1), "--oversubscribe", "--bind-to", "none",
		filepath.Join(b.o.bin, "bqskit-mpi"), "--port", "0", "--bind", "127.0.0.1", "--address-file", addr, "--pid-file", pidf, "--token-file", tok)
	job.Env = append(os.Environ(), mpiEnv...)
	job.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := job.Start(); err != nil {
		return nil, nil, fmt.Errorf("starting %s: %w", mpirun, err)
	}
	exited := make(chan error, 1)
	go func() { exited <- job.Wait() }()
	stop := func() {
		if pid, err := readInt(pidf); err == nil {
			_ = syscall.Kill(pid, syscall.SIGINT)
		}
		select {
		case <-exited:
		case <-time.After(30 * time.Second):
			_ = syscall.Kill(-job.Process.Pid, syscall.SIGKILL)
			<-exited
		}
	}
	deadline := time.Now().Add(2 * time.Minute)
	var host string
	for {
		if b, err := os.ReadFile(addr); err == nil && len(strings.TrimSpace(string(b))) > 0 {
			host = strings.TrimSpace(string(b))
			break
		}
		select {
		case err := <-exited:
			return nil, nil, fmt.Errorf("bqskit-mpi with %d ranks exited before it was ready: %v", workers+1, err)
		case <-ctx.Done():
			_ = syscall.Kill(-job.Process.Pid, syscall.SIGKILL)
			<-exited
			return nil, nil, ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			_ = syscall.Kill(-job.Process.Pid, syscall.SIGKILL)
			<-exited
			return nil, nil, errors.New("bqskit-mpi did not write its address file within 2 minutes")
		}
	}
	defer stop()
	stats := filepath.Join(dir, "stats.json")
	_, d, err := runCmd(ctx, timeout, nil, filepath.Join(b.o.bin, "bqskit-compile"), input, "--ip", host,
		"--token-file", tok, "-o", filepath.Join(dir, "out.qasm"), "-O", "1", "--seed", "1", "--verify", "--json", stats)
	if err != nil {
		return nil, nil, err
	}
	raw, err := os.ReadFile(stats)
	if err != nil {
		return nil, nil, err
	}
	s, err := parseCompileStats(raw)
	if err != nil {
		return nil, nil, err
	}
	return map[string]float64{"seconds": d.Seconds(), "two_qubit_out": float64(s.Output.TwoQubit)}, nil, nil
}

func readInt(path string) (int, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, err
	}
	return strconv.Atoi(strings.TrimSpace(string(b)))
}
