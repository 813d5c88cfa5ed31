// Command bqskit-server runs a bqskit-mpi server: with no manager
// addresses it starts an embedded runtime (a manager and --workers workers
// as goroutines in this process) and opens the client gateway (PROTOCOL.md)
// on --bind:--port. It is flag parsing plus one call to service.Serve.
package main
