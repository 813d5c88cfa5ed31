package hierarchy

import (
	"testing"

	"github.com/bqskit-mpi/bqskit-mpi/transport"
)

// These tests drive the state machines directly: no goroutines, no
// transport. A tiny "network" moves Ready output between machines.

type simNet struct {
	t       *testing.T
	routers map[transport.PeerID]*Router
	workers map[transport.PeerID]*WorkerSM
	// pending messages per destination, in order
	queue []envelope
	// server-side events and worker actions seen
	events  []Message
	actions map[transport.PeerID][]Action
	// dead nodes receive nothing (a killed process)
	dead map[transport.PeerID]bool
}

type envelope struct {
	from, to transport.PeerID
	m        Message
}

func newSim(t *testing.T, tree *Tree) *simNet {
	s := &simNet{t: t, routers: map[transport.PeerID]*Router{}, workers: map[transport.PeerID]*WorkerSM{},
		actions: map[transport.PeerID][]Action{}}
	for _, id := range tree.IDs() {
		if tree.Role(id) == RoleWorker {
			s.workers[id] = NewWorkerSM(tree, id)
		} else {
			s.routers[id] = NewRouter(tree, id)
		}
	}
	return s
}

// collect gathers Ready output of node id.
func (s *simNet) collect(id transport.PeerID) {
	if r, ok := s.routers[id]; ok {
		out, ev := r.Ready()
		for _, o := range out {
			for _, m := range o.Msgs {
				s.queue = append(s.queue, envelope{id, o.To, m})
			}
		}
		s.events = append(s.events, ev...)
		return
	}
	out, acts := s.workers[id].Ready()
	for _, o := range out {
		for _, m := range o.Msgs {
			s.queue = append(s.queue, envelope{id, o.To, m})
		}
	}
	s.actions[id] = append(s.actions[id], acts...)
}

func (s *simNet) collectAll() {
	for id := range s.routers {
		s.collect(id)
	}
	for id := range s.workers {
		s.collect(id)
	}
}

// run delivers messages until none are left, filtered by keep (nil: all).
func (s *simNet) run() {
	for steps := 0; len(s.queue) > 0; steps++ {
		if steps > 100000 {
			s.t.Fatal("simulation does not settle")
		}
		e := s.queue[0]
		s.queue = s.queue[1:]
		if s.dead[e.to] {
			continue
		}
		if r, ok := s.routers[e.to]; ok {
			r.Step(e.from, &e.m)
		} else {
			s.workers[e.to].Step(e.from, &e.m)
		}
		s.collect(e.to)
	}
}

// takeActions returns and clears the actions of worker id.
func (s *simNet) takeActions(id transport.PeerID) []Action {
	a := s.actions[id]
	s.actions[id] = nil
	return a
}

func (s *simNet) started(id transport.PeerID) []*hostedTask {
	var ts []*hostedTask
	for _, a := range s.takeActions(id) {
		if a.Kind == ActStart {
			ts = append(ts, a.Task)
		}
	}
	return ts
}

func submitRoot(s *simNet, id TaskID) {
	s.routers[ServerID].Step(ServerID, &Message{Kind: KindSubmit, Task: id, Root: id, Name: "t"})
	s.collect(ServerID)
	s.run()
}

