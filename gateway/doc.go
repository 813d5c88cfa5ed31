// Package gateway is the server side of the bqskit-mpi client protocol
// (PROTOCOL.md at the repository root; frames, messages and tokens are in
// package protocol): it accepts TCP connections, checks the versioned hello
// and its token, serves concurrent requests with ids (submit, status,
// result, cancel, close) and pushes log and progress events.
//
// The gateway knows nothing about circuits or the runtime: it hands each
// client session to a Backend (package service implements one over the
// runtime and the compiler) and enforces the protocol's limits (frame
// size, open tasks per session, hello/idle/read/write timeouts, client
// count). Connections that have not completed hello are counted apart
// from sessions, in total and per source address, and a new one displaces
// the oldest waiting one, so idle sockets cannot lock clients out. The
// server's admission budget (input bytes and gates of unfinished tasks,
// per session and in total) is handed to the backend as each session's
// SessionBudget; the backend admits tasks through it and answers busy
// beyond it. A session that ends for any reason has its unfinished tasks
// cancelled through Session.Close; other sessions are not affected.
//
// Callers must: build a Config with a Token (see protocol.ServerToken) or
// NoAuth with a loopback listener, call New, run Serve with a context, and
// cancel that context to shut down; Serve returns after every session
// ended.
package gateway
