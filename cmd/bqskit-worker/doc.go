// Command bqskit-worker runs N workers of the detached runtime in one
// process and connects them to the bqskit-manager on the same host that
// was started with -x, so that groups of workers can be started with their
// own environment (e.g. CUDA_VISIBLE_DEVICES) and pinned with --cpus. It
// is flag parsing plus one call to detached.RunWorker.
package main
