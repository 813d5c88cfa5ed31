package tcp

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"testing"
)

// FuzzReadFrame: any byte stream yields frames within the limit or an
// error, never a panic or an allocation above the limit.
func FuzzReadFrame(f *testing.F) {
	f.Add([]byte{0, 0, 0, 4, 1, 'a', 'b', 'c'})
	f.Add([]byte{0, 0, 0, 1, 2})
	f.Add([]byte{0, 0, 0, 0})
	f.Add([]byte{0xff, 0xff, 0xff, 0xff, 1})
	f.Add([]byte{0, 0, 0, 2, 2, 0})
	f.Add([]byte{0, 0, 0, 3, 7, 1, 2})
	f.Fuzz(func(t *testing.T, data []byte) {
		const limit = 64
		r := bufio.NewReader(bytes.NewReader(data))
		for {
			typ, b, err := readFrame(r, nil, limit, 0)
			if err != nil {
				if !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) &&
					!errors.Is(err, ErrBadFrame) && !errors.Is(err, ErrFrameTooLarge) {
					t.Fatalf("unexpected error %v", err)
				}
				return
			}
			if len(b) > limit || (typ != frameData && typ != frameHeartbeat) || (typ == frameHeartbeat && len(b) != 0) {
				t.Fatalf("frame type %d with %d bytes accepted", typ, len(b))
			}
		}
	})
}
