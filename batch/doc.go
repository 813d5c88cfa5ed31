// Package batch is the one way the compiler and synthesis map a batch of
// independent work items: Executor runs a named task once per encoded
// argument and returns the results in argument order.
//
// Implementations: the runtime (package service adapts a hierarchy task's
// subtasks to Executor, so a batch spreads over the workers of an
// embedded or MPI runtime) and Local (goroutines of this process, for
// tests and embedded use). Task bodies are plain functions of a context
// and their encoded arguments; the context carries cancellation only.
//
// Callers must give Local every task name they map, and keep results
// independent of the executor: an executor decides where and in which
// order items run, never what they compute.
package batch
