package tcp

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"time"
)

// Frame types.
const (
	frameData      byte = 1
	frameHeartbeat byte = 2
)

// ioChunk bounds the bytes read or written between two deadline updates,
// so that a large frame on a slow link is not cut by the deadline while it
// makes progress.
const ioChunk = 1 << 20

// appendHeader appends the header of a frame of type typ with a payload of
// n bytes.
func appendHeader(dst []byte, typ byte, n int) []byte {
	dst = binary.BigEndian.AppendUint32(dst, uint32(n+1))
	return append(dst, typ)
}

// readFrame reads one frame from r. With timeout > 0 the read deadline of
// c is pushed forward before the header and every ioChunk bytes of payload.
func readFrame(r *bufio.Reader, c net.Conn, maxFrame int, timeout time.Duration) (byte, []byte, error) {
	if timeout > 0 {
		if err := c.SetReadDeadline(time.Now().Add(timeout)); err != nil {
			return 0, nil, err
		}
	}
	var hdr [5]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		return 0, nil, err
	}
	n := binary.BigEndian.Uint32(hdr[:4])
	if n == 0 {
		return 0, nil, fmt.Errorf("%w: zero length", ErrBadFrame)
	}
	if uint64(n-1) > uint64(maxFrame) {
		return 0, nil, fmt.Errorf("%w: %d bytes, limit %d", ErrFrameTooLarge, n-1, maxFrame)
	}
	typ := hdr[4]
	if typ != frameData && typ != frameHeartbeat {
		return 0, nil, fmt.Errorf("%w: unknown type %d", ErrBadFrame, typ)
	}
	if typ == frameHeartbeat && n != 1 {
		return 0, nil, fmt.Errorf("%w: heartbeat with a payload", ErrBadFrame)
	}
	payload := make([]byte, n-1)
	for off := 0; off < len(payload); {
		end := min(off+ioChunk, len(payload))
		if timeout > 0 && off > 0 {
			if err := c.SetReadDeadline(time.Now().Add(timeout)); err != nil {
				return 0, nil, err
			}
		}
		k, err := io.ReadFull(r, payload[off:end])
		off += k
		if err != nil {
			if err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			return 0, nil, err
		}
	}
	return typ, payload, nil
}

// writeFrame writes one frame to w (buffered; the caller flushes). With
// timeout > 0 the write deadline of c is pushed forward every ioChunk
// bytes.
func writeFrame(w *bufio.Writer, c net.Conn, typ byte, payload []byte, timeout time.Duration) error {
	var hdr [5]byte
	if _, err := w.Write(appendHeader(hdr[:0], typ, len(payload))); err != nil {
		return err
	}
	for off := 0; off < len(payload); {
		end := min(off+ioChunk, len(payload))
		if timeout > 0 {
			if err := c.SetWriteDeadline(time.Now().Add(timeout)); err != nil {
				return err
			}
		}
		if _, err := w.Write(payload[off:end]); err != nil {
			return err
		}
		off = end
	}
	return nil
}
