package batch

import (
	"context"
	"errors"
	"fmt"
	"sync"
)

// ErrUnknownTask reports a Map of a task name the executor does not know.
var ErrUnknownTask = errors.New("batch: unknown task")

// Executor runs batches of named tasks.
type Executor interface {
	// Map runs task name once per element of args and returns the results
	// in args order. done, when not nil, is called on the caller's
	// goroutine each time a task finishes, with the number finished so
	// far. On the first failure the remaining items are cancelled; Map
	// returns only after every item it started has stopped.
	Map(ctx context.Context, name string, args [][]byte, done func(finished int)) ([][]byte, error)
}

// Func is the body of a task: it decodes args, does the work and encodes
// the result.
type Func = func(ctx context.Context, args []byte) ([]byte, error)

// Local runs tasks in this process on up to Workers goroutines (1 when
// Workers < 1), each Map owning and waiting for its goroutines. Results do
// not depend on Workers. Set Tasks before the first Map and do not change
// it afterwards.
type Local struct {
	Workers int
	Tasks   map[string]Func
}

// Map implements Executor. It returns the first error (by argument order)
// after every started task has finished.
func (l *Local) Map(ctx context.Context, name string, args [][]byte, done func(int)) ([][]byte, error) {
	f, ok := l.Tasks[name]
	if !ok {
		return nil, fmt.Errorf("%w: %q", ErrUnknownTask, name)
	}
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
	parent := ctx
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
	wg.Add(1)
	go func() {
		defer wg.Done()
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
	// The first failure by argument order, but not an item that only saw
	// the cancellation another item's failure caused.
	var cancelled error
	for _, err := range errs {
		switch {
		case err == nil:
		case parent.Err() == nil && (errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)):
			if cancelled == nil {
				cancelled = err
			}
		default:
			return nil, err
		}
	}
	if cancelled != nil {
		return nil, cancelled
	}
	if err := ctx.Err(); err != nil && n < len(args) {
		return nil, err
	}
	return out, nil
}
