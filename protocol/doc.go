// Package protocol is the bqskit-mpi client protocol (PROTOCOL.md at the
// repository root), shared by the server side (package gateway) and the Go
// client (package client): the frame codec (a 4-byte big-endian length and
// a JSON body: ReadFrame, WriteFrame, AppendFrame, DecodeFrame), the
// message types and their strict decoders (DecodeHello, DecodeRequest),
// the error codes with one sentinel error each (an *Error unwraps to the
// sentinel of its code, so errors.Is(err, ErrAuth) works on either side of
// the connection), log levels, and the token rules (ServerToken creates or
// reads the server's token file, ClientToken finds a client's token,
// TokenEqual compares in constant time).
//
// The package does no I/O beyond the reader or writer it is given and the
// token file; it holds no state. Callers must bound ReadFrame with the
// frame limit they accept (DefaultMaxFrame unless configured) and treat
// every decode error as the protocol error it carries.
package protocol
