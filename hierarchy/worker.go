package hierarchy

import (
	"github.com/bqskit-mpi/bqskit-mpi/transport"
)

// Task states on a worker.
const (
	tsQueued uint8 = iota + 1
	tsComputing
	tsBlocked   // waiting on children, holding no slot
	tsResumable // children done, waiting for a slot
	tsGone      // finished or cancelled while queued
)

// hostedTask is the worker state machine's record of a task it runs.
type hostedTask struct {
	msg       Message // the submission (Task, Parent, Root, Level, Name, Data)
	from      transport.PeerID
	state     uint8
	cancelled bool
	kids      []TaskID // children created by this task (possibly finished)
	live      int      // children with an outstanding future
	// run is the driver's handle for the running task (opaque here).
	run *Task
	// qseq orders queued tasks of the same root (see taskQueue).
	qseq uint64
}

type futureRec struct {
	fut   *Future
	owner *hostedTask
}

// ActionKind says what the worker driver must do for an Action.
type ActionKind uint8

// Worker actions.
const (
	// ActStart: start the task's function on a new goroutine.
	ActStart ActionKind = iota + 1
	// ActGrant: give the blocked-then-resumable task its slot back.
	ActGrant
	// ActCancel: cancel the running task's context.
	ActCancel
	// ActDeliver: complete the future with Status and Data.
	ActDeliver
)

// Action is a local effect the worker state machine asks its driver for.
type Action struct {
	Kind   ActionKind
	Task   *hostedTask
	Fut    *Future
	Status TaskStatus
	Data   []byte
}

// childSpec is one subtask submitted from inside a task.
type childSpec struct {
	id   TaskID
	name string
	args []byte
	fut  *Future
}

// WorkerSM is the scheduling state machine of a worker (a leaf with Slots
// compute slots). It performs no I/O: remote messages go in through Step,
// local events (subtask submissions, blocking, resuming, finishing) through
// the other methods, and Ready returns messages for the parent and actions
// for the driver. It is not safe for concurrent use.
//
// A task computes only while it holds a slot; a task blocked on children
// holds none. Free slots go first to resumable tasks (oldest first), then to
// a queued task of the oldest root task (the client submission made first,
// so that no client starves), the newest of that root's tasks first (LIFO:
// depth-first inside one compilation, which bounds its memory). Subtasks submitted here stay here while
// fewer than Slots tasks are queued (or when the tree has no other slots);
// the rest go to the parent.
type WorkerSM struct {
	self, parent transport.PeerID
	slots        int
	outside      int
	hosted       map[TaskID]*hostedTask
	queue        taskQueue
	qseq         uint64
	queuedN      int
	resumeQ      []*hostedTask
	computing    int
	futures      map[TaskID]futureRec
	pendingLocal []pendingChild
	recvSeq      uint64
	reported     bool
	lastIdle     int
	lastQueued   int
	lastSeq      uint64
	out          outbox
	acts         []Action
	shutdown     bool
	dropped      uint64
}

// NewWorkerSM builds the state machine of worker id of tree.
func NewWorkerSM(tree *Tree, id transport.PeerID) *WorkerSM {
	n, ok := tree.Node(id)
	if !ok || len(n.Children) > 0 || id == ServerID {
		panic("hierarchy: NewWorkerSM on a node that is not a worker")
	}
	return &WorkerSM{
		self:    id,
		parent:  n.Parent,
		slots:   n.Slots,
		outside: tree.TotalSlots() - n.Slots,
		hosted:  map[TaskID]*hostedTask{},
		futures: map[TaskID]futureRec{},
	}
}

// Step processes one message from the parent.
func (w *WorkerSM) Step(from transport.PeerID, m *Message) {
	switch m.Kind {
	case KindSubmit:
		w.recvSeq++
		if w.shutdown {
			return
		}
		t := &hostedTask{msg: *m, from: from}
		w.host(t)
	case KindResult:
		w.deliverChild(m.Task, m.Status, m.Data)
	case KindCancel:
		w.cancelHosted(m.Task)
	case KindShutdown:
		w.Shutdown()
	default:
		w.dropped++
	}
}

func (w *WorkerSM) host(t *hostedTask) {
	t.state = tsQueued
	w.hosted[t.msg.Task] = t
	w.qseq++
	t.qseq = w.qseq
	w.queue.push(t)
	w.queuedN++
}

func (w *WorkerSM) deliverChild(id TaskID, st TaskStatus, data []byte) {
	fr, ok := w.futures[id]
	if !ok {
		w.dropped++
		return
	}
	delete(w.futures, id)
	fr.owner.live--
	w.acts = append(w.acts, Action{Kind: ActDeliver, Fut: fr.fut, Status: st, Data: data})
}

