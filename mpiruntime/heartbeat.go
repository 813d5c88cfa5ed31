package mpiruntime

import (
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
// per rank per second.
func (t *Transport) NodeHeartbeat() transport.Heartbeat { return hierarchy.DefaultHeartbeat }

var _ transport.HeartbeatAdvisor = (*Transport)(nil)
