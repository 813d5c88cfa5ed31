package mpiruntime

import (
	mpi "github.com/sbromberger/gompi"
)

// link is the handful of MPI point-to-point operations the pump needs, on a
// set of communicators numbered 0..n-1. Only the pump goroutine calls it.
// Ranks are ranks within the communicator. Every message has at least one
// byte (gompi panics on empty slices).
type link interface {
	// probe reports whether a message is waiting on communicator c, and its
	// source, tag and size in bytes. It also drives MPI progress.
	probe(c int) (ok bool, src, tag, n int)
	// recv receives the next message from src with tag on communicator c
	// into buf, which has exactly the message's size.
	recv(c, src, tag int, buf []byte)
	// send sends buf (len >= 1) to dst on communicator c. It blocks until
	// the buffer may be reused; for messages no larger than the eager limit
	// that does not depend on the receiver.
	send(c, dst, tag int, buf []byte)
}

// mpiLink is the gompi implementation of link.
type mpiLink struct {
	comms []*mpi.Communicator
}

func (l *mpiLink) probe(c int) (bool, int, int, int) {
	ok, st := l.comms[c].Iprobe(mpi.AnySource, mpi.AnyTag)
	if !ok {
		return false, 0, 0, 0
	}
	return true, st.GetSource(), st.GetTag(), st.GetCount(mpi.Byte)
}

func (l *mpiLink) recv(c, src, tag int, buf []byte) {
	// Matched probe: the message handle names exactly one message, so no
	// other receive can take it (gompi's RecvBytes(AnySource) can).
	comm := l.comms[c]
	st, msg := comm.Mprobe(src, tag)
	if n := st.GetCount(mpi.Byte); n != len(buf) {
		panic("mpiruntime: matched probe size differs from probe size") // single receiving thread: cannot happen
	}
	comm.MrecvPreallocBytes(buf, src, tag, msg)
}

func (l *mpiLink) send(c, dst, tag int, buf []byte) {
	l.comms[c].SendBytes(buf, dst, tag)
}
