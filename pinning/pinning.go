package pinning

import (
	"errors"
	"fmt"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"
)

// maxCPU bounds cpu numbers accepted by Parse (the kernel's CPU_SETSIZE).
const maxCPU = 1024

// Sentinel errors.
var (
	ErrSyntax      = errors.New("pinning: bad cpu list")
	ErrUnavailable = errors.New("pinning: cpu not available to this process")
	ErrNoLocalRank = errors.New("pinning: node-local rank unknown")
	ErrPin         = errors.New("pinning: sched_setaffinity")
)

// Spec is a parsed --cpus value. The zero Spec pins nothing.
type Spec struct {
	Auto bool
	CPUs []int // explicit cores, in the order given, without duplicates
}

// IsZero reports whether s pins nothing.
func (s Spec) IsZero() bool { return !s.Auto && len(s.CPUs) == 0 }

// String returns the flag form of s.
func (s Spec) String() string {
	switch {
	case s.Auto:
		return "auto"
	case len(s.CPUs) == 0:
		return "none"
	}
	return FormatList(s.CPUs)
}

// Parse reads "auto", "none" (or ""), or a comma-separated list of cores and
// inclusive ranges ("0-3,8"). Errors name the offending item.
func Parse(s string) (Spec, error) {
	switch strings.TrimSpace(s) {
	case "", "none":
		return Spec{}, nil
	case "auto":
		return Spec{Auto: true}, nil
	}
	cpus, err := ParseList(s)
	if err != nil {
		return Spec{}, err
	}
	return Spec{CPUs: cpus}, nil
}

// ParseList reads a list such as "0-3,8,10-11" (the kernel's
// Cpus_allowed_list format), keeping first-seen order and dropping repeats.
func ParseList(s string) ([]int, error) {
	var out []int
	seen := map[int]bool{}
	for i, item := range strings.Split(s, ",") {
		item = strings.TrimSpace(item)
		lo, hi, isRange := strings.Cut(item, "-")
		a, err := parseCPU(lo)
		if err != nil {
			return nil, fmt.Errorf("%w %q: item %d %q: %w", ErrSyntax, s, i+1, item, err)
		}
		b := a
		if isRange {
			if b, err = parseCPU(hi); err != nil {
				return nil, fmt.Errorf("%w %q: item %d %q: %w", ErrSyntax, s, i+1, item, err)
			}
			if b < a {
				return nil, fmt.Errorf("%w %q: item %d %q: range end below start", ErrSyntax, s, i+1, item)
			}
		}
		for c := a; c <= b; c++ {
			if !seen[c] {
				seen[c] = true
				out = append(out, c)
			}
		}
	}
	return out, nil
}

func parseCPU(s string) (int, error) {
	if s == "" {
		return 0, errors.New("missing cpu number")
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("%q is not a cpu number", s)
	}
	if n >= maxCPU {
		return 0, fmt.Errorf("cpu %d is not below %d", n, maxCPU)
	}
	return n, nil
}

// FormatList writes cpus in the compact list form ("0-3,8").
func FormatList(cpus []int) string {
	var b strings.Builder
	for i := 0; i < len(cpus); {
		j := i
		for j+1 < len(cpus) && cpus[j+1] == cpus[j]+1 {
			j++
		}
		if b.Len() > 0 {
			b.WriteByte(',')
		}
		if j > i {
			fmt.Fprintf(&b, "%d-%d", cpus[i], cpus[j])
		} else {
			fmt.Fprintf(&b, "%d", cpus[i])
		}
		i = j + 1
	}
	return b.String()
}

// LocalRankFromEnv returns the node-local rank that the launcher set:
// OMPI_COMM_WORLD_LOCAL_RANK (mpirun) or SLURM_LOCALID (srun).
func LocalRankFromEnv() (int, bool) {
	for _, k := range []string{"OMPI_COMM_WORLD_LOCAL_RANK", "SLURM_LOCALID"} {
		if v := os.Getenv(k); v != "" {
			if n, err := strconv.Atoi(v); err == nil && n >= 0 {
				return n, true
			}
		}
	}
	return 0, false
}

// Allowed returns the cores this process may run on, ascending.
func Allowed() ([]int, error) {
	var set unix.CPUSet
	if err := unix.SchedGetaffinity(0, &set); err != nil {
		return nil, fmt.Errorf("pinning: sched_getaffinity: %w", err)
	}
	var out []int
	for c := 0; c < maxCPU; c++ {
		if set.IsSet(c) {
			out = append(out, c)
		}
	}
	return out, nil
}

