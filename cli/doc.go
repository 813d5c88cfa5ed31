// Package cli holds what every bqskit-mpi command does the same way with
// its command line: the exit statuses, the usage-error type, a pflag flag
// set with --help and --version, the help text on standard output, pflag's
// own message for a bad flag, the version line from the binary's build
// information, and the logging flags (-v, --log-format).
//
// Callers must: build the flag set with New, add their flags to
// Command.Flags, call Parse (which returns ErrHelp or ErrVersion after
// printing, a UsageError for a bad command line, or nil), and map errors to
// exit statuses with Exit.
package cli
