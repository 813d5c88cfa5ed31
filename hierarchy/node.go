package hierarchy

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"runtime/debug"
	"sync"
	"sync/atomic"

	"go.uber.org/zap"

	"github.com/bqskit-mpi/bqskit-mpi/transport"
)

// NodeConfig configures one manager or worker node (RunNode).
type NodeConfig struct {
	// ID is this node's id in Tree; it must equal Transport.Self().
	ID transport.PeerID
	// Tree is the whole runtime tree (the same in every process).
	Tree *Tree
	// Transport reaches this node's parent and children. RunNode does not
	// close it.
	Transport transport.Transport
	// Registry holds every task this node may run; it is frozen by RunNode.
	Registry *Registry
	// Logger receives the node's own logs (nil: no logging).
	Logger *zap.Logger
	// Heartbeat, when enabled, makes the node send its parent a Load
	// report at least every Interval and treat a child silent for Deadline
	// as lost. Zero: the transport's advice (transport.HeartbeatAdvisor,
	// e.g. MPI), else none (transports that report losses themselves, such
	// as TCP, need none). A negative Interval turns the checks off.
	Heartbeat transport.Heartbeat
}

// ErrTransportClosed is returned by a node loop whose transport closed its
// Recv channel before a shutdown.
var ErrTransportClosed = errors.New("hierarchy: transport closed under a running node")

// maxDrain bounds how many packets or events a loop handles before it
// flushes its outgoing batches.
const maxDrain = 512

func (cfg *NodeConfig) check(want ...Role) error {
	if cfg.Tree == nil || cfg.Transport == nil || cfg.Registry == nil {
		return fmt.Errorf("%w: Tree, Transport and Registry are required", ErrBadConfig)
	}
	if cfg.Transport.Self() != cfg.ID {
		return fmt.Errorf("%w: node %d has a transport for peer %d", ErrBadConfig, cfg.ID, cfg.Transport.Self())
	}
	role := cfg.Tree.Role(cfg.ID)
	for _, r := range want {
		if r == role {
			return nil
		}
	}
	if role == 0 {
		return fmt.Errorf("%w: node %d is not in the tree", ErrBadConfig, cfg.ID)
	}
	return fmt.Errorf("%w: node %d is a %v here", ErrBadConfig, cfg.ID, role)
}

func nodeLogger(l *zap.Logger, id transport.PeerID, role Role) *zap.Logger {
	if l == nil {
		l = zap.NewNop()
	}
	return l.Named(role.String()).With(zap.Int32("node", int32(id)), zap.Stringer("role", role))
}

// RunNode runs a manager or worker node until it has processed a Shutdown
// from its parent (then it returns nil, after forwarding the Shutdown to its
// children and, for a worker, after every task function has returned), or
// until ctx ends (it then shuts its subtree down the same way and returns
// ctx.Err()). The server is not run this way: see NewServer.
func RunNode(ctx context.Context, cfg NodeConfig) error {
	if err := cfg.check(RoleManager, RoleWorker); err != nil {
		return err
	}
	cfg.Registry.freeze()
	role := cfg.Tree.Role(cfg.ID)
	log := nodeLogger(cfg.Logger, cfg.ID, role)
	hb := heartbeatFor(cfg.Heartbeat, cfg.Transport)
	if role == RoleManager {
		l := &routerLoop{r: NewRouter(cfg.Tree, cfg.ID), tr: cfg.Transport, log: log, hb: hb}
		return l.run(ctx, nil)
	}
	d := newWorkerDriver(cfg, log)
	d.hb = hb
	return d.run(ctx)
}

// sendBatches encodes and sends each batch. It returns an error only when
// the transport is closed; other send errors are logged.
func sendBatches(tr transport.Transport, out []Outgoing, log *zap.Logger) error {
	for _, o := range out {
		buf := AppendBatch(make([]byte, 0, EncodedSizeHint(o.Msgs)), o.Msgs)
		if err := tr.Send(context.Background(), o.To, buf); err != nil {
			if errors.Is(err, transport.ErrClosed) {
				return err
			}
			log.Warn("send failed", zap.Int32("to", int32(o.To)), zap.Int("messages", len(o.Msgs)), zap.Error(err))
		}
	}
	return nil
}

