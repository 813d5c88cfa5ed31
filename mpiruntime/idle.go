package mpiruntime

import (
	"errors"
	"fmt"
	"time"

	"golang.org/x/sys/unix"
)

// IdlePolicy is what the pump does when a pass over its queues found no
// work. It implements pflag.Value.
type IdlePolicy int

// Idle policies.
const (
	// IdleSleep polls (yielding the core between polls) for SpinWindow
	// after the last message, then sleeps an eighth of the time it has been
	// idle, between MinSleep and MaxSleep, between polls; an outgoing
	// message wakes it at once. Low idle CPU; an incoming message to an
	// idle rank waits at most MaxSleep. The default.
	IdleSleep IdlePolicy = iota
	// IdleYield polls without pause, calling sched_yield between polls: as
	// fast as spin, and other processes on the core still run, but an idle
	// rank uses a whole core.
	IdleYield
	// IdleSpin polls without pause: lowest latency, a whole core per rank.
	IdleSpin
)

// Back-off parameters of IdleSleep.
const (
	SpinWindow = 200 * time.Microsecond
	MinSleep   = 20 * time.Microsecond
	MaxSleep   = 1 * time.Millisecond
)

// ErrBadIdlePolicy is returned when parsing an unknown idle policy.
var ErrBadIdlePolicy = errors.New("mpiruntime: unknown idle policy (want spin, yield or sleep)")

// ParseIdlePolicy parses "spin", "yield" or "sleep".
func ParseIdlePolicy(s string) (IdlePolicy, error) {
	switch s {
	case "sleep":
		return IdleSleep, nil
	case "yield":
		return IdleYield, nil
	case "spin":
		return IdleSpin, nil
	}
	return 0, fmt.Errorf("%w: %q", ErrBadIdlePolicy, s)
}

// String returns the policy's flag value.
func (p IdlePolicy) String() string {
	switch p {
	case IdleSleep:
		return "sleep"
	case IdleYield:
		return "yield"
	case IdleSpin:
		return "spin"
	}
	return fmt.Sprintf("IdlePolicy(%d)", int(p))
}

// Set parses s into p (pflag.Value).
func (p *IdlePolicy) Set(s string) error {
	v, err := ParseIdlePolicy(s)
	if err != nil {
		return err
	}
	*p = v
	return nil
}

// Type names the flag value type (pflag.Value).
func (p *IdlePolicy) Type() string { return "spin|yield|sleep" }

// yieldCPU gives the core to another runnable thread, if any.
func yieldCPU() { _, _, _ = unix.Syscall(unix.SYS_SCHED_YIELD, 0, 0, 0) }
