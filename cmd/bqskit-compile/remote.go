package main

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"time"

	"github.com/spf13/pflag"

	"github.com/bqskit-mpi/bqskit-mpi/client"
	"github.com/bqskit-mpi/bqskit-mpi/compiler"
	"github.com/bqskit-mpi/bqskit-mpi/protocol"
)

// remoteOptions are the flags of the --ip path: compile through a
// bqskit-mpi server (bqskit-server, or rank 0 of bqskit-mpi) instead of an
// embedded runtime.
type remoteOptions struct {
	ip        string
	tokenFile string
}

// addFlags registers --ip and --token-file on fs.
func (r *remoteOptions) addFlags(fs *pflag.FlagSet) {
	fs.StringVar(&r.ip, "ip", "", "compile on the bqskit-mpi server at HOST[:PORT] (default port 7472) instead of an embedded runtime; the other flags mean the same")
	fs.StringVar(&r.tokenFile, "token-file", "", "with --ip: file holding the server's token (default: $"+protocol.TokenEnv+", else ~/.config/bqskit-mpi/token)")
}

// compileRemote does what compileLocal does, through the server at r.ip:
// the input is validated here first (bad input exits 2 without
// connecting), the progress bar follows the server's progress events, and
// -v prints the server's log records for the task. Ctrl-C cancels the task
// on the server.
func compileRemote(ctx context.Context, o *options, r *remoteOptions, stdout, stderr io.Writer) error {
	in, err := loadInput(o)
	if err != nil {
		return err
	}
	req := &protocol.SubmitRequest{
		Filename:    filepath.Base(o.input),
		Seed:        &o.seed,
		BlockSize:   o.blockSize,
		RequestData: true,
		LogLevel:    protocol.LevelWarning,
	}
	if o.verbose {
		req.LogLevel = protocol.LevelDebug
	}
	if len(in.req.Unitary) > 0 {
		req.Unitary = base64.StdEncoding.EncodeToString(in.req.Unitary)
	} else {
		req.QASM = in.req.QASM
	}
	if len(in.req.Workflow) > 0 {
		req.Workflow = in.req.Workflow
	} else {
		req.OptimizationLevel = o.level
	}
	bar := newProgressBar(stderr, o.progress)
	logEvent := func(ev protocol.LogEvent) {
		if o.verbose {
			fmt.Fprintf(stderr, "%s\t%s\t%s\t%s\n", ev.Time.Format("15:04:05.000"), ev.Level, ev.Logger, ev.Message)
		}
	}
	opts := []client.Option{
		client.WithProgressHandler(func(ev protocol.ProgressEvent) { bar.update(ev.Done, ev.Total) }),
		client.WithLogHandler(logEvent),
		client.WithName("bqskit-compile"),
	}
	if r.tokenFile != "" {
		opts = append(opts, client.WithTokenFile(r.tokenFile))
	}
	c, err := client.Dial(ctx, r.ip, opts...)
	if err != nil {
		if errors.Is(err, client.ErrAddress) {
			return usageError{fmt.Errorf("--ip: %w", err)}
		}
		return err
	}
	defer c.Close()
	start := time.Now()
	tr, err := c.Compile(ctx, req)
	bar.finish()
	if err != nil {
		var ge *protocol.Error
		if errors.As(err, &ge) {
			switch ge.Code {
			case protocol.CodeBadRequest, protocol.CodeInvalidCircuit, protocol.CodeUnknownPass, protocol.CodeTooManyQubits:
				return usageError{fmt.Errorf("server %s refused the input: %s", r.ip, ge.Message)}
			}
			return fmt.Errorf("server %s: %s", r.ip, ge.Message)
		}
		return err
	}
	seconds := time.Since(start).Seconds()
	res := compiler.Result{QASM: tr.QASM}
	if len(tr.Data) > 0 {
		var data compiler.PassData
		if err := json.Unmarshal(tr.Data, &data); err != nil {
			return fmt.Errorf("server %s sent pass data this client cannot read: %w", r.ip, err)
		}
		res.Data = &data
	}
	return finish(o, in, res, seconds, stdout)
}
