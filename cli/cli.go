package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"

	"github.com/spf13/pflag"
	"go.uber.org/zap"

	"github.com/bqskit-mpi/bqskit-mpi/logging"
)

// Exit statuses of every command.
const (
	ExitOK      = 0 // success, --help, --version
	ExitFailure = 1 // the work failed
	ExitUsage   = 2 // bad command line or input
	// ExitInterrupted is the shell's convention (128 + SIGINT) for a
	// command that stopped its work at Ctrl-C.
	ExitInterrupted = 130
)

// Sentinels Parse returns after it printed what was asked; both mean exit 0.
var (
	// ErrHelp: the help text was printed (pflag's own sentinel).
	ErrHelp = pflag.ErrHelp
	// ErrVersion: the version line was printed.
	ErrVersion = errors.New("cli: version printed")
)

// UsageError is a bad command line or input: the command exits with
// ExitUsage.
type UsageError struct{ Err error }

func (u UsageError) Error() string { return u.Err.Error() }
func (u UsageError) Unwrap() error { return u.Err }

// Usagef returns a UsageError with a formatted message.
func Usagef(format string, args ...any) error {
	return UsageError{fmt.Errorf(format, args...)}
}

// Command is one command's flag set and help text.
type Command struct {
	// Name is the command's name, as in "bqskit-server".
	Name string
	// Usage is the help text before the flag list.
	Usage string
	// Flags holds the command's flags; New adds --help (-h) and --version.
	Flags *pflag.FlagSet
	// NoArgs, when set, makes Parse refuse positional arguments with this
	// explanation.
	NoArgs  string
	help    bool
	version bool
}

// New returns a Command whose flag set reports errors only through Parse's
// result and lists flags in the order they were added.
func New(name, usage string) *Command {
	c := &Command{Name: name, Usage: usage}
	fs := pflag.NewFlagSet(name, pflag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.SortFlags = false
	fs.Usage = func() {}
	c.Flags = fs
	return c
}

// Parse parses args. --help prints the help text to stdout and returns
// ErrHelp; --version prints the version line to stdout and returns
// ErrVersion; a bad flag returns a UsageError carrying pflag's message,
// which names the flag.
func (c *Command) Parse(args []string, stdout io.Writer) error {
	// Added here, last, so that they close the flag list.
	if c.Flags.Lookup("help") == nil {
		c.Flags.BoolVarP(&c.help, "help", "h", false, "show this help and exit")
		c.Flags.BoolVar(&c.version, "version", false, "print the version (module version and commit) and exit")
	}
	if err := c.Flags.Parse(args); err != nil {
		return UsageError{err}
	}
	switch {
	case c.NoArgs != "" && c.Flags.NArg() > 0 && !c.help && !c.version:
		return Usagef("unexpected argument %q: %s", c.Flags.Arg(0), c.NoArgs)
	case c.help:
		c.PrintUsage(stdout)
		return ErrHelp
	case c.version:
		fmt.Fprintln(stdout, Version(c.Name))
		return ErrVersion
	}
	return nil
}

// PrintUsage writes the help text and the flag list to w.
func (c *Command) PrintUsage(w io.Writer) {
	fmt.Fprint(w, c.Usage)
	fmt.Fprint(w, c.Flags.FlagUsages())
}

// Main runs a command: run gets a context that ends at SIGINT or SIGTERM,
// the arguments after the command name and the standard streams; Main
// exits with run's status.
func Main(run func(ctx context.Context, args []string, stdout, stderr io.Writer) int) {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// Exit maps err to an exit status, printing "name: err" to stderr for a
// real error: nil, ErrHelp and ErrVersion give ExitOK, a UsageError
// ExitUsage, anything else ExitFailure.
func Exit(name string, err error, stderr io.Writer) int {
	if err == nil || errors.Is(err, ErrHelp) || errors.Is(err, ErrVersion) {
		return ExitOK
	}
	fmt.Fprintf(stderr, "%s: %v\n", name, err)
	var ue UsageError
	if errors.As(err, &ue) {
		return ExitUsage
	}
	return ExitFailure
}

// Version is the line --version prints: the command, the module's version
// ("(devel)" for a build from a work tree), the VCS commit with
// "+modified" when the tree had changes, and the Go version.
func Version(name string) string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return name + " (no build information)"
	}
	version := bi.Main.Version
	if version == "" {
		version = "(unknown version)"
	}
	commit, modified := "unknown", ""
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			commit = s.Value
		case "vcs.modified":
			if s.Value == "true" {
				modified = "+modified"
			}
		}
	}
	path := bi.Main.Path
	if path == "" {
		path = bi.Path
	}
	return fmt.Sprintf("%s %s (module %s, commit %s%s, %s)", name, version, path, commit, modified, bi.GoVersion)
}

// Logging is the commands' logging flags.
type Logging struct {
	Verbose int
	Format  string
}

// AddFlags adds -v (repeatable) and --log-format to fs.
func (l *Logging) AddFlags(fs *pflag.FlagSet) {
	fs.CountVarP(&l.Verbose, "verbose", "v", "log more: -v info, -vv debug (default: warnings and errors)")
	fs.StringVar(&l.Format, "log-format", "console", "log format: console or json")
}

// Check validates the flags' values.
func (l *Logging) Check() error {
	if l.Format != "console" && l.Format != "json" {
		return Usagef("--log-format: want console or json, got %q", l.Format)
	}
	return nil
}

// Logger builds the process's logger named name, writing to w.
func (l *Logging) Logger(name string, w io.Writer) *zap.Logger {
	return logging.New(name, l.Verbose, l.Format, w)
}
