package hierarchy

import (
	"slices"
	"testing"
	"time"

	"github.com/bqskit-mpi/bqskit-mpi/transport"
)

// lose makes parent's router drop child (as its loop does on a loss
// report) and delivers the consequences.
func (s *simNet) lose(parent, child transport.PeerID, dead bool) LossReport {
	s.t.Helper()
	if dead {
		if s.dead == nil {
			s.dead = map[transport.PeerID]bool{}
		}
		s.dead[child] = true
	}
	r := s.routers[parent]
	r.ChildLost(child)
	s.collect(parent)
	s.run()
	reps := r.TakeLosses()
	if len(reps) != 1 || reps[0].Child != child {
		s.t.Fatalf("loss reports %+v, want one for child %d", reps, child)
	}
	return reps[0]
}

// finishAll finishes every task started on worker id (status done, result
// = the task name) until none is left running, and returns the started
// tasks' ids in start order.
func (s *simNet) finishAll(id transport.PeerID) []TaskID {
	var ids []TaskID
	for {
		st := s.started(id)
		if len(st) == 0 {
			return ids
		}
		for _, h := range st {
			ids = append(ids, h.msg.Task)
			s.workers[id].finish(h, StatusDone, []byte("ok "+h.msg.Task.String()))
			s.collect(id)
		}
		s.run()
	}
}

func (s *simNet) results() map[TaskID][]Message {
	out := map[TaskID][]Message{}
	for _, m := range s.events {
		if m.Kind == KindResult {
			out[m.Task] = append(out[m.Task], m)
		}
	}
	return out
}

func TestSMLostChild(t *testing.T) {
	r1, r2 := MakeTaskID(0, 1), MakeTaskID(0, 2)
	for _, tc := range []struct {
		name string
		// dead: killed (receives nothing); else stalled (keeps running and
		// comes back after the loss).
		dead bool
	}{
		{"killed", true},
		{"stalled", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newSim(t, tree1x2(t))
			s.collectAll()
			s.run()
			submitRoot(s, r1)
			submitRoot(s, r2)
			on2, on3 := s.started(2), s.started(3)
			if len(on2) != 1 || len(on3) != 1 {
				t.Fatalf("starts %d and %d, want one each", len(on2), len(on3))
			}
			lostTask := on2[0].msg.Task
			rep := s.lose(1, 2, tc.dead)
			if !slices.Equal(rep.Requeued, []TaskID{lostTask}) || rep.LiveChildren != 1 {
				t.Fatalf("report %+v, want %v requeued and 1 live child", rep, lostTask)
			}
			if !tc.dead && !s.workers[2].ShuttingDown() {
				t.Fatal("the stalled worker was not told to shut down")
			}
			// The stalled worker comes back and sends its (late) result
			// and a load report: both are dropped.
			dropped := s.routers[1].Dropped()
			if !tc.dead {
				s.workers[2].finish(on2[0], StatusDone, []byte("late"))
				s.collect(2)
				s.run()
				if s.routers[1].Dropped() == dropped {
					t.Fatal("messages of the lost worker were not dropped")
				}
			}
			// Worker 3 runs both roots; each result reaches the server once.
			s.workers[3].finish(on3[0], StatusDone, []byte("ok"))
			s.collect(3)
			s.run()
			done := s.finishAll(3)
			if len(done) != 1 || done[0] != lostTask {
				t.Fatalf("worker 3 ran %v after its first task, want %v", done, lostTask)
			}
			res := s.results()
			for _, id := range []TaskID{r1, r2} {
				if len(res[id]) != 1 || res[id][0].Status != StatusDone || string(res[id][0].Data) == "late" {
					t.Fatalf("results for %v: %+v, want one done result from worker 3", id, res[id])
				}
			}
			if n := s.routers[0].InFlight() + s.routers[1].InFlight(); n != 0 {
				t.Fatalf("%d placement records left", n)
			}
		})
	}
}

