// Package service connects the gateway (the client protocol) to the
// runtime and the compiler: it implements gateway.Backend by turning each
// submit request into a validated compiler.Request, running the compiler's
// root task (compiler.TaskCompile) as a root task of the client's runtime
// session, and turning the task's result, status, logs and progress back
// into protocol terms.
//
// Requests are validated before anything is scheduled, with
// compiler.NewPlanContext (the QASM is parsed once here, with the server's
// --max-qubits and --max-gates, in one of ParseSlots parse slots, stopping
// when the client's session ends; the compile task parses its encoded
// request again where it runs, possibly another process, with the reader's
// defaults, which the flags may not exceed): an invalid QASM file is
// answered with its file, line and column, an unknown pass with its name, a
// circuit over the width limit with too_many_qubits, over the gate limit
// with too_large. Each task is admitted through the session's
// gateway.SessionBudget, by input bytes before parsing and by gate count
// after, and answered busy beyond it; its share is released when the task
// ends. Limits holds the limit flags every server command shares. Compiler errors are mapped to protocol codes by their type
// (*compiler.RequestError's kind and field, *qasm.Error, unitaryio's
// sentinels), never by their text.
//
// This package is also the seam between the compiler and the hierarchy
// runtime (tasks.go): RegisterCompiler registers the compiler's tasks in a
// hierarchy.Registry, giving each a batch.Executor that maps its batches
// onto subtasks (Task.Map), a logger that forwards records to the client,
// and the task's progress reporter. The compiler itself does not import
// the runtime.
//
// Serve is the whole life of a server command's client side, shared by
// bqskit-server and bqskit-mpi: the token (protocol.ServerToken), the pid
// file, the listener, the gateway over the Backend the caller starts, the
// advertised HOST:PORT in the address file (written atomically,
// WriteFileAtomic), the start-up line, and the shutdown when its context
// ends (gateway first, then the runtime, within an optional budget).
// Endpoint holds and checks the flags every server command shares.
// Package servicetest has the matching test helpers.
//
// Callers must: build a Runtime (hierarchy's embedded runtime through
// StartEmbedded, or any other server-side runtime adapted to Runtime),
// pass the Service to gateway.New, and Stop the service after the gateway's
// Serve has returned.
package service