func decodePacket(dec *Decoder, dst []Message, p transport.Packet, log *zap.Logger) []Message {
	msgs, err := dec.DecodeBatch(dst[:0], p.Data)
	if err != nil {
		log.Error("dropping malformed packet", zap.Int32("from", int32(p.From)), zap.Int("bytes", len(p.Data)), zap.Error(err))
	}
	return msgs
}

// routerLoop drives a Router (server or manager) over a transport.
type routerLoop struct {
	r    *Router
	tr   transport.Transport
	log  *zap.Logger
	dec  Decoder
	msgs []Message
	// Server only: messages the server injects as from itself (root
	// submissions, client cancellations), and the sink for client events.
	local    <-chan Message
	onEvents func([]Message)
	// Liveness (see lossWatch).
	hb      transport.Heartbeat
	lw      *lossWatch
	reasons map[transport.PeerID]string
	lostErr error
}

func (l *routerLoop) packet(p transport.Packet) {
	l.lw.heard(p.From)
	l.msgs = decodePacket(&l.dec, l.msgs, p, l.log)
	for i := range l.msgs {
		l.r.Step(p.From, &l.msgs[i])
	}
}

// run loops until shutdown. stop (server only) requests a shutdown.
func (l *routerLoop) run(ctx context.Context, stop <-chan struct{}) error {
	recv := l.tr.Recv()
	self := l.tr.Self()
	var exitErr error
	l.lw = newLossWatch(l.tr, l.hb, l.r.childIDs())
	defer l.lw.stop()
	for {
		select {
		case id, ok := <-l.lw.lost:
			if !ok {
				l.lw.lost = nil
				continue
			}
			// Packets the peer sent before its link went are already
			// queued on recv (a Shutdown, say): handle them first.
			if !l.drainRecv(recv) {
				return ErrTransportClosed
			}
			l.peerLost(id, "connection lost")
			if l.lostErr != nil && exitErr == nil {
				exitErr = l.lostErr
			}
		case now := <-l.lw.tick:
			l.r.Heartbeat()
			if l.lw.wd != nil {
				for _, id := range l.lw.wd.check(now) {
					l.peerLost(id, fmt.Sprintf("no message for more than %v", l.hb.Deadline))
				}
			}
		case p, ok := <-recv:
			if !ok {
				return ErrTransportClosed
			}
			l.packet(p)
		case m := <-l.local:
			l.r.Step(self, &m)
		case <-ctx.Done():
			l.r.Shutdown()
			exitErr = ctx.Err()
		case <-stop:
			l.r.Shutdown()
		}
	drain:
		for i := 0; i < maxDrain && !l.r.ShuttingDown(); i++ {
			select {
			case p, ok := <-recv:
				if !ok {
					return ErrTransportClosed
				}
				l.packet(p)
			case m := <-l.local:
				l.r.Step(self, &m)
			default:
				break drain
			}
		}
		for _, rep := range l.r.TakeLosses() {
			reason, ok := l.reasons[rep.Child]
			if !ok {
				reason = "its subtree has no worker left"
			}
			l.lw.forget(rep.Child)
			logLoss(l.log, rep, reason, l.r.root)
			if !l.r.root {
				// The server logs every loss in the tree, not just its own.
				l.r.reportUp(fmt.Sprintf("node %d lost child %d (%s): %d tasks run again elsewhere, %d cancelled, %d children left",
					self, rep.Child, reason, len(rep.Requeued), len(rep.Cancelled), rep.LiveChildren))
			}
		}
		out, ev := l.r.Ready()
		if len(ev) > 0 && l.onEvents != nil {
			l.onEvents(ev)
		}
		if err := sendBatches(l.tr, out, l.log); err != nil {
			return fmt.Errorf("hierarchy: node %d: %w", self, err)
		}
		if l.r.ShuttingDown() {
			l.log.Debug("node stopped", zap.Int("in_flight", l.r.InFlight()))
			return exitErr
		}
	}
}

