package mpiruntime

import (
	"sync"
)

// fakeNet models MPI point-to-point semantics on one communicator: messages
// of at most eager bytes complete at once; larger ones block the sender
// until the receiver has received them (rendezvous), as OpenMPI does.
type fakeNet struct {
	mu     sync.Mutex
	queues [][]*fakeMsg
	eager  int
}

type fakeMsg struct {
	src, tag int
	data     []byte
	taken    chan struct{} // nil for eager messages
}

type fakeLink struct {
	net  *fakeNet
	rank int
}

func newFakeNet(n, eager int) *fakeNet {
	return &fakeNet{queues: make([][]*fakeMsg, n), eager: eager}
}

func (l *fakeLink) probe(c int) (bool, int, int, int) {
	l.net.mu.Lock()
	defer l.net.mu.Unlock()
	q := l.net.queues[l.rank]
	if len(q) == 0 {
		return false, 0, 0, 0
	}
	return true, q[0].src, q[0].tag, len(q[0].data)
}

func (l *fakeLink) recv(c, src, tag int, buf []byte) {
	l.net.mu.Lock()
	q := l.net.queues[l.rank]
	for i, m := range q {
		if m.src == src && m.tag == tag {
			if len(m.data) != len(buf) {
				panic("fakeLink: receive buffer size differs from message size")
			}
			copy(buf, m.data)
			l.net.queues[l.rank] = append(q[:i:i], q[i+1:]...)
			l.net.mu.Unlock()
			if m.taken != nil {
				close(m.taken)
			}
			return
		}
	}
	l.net.mu.Unlock()
	panic("fakeLink: recv without a matching message")
}

func (l *fakeLink) send(c, dst, tag int, buf []byte) {
	if len(buf) == 0 {
		panic("fakeLink: empty send") // gompi panics too
	}
	m := &fakeMsg{src: l.rank, tag: tag, data: append([]byte(nil), buf...)}
	if len(buf) > l.net.eager {
		m.taken = make(chan struct{})
	}
	l.net.mu.Lock()
	l.net.queues[dst] = append(l.net.queues[dst], m)
	l.net.mu.Unlock()
	if m.taken != nil {
		<-m.taken
	}
}
