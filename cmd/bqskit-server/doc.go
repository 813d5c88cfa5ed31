// Command bqskit-server runs a bqskit-mpi server. With manager addresses
// (bqskit-server ADDR..., BQSKit's detached mode) it connects to those
// bqskit-manager processes (detached.StartServer: retried until
// --connect-timeout, the tree printed one line per node); with none it
// starts an embedded runtime (a manager and --workers workers as
// goroutines in this process). Either way it opens the client gateway
// (PROTOCOL.md) on --bind:--port. It is flag parsing plus one call to
// service.Serve.
package main
