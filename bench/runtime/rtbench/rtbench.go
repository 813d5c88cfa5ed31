package rtbench

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"slices"
	"strings"
	"time"

	"go.uber.org/zap/zapcore"

	"github.com/bqskit-mpi/bqskit-mpi/hierarchy"
)

// Task names registered by Register.
const (
	TaskEmpty     = "rtbench.empty"
	TaskMapEmpty  = "rtbench.map_empty"
	TaskNested    = "rtbench.nested"
	TaskParent    = "rtbench.parent"
	TaskRoundtrip = "rtbench.roundtrip"
	// TaskPid returns the process id of the worker that ran it.
	TaskPid = "rtbench.pid"
	// TaskXRoundtrip is the round trip that keeps its slot while it waits
	// and records whether each subtask ran in another process (another MPI
	// rank).
	TaskXRoundtrip = "rtbench.xroundtrip"
)

// ErrBadArgs reports malformed benchmark task arguments.
var ErrBadArgs = errors.New("rtbench: bad task arguments")

func u64(b []byte, i int) (uint64, error) {
	if len(b) < 8*(i+1) {
		return 0, fmt.Errorf("%w: %d bytes, want at least %d", ErrBadArgs, len(b), 8*(i+1))
	}
	return binary.LittleEndian.Uint64(b[8*i:]), nil
}

func enc(vs ...uint64) []byte {
	b := make([]byte, 0, 8*len(vs))
	for _, v := range vs {
		b = binary.LittleEndian.AppendUint64(b, v)
	}
	return b
}

func task(ctx context.Context) (*hierarchy.Task, error) { return hierarchy.TaskFromContext(ctx) }

// mapEmpty maps n empty tasks and waits for all of them.
func mapEmpty(ctx context.Context, n int) error {
	t, err := task(ctx)
	if err != nil {
		return err
	}
	_, err = t.WaitAll(ctx, t.Map(TaskEmpty, make([][]byte, n)))
	return err
}

// Register adds the benchmark tasks to reg.
func Register(reg *hierarchy.Registry) error {
	return errors.Join(
		reg.Register(TaskEmpty, func(context.Context, []byte) ([]byte, error) { return nil, nil }),
		reg.Register(TaskMapEmpty, func(ctx context.Context, args []byte) ([]byte, error) {
			n, err := u64(args, 0)
			if err != nil {
				return nil, err
			}
			return nil, mapEmpty(ctx, int(n))
		}),
		reg.Register(TaskParent, func(ctx context.Context, args []byte) ([]byte, error) {
			n, err := u64(args, 0)
			if err != nil {
				return nil, err
			}
			return nil, mapEmpty(ctx, int(n))
		}),
		reg.Register(TaskNested, func(ctx context.Context, args []byte) ([]byte, error) {
			parents, err1 := u64(args, 0)
			children, err2 := u64(args, 1)
			if err := errors.Join(err1, err2); err != nil {
				return nil, err
			}
			t, err := task(ctx)
			if err != nil {
				return nil, err
			}
			in := make([][]byte, parents)
			for i := range in {
				in[i] = enc(children)
			}
			_, err = t.WaitAll(ctx, t.Map(TaskParent, in))
			return nil, err
		}),
		reg.Register(TaskRoundtrip, func(ctx context.Context, args []byte) ([]byte, error) {
			k, err := u64(args, 0)
			if err != nil {
				return nil, err
			}
			t, err := task(ctx)
			if err != nil {
				return nil, err
			}
			ds := make([]uint64, k)
			for i := range ds {
				t0 := time.Now()
				if _, err := t.Wait(ctx, t.Submit(TaskEmpty, nil)); err != nil {
					return nil, err
				}
				ds[i] = uint64(time.Since(t0))
			}
			return enc(ds...), nil
		}),
		reg.Register(TaskPid, func(context.Context, []byte) ([]byte, error) {
			return enc(uint64(os.Getpid())), nil
		}),
		reg.Register(TaskXRoundtrip, func(ctx context.Context, args []byte) ([]byte, error) {
			k, err := u64(args, 0)
			if err != nil {
				return nil, err
			}
			t, err := task(ctx)
			if err != nil {
				return nil, err
			}
			me := uint64(os.Getpid())
			out := make([]uint64, 0, 2*k)
			for range k {
				// Waiting on Done (not Task.Wait) keeps this task's compute
				// slot: with one slot per worker the subtask cannot run on
				// this worker and has to cross to another one.
				t0 := time.Now()
				f := t.Submit(TaskPid, nil)
				select {
				case <-f.Done():
				case <-ctx.Done():
					return nil, ctx.Err()
				}
				d := time.Since(t0)
				res, err := f.Result()
				if err != nil {
					return nil, err
				}
				pid, err := u64(res, 0)
				if err != nil {
					return nil, err
				}
				crossed := uint64(0)
				if pid != me {
					crossed = 1
				}
				out = append(out, uint64(d), crossed)
			}
			return enc(out...), nil
		}),
	)
}

