// Package logging builds the zap loggers of the bqskit-mpi commands.
//
// Callers build one logger per process with New, then derive a named logger
// per component (Named, With rank/role/host fields) and pass it down; no
// package keeps a global logger.
package logging
