package sumsq

import (
	"context"
	"encoding/binary"
	"fmt"
	"time"

	"github.com/bqskit-mpi/bqskit-mpi/hierarchy"
)

// Task names.
const (
	Square = "slowsq"
	Sum    = "sumsq"
)

// Enc encodes v as a task argument or result.
func Enc(v int64) []byte { return binary.LittleEndian.AppendUint64(nil, uint64(v)) }

// Dec decodes a value Enc encoded.
func Dec(b []byte) (int64, error) {
	if len(b) != 8 {
		return 0, fmt.Errorf("sumsq: value has %d bytes, want 8", len(b))
	}
	return int64(binary.LittleEndian.Uint64(b)), nil
}

// Want returns the sum of i*i for 0 <= i < n.
func Want(n int64) int64 { return (n - 1) * n * (2*n - 1) / 6 }

// Register adds Square (each call waits delay first, or until its context
// ends) and Sum to reg.
func Register(reg *hierarchy.Registry, delay time.Duration) {
	reg.MustRegister(Square, func(ctx context.Context, args []byte) ([]byte, error) {
		x, err := Dec(args)
		if err != nil {
			return nil, err
		}
		if delay > 0 {
			select {
			case <-time.After(delay):
			case <-ctx.Done():
				return nil, ctx.Err()
			}
		}
		return Enc(x * x), nil
	})
	reg.MustRegister(Sum, func(ctx context.Context, args []byte) ([]byte, error) {
		n, err := Dec(args)
		if err != nil {
			return nil, err
		}
		task, err := hierarchy.TaskFromContext(ctx)
		if err != nil {
			return nil, err
		}
		in := make([][]byte, n)
		for i := range in {
			in[i] = Enc(int64(i))
		}
		res, err := task.WaitAll(ctx, task.Map(Square, in))
		if err != nil {
			return nil, err
		}
		var sum int64
		for _, r := range res {
			v, err := Dec(r)
			if err != nil {
				return nil, err
			}
			sum += v
		}
		return Enc(sum), nil
	})
}

// Registry returns a new registry holding only Square and Sum.
func Registry(delay time.Duration) *hierarchy.Registry {
	reg := hierarchy.NewRegistry()
	Register(reg, delay)
	return reg
}

// Value decodes a result for a comparison in a test: -1 (never a sum of
// squares) when it is not 8 bytes.
func Value(b []byte) int64 {
	v, err := Dec(b)
	if err != nil {
		return -1
	}
	return v
}
