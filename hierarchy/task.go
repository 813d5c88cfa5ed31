package hierarchy

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"

	"go.uber.org/zap/zapcore"
)

// Future is the pending result of a subtask. Futures belong to the task
// that created them: use them only from that task's goroutine.
type Future struct {
	id     TaskID
	owner  *Task
	done   chan struct{}
	state  atomic.Uint32
	status TaskStatus
	data   []byte
	taken  bool // returned by Next already
}

// Future states.
const (
	futPending uint32 = iota
	futCompleting
	futDone
)

func newFuture(id TaskID, owner *Task) *Future {
	return &Future{id: id, owner: owner, done: make(chan struct{})}
}

// complete sets the outcome once; later calls are ignored.
func (f *Future) complete(st TaskStatus, data []byte) bool {
	if !f.state.CompareAndSwap(futPending, futCompleting) {
		return false
	}
	f.status, f.data = st, data
	f.state.Store(futDone)
	close(f.done)
	if f.owner != nil {
		select {
		case f.owner.notify <- struct{}{}:
		default:
		}
	}
	return true
}

// ID is the subtask's id.
func (f *Future) ID() TaskID { return f.id }

// Done is closed once the subtask has finished, failed or been cancelled.
func (f *Future) Done() <-chan struct{} { return f.done }

// IsDone reports whether the outcome is known.
func (f *Future) IsDone() bool { return f.state.Load() == futDone }

// Result returns the subtask's result, or its error: a *TaskError (matching
// ErrTaskFailed) when it failed or panicked, ErrCancelled when cancelled.
// Before the outcome is known it returns an error wrapping ErrNotDone.
func (f *Future) Result() ([]byte, error) {
	if !f.IsDone() {
		return nil, fmt.Errorf("%w: future %v is still pending", ErrNotDone, f.id)
	}
	return f.data, resultError(f.id, f.status, f.data)
}

type ctxKey struct{}

// TaskFromContext returns the handle of the task whose context ctx is (or
// derives from). Outside a task it returns ErrNotInTask.
func TaskFromContext(ctx context.Context) (*Task, error) {
	t, ok := ctx.Value(ctxKey{}).(*Task)
	if !ok {
		return nil, ErrNotInTask
	}
	return t, nil
}

// Task is the handle a running task uses to create and wait on subtasks,
// log and report progress. Its methods may be called from the task's
// goroutine and from goroutines it starts and waits for before returning,
// never after the task function has returned. Next must not be called
// concurrently on the same futures, and Next and WaitAll signal only on
// futures created by this task.
//
// A *Task is also the task's context.Context (the ctx its function gets):
// it is cancelled when the task is cancelled or the runtime stops.
type Task struct {
	context.Context // the cancellable context of the task
	d               *workerDriver
	h               *hostedTask // read and written by the worker loop only
	id              TaskID
	root            TaskID
	level           int8
	name            string
	ctx             context.Context // == the Task itself
	cancel          context.CancelFunc
	ended           atomic.Bool

	mu      sync.Mutex    // guards the fields below and orders block/resume events
	waiters int           // goroutines of this task blocked in a wait
	grant   chan struct{} // created before the first block event
	notify  chan struct{} // created before the first subtask; then read-only
}

// ensureNotify creates the completion signal before any future of t can
// complete (the worker loop reads t.notify only after a submission event).
func (t *Task) ensureNotify() chan struct{} {
	t.mu.Lock()
	if t.notify == nil {
		t.notify = make(chan struct{}, 1)
	}
	n := t.notify
	t.mu.Unlock()
	return n
}

// Value implements context.Context: it carries the task handle.
func (t *Task) Value(key any) any {
	if key == (ctxKey{}) {
		return t
	}
	return t.Context.Value(key)
}

// ID is the task's id.
func (t *Task) ID() TaskID { return t.id }

// Root is the id of the root task of this task's tree (the client's task).
func (t *Task) Root() TaskID { return t.root }

// Name is the registered name the task runs under.
func (t *Task) Name() string { return t.name }

// Submit creates one subtask running the task registered as name.
func (t *Task) Submit(name string, args []byte) *Future {
	return t.Map(name, [][]byte{args})[0]
}

// Map creates one subtask per element of args, all running name. The
// subtasks are scheduled as one batch.
func (t *Task) Map(name string, args [][]byte) []*Future {
	fs := make([]*Future, len(args))
	if _, ok := t.d.reg.Lookup(name); !ok || t.ended.Load() {
		var msg string
		if !ok {
			msg = fmt.Sprintf("%v: %q", ErrUnknownTaskName, name)
		} else {
			msg = "subtask submitted after its parent task returned"
		}
		for i := range fs {
			fs[i] = newFuture(t.d.newID(), t)
			fs[i].complete(StatusFailed, []byte(msg))
		}
		return fs
	}
	t.ensureNotify()
	specs := make([]childSpec, len(args))
	for i := range args {
		id := t.d.newID()
		fs[i] = newFuture(id, t)
		specs[i] = childSpec{id: id, name: name, args: args[i], fut: fs[i]}
	}
	t.d.events <- wevent{kind: evSubmit, task: t, specs: specs}
	return fs
}