// drainRecv handles the packets already received; false when recv closed.
func (l *routerLoop) drainRecv(recv <-chan transport.Packet) bool {
	for {
		select {
		case p, ok := <-recv:
			if !ok {
				return false
			}
			l.packet(p)
		default:
			return true
		}
	}
}

// peerLost handles the loss of peer id: a child's tasks move to its
// siblings; a lost parent shuts this subtree down. Losses during a
// shutdown are expected (nodes close their links) and ignored.
func (l *routerLoop) peerLost(id transport.PeerID, reason string) {
	if l.r.ShuttingDown() {
		return
	}
	switch {
	case !l.r.root && id == l.r.parent:
		if !l.r.ShuttingDown() {
			l.log.Error("parent lost: shutting this subtree down", zap.Int32("parent", int32(id)), zap.String("reason", reason))
			l.r.Shutdown()
			l.lostErr = fmt.Errorf("%w: node %d: %s", ErrParentLost, id, reason)
		}
	default:
		if l.reasons == nil {
			l.reasons = map[transport.PeerID]string{}
		}
		if _, seen := l.reasons[id]; !seen {
			l.reasons[id] = reason
		}
		l.r.ChildLost(id)
	}
}

// worker loop events, sent by task goroutines.
const (
	evSubmit uint8 = iota + 1
	evBlock
	evResume
	evFinish
	evCancelChild
	evLog
	evProgress
)

type wevent struct {
	kind   uint8
	level  int8
	status TaskStatus
	task   *Task
	specs  []childSpec
	id     TaskID
	data   []byte
	a, b   int64
}

// workerDriver owns a WorkerSM, the transport and the task goroutines.
type workerDriver struct {
	id     transport.PeerID
	sm     *WorkerSM
	tr     transport.Transport
	reg    *Registry
	log    *zap.Logger
	events chan wevent
	seq    atomic.Uint64
	wg     sync.WaitGroup
	dec    Decoder
	msgs   []Message
	hb     transport.Heartbeat
}

func newWorkerDriver(cfg NodeConfig, log *zap.Logger) *workerDriver {
	return &workerDriver{
		id:     cfg.ID,
		sm:     NewWorkerSM(cfg.Tree, cfg.ID),
		tr:     cfg.Transport,
		reg:    cfg.Registry,
		log:    log,
		events: make(chan wevent, 1024),
	}
}

func (d *workerDriver) newID() TaskID { return MakeTaskID(d.id, d.seq.Add(1)) }

func (d *workerDriver) packet(p transport.Packet) {
	d.msgs = decodePacket(&d.dec, d.msgs, p, d.log)
	for i := range d.msgs {
		d.sm.Step(p.From, &d.msgs[i])
	}
}

func (d *workerDriver) event(ev *wevent) {
	h := ev.task.h
	switch ev.kind {
	case evSubmit:
		d.sm.submit(h, ev.specs)
	case evBlock:
		d.sm.block(h)
	case evResume:
		d.sm.resume(h)
	case evFinish:
		d.sm.finish(h, ev.status, ev.data)
	case evCancelChild:
		d.sm.cancelChild(h, ev.id)
	case evLog:
		d.sm.logRecord(h, ev.level, ev.data)
	case evProgress:
		d.sm.progress(h, string(ev.data), ev.a, ev.b)
	}
}