// A worker that dies while its task waits on subtasks placed on the other
// worker: the subtasks are cancelled there and the task runs again there.
func TestSMLostParentOfSubtasks(t *testing.T) {
	s := newSim(t, tree1x2(t))
	s.collectAll()
	s.run()
	r1 := MakeTaskID(0, 1)
	submitRoot(s, r1)
	var host transport.PeerID = 2
	st := s.started(2)
	if len(st) == 0 {
		host, st = 3, s.started(3)
	}
	other := 5 - host
	w := s.workers[host]
	kids := []childSpec{{id: MakeTaskID(host, 1), name: "c"}, {id: MakeTaskID(host, 2), name: "c"}}
	for i := range kids {
		kids[i].fut = newFuture(kids[i].id, nil)
	}
	w.submit(st[0], kids)
	s.collect(host)
	s.run()
	w.block(st[0])
	s.collect(host)
	s.run()
	// The children went up and the manager placed them on the other
	// worker (idle) or back on host: count what the other worker holds.
	onOther := 0
	for _, k := range kids {
		if rt, ok := s.routers[1].down[k.id]; ok && rt.to == other {
			onOther++
		}
	}
	if onOther == 0 {
		t.Fatalf("no subtask on worker %d; records %+v", other, s.routers[1].down)
	}
	rep := s.lose(1, host, true)
	if len(rep.Cancelled) != onOther || !slices.Equal(rep.Requeued, []TaskID{r1}) {
		t.Fatalf("report %+v, want %d cancelled and r1 requeued", rep, onOther)
	}
	// The other worker cancelled (or dropped) the orphaned subtasks and
	// now holds r1; finishing everything yields r1's result only once.
	s.finishAll(other)
	res := s.results()
	if len(res[r1]) != 1 || res[r1][0].Status != StatusDone {
		t.Fatalf("results for r1: %+v", res[r1])
	}
	for _, k := range kids {
		if len(res[k.id]) != 0 {
			t.Fatalf("subtask %v result reached the server", k.id)
		}
	}
	if n := s.routers[0].InFlight() + s.routers[1].InFlight(); n != 0 {
		t.Fatalf("%d placement records left: %+v", n, s.routers[1].down)
	}
}

// A manager lost at the server: its subtree's tasks run under the other
// manager.
func TestSMLostManager(t *testing.T) {
	tr, err := BalancedTree(2, 1, 1) // 0 server; 1, 2 managers; 3 under 1, 4 under 2
	if err != nil {
		t.Fatal(err)
	}
	s := newSim(t, tr)
	s.collectAll()
	s.run()
	r1, r2 := MakeTaskID(0, 1), MakeTaskID(0, 2)
	submitRoot(s, r1)
	submitRoot(s, r2)
	if len(s.started(3)) != 1 {
		t.Fatal("worker 3 did not start a task")
	}
	rep := s.lose(0, 1, true)
	s.dead[3] = true // its worker goes with it
	if len(rep.Requeued) != 1 {
		t.Fatalf("report %+v, want one requeued", rep)
	}
	if got := s.finishAll(4); len(got) != 2 {
		t.Fatalf("worker 4 ran %v, want both roots", got)
	}
	res := s.results()
	if len(res[r1]) != 1 || len(res[r2]) != 1 {
		t.Fatalf("results %+v", res)
	}
}

// With every worker lost, pending and new roots fail with ErrNoWorkers.
func TestSMNoWorkerLeft(t *testing.T) {
	s := newSim(t, tree1x2(t))
	s.collectAll()
	s.run()
	r1, r2 := MakeTaskID(0, 1), MakeTaskID(0, 2)
	submitRoot(s, r1)
	s.lose(1, 2, true)
	r := s.routers[1]
	r.ChildLost(3)
	s.dead[3] = true
	s.collect(1)
	s.run()
	reps := r.TakeLosses()
	if len(reps) != 1 || reps[0].LiveChildren != 0 {
		t.Fatalf("manager reports %+v", reps)
	}
	// The manager's empty-subtree report made the server drop it.
	srv := s.routers[0]
	if srv.LiveChildren() != 0 {
		t.Fatalf("server has %d live children, want 0", srv.LiveChildren())
	}
	if reps := srv.TakeLosses(); len(reps) != 1 || !slices.Equal(reps[0].Failed, []TaskID{r1}) {
		t.Fatalf("server reports %+v, want r1 failed", reps)
	}
	submitRoot(s, r2)
	res := s.results()
	for _, id := range []TaskID{r1, r2} {
		if len(res[id]) != 1 || res[id][0].Status != StatusFailed || string(res[id][0].Data) != ErrNoWorkers.Error() {
			t.Fatalf("result for %v: %+v, want failed with %q", id, res[id], ErrNoWorkers)
		}
	}
}

