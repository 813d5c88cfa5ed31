// Command bqskit-manager runs a manager of the detached runtime (BQSKit's
// command and flags): it spawns -n bqskit-worker processes, or with -x
// waits for workers started by bqskit-worker, or with -m manages lower
// managers, then waits on --port for its parent (bqskit-server or a
// higher manager). It is flag parsing plus one call to
// detached.RunManager.
package main
