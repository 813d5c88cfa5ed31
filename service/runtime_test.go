package service_test

import (
	"context"
	"errors"
	"runtime"
	"sync"
	"testing"

	"go.uber.org/zap/zapcore"

	"github.com/bqskit-mpi/bqskit-mpi/hierarchy"
	"github.com/bqskit-mpi/bqskit-mpi/protocol"
	"github.com/bqskit-mpi/bqskit-mpi/service"
)

type recSink struct {
	mu       sync.Mutex
	logs     []protocol.LogEvent
	progress []protocol.ProgressEvent
}

func (r *recSink) Log(ev protocol.LogEvent) { r.mu.Lock(); r.logs = append(r.logs, ev); r.mu.Unlock() }
func (r *recSink) Progress(ev protocol.ProgressEvent) {
	r.mu.Lock()
	r.progress = append(r.progress, ev)
	r.mu.Unlock()
}

func TestHierarchyRuntimeAdapter(t *testing.T) {
	reg := hierarchy.NewRegistry()
	reg.MustRegister("echo", func(ctx context.Context, args []byte) ([]byte, error) {
		task, err := hierarchy.TaskFromContext(ctx)
		if err != nil {
			return nil, err
		}
		task.Log(zapcore.DebugLevel, "debug line")
		task.Log(zapcore.InfoLevel, "info line")
		task.Progress(1, 2)
		task.Progress(2, 2)
		return args, nil
	})
	reg.MustRegister("fail", func(ctx context.Context, args []byte) ([]byte, error) {
		return nil, errors.New("compiler: it broke")
	})
	stopped := make(chan string, 10) // the args of each block task that saw its cancellation
	reg.MustRegister("block", func(ctx context.Context, args []byte) ([]byte, error) {
		<-ctx.Done()
		stopped <- string(args)
		return nil, ctx.Err()
	})
	e, err := hierarchy.StartEmbedded(context.Background(), hierarchy.EmbeddedConfig{Workers: 2, Registry: reg})
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := e.Stop(); err != nil {
			t.Error(err)
		}
	}()
	rt := service.HierarchyRuntime(e.Server)
	ctx := context.Background()
	sink := &recSink{}
	rs, err := rt.OpenSession(ctx, sink)
	if err != nil {
		t.Fatal(err)
	}

	id, err := rs.Submit(ctx, "echo", []byte("hi"), protocol.LevelInfo)
	if err != nil {
		t.Fatal(err)
	}
	res, err := rs.Result(ctx, id)
	if err != nil || string(res) != "hi" {
		t.Fatalf("echo: %q %v", res, err)
	}
	if st, err := rs.Status(ctx, id); err != nil || st != protocol.StatusDone {
		t.Fatalf("status: %q %v", st, err)
	}
	// Result forwards the task's events before returning.
	sink.mu.Lock()
	if len(sink.logs) != 1 || sink.logs[0].Message != "info line" || sink.logs[0].Level != protocol.LevelInfo || sink.logs[0].Task != id {
		t.Errorf("logs at info: %+v", sink.logs)
	}
	if len(sink.progress) != 2 || sink.progress[1].Done != 2 || sink.progress[1].Total != 2 {
		t.Errorf("progress: %+v", sink.progress)
	}
	sink.mu.Unlock()

	fid, err := rs.Submit(ctx, "fail", nil, protocol.LevelWarning)
	if err != nil {
		t.Fatal(err)
	}
	_, err = rs.Result(ctx, fid)
	var ge *protocol.Error
	if !errors.As(err, &ge) || ge.Code != protocol.CodeTaskFailed || ge.Message != "it broke" {
		t.Fatalf("failed task: %v", err)
	}
	if st, _ := rs.Status(ctx, fid); st != protocol.StatusFailed {
		t.Errorf("failed task status %q", st)
	}

	bid, err := rs.Submit(ctx, "block", nil, protocol.LevelWarning)
	if err != nil {
		t.Fatal(err)
	}
	if err := rs.Cancel(ctx, bid); err != nil {
		t.Fatal(err)
	}
	if _, err := rs.Result(ctx, bid); !errors.Is(err, protocol.ErrCancelled) {
		t.Fatalf("cancelled task: %v", err)
	}
	if _, err := rs.Status(ctx, "not-an-id"); !errors.Is(err, protocol.ErrUnknownTask) {
		t.Errorf("bad id: %v", err)
	}
	if _, err := rs.Status(ctx, "0.987654"); !errors.Is(err, protocol.ErrUnknownTask) {
		t.Errorf("unknown id: %v", err)
	}
	// Closing the session cancels its unfinished tasks.
	other, err := rt.OpenSession(ctx, &recSink{})
	if err != nil {
		t.Fatal(err)
	}
	oid, err := other.Submit(ctx, "block", []byte("other"), protocol.LevelWarning)
	if err != nil {
		t.Fatal(err)
	}
	for st, _ := other.Status(ctx, oid); st != protocol.StatusRunning; st, _ = other.Status(ctx, oid) {
		runtime.Gosched()
	}
	if err := other.Close(); err != nil {
		t.Fatal(err)
	}
	for a := <-stopped; a != "other"; a = <-stopped { // the running task was cancelled by the close
	}
	if _, err := rs.Status(ctx, oid); !errors.Is(err, protocol.ErrUnknownTask) {
		t.Errorf("task of a closed session still known: %v", err)
	}
	if err := rs.Close(); err != nil {
		t.Fatal(err)
	}
}