// Queued tasks start oldest root first, newest first within a root.
func TestSMFairOrder(t *testing.T) {
	tr, err := BalancedTree(0, 1, 1) // 0 server, 1 worker
	if err != nil {
		t.Fatal(err)
	}
	root := func(n uint64) TaskID { return MakeTaskID(0, n) }
	type arrival struct {
		task, root TaskID
	}
	for _, tc := range []struct {
		name     string
		arrivals []arrival // after a blocker task (root 0.100) holds the slot
		want     []TaskID  // start order once the blocker finishes
	}{
		{"clients in submission order", []arrival{{root(3), root(3)}, {root(1), root(1)}, {root(2), root(2)}},
			[]TaskID{root(1), root(2), root(3)}},
		{"newest first inside one root",
			[]arrival{{MakeTaskID(5, 1), root(1)}, {MakeTaskID(5, 2), root(1)}, {MakeTaskID(5, 3), root(1)}},
			[]TaskID{MakeTaskID(5, 3), MakeTaskID(5, 2), MakeTaskID(5, 1)}},
		{"a late client waits for earlier ones",
			[]arrival{{MakeTaskID(5, 1), root(1)}, {root(9), root(9)}, {MakeTaskID(5, 2), root(1)}, {root(2), root(2)}},
			[]TaskID{MakeTaskID(5, 2), MakeTaskID(5, 1), root(2), root(9)}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := NewWorkerSM(tr, 1)
			blocker := root(100)
			w.Step(0, &Message{Kind: KindSubmit, Task: blocker, Root: blocker})
			acts := w.Actions()
			if len(acts) != 1 || acts[0].Kind != ActStart {
				t.Fatalf("blocker actions %+v", acts)
			}
			running := acts[0].Task
			for _, a := range tc.arrivals {
				w.Step(0, &Message{Kind: KindSubmit, Task: a.task, Root: a.root})
			}
			var got []TaskID
			for {
				w.finish(running, StatusDone, nil)
				acts := w.Actions()
				if len(acts) == 0 {
					break
				}
				if len(acts) != 1 || acts[0].Kind != ActStart {
					t.Fatalf("actions %+v", acts)
				}
				running = acts[0].Task
				got = append(got, running.msg.Task)
			}
			if !slices.Equal(got, tc.want) {
				t.Fatalf("start order %v, want %v", got, tc.want)
			}
		})
	}
}

func TestWatchdog(t *testing.T) {
	t0 := time.Unix(1000, 0)
	at := func(s float64) time.Time { return t0.Add(time.Duration(s * float64(time.Second))) }
	for _, tc := range []struct {
		name  string
		heard map[float64][]transport.PeerID // child ids heard just before the tick at that second
		ticks []float64
		want  map[float64][]transport.PeerID // expired at that tick
	}{
		{"silent child expires after the deadline", nil, []float64{1, 5, 10, 10.5},
			map[float64][]transport.PeerID{10.5: {2, 3}}},
		{"heard child stays", map[float64][]transport.PeerID{5: {2}, 10: {2}}, []float64{5, 10, 11, 15, 20.5},
			map[float64][]transport.PeerID{11: {3}, 20.5: {2}}},
		{"non-child ignored", map[float64][]transport.PeerID{9: {7}}, []float64{9, 11},
			map[float64][]transport.PeerID{11: {2, 3}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := newWatchdog(10*time.Second, []transport.PeerID{2, 3}, t0)
			for _, tk := range tc.ticks {
				for _, id := range tc.heard[tk] {
					w.heard(id)
				}
				got := w.check(at(tk))
				if !slices.Equal(got, tc.want[tk]) {
					t.Fatalf("tick %v: expired %v, want %v", tk, got, tc.want[tk])
				}
			}
		})
	}
}
