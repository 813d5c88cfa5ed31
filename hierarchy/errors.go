package hierarchy

import (
	"errors"
	"fmt"
	"strconv"
)

// TaskStatus is the state of a task as the server (for root tasks) or a
// result message reports it.
type TaskStatus uint8

// Task states.
const (
	StatusUnknown TaskStatus = iota
	StatusQueued
	StatusRunning
	StatusDone
	StatusFailed
	StatusCancelled
)

var statusNames = [...]string{"unknown", "queued", "running", "done", "failed", "cancelled"}

func (s TaskStatus) String() string {
	if int(s) < len(statusNames) {
		return statusNames[s]
	}
	return "status(" + strconv.Itoa(int(s)) + ")"
}

// Final reports whether s is done, failed or cancelled.
func (s TaskStatus) Final() bool { return s >= StatusDone && s <= StatusCancelled }

// Sentinel errors.
var (
	// ErrShutdown is returned by waits that the runtime's shutdown cut short
	// and by calls on a stopped runtime.
	ErrShutdown = errors.New("hierarchy: runtime shut down")
	// ErrCancelled is the error of a cancelled task.
	ErrCancelled = errors.New("hierarchy: task cancelled")
	// ErrTaskFailed matches (errors.Is) every *TaskError.
	ErrTaskFailed = errors.New("hierarchy: task failed")
	// ErrUnknownTask reports a task id the server does not know (never
	// submitted, or forgotten after its session closed).
	ErrUnknownTask = errors.New("hierarchy: unknown task")
	// ErrUnknownTaskName reports a submission naming no registered task.
	ErrUnknownTaskName = errors.New("hierarchy: no task registered under this name")
	// ErrUnknownSession reports a session id that is not open.
	ErrUnknownSession = errors.New("hierarchy: unknown or closed session")
	// ErrNoPending is returned by Next when every future has been returned.
	ErrNoPending = errors.New("hierarchy: no pending futures")
	// ErrNotDone is returned by Future.Result before the outcome is known.
	ErrNotDone = errors.New("hierarchy: future not done")
	// ErrNotInTask is returned by TaskFromContext outside a task.
	ErrNotInTask = errors.New("hierarchy: context does not belong to a task")
	// ErrRegistryFrozen reports a registration after the runtime started.
	ErrRegistryFrozen = errors.New("hierarchy: registry frozen")
	// ErrBadRegistration reports an invalid or duplicate registration.
	ErrBadRegistration = errors.New("hierarchy: bad task registration")
	// ErrBadConfig reports an invalid runtime configuration.
	ErrBadConfig = errors.New("hierarchy: bad configuration")
)

// TaskError is the error of a task whose function returned an error or
// panicked. It crosses the wire as text: Msg is the original error's text.
type TaskError struct {
	Task TaskID
	Msg  string
}

func (e *TaskError) Error() string {
	return fmt.Sprintf("hierarchy: task %v failed: %s", e.Task, e.Msg)
}

// Is makes errors.Is(err, ErrTaskFailed) true.
func (e *TaskError) Is(target error) bool { return target == ErrTaskFailed }

// resultError turns a result message's status and data into an error.
func resultError(id TaskID, st TaskStatus, data []byte) error {
	switch st {
	case StatusDone:
		return nil
	case StatusCancelled:
		return fmt.Errorf("%w: %v", ErrCancelled, id)
	default:
		return &TaskError{Task: id, Msg: string(data)}
	}
}
