// Package logging builds the zap loggers of the bqskit-mpi commands and
// writes their small run files (address and pid files).
//
// Callers build one logger per process with New, then derive a named logger
// per component (Named, With rank/role/host fields) and pass it down; no
// package keeps a global logger.
package logging
