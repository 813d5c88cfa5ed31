package service

import (
	"context"
	"errors"
	"fmt"
	"os"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/bqskit-mpi/bqskit-mpi/compiler"
	"github.com/bqskit-mpi/bqskit-mpi/hierarchy"
	"github.com/bqskit-mpi/bqskit-mpi/linalg"
)

// RegisterCompiler registers the compiler's tasks (compiler.TaskNames) in
// reg. Inside the runtime each task maps its batches onto subtasks of its
// own, reports progress to the client through its task
// handle, and logs to the client that submitted the root task and, when
// log is not nil, to log. Every process of a distributed runtime must call
// it on its registry (the same names everywhere).
//
// The process's workers each run one solver at a time, so unless
// OPENBLAS_NUM_THREADS, OMP_NUM_THREADS or MKL_NUM_THREADS is set it also
// makes the BLAS library (OpenBLAS, MKL or BLIS) single-threaded
// (linalg.SetBLASThreads(1)): its own thread pool competes
// with the workers, and on a loaded 2-core machine a 64x64 dpotrf took
// 400 µs with the pool against 19 µs without (LM's Cholesky step on
// routed blocks spent 20% of a compile's CPU there).
func RegisterCompiler(reg *hierarchy.Registry, log *zap.Logger) error {
	if log == nil {
		log = zap.NewNop()
	}
	if os.Getenv("OPENBLAS_NUM_THREADS") == "" && os.Getenv("OMP_NUM_THREADS") == "" && os.Getenv("MKL_NUM_THREADS") == "" {
		linalg.SetBLASThreads(1) // false (no control) for an unknown site BLAS: nothing to do
	}
	for _, name := range compiler.TaskNames() {
		err := reg.Register(name, func(ctx context.Context, args []byte) ([]byte, error) {
			t, err := hierarchy.TaskFromContext(ctx)
			if err != nil {
				return nil, fmt.Errorf("service: %s outside a runtime task: %w", name, err)
			}
			env := compiler.Env{Exec: &taskExecutor{t: t}, Log: taskLogger(t, log).Named("compiler")}
			if name == compiler.TaskCompile {
				env.StageProgress = t.StageProgress
			}
			return compiler.RunTask(ctx, name, args, env)
		})
		if err != nil {
			return fmt.Errorf("service: registering %s: %w", name, err)
		}
	}
	return nil
}

// taskLogger is base tee'd with a core that forwards records to the
// client through the task handle.
func taskLogger(t *hierarchy.Task, base *zap.Logger) *zap.Logger {
	return zap.New(zapcore.NewTee(base.Core(), &taskCore{t: t, enc: zapcore.NewConsoleEncoder(zapcore.EncoderConfig{})}))
}

// taskCore is a zapcore.Core that sends records to Task.Log (which filters
// by the level the client asked for).
type taskCore struct {
	t      *hierarchy.Task
	enc    zapcore.Encoder
	fields []zapcore.Field
}

func (c *taskCore) Enabled(zapcore.Level) bool { return true }
func (c *taskCore) With(fs []zapcore.Field) zapcore.Core {
	return &taskCore{t: c.t, enc: c.enc, fields: append(append([]zapcore.Field(nil), c.fields...), fs...)}
}
func (c *taskCore) Check(e zapcore.Entry, ce *zapcore.CheckedEntry) *zapcore.CheckedEntry {
	return ce.AddCore(e, c)
}
func (c *taskCore) Write(e zapcore.Entry, fs []zapcore.Field) error {
	all := append(append([]zapcore.Field(nil), c.fields...), fs...)
	buf, err := c.enc.EncodeEntry(zapcore.Entry{}, all)
	if err != nil {
		return err
	}
	msg := e.Message
	if e.LoggerName != "" {
		msg = e.LoggerName + ": " + msg
	}
	if s := buf.String(); len(s) > 1 {
		msg += " " + s[:len(s)-1]
	}
	buf.Free()
	c.t.Log(e.Level, msg)
	return nil
}
func (c *taskCore) Sync() error { return nil }

// taskExecutor is the runtime's batch.Executor: it maps a batch onto
// subtasks of t (Task.Map) and waits for them without holding a compute
// slot. On the first failure it cancels the remaining subtasks.
type taskExecutor struct{ t *hierarchy.Task }

// Map implements batch.Executor.
func (x *taskExecutor) Map(ctx context.Context, name string, args [][]byte, done func(int)) ([][]byte, error) {
	if len(args) == 0 {
		return nil, nil
	}
	fs := x.t.Map(name, args)
	if done == nil {
		out, err := x.t.WaitAll(ctx, fs)
		if err != nil {
			x.cancelAll(fs)
			return nil, taskErr(err)
		}
		return out, nil
	}
	for n := 1; n <= len(fs); n++ {
		i, err := x.t.Next(ctx, fs)
		if err != nil {
			x.cancelAll(fs)
			return nil, taskErr(err)
		}
		if _, err := fs[i].Result(); err != nil {
			x.cancelAll(fs)
			return nil, taskErr(err)
		}
		done(n)
	}
	out := make([][]byte, len(fs))
	for i, f := range fs {
		out[i], _ = f.Result()
	}
	return out, nil
}

func (x *taskExecutor) cancelAll(fs []*hierarchy.Future) {
	for _, f := range fs {
		if !f.IsDone() {
			x.t.Cancel(f)
		}
	}
}

// taskErr reduces a failed subtask's error to its own message, so that
// nested failures are not prefixed once per level.
func taskErr(err error) error {
	var te *hierarchy.TaskError
	if errors.As(err, &te) {
		return errors.New(te.Msg)
	}
	return err
}
