package tcp

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"net"
	"time"
)

// Sentinel errors.
var (
	// ErrAuth reports a failed handshake: the peer does not know the
	// cluster token, or is not a bqskit-mpi link.
	ErrAuth = errors.New("tcp: authentication failed")
	// ErrNoToken reports Options without a cluster token.
	ErrNoToken = errors.New("tcp: no cluster token")
	// ErrFrameTooLarge reports a frame above the length limit.
	ErrFrameTooLarge = errors.New("tcp: frame too large")
	// ErrBadFrame reports a malformed frame.
	ErrBadFrame = errors.New("tcp: malformed frame")
)

// magic starts both sides' first handshake message (and is the version).
var magic = [8]byte{'B', 'Q', 'K', 'L', 'I', 'N', 'K', '1'}

const nonceSize = 32

func proof(token []byte, role string, dn, ln []byte) []byte {
	m := hmac.New(sha256.New, token)
	m.Write([]byte(role))
	m.Write(dn)
	m.Write(ln)
	return m.Sum(nil)
}

// handshakeDialer runs the dialer's side of the handshake on c.
func handshakeDialer(c net.Conn, token []byte, timeout time.Duration) error {
	if err := c.SetDeadline(time.Now().Add(timeout)); err != nil {
		return err
	}
	defer c.SetDeadline(time.Time{})
	hello := make([]byte, 8+nonceSize)
	copy(hello, magic[:])
	dn := hello[8:]
	if _, err := rand.Read(dn); err != nil {
		return err
	}
	if _, err := c.Write(hello); err != nil {
		return err
	}
	resp := make([]byte, 8+nonceSize+sha256.Size)
	if _, err := io.ReadFull(c, resp); err != nil {
		return fmt.Errorf("%w: no valid answer from the peer (not a bqskit-mpi link?): %v", ErrAuth, err)
	}
	if [8]byte(resp[:8]) != magic {
		return fmt.Errorf("%w: the peer is not a bqskit-mpi link (bad magic)", ErrAuth)
	}
	ln := resp[8 : 8+nonceSize]
	if !hmac.Equal(resp[8+nonceSize:], proof(token, "listener", dn, ln)) {
		return fmt.Errorf("%w: the peer does not know the cluster token", ErrAuth)
	}
	if _, err := c.Write(proof(token, "dialer", dn, ln)); err != nil {
		return err
	}
	var ok [1]byte
	if _, err := io.ReadFull(c, ok[:]); err != nil || ok[0] != 1 {
		return fmt.Errorf("%w: the peer rejected our cluster token", ErrAuth)
	}
	return nil
}

// handshakeListener runs the listener's side of the handshake on c.
func handshakeListener(c net.Conn, token []byte, timeout time.Duration) error {
	if err := c.SetDeadline(time.Now().Add(timeout)); err != nil {
		return err
	}
	defer c.SetDeadline(time.Time{})
	hello := make([]byte, 8+nonceSize)
	if _, err := io.ReadFull(c, hello); err != nil {
		return fmt.Errorf("%w: no hello (%v)", ErrAuth, err)
	}
	if [8]byte(hello[:8]) != magic {
		return fmt.Errorf("%w: not a bqskit-mpi link (bad magic)", ErrAuth)
	}
	dn := hello[8:]
	resp := make([]byte, 8+nonceSize, 8+nonceSize+sha256.Size)
	copy(resp, magic[:])
	ln := resp[8:]
	if _, err := rand.Read(ln); err != nil {
		return err
	}
	resp = append(resp, proof(token, "listener", dn, ln)...)
	if _, err := c.Write(resp); err != nil {
		return err
	}
	got := make([]byte, sha256.Size)
	if _, err := io.ReadFull(c, got); err != nil {
		return fmt.Errorf("%w: the peer gave no proof of the token (%v)", ErrAuth, err)
	}
	if !hmac.Equal(got, proof(token, "dialer", dn, ln)) {
		return fmt.Errorf("%w: bad cluster token", ErrAuth)
	}
	_, err := c.Write([]byte{1})
	return err
}
