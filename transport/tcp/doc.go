// Package tcp carries the runtime's messages over TCP between processes on
// any hosts (the detached mode: bqskit-server, bqskit-manager,
// bqskit-worker). It holds the authenticated connection (Conn: Dial with
// retry, Listener.Accept), the framing, and the Transport that turns a set
// of connections into a transport.Transport with heartbeats and loss
// reports (transport.LossReporter).
//
// # Authentication
//
// Every link authenticates both ends with the cluster token, a shared
// secret that never crosses the wire: each side sends a fresh 32-byte
// nonce and proves it knows the token with HMAC-SHA256(token, role ||
// dialer nonce || listener nonce), compared in constant time. The role
// label differs per direction, so a proof cannot be reflected back. A
// listener logs and closes any connection that fails (wrong token, not a
// bqskit-mpi link, too slow); Dial returns ErrAuth without retrying. The
// traffic itself is not encrypted: run the runtime on a trusted network.
//
// # Framing
//
// After the handshake each message is a frame: a 4-byte big-endian length
// n, then n bytes: one type byte (data or heartbeat) and the payload. A
// frame longer than Options.MaxFrame+1 is refused and the link dropped.
//
// # Liveness
//
// A link's writer sends a heartbeat frame whenever it has sent nothing for
// Heartbeat.Interval (default 1 s). A link on which nothing arrives for
// Heartbeat.Deadline (default 10 s), or whose writes make no progress for
// that long, is lost, as is a link whose connection closes or fails: the
// Transport closes it, logs why, and reports the peer once on Lost, which
// the node loop (hierarchy) reads. A stopped (SIGSTOP) or unreachable
// process is thus found lost within Deadline; a killed one at once (its
// kernel closes the connection). Lost peers are not reconnected.
//
// # Use
//
// Dial (with exponential back-off until its context ends; callers use
// DefaultConnectTimeout unless told otherwise) or Listen/Accept to get an
// authenticated *Conn; exchange any start-up messages with
// Conn.WriteMsg/ReadMsg (e.g. who is who in the tree); then hand each Conn
// to a Transport with Add(peer, conn). Read Recv until it closes and Lost
// until it closes, and Close the Transport (which closes its connections)
// and every Listener. Send never blocks: outgoing messages queue per link.
package tcp
