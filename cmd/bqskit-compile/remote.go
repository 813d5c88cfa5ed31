package main

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"
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
	local     bool
	fromEnv   bool                // ip came from $BQSKIT_MPI_ADDRESS
	getenv    func(string) string // the token variables' source (nil: the process's)
}

// addFlags registers --ip, --token-file and --local on fs.
func (r *remoteOptions) addFlags(fs *pflag.FlagSet) {
	fs.StringVar(&r.ip, "ip", "", "compile on the bqskit-mpi server at HOST[:PORT] (default port 7472) instead of an embedded runtime; the other flags mean the same (default: $"+protocol.AddressEnv+" when set)")
	fs.StringVar(&r.tokenFile, "token-file", "", "with --ip: file holding the server's token (default: $"+protocol.TokenEnv+" itself, else the file $"+protocol.TokenFileEnv+", else ~/.config/bqskit-mpi/token)")
	fs.BoolVar(&r.local, "local", false, "compile on an embedded runtime even when $"+protocol.AddressEnv+" is set")
}

// address returns the server to compile on: --ip, else (without --local)
// $BQSKIT_MPI_ADDRESS, else "" for the embedded runtime; fromEnv says
// that the address came from the environment.
func (r *remoteOptions) address(getenv func(string) string) (addr string, fromEnv bool) {
	switch {
	case r.ip != "":
		return r.ip, false
	case r.local:
		return "", false
	}
	if a := strings.TrimSpace(getenv(protocol.AddressEnv)); a != "" {
		return a, true
	}
	return "", false
}

// flag names where the address came from, for error messages.
func (r *remoteOptions) flag() string {
	if r.fromEnv {
		return "$" + protocol.AddressEnv
	}
	return "--ip"
}

// logLevel is the lowest level of the task's log records the server
// sends for verbosity v: as the embedded runtime logs (cli.Logging).
func logLevel(v int) protocol.LogLevel {
	switch {
	case v >= 2:
		return protocol.LevelDebug
	case v == 1:
		return protocol.LevelInfo
	}
	return protocol.LevelWarning
}

// compileRemote does what compileLocal does, through the server at r.ip:
// the input is validated here first (bad input exits 2 without
// connecting), the progress display follows the server's progress
// events, and -v prints the server's log records for the task. Ctrl-C
// cancels the task on the server.
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
		LogLevel:    logLevel(o.log.Verbose),
		// Set by loadInput from --synthesis-epsilon and --error-threshold.
		SynthesisEpsilon: in.req.SynthesisEpsilon,
		ErrorThreshold:   in.req.ErrorThreshold,
	}
	if len(in.req.Unitary) > 0 {
		req.Unitary = base64.StdEncoding.EncodeToString(in.req.Unitary)
	} else {
		req.QASM = in.req.QASM
	}
	if m := in.req.Model; m != nil {
		req.Model = &protocol.Model{Coupling: m.Coupling, Qubits: m.Qubits, Edges: m.Edges, Gates: m.Gates}
	}
	if len(in.req.Workflow) > 0 {
		req.Workflow = in.req.Workflow
	} else {
		req.OptimizationLevel = o.level
	}
	prog := newProgress(stderr, o.progress)
	logEvent := func(ev protocol.LogEvent) {
		prog.log(fmt.Sprintf("%s\t%s\t%s\t%s", ev.Time.Format("15:04:05.000"), ev.Level, ev.Logger, ev.Message))
	}
	opts := []client.Option{
		client.WithProgressHandler(func(ev protocol.ProgressEvent) { prog.update(ev.Stage, ev.Done, ev.Total) }),
		client.WithLogHandler(logEvent),
		client.WithName("bqskit-compile"),
	}
	if r.tokenFile != "" {
		opts = append(opts, client.WithTokenFile(r.tokenFile))
	}
	if r.getenv != nil {
		opts = append(opts, client.WithGetenv(r.getenv))
	}
	c, err := client.Dial(ctx, r.ip, opts...)
	if err != nil {
		prog.finish("")
		if errors.Is(err, client.ErrAddress) {
			return usageError{fmt.Errorf("%s: %w", r.flag(), err)}
		}
		return err
	}
	defer c.Close()
	start := time.Now()
	tr, err := c.Compile(ctx, req)
	if err != nil {
		prog.finish("")
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
	res := compiler.Result{QASM: tr.QASM, InitialMapping: tr.InitialMapping, FinalMapping: tr.FinalMapping}
	if len(tr.Data) > 0 {
		var data compiler.PassData
		if err := json.Unmarshal(tr.Data, &data); err != nil {
			prog.finish("")
			return fmt.Errorf("server %s sent pass data this client cannot read: %w", r.ip, err)
		}
		res.Data = &data
	}
	ran := ranOn{server: r.ip}
	if rt := c.Runtime(); rt != nil {
		ran.ranks, ran.workers, ran.version = rt.Ranks, rt.Workers, rt.Version
	}
	return finish(o, in, res, seconds, ran, prog, stdout, stderr)
}
