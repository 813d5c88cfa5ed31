// Package client is the Go client of the bqskit-mpi protocol
// (PROTOCOL.md): it connects to a gateway (bqskit-server, bqskit-mpi rank
// 0), authenticates with the token, submits compilations and waits for
// their results, with log and progress events delivered to callbacks.
//
// Callers must: Dial (the token comes from WithToken, $BQSKIT_MPI_TOKEN or
// the token file), use the Client from any number of goroutines, and Close
// it. Closing, or losing the connection, cancels the session's unfinished
// tasks on the server. Errors the server reports are *protocol.Error
// values: test them with errors.Is against protocol's sentinels
// (protocol.ErrAuth, protocol.ErrCancelled, protocol.ErrTaskFailed, ...).
// The client imports package protocol only, never the server (gateway).
package client