// Select returns the cores of the rank with node-local rank localRank out
// of localSize ranks on the node, given the cores the process may use.
// Auto: one core, allowed[localRank mod len(allowed)]. Explicit list: the
// list is shared out in order, each rank getting a contiguous share of
// len/localSize cores (the first len%localSize ranks one more); with fewer
// cores than ranks, rank i gets core i mod len. Every listed core must be in
// allowed. The zero Spec selects nothing (nil).
func Select(s Spec, localRank, localSize int, allowed []int) ([]int, error) {
	if s.IsZero() {
		return nil, nil
	}
	if localSize < 1 || localRank < 0 || localRank >= localSize {
		return nil, fmt.Errorf("%w: local rank %d of %d", ErrNoLocalRank, localRank, localSize)
	}
	if len(allowed) == 0 {
		return nil, fmt.Errorf("%w: the process may use no cpu", ErrUnavailable)
	}
	if s.Auto {
		return []int{allowed[localRank%len(allowed)]}, nil
	}
	for _, c := range s.CPUs {
		if !slices.Contains(allowed, c) {
			return nil, fmt.Errorf("%w: cpu %d (allowed: %s)", ErrUnavailable, c, FormatList(allowed))
		}
	}
	n := len(s.CPUs)
	if n < localSize {
		return []int{s.CPUs[localRank%n]}, nil
	}
	start := localRank*(n/localSize) + min(localRank, n%localSize)
	size := n / localSize
	if localRank < n%localSize {
		size++
	}
	return slices.Clone(s.CPUs[start : start+size]), nil
}

// Pin restricts every thread of the process to cpus and sets GOMAXPROCS to
// procs (len(cpus) when procs <= 0). Threads that appear while it runs are
// pinned too (it repeats until a pass finds no new thread).
func Pin(cpus []int, procs int) error {
	if len(cpus) == 0 {
		return fmt.Errorf("%w: empty cpu list", ErrPin)
	}
	var set unix.CPUSet
	for _, c := range cpus {
		if c < 0 || c >= maxCPU {
			return fmt.Errorf("%w: cpu %d out of range", ErrPin, c)
		}
		set.Set(c)
	}
	done := map[int]bool{}
	for pass := 0; pass < 10; pass++ {
		ents, err := os.ReadDir("/proc/self/task")
		if err != nil {
			return fmt.Errorf("%w: listing threads: %w", ErrPin, err)
		}
		fresh := 0
		for _, e := range ents {
			tid, err := strconv.Atoi(e.Name())
			if err != nil || done[tid] {
				continue
			}
			if err := unix.SchedSetaffinity(tid, &set); err != nil {
				if errors.Is(err, syscall.ESRCH) {
					continue // the thread ended
				}
				return fmt.Errorf("%w: thread %d to %s: %w", ErrPin, tid, FormatList(cpus), err)
			}
			done[tid] = true
			fresh++
		}
		if fresh == 0 {
			break
		}
	}
	if procs <= 0 {
		procs = len(cpus)
	}
	runtime.GOMAXPROCS(procs)
	return nil
}

// AllowedOf reads the Cpus_allowed_list of a process from /proc.
func AllowedOf(pid int) ([]int, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return nil, fmt.Errorf("pinning: %w", err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "Cpus_allowed_list:"); ok {
			return ParseList(strings.TrimSpace(v))
		}
	}
	return nil, fmt.Errorf("pinning: no Cpus_allowed_list in /proc/%d/status", pid)
}

// EnsureBLASThreads re-executes the running program with
// OPENBLAS_NUM_THREADS=1 when the variable is unset (OpenBLAS reads it when
// loaded, before main). It returns nil without doing anything when the
// variable is set; on success it does not return.
func EnsureBLASThreads() error {
	if _, ok := os.LookupEnv("OPENBLAS_NUM_THREADS"); ok {
		return nil
	}
	exe, err := os.Executable()
	if err != nil {
		return fmt.Errorf("pinning: finding the executable to re-run with OPENBLAS_NUM_THREADS=1: %w", err)
	}
	env := append(os.Environ(), "OPENBLAS_NUM_THREADS=1")
	if err := syscall.Exec(exe, os.Args, env); err != nil {
		return fmt.Errorf("pinning: re-running %s with OPENBLAS_NUM_THREADS=1: %w", exe, err)
	}
	return nil
}
