package mpiruntime

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"runtime"

	mpi "github.com/sbromberger/gompi"
	"go.uber.org/zap"

	"github.com/bqskit-mpi/bqskit-mpi/hierarchy"
	"github.com/bqskit-mpi/bqskit-mpi/transport"
	"golang.org/x/sys/unix"
)

// hostNameBytes is the room each rank has for its host name when names are
// gathered.
const hostNameBytes = 256

// Config is what Boot needs.
type Config struct {
	// Fanout limits the children of any node (0: unlimited).
	Fanout int
	// Slots is the number of compute slots of each worker rank (>= 1).
	Slots int
	// Idle is the pump's idle policy.
	Idle IdlePolicy
	// ChunkSize is the largest MPI message (0: DefaultChunkSize).
	ChunkSize int
	// Hostname overrides os.Hostname (tests).
	Hostname string
	// Logger receives the transport's errors; nil discards them.
	Logger *zap.Logger
}

// Errors returned by Boot and Finalize.
var (
	ErrHostname         = errors.New("mpiruntime: host name")
	ErrFinalizeTimeout  = errors.New("mpiruntime: MPI_Finalize did not complete in time")
	ErrAlreadyFinalized = errors.New("mpiruntime: already finalized")
)

// Rank is this process's place in the MPI job: MPI is initialised, the
// tree planned, the communicators created and the pump running.
type Rank struct {
	rank, size int
	localRank  int
	localSize  int
	plan       *Plan
	tr         *Transport
	world      *mpi.Communicator
	finalized  chan struct{}
}

type bootResult struct {
	r   *Rank
	err error
}

// Boot initialises MPI on a new goroutine locked to its OS thread (the
// pump, which from then on owns every MPI call), gathers every rank's host
// name, plans the tree, creates one communicator per group collectively,
// waits at a barrier for every rank, and returns with the pump running.
// Every rank of the job must call Boot with the same Fanout and Slots. On
// error MPI has been finalised already.
func Boot(cfg Config) (*Rank, error) {
	host := cfg.Hostname
	if host == "" {
		h, err := os.Hostname()
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrHostname, err)
		}
		host = h
	}
	if len(host) > hostNameBytes {
		return nil, fmt.Errorf("%w: %q is longer than %d bytes", ErrHostname, host, hostNameBytes)
	}
	res := make(chan bootResult, 1)
	go pump(cfg, host, res)
	out := <-res
	return out.r, out.err
}

// pump is the goroutine that owns MPI.
func pump(cfg Config, host string, res chan<- bootResult) {
	runtime.LockOSThread() // never unlocked: the thread ends with the goroutine
	// Sleeps of the idle policy should end on time: 1 µs timer slack
	// instead of 50 µs, on this thread only.
	_ = unix.Prctl(unix.PR_SET_TIMERSLACK, 1000, 0, 0, 0)
	w, err := newWaker() // before MPI, so that a failure here is not half-way through the collectives
	if err != nil {
		res <- bootResult{err: err}
		return
	}
	mpi.Start(true)
	world := mpi.NewCommunicator(nil)
	rank, size := world.Rank(), world.Size()

	mine := make([]byte, size*hostNameBytes)
	copy(mine[rank*hostNameBytes:], host)
	all := make([]byte, len(mine))
	if err := world.AllreduceBytes(all, mine, mpi.OpBor, 0); err != nil {
		mpi.Stop()
		res <- bootResult{err: fmt.Errorf("mpiruntime: gathering host names: %w", err)}
		return
	}
	hosts := make([]string, size)
	for i := range hosts {
		b := all[i*hostNameBytes : (i+1)*hostNameBytes]
		if j := bytes.IndexByte(b, 0); j >= 0 {
			b = b[:j]
		}
		hosts[i] = string(b)
	}
	plan, err := PlanTree(hosts, cfg.Fanout, cfg.Slots)
	if err != nil {
		mpi.Stop()
		res <- bootResult{err: err}
		return
	}
	// Every rank creates every group's communicator in the same order (the
	// call is collective over COMM_WORLD); non-members get MPI_COMM_NULL,
	// which is never used.
	var (
		comms   []*mpi.Communicator
		members [][]transport.PeerID
	)
	for _, g := range plan.Groups {
		c := mpi.NewCommunicator(g.Members)
		member := false
		ids := make([]transport.PeerID, len(g.Members))
		for i, m := range g.Members {
			ids[i] = transport.PeerID(m)
			member = member || m == rank
		}
		if member {
			comms = append(comms, c)
			members = append(members, ids)
		}
	}
	world.Barrier()

	r := &Rank{rank: rank, size: size, plan: plan, world: world, finalized: make(chan struct{})}
	for i, h := range hosts {
		if h == host {
			if i < rank {
				r.localRank++
			}
			r.localSize++
		}
	}
	r.tr, _ = newTransport(transportConfig{
		waker:   w,
		self:    transport.PeerID(rank),
		link:    &mpiLink{comms: comms},
		members: members,
		chunk:   cfg.ChunkSize,
		idle:    cfg.Idle,
		log:     cfg.Logger,
	})
	res <- bootResult{r: r}
	r.tr.loop()
	mpi.Stop()
	close(r.finalized)
}

// Rank is this process's rank in MPI_COMM_WORLD.
func (r *Rank) Rank() int { return r.rank }

// Size is the number of ranks in the job.
func (r *Rank) Size() int { return r.size }

// LocalRank is this rank's index among the ranks on its host, computed from
// the gathered host names.
func (r *Rank) LocalRank() int { return r.localRank }

// LocalSize is the number of ranks on this rank's host.
func (r *Rank) LocalSize() int { return r.localSize }

// Plan is the job's manager tree (the same on every rank).
func (r *Rank) Plan() *Plan { return r.plan }

// Node is this rank's node in the plan.
func (r *Rank) Node() hierarchy.TreeNode { return r.plan.Nodes[r.rank] }

// Role is this rank's role in the plan.
func (r *Rank) Role() hierarchy.Role { return r.plan.Role(r.rank) }

// Transport is this rank's endpoint. Closing it stops the pump; MPI is then
// finalised on the pump's thread.
func (r *Rank) Transport() *Transport { return r.tr }

// Finalize closes the transport (sending what is queued) and waits until
// MPI_Finalize has returned. MPI_Finalize waits for every rank of the job
// to call it, so a rank whose peers never finalise waits until ctx ends and
// then gets ErrFinalizeTimeout; the caller should then Abort.
func (r *Rank) Finalize(ctx context.Context) error {
	select {
	case <-r.finalized:
		return ErrAlreadyFinalized
	default:
	}
	done := make(chan struct{})
	go func() {
		_ = r.tr.Close()
		close(done)
	}()
	select {
	case <-r.finalized:
		<-done
		return r.tr.Err()
	case <-ctx.Done():
		return fmt.Errorf("%w: %w", ErrFinalizeTimeout, ctx.Err())
	}
}

// Abort ends the whole MPI job with the given exit code (MPI_Abort on
// MPI_COMM_WORLD). Callable from any goroutine (MPI runs with
// MPI_THREAD_MULTIPLE). It normally does not return.
func (r *Rank) Abort(code int) {
	r.world.Abort(code)
}
