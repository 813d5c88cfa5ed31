// Package hierarchy is the runtime core of bqskit-mpi: the tree of nodes
// (server, managers, workers) that schedules tasks and their subtasks,
// independent of how messages travel.
//
// # Tasks
//
// Tasks are Go functions (TaskFunc) registered by name in a Registry that
// every process builds identically at start-up. Inside a task,
// TaskFromContext(ctx) returns the *Task handle: Submit and Map create
// subtasks (Futures), Wait, WaitAll and Next wait for them without holding a
// compute slot, Cancel cancels one, Log and Progress report to the client.
// A panic in a task is recovered and becomes that task's error.
//
// # Nodes
//
// Each role is a state machine without I/O (Router for the server and
// managers, WorkerSM for workers): messages in through Step, messages out
// through Ready. One Message type with a compact binary batch encoding
// (AppendBatch, Decoder.DecodeBatch) carries all runtime traffic. A loop per
// node owns its transport.Transport and drives the machine; a worker loop
// also owns its task goroutines.
//
// # Running
//
//   - In one process: StartEmbedded(ctx, EmbeddedConfig{...}) starts every
//     node over the in-memory transport; use the embedded *Server API and
//     call Stop.
//   - Distributed (MPI today): every process builds the same Tree and
//     Registry. The process owning node 0 calls NewServer(ctx,
//     ServerConfig{Tree, Transport, Registry, Logger}) and uses its client
//     API; every other node calls RunNode(ctx, NodeConfig{ID, Tree,
//     Transport, Registry, Logger}), which returns after a Shutdown from
//     its parent. Server.Stop sends Shutdown down the tree; each node
//     forwards it to its children and exits its loop (a worker first
//     cancels its tasks and waits for them to return). Callers close their
//     transports after RunNode / Stop return.
//
// A node loop calls Transport.Send from the goroutine that also reads
// Recv, so a transport used here must queue outgoing packets rather than
// wait for the receiving node (the in-memory default and the MPI transport
// never block in Send); otherwise two nodes sending to each other could
// deadlock.
//
// # Scheduling
//
// Parents track each child's idle slots and queued tasks from Load
// messages carrying a read receipt (how many submissions the child had
// seen). A node places work from its parent in its subtree (idle children
// first, else the least queued); work from a child stays in the subtree
// while some child is idle and goes up otherwise (unless no slots exist
// outside the subtree). Workers give resumed waiters priority, then start
// a queued task of the oldest root task (clients are served in submission
// order), the newest of that root's tasks first (depth-first inside one
// compilation). Results retrace the placement path;
// cancellations follow it forwards, so they reach only the nodes holding
// the task, and a finished or cancelled task's unfinished subtasks are
// cancelled. Placement records are removed when the result passes, so
// bookkeeping is bounded by the tasks in flight.
//
// # Lost nodes
//
// A node loop learns that a peer is lost from its transport
// (transport.LossReporter: a closed connection, a missed transport
// heartbeat) or from its own deadline: when the transport advises it
// (transport.HeartbeatAdvisor, the MPI transport) or NodeConfig.Heartbeat
// asks for it, every node sends its parent a Load report at least every
// Interval, and a parent treats a child from which nothing arrived for
// Deadline as lost. A lost child's tasks are placed on its siblings, the
// subtasks its subtree was waiting for are cancelled, and the child is
// told to shut down and ignored from then on (never re-admitted); see
// Router.ChildLost. A node whose parent is lost shuts its subtree down and
// RunNode returns ErrParentLost. When no worker is left, tasks fail with
// ErrNoWorkers instead of waiting. Each router logs what it lost, re-ran
// and cancelled.
package hierarchy
