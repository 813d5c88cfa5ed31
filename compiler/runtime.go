package compiler

import (
	"context"
	"errors"
	"fmt"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/bqskit-mpi/bqskit-mpi/hierarchy"
)

// Register registers every compiler task (TaskCompile, TaskBlock,
// TaskInstantiate) in reg. Inside the runtime, tasks log through the task
// API to the client that submitted the root task.
func Register(reg *hierarchy.Registry) error {
	return RegisterWithLogger(reg, nil)
}

// RegisterWithLogger is Register with a process-side logger that also
// receives every record (nil: none besides the client's).
func RegisterWithLogger(reg *hierarchy.Registry, log *zap.Logger) error {
	if log == nil {
		log = zap.NewNop()
	}
	for name, f := range Tasks(nil) {
		f := f
		err := reg.Register(name, func(ctx context.Context, args []byte) ([]byte, error) {
			return f(withTaskLogger(ctx, log), args)
		})
		if err != nil {
			return fmt.Errorf("compiler: registering %s: %w", name, err)
		}
	}
	return nil
}

type logKey struct{}

// withTaskLogger attaches the logger tasks use: base tee'd with a core that
// forwards records to the client through the task handle.
func withTaskLogger(ctx context.Context, base *zap.Logger) context.Context {
	l := base
	if t, err := hierarchy.TaskFromContext(ctx); err == nil {
		l = zap.New(zapcore.NewTee(base.Core(), &taskCore{t: t, enc: zapcore.NewConsoleEncoder(zapcore.EncoderConfig{})}))
	}
	return context.WithValue(ctx, logKey{}, l.Named("compiler"))
}

// loggerFrom returns the task logger of ctx, or def.
func loggerFrom(ctx context.Context, def *zap.Logger) *zap.Logger {
	if l, ok := ctx.Value(logKey{}).(*zap.Logger); ok {
		return l
	}
	return def
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

// ExecutorFrom returns the executor a task should use for its sub-tasks:
// the one set with WithExecutor, else the runtime's (when ctx belongs to a
// hierarchy task), else a LocalExecutor with one worker.
func ExecutorFrom(ctx context.Context) Executor {
	if e, ok := ctx.Value(execKey{}).(Executor); ok {
		return e
	}
	if t, err := hierarchy.TaskFromContext(ctx); err == nil {
		return &taskExecutor{t: t}
	}
	return &LocalExecutor{Workers: 1}
}

// progressFrom returns how a compile task reports progress, or nil.
func progressFrom(ctx context.Context) func(done, total int) {
	if _, ok := ctx.Value(execKey{}).(Executor); ok {
		return nil
	}
	if t, err := hierarchy.TaskFromContext(ctx); err == nil {
		return t.Progress
	}
	return nil
}

// taskExecutor maps batches onto runtime subtasks.
type taskExecutor struct{ t *hierarchy.Task }

// Map implements Executor with Task.Map; it waits without holding a
// compute slot. On the first failure it cancels the remaining subtasks.
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
