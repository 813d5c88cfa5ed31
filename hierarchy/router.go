package hierarchy

import (
	"github.com/bqskit-mpi/bqskit-mpi/transport"
)

// Outgoing is a batch of messages for one peer, produced by a state machine.
type Outgoing struct {
	To   transport.PeerID
	Msgs []Message
}

// outbox groups outgoing messages per destination, reusing storage between
// rounds: what take returns is valid until the next add.
type outbox struct {
	idx     map[transport.PeerID]int
	batches []Outgoing
	ready   []Outgoing
	dirty   bool
}

func (o *outbox) reset() {
	if o.dirty {
		for i := range o.batches {
			clear(o.batches[i].Msgs) // drop references to packet data
			o.batches[i].Msgs = o.batches[i].Msgs[:0]
		}
		o.ready = o.ready[:0]
		o.dirty = false
	}
}

func (o *outbox) add(to transport.PeerID, m Message) {
	o.reset()
	i, ok := o.idx[to]
	if !ok {
		if o.idx == nil {
			o.idx = map[transport.PeerID]int{}
		}
		i = len(o.batches)
		o.idx[to] = i
		o.batches = append(o.batches, Outgoing{To: to})
	}
	o.batches[i].Msgs = append(o.batches[i].Msgs, m)
}

func (o *outbox) take() []Outgoing {
	o.reset()
	for _, b := range o.batches {
		if len(b.Msgs) > 0 {
			o.ready = append(o.ready, b)
		}
	}
	o.dirty = true
	return o.ready
}

// route records one hop of a task's placement path through a node: the
// task came from peer from and was passed to peer to. Results travel the
// path backwards (matched by to), cancellations forwards (matched by from).
//
// Down records also keep the submission (msg), so that the task can be
// placed again when the child it went to is lost (see ChildLost).
type route struct {
	from, to transport.PeerID
	msg      Message
}

type childLoad struct {
	id     transport.PeerID
	idle   int
	queued int
	sent   uint64 // submissions sent to the child
	lost   bool   // gone for good (ChildLost): never placed on, messages dropped
}

// Router is the scheduling state machine of the server and of managers.
// It performs no I/O: feed it messages with Step and collect what it wants
// sent with Ready. It is not safe for concurrent use.
//
// Placement: a task from the parent (or, at the server, a new root task) is
// placed in this subtree: on a child with idle slots if any, else on the
// child with the fewest queued tasks. A task from a child is kept in the
// subtree while some child has idle slots; otherwise it goes to the parent,
// unless the tree has no compute slots outside this subtree (then it is
// placed on the least-queued child). Idle and queued counts per child come
// from Load messages whose read receipt (Seq) tells how many of the
// submissions sent to the child it had seen.
type Router struct {
	self, parent transport.PeerID
	root         bool
	children     []childLoad
	cidx         map[transport.PeerID]int
	outside      int
	down, up     map[TaskID]route
	recvSeq      uint64
	reported     bool
	lastIdle     int
	lastQueued   int
	lastSeq      uint64
	rr           int
	out          outbox
	events       []Message
	shutdown     bool
	dropped      uint64
	live         int          // children not lost
	losses       []LossReport // since the last TakeLosses
}

// NewRouter builds the state machine of server or manager id of tree.
func NewRouter(tree *Tree, id transport.PeerID) *Router {
	n, ok := tree.Node(id)
	if !ok || len(n.Children) == 0 {
		panic("hierarchy: NewRouter on a node that is not the server or a manager")
	}
	r := &Router{
		self:    id,
		parent:  n.Parent,
		root:    id == ServerID,
		cidx:    make(map[transport.PeerID]int, len(n.Children)),
		outside: tree.TotalSlots() - tree.SubtreeSlots(id),
		down:    map[TaskID]route{},
		up:      map[TaskID]route{},
		live:    len(n.Children),
	}
	for i, c := range n.Children {
		r.children = append(r.children, childLoad{id: c, idle: tree.SubtreeSlots(c)})
		r.cidx[c] = i
	}
	return r
}

// Step processes one message from peer from. The server passes its own id
// as from for root submissions and client cancellations.
func (r *Router) Step(from transport.PeerID, m *Message) {
	if i, ok := r.cidx[from]; ok && r.children[i].lost {
		r.dropped++ // a lost child stays lost (it was told to shut down)
		return
	}
	switch m.Kind {
	case KindSubmit:
		r.submit(from, m)
	case KindResult:
		r.result(from, m)
	case KindCancel:
		if rt, ok := r.down[m.Task]; ok && rt.from == from {
			r.out.add(rt.to, *m)
		} else if rt, ok := r.up[m.Task]; ok && rt.from == from {
			r.out.add(rt.to, *m)
		} else {
			r.dropped++
		}
	case KindLoad:
		if i, ok := r.cidx[from]; ok {
			if m.A < 0 {
				// The child's subtree has no compute slot left.
				r.ChildLost(from)
				return
			}
			c := &r.children[i]
			inflight := 0
			if c.sent > m.Seq {
				inflight = int(c.sent - m.Seq)
			}
			c.idle = max(0, int(m.A)-inflight)
			c.queued = int(m.B) + max(0, inflight-int(m.A))
		}
	case KindLog, KindProgress, KindStarted:
		if r.root {
			r.events = append(r.events, *m)
		} else {
			r.out.add(r.parent, *m)
		}
	case KindShutdown:
		if !r.shutdown {
			r.shutdown = true
			for _, c := range r.children {
				if !c.lost {
					r.out.add(c.id, Message{Kind: KindShutdown})
				}
			}
		}
	}
}

