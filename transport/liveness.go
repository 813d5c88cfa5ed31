package transport

import "time"

// LossReporter is implemented by transports that detect lost peers
// themselves (the TCP transport: a closed connection, or a peer that sent
// nothing, not even a heartbeat, within its deadline). Node loops read Lost
// and treat each id as gone for good: a lost child's tasks are placed
// again elsewhere, a lost parent shuts the node down.
type LossReporter interface {
	// Lost delivers the id of each peer found lost, once per loss. It is
	// closed when the transport is closed.
	Lost() <-chan PeerID
}

// Heartbeat configures liveness checks: a node sends something to its
// parent at least every Interval, and a peer that sent nothing within
// Deadline is lost. Both must be positive for the checks to run.
type Heartbeat struct {
	Interval time.Duration
	Deadline time.Duration
}

// Enabled reports whether both durations are positive.
func (h Heartbeat) Enabled() bool { return h.Interval > 0 && h.Deadline > 0 }

// HeartbeatAdvisor is implemented by transports that cannot detect a
// stalled peer themselves (MPI: a stopped rank keeps its links open). Node
// loops over such a transport send heartbeats and apply the deadline
// (hierarchy.NodeConfig.Heartbeat overrides the advice).
type HeartbeatAdvisor interface {
	NodeHeartbeat() Heartbeat
}
