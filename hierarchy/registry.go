package hierarchy

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
)

// TaskFunc is the body of a task. args are the encoded arguments given at
// submission; the returned bytes are the encoded result. ctx is cancelled
// when the task is cancelled or the runtime stops; inside, TaskFromContext
// gives the handle for submitting and waiting on subtasks.
type TaskFunc func(ctx context.Context, args []byte) ([]byte, error)

// Registry maps task names to functions. Build one at start-up, register
// every task (the same names in every process of a distributed runtime), then
// hand it to the runtime. A registry is frozen when a runtime starts with it:
// later Register calls fail with ErrRegistryFrozen.
type Registry struct {
	mu     sync.Mutex
	frozen atomic.Bool
	m      map[string]TaskFunc
}

// NewRegistry returns an empty registry.
func NewRegistry() *Registry { return &Registry{m: map[string]TaskFunc{}} }

// Register adds fn under name. Empty names, nil functions, duplicates and
// registering into a frozen registry are errors.
func (r *Registry) Register(name string, fn TaskFunc) error {
	if name == "" || fn == nil {
		return fmt.Errorf("%w: empty name or nil function (name %q)", ErrBadRegistration, name)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.frozen.Load() {
		return fmt.Errorf("%w: cannot register %q", ErrRegistryFrozen, name)
	}
	if _, dup := r.m[name]; dup {
		return fmt.Errorf("%w: %q registered twice", ErrBadRegistration, name)
	}
	r.m[name] = fn
	return nil
}

// MustRegister is Register for start-up code; it panics on error (a
// programmer error).
func (r *Registry) MustRegister(name string, fn TaskFunc) {
	if err := r.Register(name, fn); err != nil {
		panic(err)
	}
}

// Lookup returns the function registered under name.
func (r *Registry) Lookup(name string) (TaskFunc, bool) {
	if r.frozen.Load() {
		fn, ok := r.m[name] // immutable once frozen
		return fn, ok
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	fn, ok := r.m[name]
	return fn, ok
}

// Names returns the registered names, sorted.
func (r *Registry) Names() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	names := make([]string, 0, len(r.m))
	for n := range r.m {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

func (r *Registry) freeze() {
	r.mu.Lock()
	r.frozen.Store(true)
	r.mu.Unlock()
}