func (d *workerDriver) run(ctx context.Context) error {
	recv := d.tr.Recv()
	var exitErr error
	ctxDone := ctx.Done()
	lw := newLossWatch(d.tr, d.hb, nil)
	defer lw.stop()
	for {
		select {
		case id, ok := <-lw.lost:
			if !ok {
				lw.lost = nil
				break
			}
			// Handle what the parent sent before its link went first (a
			// Shutdown, say).
			d.drain(&recv, &exitErr)
			if id == d.sm.parent && !d.sm.ShuttingDown() {
				d.log.Error("parent lost: stopping this worker's tasks", zap.Int32("parent", int32(id)))
				d.sm.Shutdown()
				exitErr = fmt.Errorf("%w: node %d: connection lost", ErrParentLost, id)
			}
		case <-lw.tick:
			d.sm.Heartbeat()
		case p, ok := <-recv:
			if !ok {
				// The parent is unreachable: stop our tasks, then report.
				d.sm.Shutdown()
				exitErr, recv = ErrTransportClosed, nil
				break
			}
			d.packet(p)
		case ev := <-d.events:
			d.event(&ev)
		case <-ctxDone:
			d.sm.Shutdown()
			exitErr, ctxDone = ctx.Err(), nil
		}
		d.drain(&recv, &exitErr)
		// Run-to-completion batching: after starting tasks, yield once so
		// that a quick task (its goroutine sits in this P's next slot) can
		// finish before we flush, then handle what arrived. Messages for
		// the parent accumulate meanwhile and leave in one packet. Bounded
		// by rounds and queued messages; the flush happens as soon as a
		// round starts nothing.
		for round := 0; ; round++ {
			acts := d.sm.Actions()
			started := 0
			for i := range acts {
				if acts[i].Kind == ActStart || acts[i].Kind == ActGrant {
					started++
				}
				d.act(&acts[i])
			}
			if started == 0 || round >= batchRounds || d.sm.Pending() >= batchMessages || d.sm.ShuttingDown() {
				break
			}
			runtime.Gosched()
			d.drain(&recv, &exitErr)
		}
		out := d.sm.Flush()
		if err := sendBatches(d.tr, out, d.log); err != nil && !d.sm.ShuttingDown() {
			d.sm.Shutdown()
			exitErr = fmt.Errorf("hierarchy: node %d: %w", d.id, err)
		}
		if d.sm.ShuttingDown() && d.sm.Running() == 0 {
			d.wg.Wait()
			return exitErr
		}
	}
}

// Batching bounds of the worker loop.
const (
	batchRounds   = 64
	batchMessages = 256
)

// drain handles what is available without blocking.
func (d *workerDriver) drain(recv *<-chan transport.Packet, exitErr *error) {
	for i := 0; i < maxDrain; i++ {
		select {
		case p, ok := <-*recv:
			if !ok {
				d.sm.Shutdown()
				*exitErr, *recv = ErrTransportClosed, nil
				return
			}
			d.packet(p)
		case ev := <-d.events:
			d.event(&ev)
		default:
			return
		}
	}
}

func (d *workerDriver) act(a *Action) {
	switch a.Kind {
	case ActStart:
		h := a.Task
		// Not derived from a cancellable parent: that costs a registration
		// in the parent's child set per task. Shutdown cancels every
		// running task through ActCancel instead.
		ctx, cancel := context.WithCancel(context.Background())
		t := &Task{
			Context: ctx, d: d, h: h, id: h.msg.Task, root: h.msg.Root, level: h.msg.Level, name: h.msg.Name,
			cancel: cancel,
		}
		t.ctx = t
		h.run = t
		d.wg.Add(1)
		go d.runTask(t, h.msg.Data)
	case ActGrant:
		a.Task.run.grant <- struct{}{}
	case ActCancel:
		if a.Task.run != nil {
			a.Task.run.cancel()
		}
	case ActDeliver:
		a.Fut.complete(a.Status, a.Data)
	}
}

func (d *workerDriver) runTask(t *Task, args []byte) {
	defer d.wg.Done()
	var res []byte
	var err error
	fn, ok := d.reg.Lookup(t.name)
	if !ok {
		err = fmt.Errorf("%w: %q", ErrUnknownTaskName, t.name)
	} else {
		func() {
			defer func() {
				if r := recover(); r != nil {
					err = fmt.Errorf("panic: %v", r)
					d.log.Error("task panicked", zap.Stringer("task", t.id), zap.String("name", t.name),
						zap.Any("panic", r), zap.ByteString("stack", debug.Stack()))
				}
			}()
			res, err = fn(t.ctx, args)
		}()
	}
	t.ended.Store(true)
	t.cancel()
	ev := wevent{kind: evFinish, task: t, status: StatusDone, data: res}
	if err != nil {
		ev.status, ev.data = StatusFailed, []byte(err.Error())
	}
	d.events <- ev
}
