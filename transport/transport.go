package transport

import (
	"context"
	"errors"
)

// PeerID names an endpoint of a transport. In the MPI transport it is the
// rank in COMM_WORLD; in the in-memory and TCP transports it is assigned by
// whoever builds the topology. The server is always peer 0.
type PeerID int32

// Packet is one message received from a peer. Data is owned by the receiver.
type Packet struct {
	From PeerID
	Data []byte
}

// Transport moves opaque byte messages between peers. Implementations:
// in-memory (Mem), MPI (mpiruntime) and TCP. Every implementation passes the
// conformance suite in transport/transporttest.
//
// Guarantees callers may rely on:
//   - messages from one sender to one receiver arrive in the order sent,
//     each exactly once, unmodified;
//   - Send never blocks forever on a slow receiver while ctx is live: it
//     either queues the message or returns ctx.Err();
//   - the caller must not modify data after passing it to Send;
//   - after Close, Send returns ErrClosed and the Recv channel is closed
//     once buffered packets are drained or dropped.
type Transport interface {
	// Self is this endpoint's id.
	Self() PeerID
	// Send queues data for delivery to peer to.
	Send(ctx context.Context, to PeerID, data []byte) error
	// Recv returns the channel of incoming packets. It is closed when the
	// transport is closed.
	Recv() <-chan Packet
	// Close releases the endpoint; it is safe to call more than once.
	Close() error
}

// Sentinel errors.
var (
	// ErrClosed is returned by Send after Close.
	ErrClosed = errors.New("transport: closed")
	// ErrUnknownPeer is returned by Send to a peer the transport cannot reach.
	ErrUnknownPeer = errors.New("transport: unknown peer")
)