func (r *Router) submit(from transport.PeerID, m *Message) {
	if from == r.parent || from == r.self {
		if from == r.parent {
			r.recvSeq++
		}
		r.place(from, m)
		return
	}
	// A child passes work up only when it has no idle slot left: whatever
	// idle count we still hold for it is stale.
	if i, ok := r.cidx[from]; ok {
		r.children[i].idle = 0
	}
	if r.outside > 0 && r.totalIdle() == 0 {
		r.up[m.Task] = route{from: from, to: r.parent}
		r.out.add(r.parent, *m)
		return
	}
	r.place(from, m)
}

func (r *Router) place(from transport.PeerID, m *Message) {
	i := r.pickIdle()
	if i < 0 {
		i = r.pickLeastQueued()
		if i < 0 {
			r.unplaceable(from, m)
			return
		}
		r.children[i].queued++
	} else {
		r.children[i].idle--
	}
	c := &r.children[i]
	c.sent++
	r.down[m.Task] = route{from: from, to: c.id, msg: *m}
	r.out.add(c.id, *m)
}

func (r *Router) pickIdle() int {
	n := len(r.children)
	for k := 0; k < n; k++ {
		i := (r.rr + k) % n
		if r.children[i].idle > 0 {
			r.rr = (i + 1) % n
			return i
		}
	}
	return -1
}

func (r *Router) pickLeastQueued() int {
	n := len(r.children)
	best := -1
	for k := 0; k < n; k++ {
		i := (r.rr + k) % n
		if r.children[i].lost {
			continue
		}
		if best < 0 || r.children[i].queued < r.children[best].queued {
			best = i
		}
	}
	if best >= 0 {
		r.rr = (best + 1) % n
	}
	return best
}

func (r *Router) totalIdle() int {
	s := 0
	for i := range r.children {
		s += r.children[i].idle
	}
	return s
}

func (r *Router) result(from transport.PeerID, m *Message) {
	if rt, ok := r.down[m.Task]; ok && rt.to == from {
		delete(r.down, m.Task)
		r.deliver(rt.from, m)
		return
	}
	if rt, ok := r.up[m.Task]; ok && rt.to == from {
		delete(r.up, m.Task)
		r.deliver(rt.from, m)
		return
	}
	r.dropped++
}

func (r *Router) deliver(to transport.PeerID, m *Message) {
	if to == r.self {
		r.events = append(r.events, *m)
		return
	}
	r.out.add(to, *m)
}

// Ready returns the batches to send and, at the server, the events for the
// client side (results of root tasks, logs, progress, starts). Both are
// valid until the next Step. A manager adds a Load report for its parent
// when its subtree's idle or queued count or its receipt changed.
func (r *Router) Ready() ([]Outgoing, []Message) {
	if !r.root && !r.shutdown {
		idle, queued := 0, 0
		for i := range r.children {
			idle += r.children[i].idle
			queued += r.children[i].queued
		}
		if r.live == 0 {
			idle = -1 // no compute slot left below: the parent drops us
		}
		if !r.reported || idle != r.lastIdle || queued != r.lastQueued || r.recvSeq != r.lastSeq {
			r.reported = true
			r.lastIdle, r.lastQueued, r.lastSeq = idle, queued, r.recvSeq
			r.out.add(r.parent, Message{Kind: KindLoad, A: int64(idle), B: int64(queued), Seq: r.recvSeq})
		}
	}
	ev := r.events
	r.events = r.events[:0]
	return r.out.take(), ev
}

// ShuttingDown reports whether a Shutdown has been processed.
func (r *Router) ShuttingDown() bool { return r.shutdown }

// Shutdown starts the shutdown locally (at the server, or on a node whose
// context ended): Shutdown messages go to every child.
func (r *Router) Shutdown() { r.Step(r.parent, &Message{Kind: KindShutdown}) }

// InFlight is the number of placement records held (bounded by the tasks
// placed through this node and not yet finished).
func (r *Router) InFlight() int { return len(r.down) + len(r.up) }

// Dropped counts results and cancellations that matched no record (for a
// task already finished), which is normal after races with cancellation.
func (r *Router) Dropped() uint64 { return r.dropped }
