package gateway

import (
	"context"

	"github.com/bqskit-mpi/bqskit-mpi/protocol"
)

// Backend runs what clients submit. The service package implements it over
// the runtime and the compiler; tests use small doubles.
type Backend interface {
	// OpenSession starts the backend side of one client session. sink
	// receives the log and progress events of the session's tasks until
	// Session.Close returns.
	OpenSession(ctx context.Context, info SessionInfo, sink EventSink) (Session, error)
}

// SessionInfo describes a client session to the backend.
type SessionInfo struct {
	// ID is unique among the server's sessions.
	ID uint64
	// Remote is the client's address.
	Remote string
	// Client is the client's self-description from hello.
	Client string
	// Limits are the server's limits; the backend enforces MaxQubits and
	// MaxGates.
	Limits protocol.Limits
	// Budget is the session's share of the server's admission budget: the
	// backend admits each task through it (nil: no limit).
	Budget *SessionBudget
}

// Session is one client's view of the backend. The gateway calls its
// methods concurrently (several Result calls may wait on the same task).
//
// Errors: return an *Error to choose the code the client sees
// (CodeInvalidCircuit with File/Line/Col, CodeUnknownPass, CodeTooManyQubits,
// CodeTooLarge, CodeBusy, CodeBadRequest with Field, CodeTaskFailed,
// CodeCancelled, CodeUnknownTask);
// any other error is reported as CodeInternal with its message.
type Session interface {
	// Submit validates and starts a task, returning its id.
	Submit(ctx context.Context, req *protocol.SubmitRequest) (task string, err error)
	// Status returns the task's current state.
	Status(ctx context.Context, task string) (protocol.TaskStatus, error)
	// Result waits until the task ends (or ctx ends) and returns its
	// result; a failed task returns an *Error with CodeTaskFailed, a
	// cancelled one CodeCancelled. It may be called any number of times.
	Result(ctx context.Context, task string) (*protocol.TaskResult, error)
	// Cancel asks the task to stop and returns once that is registered.
	// Cancelling a finished task is not an error.
	Cancel(ctx context.Context, task string) error
	// Close cancels the session's unfinished tasks and releases everything
	// the session holds. It is called exactly once, after every other call
	// on the session has returned.
	Close() error
}

// EventSink receives a session's events. Its methods never block and may
// be called from any goroutine.
type EventSink interface {
	Log(protocol.LogEvent)
	Progress(protocol.ProgressEvent)
}