// Submit registers subtasks created by the running task owner.
func (w *WorkerSM) submit(owner *hostedTask, specs []childSpec) {
	for i := range specs {
		s := &specs[i]
		if w.shutdown || owner.state == tsGone {
			w.acts = append(w.acts, Action{Kind: ActDeliver, Fut: s.fut, Status: StatusCancelled})
			continue
		}
		w.futures[s.id] = futureRec{fut: s.fut, owner: owner}
		owner.live++
		if len(owner.kids) >= 64 && len(owner.kids) >= 2*owner.live {
			k := owner.kids[:0]
			for _, id := range owner.kids {
				if _, ok := w.futures[id]; ok {
					k = append(k, id)
				}
			}
			clear(owner.kids[len(k):])
			owner.kids = k
		}
		owner.kids = append(owner.kids, s.id)
		m := Message{Kind: KindSubmit, Task: s.id, Parent: owner.msg.Task, Root: owner.msg.Root,
			Level: owner.msg.Level, Name: s.name, Data: s.args}
		switch {
		case w.outside == 0:
			w.host(&hostedTask{msg: m, from: w.self})
		case i < w.slots:
			// Decided in Actions: kept if a slot is free by then or the
			// submitting task has started waiting (it usually does at once).
			w.pendingLocal = append(w.pendingLocal, pendingChild{owner: owner, msg: m})
		default:
			w.out.add(w.parent, m)
		}
	}
}

type pendingChild struct {
	owner *hostedTask
	msg   Message
}

// resolvePending keeps locally the candidate subtasks whose parent no
// longer computes (or when a slot is free), and sends the others up, so
// that a parent that keeps computing does not hold its child hostage.
func (w *WorkerSM) resolvePending() {
	for i := range w.pendingLocal {
		p := &w.pendingLocal[i]
		fr, live := w.futures[p.msg.Task]
		if !live {
			continue // cancelled meanwhile
		}
		if w.shutdown {
			delete(w.futures, p.msg.Task)
			p.owner.live--
			w.acts = append(w.acts, Action{Kind: ActDeliver, Fut: fr.fut, Status: StatusCancelled})
			continue
		}
		if p.owner.state != tsComputing || w.computing+w.queuedN < w.slots {
			w.host(&hostedTask{msg: p.msg, from: w.self})
		} else {
			w.out.add(w.parent, p.msg)
		}
		w.pendingLocal[i] = pendingChild{}
	}
	w.pendingLocal = w.pendingLocal[:0]
}

// block: the computing task t waits on children and gives up its slot.
func (w *WorkerSM) block(t *hostedTask) {
	if t.state == tsComputing {
		t.state = tsBlocked
		w.computing--
	}
}

// resume: the blocked task t wants its slot back.
func (w *WorkerSM) resume(t *hostedTask) {
	if t.state == tsBlocked {
		t.state = tsResumable
		w.resumeQ = append(w.resumeQ, t)
	}
}

// finish: t's function returned (holding its slot).
func (w *WorkerSM) finish(t *hostedTask, st TaskStatus, data []byte) {
	if t.state == tsComputing {
		w.computing--
	}
	t.state = tsGone
	delete(w.hosted, t.msg.Task)
	if t.cancelled {
		st, data = StatusCancelled, nil
	}
	w.cancelKids(t)
	w.sendResult(t, st, data)
	t.run = nil
}

func (w *WorkerSM) sendResult(t *hostedTask, st TaskStatus, data []byte) {
	if t.from == w.self {
		w.deliverChild(t.msg.Task, st, data)
		return
	}
	w.out.add(t.from, Message{Kind: KindResult, Task: t.msg.Task, Status: st, Data: data})
}

// cancelChild: owner's code cancelled child id (its future is already
// completed by the caller).
func (w *WorkerSM) cancelChild(owner *hostedTask, id TaskID) {
	fr, ok := w.futures[id]
	if !ok || fr.owner != owner {
		return
	}
	delete(w.futures, id)
	owner.live--
	w.cancelRemote(id)
}

func (w *WorkerSM) cancelRemote(id TaskID) {
	if _, local := w.hosted[id]; local {
		w.cancelHosted(id)
	} else if w.isPendingLocal(id) {
		// Not sent anywhere yet: resolvePending drops it (no future).
	} else {
		w.out.add(w.parent, Message{Kind: KindCancel, Task: id})
	}
}

// cancelKids cancels every unfinished child of t and completes their
// futures as cancelled.
func (w *WorkerSM) cancelKids(t *hostedTask) {
	for _, id := range t.kids {
		fr, ok := w.futures[id]
		if !ok {
			continue
		}
		delete(w.futures, id)
		t.live--
		w.acts = append(w.acts, Action{Kind: ActDeliver, Fut: fr.fut, Status: StatusCancelled})
		w.cancelRemote(id)
	}
	t.kids = nil
}

