// Package mpiruntime runs the runtime's nodes as the ranks of an MPI job
// (`srun -n N bqskit-mpi` or `mpirun -n N bqskit-mpi`): it initialises MPI,
// plans the manager tree, creates the tree's communicators and carries the
// runtime's messages over them (a transport.Transport). The plan uses the
// runtime's own tree types: Plan.Nodes are hierarchy.TreeNodes (ids are
// world ranks) and Plan.Role returns a hierarchy.Role.
//
// # Rank lifecycle
//
// Run is a rank's whole life: Boot, CPU pinning (package pinning; GOMAXPROCS
// one more than the cores, for the pump), then on rank 0 the runtime server
// (hierarchy.NewServer) handed to the caller's ServeFunc, on every other
// rank a manager or worker node (hierarchy.RunNode) until the server's
// shutdown, and MPI_Finalize within the shutdown budget. cmd/bqskit-mpi is
// flag parsing plus one call to Run.
//
// # Boot
//
// Every rank calls Boot with the same Config. Boot starts the pump: one
// goroutine, locked to its OS thread, that initialises MPI
// (MPI_THREAD_MULTIPLE) and from then on makes every MPI call of the
// process. It gathers every rank's host name (Config.Hostname, which
// cmd/bqskit-mpi takes from HostnameEnv, else os.Hostname; one Allreduce),
// computes the
// same Plan on every rank (PlanTree: rank 0 is the server, the lowest rank
// of each host manages the others on it, --fanout inserts manager levels),
// creates one communicator per group (a manager and its children, the
// server's group holding the top managers) collectively and in the same
// order on every rank, waits at a barrier, and returns. Runtime traffic uses
// only the group communicators, never MPI_COMM_WORLD.
//
// # Transport
//
// PeerIDs are world ranks; a rank can reach its parent, siblings and
// children. Send appends to a queue and never blocks; the pump hands
// queued messages to one sender goroutine per peer (which makes the
// MPI_Send calls, so that a peer that stops receiving, e.g. a SIGSTOPped
// rank, blocks only the messages for it: see sender.go), polls its communicators (Iprobe, then a matched Mprobe/Mrecv of
// exactly the probed message; gompi's RecvBytes with AnySource can take a
// different message than the one probed), and hands packets to Recv
// without blocking (an unbounded queue sits in front of the channel).
//
// Large messages: MPI_Send of a message above the eager limit waits for
// the receiver to post a matching receive, so two pumps each sending a large
// message to the other would both wait forever. The pump therefore never
// sends an MPI message larger than ChunkSize (DefaultChunkSize, 4000 bytes,
// below OpenMPI's 4096-byte shared-memory eager limit, header included):
// a larger payload goes as an 8-byte length header (tag 3) and pieces
// (tag 4) that the receiver places straight into the final buffer. The
// pump keeps receiving while senders wait in MPI_Send, so no cycle of
// waiting pumps can form. Measured: 8 MiB each way at once between two
// ranks completes (TestMPIExchange8MiBBothWays).
//
// # Idle policy
//
// IdleSleep (default), IdleYield, IdleSpin: see IdlePolicy. A blocking MPI
// receive or a tight Iprobe loop costs a whole core per rank, so the
// default polls (with sched_yield) for SpinWindow after the last message,
// then sleeps an eighth of the idle time so far (MinSleep to MaxSleep) in
// ppoll on an eventfd (Go timers here fire no sooner than about 1 ms): Send
// wakes the pump at once; an incoming message to a sleeping rank waits up
// to MaxSleep.
//
// Measured on the 2-core development machine under heavy unrelated load
// (load average 9-13, so every figure is noisy), bench-runtime --mode mpi
// with 4 ranks (server and 3 workers), per policy sleep / yield / spin:
// empty tasks 90,000 / 91,000 / 109,000 per second; nested map 1000x2
// 0.046 / 0.045 / 0.037 s; subtask round trip p50 5.4 / 7.6 / 5.0 µs;
// idle CPU of a worker rank 6 % / 26 % / 32 % (yield and spin take a whole
// core when one is free: here the ranks shared two cores with other work).
// Between two ranks (pingpong_test.go, same load), sleep / yield / spin:
// 64-byte round trip through both pumps p50 149 / 114 / 176 µs (raw gompi
// ping-pong on one thread per rank: 2.8 µs; the rest is handing packets
// between the pump's locked thread and the consumer goroutine on a loaded
// machine); first message after 20 ms idle 2.3 / 0.23 / 4 ms; 64-byte
// stream 34,000 / 55,000 / 61,000 messages per second; 8 MiB sent and
// acknowledged in 41 / 31 / 200 ms; idle CPU of a rank 3.5 / 94 / 82 %.
// While a chunked message is incomplete the receiving pump polls without
// yielding (up to 10 ms without progress), whatever the policy: yielding
// there stalled the sender (8 MiB took 2.5 s with sleep before). Sleep
// costs little while messages flow and frees the core when idle, hence the
// default.
//
// # Shutdown and failure
//
// Closing the Transport flushes what is queued and stops the pump;
// Rank.Finalize then waits for MPI_Finalize, which returns once every rank
// has called it. MPI is not fault tolerant: a rank that fails (error,
// panic, a signal other than the orderly shutdown) must take the whole job
// down. Run does this by logging one line naming the rank, role,
// host and cause, then calling Rank.Abort (MPI_Abort on COMM_WORLD), after
// which mpirun/srun kill the other ranks and exit non-zero; a rank that
// exits without finalising has the same effect, as does a Go panic.
// A protocol error on the pump (a malformed message sequence) stops the
// transport: Transport.Done closes and Err says why.
//
// A rank that stalls (stopped, hung) is not a failure: the node loops'
// heartbeats (heartbeat.go; RunConfig.Heartbeat, bqskit-mpi
// --heartbeat-deadline) route around it, and when it resumes it gets the
// Shutdown its parent sent and waits in MPI_Finalize, without a deadline,
// until the job ends (a rank shut down by the server's orderly shutdown
// waits there only for the others' shutdown).
//
// To stop a job cleanly signal rank 0 (cmd/bqskit-mpi writes its PID with
// --pid-file). SIGINT or SIGTERM to mpirun itself makes OpenMPI kill the
// ranks while they shut down, and mpirun exits 1.
//
// Callers must: call Run (or Boot) once per process, before anything else
// uses MPI, with SIGINT and SIGTERM already subscribed; never call gompi
// themselves. Callers of Boot itself read Recv until it is closed and call
// Finalize (with a deadline) before exiting, or Abort.
package mpiruntime
