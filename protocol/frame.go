package protocol

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// HeaderSize is the size of a frame's length prefix in bytes.
const HeaderSize = 4

// DefaultMaxFrame is the default limit on a frame's body (64 MiB).
const DefaultMaxFrame = 64 << 20

// Framing errors. ReadFrame and DecodeFrame wrap them with details.
var (
	// ErrFrameTooLarge: the length prefix exceeds the limit.
	ErrFrameTooLarge = errors.New("protocol: frame too large")
	// ErrEmptyFrame: a zero-length frame.
	ErrEmptyFrame = errors.New("protocol: empty frame")
	// ErrShortFrame: the data ends inside a frame.
	ErrShortFrame = errors.New("protocol: truncated frame")
)

// AppendFrame appends body with its length prefix to dst.
func AppendFrame(dst, body []byte) []byte {
	var hdr [HeaderSize]byte
	binary.BigEndian.PutUint32(hdr[:], uint32(len(body)))
	dst = append(dst, hdr[:]...)
	return append(dst, body...)
}

// WriteFrame writes body as one frame. It panics if body is longer than
// 2^32-1 bytes (a programmer error: callers check their limits first).
func WriteFrame(w io.Writer, body []byte) error {
	if uint64(len(body)) > 0xFFFFFFFF {
		panic("protocol: frame body over 4 GiB")
	}
	buf := make([]byte, 0, HeaderSize+len(body))
	_, err := w.Write(AppendFrame(buf, body))
	return err
}

// checkLength validates a length prefix against max.
func checkLength(n uint32, max int) error {
	if n == 0 {
		return ErrEmptyFrame
	}
	if uint64(n) > uint64(max) {
		return fmt.Errorf("%w: a frame of %d bytes announced; the limit is %d", ErrFrameTooLarge, n, max)
	}
	return nil
}

// ReadFrame reads one frame from r and returns its body. A body longer than
// max is refused before it is read. io.EOF is returned only when r ends
// cleanly between frames.
func ReadFrame(r io.Reader, max int) ([]byte, error) {
	var hdr [HeaderSize]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		if errors.Is(err, io.ErrUnexpectedEOF) {
			return nil, fmt.Errorf("%w: header cut short", ErrShortFrame)
		}
		return nil, err
	}
	n := binary.BigEndian.Uint32(hdr[:])
	if err := checkLength(n, max); err != nil {
		return nil, err
	}
	body := make([]byte, n)
	if m, err := io.ReadFull(r, body); err != nil {
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return nil, fmt.Errorf("%w: %d of %d body bytes", ErrShortFrame, m, n)
		}
		return nil, err
	}
	return body, nil
}

// DecodeFrame splits the first frame off data: it returns the body (aliasing
// data) and the remaining bytes.
func DecodeFrame(data []byte, max int) (body, rest []byte, err error) {
	if len(data) < HeaderSize {
		return nil, data, fmt.Errorf("%w: %d header bytes", ErrShortFrame, len(data))
	}
	n := binary.BigEndian.Uint32(data[:HeaderSize])
	if err := checkLength(n, max); err != nil {
		return nil, data, err
	}
	if uint64(len(data)-HeaderSize) < uint64(n) {
		return nil, data, fmt.Errorf("%w: %d of %d body bytes", ErrShortFrame, len(data)-HeaderSize, n)
	}
	end := HeaderSize + int(n)
	return data[HeaderSize:end], data[end:], nil
}