func (w *WorkerSM) cancelHosted(id TaskID) {
	t, ok := w.hosted[id]
	if !ok || t.cancelled {
		if !ok {
			w.dropped++
		}
		return
	}
	t.cancelled = true
	if t.state == tsQueued {
		t.state = tsGone
		w.queuedN--
		delete(w.hosted, id)
		w.sendResult(t, StatusCancelled, nil)
		return
	}
	w.acts = append(w.acts, Action{Kind: ActCancel, Task: t})
	w.cancelKids(t)
}

func (w *WorkerSM) isPendingLocal(id TaskID) bool {
	for i := range w.pendingLocal {
		if w.pendingLocal[i].msg.Task == id {
			return true
		}
	}
	return false
}

// Shutdown stops accepting work: queued tasks are dropped, running ones
// cancelled. The driver stops once Running() is 0.
func (w *WorkerSM) Shutdown() {
	if w.shutdown {
		return
	}
	w.shutdown = true
	for _, t := range w.queue {
		if t.state == tsQueued {
			t.state = tsGone
			delete(w.hosted, t.msg.Task)
		}
	}
	w.queue, w.queuedN = nil, 0
	for _, t := range w.hosted {
		t.cancelled = true
		w.acts = append(w.acts, Action{Kind: ActCancel, Task: t})
	}
}

// Running is the number of tasks whose function has started and not
// returned (computing, blocked or resumable).
func (w *WorkerSM) Running() int { return len(w.hosted) - w.queuedN }

// ShuttingDown reports whether Shutdown was called or received.
func (w *WorkerSM) ShuttingDown() bool { return w.shutdown }

func (w *WorkerSM) schedule() {
	for w.computing < w.slots {
		if len(w.resumeQ) > 0 {
			t := w.resumeQ[0]
			w.resumeQ[0] = nil
			w.resumeQ = w.resumeQ[1:]
			if len(w.resumeQ) == 0 {
				w.resumeQ = w.resumeQ[:0:0]
			}
			t.state = tsComputing
			w.computing++
			w.acts = append(w.acts, Action{Kind: ActGrant, Task: t})
			continue
		}
		if w.shutdown || w.queuedN == 0 {
			return
		}
		t := w.queue.pop()
		if t.state != tsQueued {
			continue // cancelled while queued
		}
		w.queuedN--
		t.state = tsComputing
		w.computing++
		w.acts = append(w.acts, Action{Kind: ActStart, Task: t})
		if t.msg.Task == t.msg.Root && t.from != w.self {
			w.out.add(w.parent, Message{Kind: KindStarted, Task: t.msg.Task})
		}
	}
}

// Ready schedules free slots and returns the messages for the parent and
// the actions for the driver, valid until the next call into the machine.
func (w *WorkerSM) Ready() ([]Outgoing, []Action) {
	acts := w.Actions()
	return w.Flush(), acts
}

// Actions schedules free slots and returns the actions for the driver
// (valid until the next call into the machine); outgoing messages stay
// queued until Flush. A driver may call Actions several times (running
// quick tasks meanwhile) before one Flush, to batch messages.
func (w *WorkerSM) Actions() []Action {
	w.resolvePending()
	w.schedule()
	acts := w.acts
	w.acts = w.acts[:0]
	return acts
}

// Pending is the number of messages queued for the parent.
func (w *WorkerSM) Pending() int {
	n := 0
	for _, b := range w.out.batches {
		if !w.out.dirty {
			n += len(b.Msgs)
		}
	}
	return n
}

// Computing is the number of tasks holding a slot.
func (w *WorkerSM) Computing() int { return w.computing }

// Flush returns the messages for the parent (valid until the next call into
// the machine), with a Load report appended when idle or queued count or
// the receipt changed since the last report.
func (w *WorkerSM) Flush() []Outgoing {
	if !w.shutdown {
		idle := max(0, w.slots-w.computing-len(w.resumeQ)-w.queuedN)
		if !w.reported || idle != w.lastIdle || w.queuedN != w.lastQueued || w.recvSeq != w.lastSeq {
			w.reported = true
			w.lastIdle, w.lastQueued, w.lastSeq = idle, w.queuedN, w.recvSeq
			w.out.add(w.parent, Message{Kind: KindLoad, A: int64(idle), B: int64(w.queuedN), Seq: w.recvSeq})
		}
	}
	return w.out.take()
}

// Dropped counts results and cancellations that matched nothing.
func (w *WorkerSM) Dropped() uint64 { return w.dropped }

// logRecord sends a log record of t to the server.
func (w *WorkerSM) logRecord(t *hostedTask, level int8, text []byte) {
	w.out.add(w.parent, Message{Kind: KindLog, Task: t.msg.Task, Root: t.msg.Root, Level: level, Data: text})
}

// progress sends a progress event of t to the server.
func (w *WorkerSM) progress(t *hostedTask, stage string, done, total int64) {
	w.out.add(w.parent, Message{Kind: KindProgress, Task: t.msg.Task, Root: t.msg.Root, A: done, B: total, Name: stage})
}
