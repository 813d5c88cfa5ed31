// Package gatewaytest provides a scripted gateway.Backend and a loopback
// server for testing the gateway and its clients without the runtime.
//
// The backend does not compile anything: a task's "result" is its input
// QASM, returned unchanged. It exists only to exercise the protocol. A
// task is scripted by comment lines in its QASM:
//
//	// sleep 200ms   run for this long (cancellable)
//	// fail MESSAGE  end with a task failure
//	// logs N        emit N log events (info) and N progress events
//	// invalid L C   reject at submit as an invalid circuit at line L, col C
//	// pass NAME     reject at submit: unknown pass NAME
//
// Callers (tests only) must: set Backend.Slots if needed, and start a
// server with Start, which stops it through t.Cleanup. Nothing in the
// project's commands uses this package.
package gatewaytest
