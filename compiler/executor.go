package compiler

import (
	"context"
	"fmt"
	"sync"

	"go.uber.org/zap"
)

// TaskFunc is the signature of the compiler's tasks (the runtime's).
type TaskFunc func(ctx context.Context, args []byte) ([]byte, error)

// Tasks returns the compiler's tasks by name. Every task finds the
// executor for its own sub-tasks with ExecutorFrom(ctx).
func Tasks(log *zap.Logger) map[string]TaskFunc {
	if log == nil {
		log = zap.NewNop()
	}
	return map[string]TaskFunc{
		TaskCompile: func(ctx context.Context, args []byte) ([]byte, error) {
			return compileTask(ctx, args, loggerFrom(ctx, log))
		},
		TaskBlock: func(ctx context.Context, args []byte) ([]byte, error) {
			e := newEngine(ExecutorFrom(ctx), 0, 0, loggerFrom(ctx, log))
			return e.runBlockTask(ctx, args)
		},
		TaskInstantiate: instantiateTask,
	}
}

// compileTask decodes a Request, compiles it and encodes the Result.
func compileTask(ctx context.Context, args []byte, log *zap.Logger) ([]byte, error) {
	req, err := DecodeRequest(args)
	if err != nil {
		return nil, err
	}
	res, err := Compile(ctx, req, ExecutorFrom(ctx), log, progressFrom(ctx))
	if err != nil {
		return nil, err
	}
	return EncodeResult(res)
}

type execKey struct{}

// WithExecutor returns a context whose tasks use exec for their sub-tasks.
func WithExecutor(ctx context.Context, exec Executor) context.Context {
	return context.WithValue(ctx, execKey{}, exec)
}

// LocalExecutor runs the compiler's tasks in this process on up to Workers
// goroutines (1 when Workers < 1). Results do not depend on Workers.
type LocalExecutor struct {
	Workers int
	Log     *zap.Logger
	tasks   map[string]TaskFunc
	once    sync.Once
}

// Map implements Executor. It returns the first error (by argument order)
// after every started task has finished.
func (l *LocalExecutor) Map(ctx context.Context, name string, args [][]byte, done func(int)) ([][]byte, error) {
	l.once.Do(func() { l.tasks = Tasks(l.Log) })
	f, ok := l.tasks[name]
	if !ok {
		return nil, fmt.Errorf("%w: unknown task %q", ErrRequest, name)
	}
	ctx = WithExecutor(ctx, l)
	out := make([][]byte, len(args))
	errs := make([]error, len(args))
	w := max(l.Workers, 1)
	if w == 1 || len(args) <= 1 {
		for i, a := range args {
			out[i], errs[i] = f(ctx, a)
			if done != nil {
				done(i + 1)
			}
			if errs[i] != nil {
				return nil, errs[i]
			}
		}
		return out, nil
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	next := make(chan int)
	finished := make(chan int)
	var wg sync.WaitGroup
	for range min(w, len(args)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				out[i], errs[i] = f(ctx, args[i])
				if errs[i] != nil {
					cancel()
				}
				finished <- i
			}
		}()
	}
	go func() {
		defer close(next)
		for i := range args {
			select {
			case next <- i:
			case <-ctx.Done():
				return
			}
		}
	}()
	go func() { wg.Wait(); close(finished) }()
	n := 0
	for range finished {
		n++
		if done != nil {
			done(n)
		}
	}
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	if err := ctx.Err(); err != nil && n < len(args) {
		return nil, err
	}
	return out, nil
}
