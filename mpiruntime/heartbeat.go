package mpiruntime

import (
	"time"

	"github.com/bqskit-mpi/bqskit-mpi/hierarchy"
	"github.com/bqskit-mpi/bqskit-mpi/transport"
)

// NodeHeartbeat implements transport.HeartbeatAdvisor. MPI cannot tell a
// stalled rank (stopped, swapping, hung in a library) from a busy one: its
// links stay open. The node loops (hierarchy.RunNode, NewServer) over this
// transport therefore send their parent a Load report every second and
// treat a child silent for 10 s as lost (hierarchy.DefaultHeartbeat): its
// tasks run again on other ranks, it is told to shut down, and whatever it
// sends later is dropped (a lost rank is not re-admitted; once resumed it
// stops and waits in MPI_Finalize for the job to end). A rank that dies
// still ends the whole job, as MPI requires. The cost is one small message
// per rank per second. RunConfig.Heartbeat (bqskit-mpi
// --heartbeat-deadline) replaces the rule; see HeartbeatWithDeadline.
func (t *Transport) NodeHeartbeat() transport.Heartbeat { return hierarchy.DefaultHeartbeat }

var _ transport.HeartbeatAdvisor = (*Transport)(nil)

// HeartbeatWithDeadline is the node-loop liveness rule with the given
// deadline: a child silent for longer is lost. Reports go every deadline/5,
// at most every second (the default rule for a 10 s deadline), so a
// stalled rank is routed around between deadline and 1.2 x deadline after
// its last message.
func HeartbeatWithDeadline(deadline time.Duration) transport.Heartbeat {
	return transport.Heartbeat{Interval: min(time.Second, deadline/5), Deadline: deadline}
}