// block gives the task's slot back while it waits. With several
// goroutines of one task waiting at once, the slot is given back when the
// first starts waiting and taken again when the last stops (the others
// then run without a slot of their own).
func (t *Task) block() {
	t.mu.Lock()
	t.waiters++
	if t.waiters == 1 {
		if t.grant == nil {
			t.grant = make(chan struct{}, 1)
		}
		t.d.events <- wevent{kind: evBlock, task: t}
	}
	t.mu.Unlock()
}

// reacquire waits until the worker grants the task a slot again.
func (t *Task) reacquire() {
	t.mu.Lock()
	t.waiters--
	if t.waiters == 0 {
		t.d.events <- wevent{kind: evResume, task: t}
		<-t.grant
	}
	t.mu.Unlock()
}

// Wait returns f's result, blocking (without holding a compute slot) until
// it is known, ctx ends or the task is cancelled.
func (t *Task) Wait(ctx context.Context, f *Future) ([]byte, error) {
	if !f.IsDone() {
		t.block()
		select {
		case <-f.done:
		case <-ctx.Done():
		case <-t.ctx.Done():
		}
		t.reacquire()
		if !f.IsDone() {
			return nil, t.waitErr(ctx)
		}
	}
	return f.Result()
}

func (t *Task) waitErr(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return t.ctx.Err()
}

// WaitAll waits for every future and returns their results in order. The
// error is that of the first failed or cancelled future (in index order),
// or ctx's error.
func (t *Task) WaitAll(ctx context.Context, fs []*Future) ([][]byte, error) {
	pending := false
	for _, f := range fs {
		if !f.IsDone() {
			pending = true
			break
		}
	}
	if pending {
		notify := t.ensureNotify()
		t.block()
		// Every completion of one of our futures signals t.notify (a
		// coalescing, one-slot channel), so one wake-up can cover many
		// completions; i only moves forward.
		var err error
		for i := 0; ; {
			for i < len(fs) && fs[i].IsDone() {
				i++
			}
			if i == len(fs) {
				break
			}
			if fs[i].owner != t {
				// Not ours: nobody signals t.notify for it.
				select {
				case <-fs[i].done:
					continue
				case <-ctx.Done():
				case <-t.ctx.Done():
				}
			} else {
				select {
				case <-notify:
					continue
				case <-ctx.Done():
				case <-t.ctx.Done():
				}
			}
			err = t.waitErr(ctx)
			break
		}
		t.reacquire()
		if err != nil {
			return nil, err
		}
	}
	out := make([][]byte, len(fs))
	var first error
	for i, f := range fs {
		d, err := f.Result()
		out[i] = d
		if err != nil && first == nil {
			first = err
		}
	}
	return out, first
}

// Next returns the index of a finished future of fs that Next has not
// returned before, blocking (without a slot) until one finishes. Once every
// future has been returned it returns -1 and ErrNoPending. Read the outcome
// with fs[i].Result().
func (t *Task) Next(ctx context.Context, fs []*Future) (int, error) {
	notify := t.ensureNotify()
	for {
		select {
		case <-notify:
		default:
		}
		all := true
		for i, f := range fs {
			if f.taken {
				continue
			}
			all = false
			if f.IsDone() {
				f.taken = true
				return i, nil
			}
		}
		if all {
			return -1, ErrNoPending
		}
		t.block()
		select {
		case <-notify:
		case <-ctx.Done():
		case <-t.ctx.Done():
		}
		t.reacquire()
		if err := t.waitErr(ctx); err != nil {
			return -1, err
		}
	}
}

// Cancel cancels the subtask behind f (and its descendants). f completes
// at once with ErrCancelled unless it had already finished.
func (t *Task) Cancel(f *Future) {
	if f.complete(StatusCancelled, nil) {
		t.d.events <- wevent{kind: evCancelChild, task: t, id: f.id}
	}
}

// Log sends a log record to the client that submitted the root task, if
// level is at or above the level the client asked for.
func (t *Task) Log(level zapcore.Level, msg string) {
	if int8(level) < t.level || t.ended.Load() {
		return
	}
	t.d.events <- wevent{kind: evLog, task: t, level: int8(level), data: []byte(msg)}
}

// Progress reports progress (done of total units, e.g. blocks) to the
// client that submitted the root task.
func (t *Task) Progress(done, total int) { t.StageProgress("", done, total) }

// StageProgress is Progress naming the stage of the work (e.g.
// "resynthesis"); an empty stage is unnamed.
func (t *Task) StageProgress(stage string, done, total int) {
	if t.ended.Load() {
		return
	}
	t.d.events <- wevent{kind: evProgress, task: t, a: int64(done), b: int64(total), data: []byte(stage)}
}