// Runner is the client API the benchmarks need (*hierarchy.Server has it).
type Runner interface {
	OpenSession() hierarchy.SessionID
	CloseSession(hierarchy.SessionID) error
	Run(ctx context.Context, ses hierarchy.SessionID, name string, args []byte, level zapcore.Level) ([]byte, error)
}

func timed(ctx context.Context, r Runner, name string, args []byte) (time.Duration, []byte, error) {
	ses := r.OpenSession()
	defer r.CloseSession(ses)
	t0 := time.Now()
	res, err := r.Run(ctx, ses, name, args, zapcore.WarnLevel)
	return time.Since(t0), res, err
}

// EmptyTasks runs one root task that maps n empty tasks and waits for them;
// it returns the wall time seen by the client.
func EmptyTasks(ctx context.Context, r Runner, n int) (time.Duration, error) {
	d, _, err := timed(ctx, r, TaskMapEmpty, enc(uint64(n)))
	return d, err
}

// NestedMap runs one root task mapping parents tasks that each map children
// empty tasks (BQSKit's own runtime test uses 1000x2).
func NestedMap(ctx context.Context, r Runner, parents, children int) (time.Duration, error) {
	d, _, err := timed(ctx, r, TaskNested, enc(uint64(parents), uint64(children)))
	return d, err
}

// Roundtrip runs one root task that k times submits an empty subtask and
// waits for it; it returns the k round-trip times measured inside the task,
// sorted.
func Roundtrip(ctx context.Context, r Runner, k int) ([]time.Duration, error) {
	_, res, err := timed(ctx, r, TaskRoundtrip, enc(uint64(k)))
	if err != nil {
		return nil, err
	}
	if len(res) != 8*k {
		return nil, fmt.Errorf("%w: round-trip result has %d bytes, want %d", ErrBadArgs, len(res), 8*k)
	}
	ds := make([]time.Duration, k)
	for i := range ds {
		ds[i] = time.Duration(binary.LittleEndian.Uint64(res[8*i:]))
	}
	slices.Sort(ds)
	return ds, nil
}

// CrossRoundtrip runs one root task that k times submits a subtask and
// waits for it, noting whether the subtask ran in another process. It
// returns the sorted round-trip times of the subtasks that crossed to
// another process (under MPI: another rank) and of those that did not.
// In one process (embedded) nothing can cross.
func CrossRoundtrip(ctx context.Context, r Runner, k int) (crossed, local []time.Duration, err error) {
	_, res, err := timed(ctx, r, TaskXRoundtrip, enc(uint64(k)))
	if err != nil {
		return nil, nil, err
	}
	if len(res) != 16*k {
		return nil, nil, fmt.Errorf("%w: cross round-trip result has %d bytes, want %d", ErrBadArgs, len(res), 16*k)
	}
	for i := range k {
		d := time.Duration(binary.LittleEndian.Uint64(res[16*i:]))
		if binary.LittleEndian.Uint64(res[16*i+8:]) == 1 {
			crossed = append(crossed, d)
		} else {
			local = append(local, d)
		}
	}
	slices.Sort(crossed)
	slices.Sort(local)
	return crossed, local, nil
}

// CrossRecord is the JSON line of the xrank_roundtrip benchmark: round
// trips (µs) of the subtasks that ran in another process, and of those
// that stayed in the parent's.
func CrossRecord(crossed, local []time.Duration) map[string]any {
	us := func(d time.Duration) float64 { return math.Round(float64(d)/1e3*100) / 100 }
	rec := map[string]any{"bench": "xrank_roundtrip", "samples": len(crossed) + len(local), "crossed": len(crossed)}
	if len(crossed) > 0 {
		rec["p50_us"], rec["p99_us"] = us(Quantile(crossed, 0.5)), us(Quantile(crossed, 0.99))
	}
	if len(local) > 0 {
		rec["local_p50_us"] = us(Quantile(local, 0.5))
	}
	return rec
}

