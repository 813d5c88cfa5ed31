package compiler

import (
	"context"
	"fmt"

	"go.uber.org/zap"

	"github.com/bqskit-mpi/bqskit-mpi/batch"
	"github.com/bqskit-mpi/bqskit-mpi/synthesis"
)

// Env is what the compiler's tasks take from the place they run in,
// passed explicitly (the context carries cancellation only).
type Env struct {
	// Exec runs the task's own batches (TaskBlock, TaskInstantiate). It
	// must not be nil.
	Exec batch.Executor
	// Log receives the task's records; nil means none.
	Log *zap.Logger
	// Progress, when not nil, receives a compile task's (blocks done,
	// blocks total) as its for_each_block passes advance.
	Progress func(done, total int)
	// StageProgress, when not nil, receives the same with the name of the
	// stage (StageName of the running for_each_block pass).
	StageProgress func(stage string, done, total int)
}

// TaskNames lists the compiler's tasks: a runtime that runs the compiler
// registers each of them (with RunTask as its body) on every process.
func TaskNames() []string { return []string{TaskCompile, TaskBlock, TaskInstantiate} }

// RunTask runs the compiler task name on its encoded args in env and
// returns its encoded result.
func RunTask(ctx context.Context, name string, args []byte, env Env) ([]byte, error) {
	if env.Exec == nil {
		panic("compiler: RunTask without an executor")
	}
	log := env.Log
	if log == nil {
		log = zap.NewNop()
	}
	switch name {
	case TaskCompile:
		req, err := DecodeRequest(args)
		if err != nil {
			return nil, err
		}
		res, err := compileStaged(ctx, req, env.Exec, log, env.Progress, env.StageProgress)
		if err != nil {
			return nil, err
		}
		return EncodeResult(res)
	case TaskBlock:
		return newEngine(env.Exec, 0, 0, log).runBlockTask(ctx, args)
	case TaskInstantiate:
		return synthesis.InstantiateTask(ctx, args)
	}
	return nil, fmt.Errorf("%w: %q", batch.ErrUnknownTask, name)
}

// NewLocalExecutor returns an executor that runs the compiler's tasks on
// up to workers goroutines of this process (1 when workers < 1), their
// records going to log (nil: none). Results do not depend on workers.
func NewLocalExecutor(workers int, log *zap.Logger) *batch.Local {
	l := &batch.Local{Workers: workers, Tasks: make(map[string]batch.Func)}
	env := Env{Exec: l, Log: log}
	for _, name := range TaskNames() {
		l.Tasks[name] = func(ctx context.Context, args []byte) ([]byte, error) {
			return RunTask(ctx, name, args, env)
		}
	}
	return l
}
