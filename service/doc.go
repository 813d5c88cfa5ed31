// Package service connects the gateway (the client protocol) to the
// runtime and the compiler: it implements gateway.Backend by turning each
// submit request into a validated compiler.Request, running the compiler's
// root task (compiler.TaskCompile) as a root task of the client's runtime
// session, and turning the task's result, status, logs and progress back
// into protocol terms.
//
// Requests are validated before anything is scheduled: an invalid QASM
// file is answered with its file, line and column, an unknown pass with
// its name, a circuit wider than the server's limit with both widths.
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