func tree1x2(t *testing.T) *Tree {
	tr, err := BalancedTree(1, 2, 1)
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

// Ids: 0 server; 1 manager; 2, 3 workers.
func TestSMIdleTracking(t *testing.T) {
	s := newSim(t, tree1x2(t))
	s.collectAll()
	s.run()
	m := s.routers[1]
	if m.children[0].idle != 1 || m.children[1].idle != 1 {
		t.Fatalf("initial idle views %+v", m.children)
	}
	r1, r2 := MakeTaskID(0, 1), MakeTaskID(0, 2)
	submitRoot(s, r1)
	submitRoot(s, r2)
	// Both workers got one task each (idle slots first), none queued.
	a2, a3 := s.started(2), s.started(3)
	if len(a2) != 1 || len(a3) != 1 {
		t.Fatalf("starts: worker 2 %d, worker 3 %d, want 1 each", len(a2), len(a3))
	}
	if m.children[0].idle != 0 || m.children[1].idle != 0 {
		t.Fatalf("idle views after two tasks %+v", m.children)
	}
	if srv := s.routers[0]; srv.children[0].idle != 0 {
		t.Fatalf("server's view of the manager: idle %d, want 0", srv.children[0].idle)
	}
	// A third root is queued on the least-queued worker.
	submitRoot(s, MakeTaskID(0, 3))
	if q := m.children[0].queued + m.children[1].queued; q != 1 {
		t.Fatalf("queued views %+v, want one queued task", m.children)
	}
	// Worker 2 blocks its task on children: it counts as idle again.
	w := s.workers[2]
	w.block(a2[0])
	s.collect(2)
	s.run()
	if w.computing > w.slots {
		t.Fatalf("worker computes %d tasks with %d slots", w.computing, w.slots)
	}
	// The queued task may have landed on worker 2 and started; either way
	// the read receipts keep the manager's view consistent with reality.
	for i, c := range m.children {
		wk := s.workers[c.id]
		idle := max(0, wk.slots-wk.computing-len(wk.resumeQ)-wk.queuedN)
		if c.idle != idle || c.queued != wk.queuedN {
			t.Fatalf("child %d view idle %d queued %d, worker has idle %d queued %d", i, c.idle, c.queued, idle, wk.queuedN)
		}
	}
}

func TestSMReadReceipts(t *testing.T) {
	tr := tree1x2(t)
	r := NewRouter(tr, 1)
	// Two tasks from the parent: one per idle worker.
	for i := uint64(1); i <= 2; i++ {
		r.Step(0, &Message{Kind: KindSubmit, Task: MakeTaskID(0, i), Root: MakeTaskID(0, i)})
	}
	// A stale report from worker 2, sent before it saw the task: idle 1,
	// receipt 0. The in-flight task must still count.
	r.Step(2, &Message{Kind: KindLoad, A: 1, B: 0, Seq: 0})
	if r.children[0].idle != 0 {
		t.Fatalf("stale report made worker 2 idle again: %+v", r.children[0])
	}
	// The report that acknowledges the task: idle 0.
	r.Step(2, &Message{Kind: KindLoad, A: 0, B: 0, Seq: 1})
	if r.children[0].idle != 0 || r.children[0].queued != 0 {
		t.Fatalf("view %+v", r.children[0])
	}
	// Worker 2 finished and reports idle with receipt 1.
	r.Step(2, &Message{Kind: KindLoad, A: 1, B: 0, Seq: 1})
	if r.children[0].idle != 1 {
		t.Fatalf("view %+v, want idle 1", r.children[0])
	}
}

func TestSMLocalityAndOverflow(t *testing.T) {
	// 2 managers x 2 workers: ids 0; 1, 2; workers 3, 4 (under 1), 5, 6.
	tr, err := BalancedTree(2, 2, 1)
	if err != nil {
		t.Fatal(err)
	}
	s := newSim(t, tr)
	s.collectAll()
	s.run()
	root := MakeTaskID(0, 1)
	submitRoot(s, root)
	var host transport.PeerID = -1
	var ht *hostedTask
	for id := range s.workers {
		if st := s.started(id); len(st) == 1 {
			host, ht = id, st[0]
		}
	}
	if host < 0 {
		t.Fatal("root task did not start")
	}
	w := s.workers[host]
	// The root maps 4 children: 1 stays local, the sibling worker (idle)
	// takes one through the manager (locality), the other manager's two
	// idle workers take the rest through the server (overflow up).
	specs := make([]childSpec, 4)
	for i := range specs {
		specs[i] = childSpec{id: MakeTaskID(host, uint64(i+1)), name: "c", fut: &Future{}}
	}
	w.submit(ht, specs)
	w.block(ht)
	s.collect(host)
	s.run()
	mgr := tr.nodes[host].Parent
	starts := map[transport.PeerID]int{}
	for id := range s.workers {
		for _, st := range s.started(id) {
			starts[id]++
			if st.msg.Parent != root || st.msg.Root != root {
				t.Fatalf("child on %d has parent %v root %v", id, st.msg.Parent, st.msg.Root)
			}
		}
	}
	for id := range s.workers {
		if starts[id] != 1 {
			t.Fatalf("starts per worker %v, want one child on each of the 4 workers", starts)
		}
	}
	if s.routers[mgr].up == nil || len(s.routers[mgr].up) != 2 {
		t.Fatalf("manager %d sent %d tasks up, want 2", mgr, len(s.routers[mgr].up))
	}
	// Results route back to the waiting root's futures.
	for id, wk := range s.workers {
		for tid, h := range wk.hosted {
			if tid == root {
				continue
			}
			wk.finish(h, StatusDone, []byte{byte(tid.Seq())})
			s.collect(id)
		}
	}
	s.run()
	delivered := 0
	for _, a := range s.takeActions(host) {
		if a.Kind == ActDeliver && a.Status == StatusDone {
			delivered++
		}
	}
	if delivered != 4 {
		t.Fatalf("%d results delivered to the root's worker, want 4", delivered)
	}
	for id, r := range s.routers {
		want := 0
		if id == ServerID || id == mgr {
			want = 1 // the root task itself, still running
		}
		if r.InFlight() != want {
			t.Fatalf("router %d keeps %d placement records after all results, want %d", id, r.InFlight(), want)
		}
	}
	if len(w.futures) != 0 {
		t.Fatalf("worker keeps %d futures", len(w.futures))
	}
}

func TestSMRoutedCancellation(t *testing.T) {
	tr, err := BalancedTree(2, 2, 1)
	if err != nil {
		t.Fatal(err)
	}
	s := newSim(t, tr)
	s.collectAll()
	s.run()
	r1, r2 := MakeTaskID(0, 1), MakeTaskID(0, 2)
	submitRoot(s, r1)
	submitRoot(s, r2)
	where := map[TaskID]transport.PeerID{}
	for id := range s.workers {
		for _, st := range s.started(id) {
			where[st.msg.Task] = id
		}
	}
	if len(where) != 2 {
		t.Fatalf("roots placed on %v", where)
	}
	// Cancel r1: only the nodes on r1's path see the cancel.
	seen := map[transport.PeerID]bool{}
	s.routers[0].Step(0, &Message{Kind: KindCancel, Task: r1})
	s.collect(0)
	for len(s.queue) > 0 {
		e := s.queue[0]
		if e.m.Kind == KindCancel {
			seen[e.to] = true
		}
		s.queue = s.queue[1:]
		if r, ok := s.routers[e.to]; ok {
			r.Step(e.from, &e.m)
		} else {
			s.workers[e.to].Step(e.from, &e.m)
		}
		s.collect(e.to)
	}
	host := where[r1]
	path := map[transport.PeerID]bool{host: true, tr.nodes[host].Parent: true}
	for id := range seen {
		if !path[id] {
			t.Fatalf("cancel reached node %d, off r1's path %v", id, path)
		}
	}
	if !seen[host] {
		t.Fatal("cancel did not reach the worker running r1")
	}
	acts := s.takeActions(host)
	if len(acts) != 1 || acts[0].Kind != ActCancel || acts[0].Task.msg.Task != r1 {
		t.Fatalf("actions on host %+v, want one ActCancel of r1", acts)
	}
	// The task returns; the result (cancelled) goes back and clears records.
	w := s.workers[host]
	w.finish(acts[0].Task, StatusDone, nil)
	s.collect(host)
	s.run()
	var got *Message
	for i := range s.events {
		if s.events[i].Kind == KindResult && s.events[i].Task == r1 {
			got = &s.events[i]
		}
	}
	if got == nil || got.Status != StatusCancelled {
		t.Fatalf("server result for r1: %+v, want cancelled", got)
	}
	if len(s.routers[0].down) != 1 {
		t.Fatalf("server keeps %d records, want 1 (r2)", len(s.routers[0].down))
	}
}

func TestSMFinishedParentCancelsChildren(t *testing.T) {
	s := newSim(t, tree1x2(t))
	s.collectAll()
	s.run()
	root := MakeTaskID(0, 1)
	submitRoot(s, root)
	var host transport.PeerID
	var ht *hostedTask
	for id := range s.workers {
		if st := s.started(id); len(st) == 1 {
			host, ht = id, st[0]
		}
	}
	w := s.workers[host]
	futs := []*Future{{}, {}, {}}
	specs := make([]childSpec, 3)
	for i := range specs {
		specs[i] = childSpec{id: MakeTaskID(host, uint64(i+1)), name: "c", fut: futs[i]}
	}
	w.submit(ht, specs)
	s.collect(host)
	s.run()
	// The parent returns while its children are pending (one local queued,
	// others elsewhere): every child future completes as cancelled, and
	// cancels go out.
	w.finish(ht, StatusDone, nil)
	s.collect(host)
	s.run()
	cancelled := map[*Future]bool{}
	for id := range s.workers {
		for _, a := range s.takeActions(id) {
			if a.Kind == ActDeliver && a.Status == StatusCancelled {
				cancelled[a.Fut] = true
			}
			if a.Kind == ActCancel {
				s.workers[id].finish(a.Task, StatusDone, nil)
				s.collect(id)
			}
		}
	}
	s.run()
	for i, f := range futs {
		if !cancelled[f] {
			t.Fatalf("child %d of the finished parent not cancelled", i)
		}
	}
	for id, r := range s.routers {
		if r.InFlight() != 0 {
			t.Fatalf("router %d keeps %d records", id, r.InFlight())
		}
	}
	for id, wk := range s.workers {
		if len(wk.hosted) != 0 || len(wk.futures) != 0 {
			t.Fatalf("worker %d keeps %d hosted, %d futures", id, len(wk.hosted), len(wk.futures))
		}
	}
}

func TestSMUnbalancedDepth3(t *testing.T) {
	// 0 -> 1, 2; 1 -> 3 (-> 5, 6), 4; 2 -> 7 (2 slots).
	tr := MustTree([]TreeNode{
		{ID: 0, Parent: -1, Children: []transport.PeerID{1, 2}},
		{ID: 1, Parent: 0, Children: []transport.PeerID{3, 4}},
		{ID: 2, Parent: 0, Children: []transport.PeerID{7}},
		{ID: 3, Parent: 1, Children: []transport.PeerID{5, 6}},
		{ID: 4, Parent: 1, Slots: 1},
		{ID: 5, Parent: 3, Slots: 1},
		{ID: 6, Parent: 3, Slots: 1},
		{ID: 7, Parent: 2, Slots: 2},
	})
	if tr.Depth() != 3 || tr.TotalSlots() != 5 {
		t.Fatalf("depth %d slots %d", tr.Depth(), tr.TotalSlots())
	}
	s := newSim(t, tr)
	s.collectAll()
	s.run()
	// Five roots fill the five slots exactly.
	for i := uint64(1); i <= 5; i++ {
		submitRoot(s, MakeTaskID(0, i))
	}
	total := 0
	for id, w := range s.workers {
		n := len(s.started(id))
		if n != w.slots {
			t.Fatalf("worker %d started %d tasks, has %d slots", id, n, w.slots)
		}
		total += n
	}
	if total != 5 {
		t.Fatalf("%d started", total)
	}
	// Deepest worker 5 submits two children while everything is busy:
	// they queue in its subtree or go up, and every result comes back.
	w5 := s.workers[5]
	var h *hostedTask
	for _, x := range w5.hosted {
		h = x
	}
	futs := []*Future{{}, {}}
	w5.submit(h, []childSpec{{id: MakeTaskID(5, 1), name: "c", fut: futs[0]}, {id: MakeTaskID(5, 2), name: "c", fut: futs[1]}})
	w5.block(h)
	s.collect(5)
	s.run()
	// Finish everything that runs, repeatedly, except the blocked parent.
	for round := 0; round < 20; round++ {
		progress := false
		for id, w := range s.workers {
			for _, x := range w.hosted {
				if x != h && x.state == tsComputing {
					w.finish(x, StatusDone, []byte("ok"))
					s.collect(id)
					progress = true
				}
			}
			for _, a := range s.takeActions(id) {
				if a.Kind == ActDeliver {
					if a.Fut == futs[0] {
						futs[0] = nil
					}
					if a.Fut == futs[1] {
						futs[1] = nil
					}
				}
			}
		}
		s.run()
		if !progress && futs[0] == nil && futs[1] == nil {
			break
		}
	}
	if futs[0] != nil || futs[1] != nil {
		t.Fatal("children of the deepest worker's task never delivered")
	}
}
