package mpiruntime

import (
	"fmt"
	"sync/atomic"
	"time"

	"golang.org/x/sys/unix"
)

// waker lets the pump sleep for a precise short time (ppoll on an eventfd;
// Go timers here fire no sooner than about 1 ms) and lets Send cut the
// sleep short. Send pays for a write only while the pump sleeps.
type waker struct {
	fd       int
	sleeping atomic.Bool
}

func newWaker() (*waker, error) {
	fd, err := unix.Eventfd(0, unix.EFD_NONBLOCK|unix.EFD_CLOEXEC)
	if err != nil {
		return nil, fmt.Errorf("mpiruntime: eventfd: %w", err)
	}
	return &waker{fd: fd}, nil
}

// wake interrupts a sleep in progress (or the next one, if the pump has
// announced it but not started it yet).
func (w *waker) wake() {
	if w.sleeping.Load() {
		one := [8]byte{1}
		_, _ = unix.Write(w.fd, one[:])
	}
}

// sleep announces the sleep, asks idle whether there is still nothing to
// do (so a Send racing with the announcement is seen either by idle or by
// wake), then sleeps up to d.
func (w *waker) sleep(d time.Duration, idle func() bool) {
	w.sleeping.Store(true)
	if idle() {
		ts := unix.NsecToTimespec(int64(d))
		fds := []unix.PollFd{{Fd: int32(w.fd), Events: unix.POLLIN}}
		_, _ = unix.Ppoll(fds, &ts, nil) // EINTR: just poll again
		var buf [8]byte
		_, _ = unix.Read(w.fd, buf[:])
	}
	w.sleeping.Store(false)
}

func (w *waker) close() { _ = unix.Close(w.fd) }
