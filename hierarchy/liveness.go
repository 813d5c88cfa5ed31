package hierarchy

import (
	"slices"
	"time"

	"go.uber.org/zap"

	"github.com/bqskit-mpi/bqskit-mpi/transport"
)

// DefaultHeartbeat is the node-loop liveness rule used over transports that
// advise one without saying how (and a sensible value for
// NodeConfig.Heartbeat): a Load report to the parent every second, a child
// silent for 10 s is lost. The deadline is far above any pause of a healthy
// node loop (task functions run on their own goroutines; the loop only
// moves messages), and it is what a stalled worker costs a compilation.
var DefaultHeartbeat = transport.Heartbeat{Interval: time.Second, Deadline: 10 * time.Second}

// heartbeatFor picks the liveness rule of a node loop: the configured one
// when enabled, else the transport's advice, else none.
func heartbeatFor(cfg transport.Heartbeat, tr transport.Transport) transport.Heartbeat {
	if cfg.Enabled() {
		return cfg
	}
	if cfg.Interval < 0 {
		return transport.Heartbeat{} // explicitly off
	}
	if a, ok := tr.(transport.HeartbeatAdvisor); ok {
		if hb := a.NodeHeartbeat(); hb.Enabled() {
			return hb
		}
	}
	return transport.Heartbeat{}
}

// watchdog tracks when each child was last heard from. It does no I/O and
// reads no clock: the loop marks children heard on every packet (a flag,
// no clock read) and calls check with the time of each heartbeat tick, so
// a loss is detected between Deadline and Deadline+Interval after the
// child's last message.
type watchdog struct {
	deadline time.Duration
	ids      []transport.PeerID
	idx      map[transport.PeerID]int
	heardNow []bool
	last     []time.Time
	gone     []bool
}

func newWatchdog(deadline time.Duration, children []transport.PeerID, now time.Time) *watchdog {
	w := &watchdog{deadline: deadline, ids: slices.Clone(children), idx: map[transport.PeerID]int{},
		heardNow: make([]bool, len(children)), last: make([]time.Time, len(children)), gone: make([]bool, len(children))}
	for i, c := range children {
		w.idx[c] = i
		w.last[i] = now
	}
	return w
}

// heard records a message from id (any id; non-children are ignored).
func (w *watchdog) heard(id transport.PeerID) {
	if i, ok := w.idx[id]; ok {
		w.heardNow[i] = true
	}
}

// forget stops watching id (lost by other means).
func (w *watchdog) forget(id transport.PeerID) {
	if i, ok := w.idx[id]; ok {
		w.gone[i] = true
	}
}

// check returns the children silent for more than the deadline at now, in
// id order, and stops watching them.
func (w *watchdog) check(now time.Time) []transport.PeerID {
	var out []transport.PeerID
	for i := range w.ids {
		if w.gone[i] {
			continue
		}
		if w.heardNow[i] {
			w.heardNow[i], w.last[i] = false, now
			continue
		}
		if now.Sub(w.last[i]) > w.deadline {
			w.gone[i] = true
			out = append(out, w.ids[i])
		}
	}
	return out
}

// lossWatch is what a node loop needs to notice lost peers: the
// transport's loss reports and, with a heartbeat rule, a ticker and the
// watchdog of its children.
type lossWatch struct {
	lost   <-chan transport.PeerID
	ticker *time.Ticker
	tick   <-chan time.Time
	wd     *watchdog
}

func newLossWatch(tr transport.Transport, hb transport.Heartbeat, children []transport.PeerID) *lossWatch {
	lw := &lossWatch{}
	if lr, ok := tr.(transport.LossReporter); ok {
		lw.lost = lr.Lost()
	}
	if hb.Enabled() {
		lw.ticker = time.NewTicker(hb.Interval)
		lw.tick = lw.ticker.C
		if len(children) > 0 {
			lw.wd = newWatchdog(hb.Deadline, children, time.Now())
		}
	}
	return lw
}

func (lw *lossWatch) stop() {
	if lw.ticker != nil {
		lw.ticker.Stop()
	}
}

func (lw *lossWatch) heard(id transport.PeerID) {
	if lw.wd != nil {
		lw.wd.heard(id)
	}
}

// logLoss logs what a router did about a lost child.
func logLoss(log *zap.Logger, rep LossReport, reason string, root bool) {
	const maxIDs = 32
	ids := func(ts []TaskID) []string {
		out := make([]string, 0, min(len(ts), maxIDs))
		for _, t := range ts[:min(len(ts), maxIDs)] {
			out = append(out, t.String())
		}
		return out
	}
	msg := "child lost: its tasks run again on other children"
	switch {
	case rep.LiveChildren == 0 && root:
		msg = "child lost and no worker left: pending and new tasks fail"
	case rep.LiveChildren == 0:
		msg = "child lost and no child left: reporting an empty subtree to the parent"
	}
	fields := []zap.Field{
		zap.Int32("child", int32(rep.Child)), zap.String("reason", reason),
		zap.Int("requeued", len(rep.Requeued)), zap.Strings("requeued_tasks", ids(rep.Requeued)),
		zap.Int("cancelled", len(rep.Cancelled)), zap.Strings("cancelled_tasks", ids(rep.Cancelled)),
		zap.Int("live_children", rep.LiveChildren),
	}
	if len(rep.Failed) > 0 {
		fields = append(fields, zap.Int("failed", len(rep.Failed)), zap.Strings("failed_tasks", ids(rep.Failed)))
	}
	if len(rep.Returned) > 0 {
		fields = append(fields, zap.Int("returned_to_parent", len(rep.Returned)))
	}
	if rep.LiveChildren == 0 {
		log.Error(msg, fields...)
		return
	}
	log.Warn(msg, fields...)
}

func (lw *lossWatch) forget(id transport.PeerID) {
	if lw.wd != nil {
		lw.wd.forget(id)
	}
}
