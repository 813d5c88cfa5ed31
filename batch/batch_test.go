package batch_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"testing"

	"go.uber.org/goleak"

	"github.com/bqskit-mpi/bqskit-mpi/batch"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

var errOdd = errors.New("odd")

// square returns the square of a decimal argument, failing on "fail" and
// when ctx has ended.
func square(ctx context.Context, args []byte) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	switch string(args) {
	case "fail":
		return nil, errOdd
	case "wait": // until another item's failure cancels the batch
		<-ctx.Done()
		return nil, ctx.Err()
	}
	n, err := strconv.Atoi(string(args))
	if err != nil {
		return nil, err
	}
	return []byte(strconv.Itoa(n * n)), nil
}

func TestLocalMap(t *testing.T) {
	var args [][]byte
	var want []string
	for i := range 20 {
		args = append(args, []byte(strconv.Itoa(i)))
		want = append(want, strconv.Itoa(i*i))
	}
	for _, workers := range []int{0, 1, 3, 40} {
		t.Run(fmt.Sprint(workers), func(t *testing.T) {
			l := &batch.Local{Workers: workers, Tasks: map[string]batch.Func{"sq": square}}
			var calls []int
			out, err := l.Map(context.Background(), "sq", args, func(n int) { calls = append(calls, n) })
			if err != nil {
				t.Fatal(err)
			}
			got := make([]string, len(out))
			for i, b := range out {
				got[i] = string(b)
			}
			if !slices.Equal(got, want) {
				t.Fatalf("results %v, want %v", got, want)
			}
			if len(calls) != len(args) || calls[len(calls)-1] != len(args) || !slices.IsSorted(calls) {
				t.Fatalf("done calls %v", calls)
			}
		})
	}
}

func TestLocalErrors(t *testing.T) {
	l := &batch.Local{Workers: 2, Tasks: map[string]batch.Func{"sq": square}}
	tests := []struct {
		name string
		task string
		args [][]byte
		ctx  func() context.Context
		want error
	}{
		{"unknown task", "cube", [][]byte{[]byte("1")}, context.Background, batch.ErrUnknownTask},
		{"failing item", "sq", [][]byte{[]byte("1"), []byte("fail"), []byte("3")}, context.Background, errOdd},
		{"failure after a cancelled item", "sq", [][]byte{[]byte("wait"), []byte("fail")}, context.Background, errOdd},
		{"cancelled", "sq", [][]byte{[]byte("1"), []byte("2"), []byte("3")}, func() context.Context {
			ctx, cancel := context.WithCancel(context.Background())
			cancel()
			return ctx
		}, context.Canceled},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := l.Map(tc.ctx(), tc.task, tc.args, nil)
			if !errors.Is(err, tc.want) {
				t.Fatalf("got %v, want %v", err, tc.want)
			}
		})
	}
}
