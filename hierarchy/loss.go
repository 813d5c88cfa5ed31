package hierarchy

import (
	"errors"
	"slices"

	"go.uber.org/zap/zapcore"

	"github.com/bqskit-mpi/bqskit-mpi/transport"
)

// Lost children
//
// A child is lost when its transport link closes, when the transport's
// heartbeat deadline passes (TCP), when the node loop's own deadline passes
// (MPI, where a stopped rank keeps its links), or when the child reports
// that its subtree has no compute slot left (a Load with A < 0). Its
// parent's Router then (ChildLost):
//   - places every task it had routed to the child on another child (tasks
//     are pure functions of their arguments, so running one again is safe;
//     a result arriving later from the lost child matches no record and is
//     dropped, so a task's result is delivered once);
//   - cancels the tasks whose waiting parent task was in the lost subtree
//     (their results would have nobody to go to; the parent task runs
//     again elsewhere and submits them anew);
//   - sends the child a Shutdown and drops every later message from it: a
//     lost child is never re-admitted. A stalled child that resumes thus
//     stops instead of computing results that would be dropped.
// When no child is left, a manager reports an empty subtree (Load with
// A = -1) and its parent does the same one level up; at the server every
// pending and later task fails with ErrNoWorkers.

// ErrNoWorkers is the error text of tasks that failed because every worker
// of the runtime was lost.
var ErrNoWorkers = errors.New("hierarchy: no worker left to run the task (every worker was lost)")

// ErrParentLost is returned by a node loop whose parent was lost.
var ErrParentLost = errors.New("hierarchy: parent node lost")

// LossReport says what a Router did about one lost child.
type LossReport struct {
	// Child is the lost child.
	Child transport.PeerID
	// Requeued are the tasks placed again on other children.
	Requeued []TaskID
	// Cancelled are the tasks cancelled because the task waiting for them
	// was in the lost subtree.
	Cancelled []TaskID
	// Failed are the tasks failed with ErrNoWorkers (server only).
	Failed []TaskID
	// Returned are the tasks left for this manager's parent to place again
	// (this manager has no child left).
	Returned []TaskID
	// LiveChildren is the number of children left.
	LiveChildren int
}

// ChildLost marks child id as lost for good and moves or cancels the tasks
// that depended on it (see the package notes above). It does nothing for
// an id that is not a live child. The report is available from TakeLosses.
func (r *Router) ChildLost(id transport.PeerID) {
	i, ok := r.cidx[id]
	if !ok || r.children[i].lost {
		return
	}
	c := &r.children[i]
	c.lost, c.idle, c.queued = true, 0, 0
	r.live--
	rep := LossReport{Child: id}
	if !r.shutdown {
		r.out.add(id, Message{Kind: KindShutdown})
	}
	for _, t := range sortedTasks(r.down) {
		rt := r.down[t]
		switch {
		case rt.from == id:
			delete(r.down, t)
			if rt.to != id {
				r.out.add(rt.to, Message{Kind: KindCancel, Task: t})
				rep.Cancelled = append(rep.Cancelled, t)
			}
		case rt.to == id:
			delete(r.down, t)
			switch {
			case r.shutdown:
			case r.live > 0:
				rep.Requeued = append(rep.Requeued, t)
			case r.root:
				rep.Failed = append(rep.Failed, t)
			default:
				rep.Returned = append(rep.Returned, t)
			}
			if !r.shutdown {
				r.place(rt.from, &rt.msg)
			}
		}
	}
	for _, t := range sortedTasks(r.up) {
		if rt := r.up[t]; rt.from == id {
			delete(r.up, t)
			r.out.add(rt.to, Message{Kind: KindCancel, Task: t})
			rep.Cancelled = append(rep.Cancelled, t)
		}
	}
	rep.LiveChildren = r.live
	r.losses = append(r.losses, rep)
}

func sortedTasks(m map[TaskID]route) []TaskID {
	ids := make([]TaskID, 0, len(m))
	for t := range m {
		ids = append(ids, t)
	}
	slices.Sort(ids)
	return ids
}

// unplaceable handles a task that no live child can take: the server fails
// it; a manager drops it (it has reported an empty subtree, so its parent
// places the task again when it processes that report).
func (r *Router) unplaceable(from transport.PeerID, m *Message) {
	if !r.root {
		return
	}
	if i, ok := r.cidx[from]; ok && r.children[i].lost {
		return
	}
	r.deliver(from, &Message{Kind: KindResult, Task: m.Task, Status: StatusFailed, Data: []byte(ErrNoWorkers.Error())})
}

// TakeLosses returns the reports of the children lost since the last call.
func (r *Router) TakeLosses() []LossReport {
	l := r.losses
	r.losses = nil
	return l
}

// LiveChildren is the number of children not lost.
func (r *Router) LiveChildren() int { return r.live }

// Heartbeat makes the next Ready send a Load report to the parent even if
// nothing changed (a manager's proof of life; the server ignores it).
func (r *Router) Heartbeat() { r.reported = false }

// Heartbeat makes the next Flush send a Load report to the parent even if
// nothing changed (the worker's proof of life).
func (w *WorkerSM) Heartbeat() { w.reported = false }

func (r *Router) childIDs() []transport.PeerID {
	ids := make([]transport.PeerID, len(r.children))
	for i, c := range r.children {
		ids[i] = c.id
	}
	return ids
}

// reportUp sends a loss summary towards the server: a Log message with no
// task (Root 0), which managers forward and the server logs itself.
func (r *Router) reportUp(text string) {
	r.out.add(r.parent, Message{Kind: KindLog, Level: int8(zapcore.WarnLevel), Data: []byte(text)})
}
