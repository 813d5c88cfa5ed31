// Package gateway is the server side of the bqskit-mpi client protocol
// (PROTOCOL.md at the repository root): length-prefixed JSON frames over
// TCP, a versioned hello with a token, concurrent requests with ids
// (submit, status, result, cancel, close) and pushed log and progress
// events.
//
// The gateway knows nothing about circuits or the runtime: it hands each
// client session to a Backend (package service implements one over the
// runtime and the compiler) and enforces the protocol's limits (frame
// size, open tasks per session, hello/idle/read/write timeouts, client
// count). A session that ends for any reason has its unfinished tasks
// cancelled through Session.Close; other sessions are not affected.
//
// Callers must: build a Config with a Token (see ServerToken) or NoAuth
// with a loopback listener, call New, run Serve with a context, and cancel
// that context to shut down; Serve returns after every session ended.
// The frame codec (ReadFrame, WriteFrame, DecodeFrame) and the message
// types are shared with the Go client (package client).
package gateway