// Quantile returns the q-quantile (0..1) of sorted durations.
func Quantile(sorted []time.Duration, q float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(q * float64(len(sorted)-1))
	return sorted[i]
}

// Median returns the median of ds (not necessarily sorted).
func Median(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return Quantile(s, 0.5)
}

// Config selects and sizes the benchmarks of RunAll.
type Config struct {
	// Benches to run, in order: "empty_tasks", "nested_map",
	// "subtask_roundtrip", "xrank_roundtrip".
	Benches []string
	// Mode and Workers are copied into each JSON line.
	Mode    string
	Workers int
	// Tasks is the number of empty tasks mapped by one root (empty_tasks).
	Tasks int
	// Parents x Children is the nested_map shape.
	Parents, Children int
	// Roundtrips is the number of round trips measured.
	Roundtrips int
	// Reps repeats empty_tasks and nested_map; the median is reported.
	Reps int
	// CPUTime, if set, returns the process CPU time so far; empty_tasks then
	// reports CPU microseconds per task (less sensitive to other load).
	CPUTime func() time.Duration
}

// RunAll runs cfg's benchmarks against r and writes one JSON object per
// line to w.
func RunAll(ctx context.Context, r Runner, cfg Config, w io.Writer) error {
	if cfg.Reps < 1 || cfg.Tasks < 1 || cfg.Roundtrips < 1 || cfg.Parents < 1 || cfg.Children < 1 {
		return fmt.Errorf("%w: reps, tasks, roundtrips, parents and children must be at least 1", ErrBadArgs)
	}
	enc := json.NewEncoder(w)
	for _, b := range cfg.Benches {
		var line map[string]any
		switch strings.TrimSpace(b) {
		case "empty_tasks":
			var ds []time.Duration
			var cpu0 time.Duration
			if cfg.CPUTime != nil {
				cpu0 = cfg.CPUTime()
			}
			for range cfg.Reps {
				d, err := EmptyTasks(ctx, r, cfg.Tasks)
				if err != nil {
					return fmt.Errorf("empty_tasks: %w", err)
				}
				ds = append(ds, d)
			}
			line = map[string]any{"bench": "empty_tasks", "mode": cfg.Mode, "workers": cfg.Workers,
				"tasks": cfg.Tasks, "tasks_per_s": math.Round(float64(cfg.Tasks) / Median(ds).Seconds()), "reps": cfg.Reps}
			if cfg.CPUTime != nil {
				perTask := float64(cfg.CPUTime()-cpu0) / 1e3 / float64(cfg.Tasks*cfg.Reps)
				line["cpu_us_per_task"] = math.Round(perTask*100) / 100
			}
		case "nested_map":
			var ds []time.Duration
			for range cfg.Reps {
				d, err := NestedMap(ctx, r, cfg.Parents, cfg.Children)
				if err != nil {
					return fmt.Errorf("nested_map: %w", err)
				}
				ds = append(ds, d)
			}
			line = map[string]any{"bench": "nested_map", "mode": cfg.Mode, "workers": cfg.Workers,
				"shape": fmt.Sprintf("%dx%d", cfg.Parents, cfg.Children), "seconds": Median(ds).Seconds(), "reps": cfg.Reps}
		case "subtask_roundtrip":
			ds, err := Roundtrip(ctx, r, cfg.Roundtrips)
			if err != nil {
				return fmt.Errorf("subtask_roundtrip: %w", err)
			}
			us := func(d time.Duration) float64 { return math.Round(float64(d)/1e3*100) / 100 }
			line = map[string]any{"bench": "subtask_roundtrip", "mode": cfg.Mode, "workers": cfg.Workers,
				"p50_us": us(Quantile(ds, 0.5)), "p99_us": us(Quantile(ds, 0.99)), "samples": len(ds)}
		case "xrank_roundtrip":
			crossed, local, err := CrossRoundtrip(ctx, r, cfg.Roundtrips)
			if err != nil {
				return fmt.Errorf("xrank_roundtrip: %w", err)
			}
			line = CrossRecord(crossed, local)
			line["mode"], line["workers"] = cfg.Mode, cfg.Workers
		default:
			return fmt.Errorf("%w: unknown benchmark %q (want empty_tasks, nested_map, subtask_roundtrip or xrank_roundtrip)", ErrBadArgs, b)
		}
		if err := enc.Encode(line); err != nil {
			return err
		}
	}
	return nil
}
