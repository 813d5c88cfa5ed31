// Package detached is the detached mode of the runtime, BQSKit's
// multi-host commands rebuilt on authenticated TCP links (transport/tcp)
// and the tree assembly of package tcptree: RunManager is bqskit-manager,
// RunWorker is bqskit-worker, StartServer is the runtime half of
// bqskit-server ADDR... (the client half is service.Serve, the same
// gateway as bqskit-mpi's rank 0). The commands' mains parse flags and
// make one call here.
//
// # Start-up
//
// Managers start first, on every node, and listen for their parent
// (--port, default 7473). A manager spawns -n bqskit-worker processes
// (found next to its own executable, else on $PATH; they inherit its
// environment and get the cluster token in $BQSKIT_MPI_TOKEN), or with -x
// waits for -n workers started by bqskit-worker (each worker of a
// `bqskit-worker N` is one link and one slot), or with -m dials lower
// managers. Workers connect to 127.0.0.1 on the worker port (-w, default
// 7474). Once its children have joined, a manager waits, without a time
// limit, for its parent; the server (or a higher manager) dials the
// managers it was given, retrying with back-off until --connect-timeout
// (default 60 s), so start-up order is not the user's problem. The
// server numbers the tree, sends every node its id, prints one line per
// node ("tree: node 2 worker host=h pid=123 label=gpu0 slots=1 parent=1";
// the label is the worker's $BQSKIT_WORKER_LABEL) and then serves
// clients.
//
// # Failures
//
// A link whose process dies is lost at once (its kernel closes the
// connection); a link silent for --heartbeat-deadline (default 10 s;
// heartbeats go every second) is lost too, which catches a stopped or
// unreachable process. The parent re-runs the lost child's tasks on its
// other children (package hierarchy), and the server logs every loss in
// the tree ("loss below the server", "child lost"). A manager or worker
// whose parent is lost stops its subtree and exits non-zero with one
// line saying so (RunManager and RunWorker return an error wrapping
// ErrNoParent), so no orphan is left. When no worker is left, tasks fail
// with a clear error.
//
// # Shutdown
//
// SIGINT to the server: the gateway tells the clients, then the shutdown
// goes down the tree; each node stops its children, waits (up to 1.5 s)
// for them to close their links, and exits 0; a manager also waits for
// its spawned workers (2 s, then kills them). The whole tree is gone
// within the server's 4 s budget. SIGINT to a manager or worker stops
// that subtree only (exit 0); its parent treats it as lost.
//
// # Security
//
// Every link authenticates both ends with the cluster token, the same
// token as the gateway's (--token-file, $BQSKIT_MPI_TOKEN, default
// ~/.config/bqskit-mpi/token, created when missing: on hosts without a
// shared home directory pass the same token to every command). A
// connection without it is refused and logged. Traffic is not encrypted.
package detached
