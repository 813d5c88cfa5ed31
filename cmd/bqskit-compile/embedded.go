package main

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/bqskit-mpi/bqskit-mpi/compiler"
	"github.com/bqskit-mpi/bqskit-mpi/hierarchy"
	"github.com/bqskit-mpi/bqskit-mpi/logging"
	"github.com/bqskit-mpi/bqskit-mpi/service"
)

// runEmbedded runs the compile task on an embedded runtime (one manager,
// o.workers workers of one slot each) in this process, forwarding progress
// to prog and the log records (warnings, with -v info, with -vv debug)
// through it to its stream.
func runEmbedded(ctx context.Context, o *options, req compiler.Request, prog *progress) (compiler.Result, error) {
	log := o.log.Logger("bqskit-compile", prog)
	defer log.Sync() //nolint:errcheck // nothing to do about a failed stderr sync
	reg := hierarchy.NewRegistry()
	if err := service.RegisterCompiler(reg, nil); err != nil {
		return compiler.Result{}, err
	}
	rt, err := hierarchy.StartEmbedded(ctx, hierarchy.EmbeddedConfig{
		Managers: 1, Workers: o.workers, Slots: 1, Registry: reg, Logger: log.Named("runtime"),
	})
	if err != nil {
		return compiler.Result{}, err
	}
	defer rt.Stop() //nolint:errcheck // the result is already decided; Stop only waits
	args, err := compiler.EncodeRequest(req)
	if err != nil {
		return compiler.Result{}, err
	}
	level := logging.Level(o.log.Verbose)
	sess := rt.OpenSession()
	id, err := rt.Submit(sess, compiler.TaskCompile, args, level)
	if err != nil {
		return compiler.Result{}, err
	}
	sub, err := rt.Subscribe(id)
	if err != nil {
		return compiler.Result{}, err
	}
	evCtx, stopEvents := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		tasks := log.Named("task")
		for {
			ev, err := sub.Next(evCtx)
			if err != nil {
				return
			}
			switch ev.Kind {
			case hierarchy.EventProgress:
				prog.update(ev.Stage, int(ev.Done), int(ev.Total))
			case hierarchy.EventLog:
				if ce := tasks.Check(ev.Level, ev.Message); ce != nil {
					ce.Write()
				}
			}
		}
	}()
	raw, err := rt.Result(ctx, id)
	if ctx.Err() != nil {
		_ = rt.Cancel(id)
	}
	// Events end by themselves once the task is final; stopping the
	// reader covers a cancelled context.
	if err != nil {
		stopEvents()
	}
	wg.Wait()
	stopEvents()
	if err != nil {
		var te *hierarchy.TaskError
		if errors.As(err, &te) {
			return compiler.Result{}, fmt.Errorf("compilation failed: %s", te.Msg)
		}
		return compiler.Result{}, err
	}
	return compiler.DecodeResult(raw)
}
