package gateway

import (
	"context"
	"errors"
	"fmt"
	"net"
	"runtime"
	"sync"
	"time"

	"go.uber.org/zap"

	"github.com/bqskit-mpi/bqskit-mpi/protocol"
)

// Config holds the gateway's settings. Zero fields take the defaults named
// on each.
type Config struct {
	// Token is the shared secret clients must present (see ServerToken).
	// Required unless NoAuth.
	Token string
	// NoAuth disables token checks; Serve then refuses a listener that is
	// not on a loopback address.
	NoAuth bool
	// ServerName is sent in the welcome message. Default "bqskit-mpi".
	ServerName string
	// Runtime, when not nil, is sent in the welcome message.
	Runtime *protocol.Runtime
	// MaxFrame is the largest frame body accepted. Default 64 MiB.
	MaxFrame int
	// MaxQubits is the widest circuit accepted (enforced by the backend).
	// Default 1024.
	MaxQubits int
	// MaxOpenTasks is the number of unfinished tasks per session. Default 64.
	MaxOpenTasks int
	// MaxGates is the most operations a circuit may have after expanding
	// user gates and register broadcasts (enforced by the backend).
	// Default DefaultMaxGates.
	MaxGates int
	// MaxClients is the number of concurrent authenticated sessions.
	// Connections still waiting for hello do not count. Default 1024.
	MaxClients int
	// MaxUnauthenticated is the number of connections that may wait for
	// their hello at once; MaxUnauthenticatedPerHost the number from one
	// source address. A new connection beyond either limit displaces the
	// oldest waiting connection (of that address, or of all; one that has
	// sent nothing yet first), which is told too_many_clients: so idle
	// sockets can neither exhaust the sessions nor keep a client that sends
	// its hello at once from being served. Defaults 128 and 32 (clients on
	// a cluster often share a login node's address).
	MaxUnauthenticated        int
	MaxUnauthenticatedPerHost int
	// SessionQueuedBytes and SessionQueuedGates bound the input bytes and
	// the operations of one session's unfinished tasks beyond its first;
	// TotalQueuedBytes and TotalQueuedGates those of all sessions. A
	// submit beyond them is answered busy (see SessionBudget). Defaults
	// 16 MiB and 2^20 gates per session, 256 MiB and 2^23 gates in all.
	SessionQueuedBytes int64
	SessionQueuedGates int64
	TotalQueuedBytes   int64
	TotalQueuedGates   int64
	// MaxInflight is the number of requests of one session served at once;
	// the session's reader waits when it is reached. Default 256.
	MaxInflight int
	// EventQueue is the number of events queued per session before events
	// are dropped. Default 4096.
	EventQueue int
	// HelloTimeout bounds the wait for hello after connecting. Default 3 s.
	HelloTimeout time.Duration
	// IdleTimeout closes a session with nothing in flight that sends
	// nothing for this long. Default 5 min.
	IdleTimeout time.Duration
	// ReadTimeout bounds the time to receive one frame once it started.
	// Default 2 min.
	ReadTimeout time.Duration
	// WriteTimeout bounds one write to a client. Default 1 min.
	WriteTimeout time.Duration
}

func (c *Config) setDefaults() {
	def := func(p *int, v int) {
		if *p <= 0 {
			*p = v
		}
	}
	defD := func(p *time.Duration, v time.Duration) {
		if *p <= 0 {
			*p = v
		}
	}
	if c.ServerName == "" {
		c.ServerName = "bqskit-mpi"
	}
	def(&c.MaxFrame, protocol.DefaultMaxFrame)
	def(&c.MaxQubits, 1024)
	def(&c.MaxOpenTasks, 64)
	def(&c.MaxGates, DefaultMaxGates)
	def(&c.MaxClients, 1024)
	def(&c.MaxUnauthenticated, 128)
	def(&c.MaxUnauthenticatedPerHost, 32)
	def64 := func(p *int64, v int64) {
		if *p <= 0 {
			*p = v
		}
	}
	def64(&c.SessionQueuedBytes, 16<<20)
	def64(&c.SessionQueuedGates, 1<<20)
	def64(&c.TotalQueuedBytes, 256<<20)
	def64(&c.TotalQueuedGates, 1<<23)
	c.TotalQueuedBytes = max(c.TotalQueuedBytes, c.SessionQueuedBytes)
	c.TotalQueuedGates = max(c.TotalQueuedGates, c.SessionQueuedGates)
	def(&c.MaxInflight, 256)
	def(&c.EventQueue, 4096)
	defD(&c.HelloTimeout, 3*time.Second)
	defD(&c.IdleTimeout, 5*time.Minute)
	defD(&c.ReadTimeout, 2*time.Minute)
	defD(&c.WriteTimeout, time.Minute)
}

// Limits returns the limits announced to clients.
func (c *Config) limits() protocol.Limits {
	return protocol.Limits{
		MaxFrameBytes: c.MaxFrame,
		MaxQubits:     c.MaxQubits,
		MaxOpenTasks:  c.MaxOpenTasks,
		IdleTimeoutS:  c.IdleTimeout.Seconds(),
		ReadTimeoutS:  c.ReadTimeout.Seconds(),
		MaxGates:      c.MaxGates,
		QueuedBytes:   c.SessionQueuedBytes,
		QueuedGates:   c.SessionQueuedGates,
	}
}

// DefaultMaxGates is the default Config.MaxGates: the QASM reader's
// default limit (qasm.DefaultMaxGates), which the compile task applies
// where it runs.
const DefaultMaxGates = 1 << 19

// Server errors.
var (
	// ErrNoToken: Config has neither a Token nor NoAuth.
	ErrNoToken = errors.New("gateway: no token configured (set a token or NoAuth)")
	// ErrNoAuthBind: NoAuth with a listener that is not loopback-only.
	ErrNoAuthBind = errors.New("gateway: --no-auth needs a loopback bind address (127.0.0.1 or ::1)")
)

// Server is the gateway: it accepts client connections and serves each as
// a session backed by a Backend.
type Server struct {
	cfg     Config
	backend Backend
	log     *zap.Logger

	budget *budget

	mu       sync.Mutex
	sessions map[uint64]*conn // authenticated
	pending  map[uint64]*conn // waiting for hello
	perHost  map[string]int   // pending connections by source address
	nextID   uint64
}

// New checks cfg and returns a server. log may be nil (no logging).
func New(cfg Config, backend Backend, log *zap.Logger) (*Server, error) {
	cfg.setDefaults()
	if cfg.Token == "" && !cfg.NoAuth {
		return nil, ErrNoToken
	}
	if !cfg.NoAuth {
		if err := protocol.CheckToken(cfg.Token, "the server's configuration"); err != nil {
			return nil, fmt.Errorf("gateway: %w", err)
		}
	}
	if backend == nil {
		panic("gateway: nil backend")
	}
	if log == nil {
		log = zap.NewNop()
	}
	srv := &Server{cfg: cfg, backend: backend, log: log, sessions: make(map[uint64]*conn),
		pending: make(map[uint64]*conn), perHost: make(map[string]int)}
	srv.budget = &budget{cfg: &srv.cfg}
	return srv, nil
}

// Limits returns the limits the server announces.
func (s *Server) Limits() protocol.Limits { return s.cfg.limits() }

// IsLoopback reports whether addr (host:port or host) names only loopback
// interfaces. An empty host (all interfaces) is not loopback.
func IsLoopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		host = addr
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// Serve accepts connections on ln until ctx ends, then tells connected
// clients the server is shutting down, cancels their tasks, and returns
// once every session has ended. It closes ln. The error is nil after a
// shutdown through ctx.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	if s.cfg.NoAuth && !IsLoopback(ln.Addr().String()) {
		ln.Close()
		return fmt.Errorf("%w: listening on %s", ErrNoAuthBind, ln.Addr())
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { // closes the listener at shutdown so Accept returns
		defer wg.Done()
		<-ctx.Done()
		ln.Close()
	}()
	var acceptErr error
	var backoff time.Duration
	for {
		nc, err := ln.Accept()
		if err != nil {
			if ctx.Err() != nil {
				break
			}
			if errors.Is(err, net.ErrClosed) {
				acceptErr = fmt.Errorf("gateway: accept: %w", err)
				break
			}
			// Out of file descriptors and the like: wait and go on serving.
			backoff = min(max(2*backoff, 5*time.Millisecond), time.Second)
			s.log.Error("accept failed; retrying", zap.Error(err), zap.Duration("wait", backoff))
			t := time.NewTimer(backoff)
			select {
			case <-t.C:
			case <-ctx.Done():
				t.Stop()
			}
			continue
		}
		backoff = 0
		c := s.register(nc)
		wg.Add(1)
		go func() {
			defer wg.Done()
			c.serve(ctx)
			s.unregister(c)
		}()
	}
	cancel()
	wg.Wait()
	return acceptErr
}

// register adds a new connection to those waiting for hello, displacing
// the oldest waiting one of its source address, or of all, when a limit is
// reached.
func (s *Server) register(nc net.Conn) *conn {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.nextID++
	c := newConn(s, nc, s.nextID)
	if s.perHost[c.host] >= s.cfg.MaxUnauthenticatedPerHost {
		s.evictOldest(c.host)
	} else if len(s.pending) >= s.cfg.MaxUnauthenticated {
		s.evictOldest("")
	}
	s.pending[c.id] = c
	s.perHost[c.host]++
	return c
}

// evictOldest displaces the oldest connection waiting for hello from host
// (any host when ""), preferring one that has sent nothing yet over one
// whose hello is arriving. Called with s.mu held.
func (s *Server) evictOldest(host string) {
	var old *conn
	for _, p := range s.pending {
		if host != "" && p.host != host {
			continue
		}
		if old == nil || (old.started.Load() && !p.started.Load()) ||
			(old.started.Load() == p.started.Load() && p.id < old.id) {
			old = p
		}
	}
	if old == nil {
		return
	}
	s.dropPending(old)
	old.evicted.Store(true)
	old.nc.SetReadDeadline(time.Now()) // its hello read returns now
}

// dropPending removes c from the connections waiting for hello. Called
// with s.mu held.
func (s *Server) dropPending(c *conn) {
	delete(s.pending, c.id)
	if s.perHost[c.host]--; s.perHost[c.host] <= 0 {
		delete(s.perHost, c.host)
	}
}

// promote makes a connection that passed hello a session, or says why it
// cannot be one.
func (s *Server) promote(c *conn) *protocol.Error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.pending[c.id]; !ok {
		return displaced(&s.cfg)
	}
	s.dropPending(c)
	if len(s.sessions) >= s.cfg.MaxClients {
		return &protocol.Error{Code: protocol.CodeTooManyClients, Fatal: true,
			Message: fmt.Sprintf("server has %d clients, its limit", s.cfg.MaxClients)}
	}
	s.sessions[c.id] = c
	return nil
}

func displaced(cfg *Config) *protocol.Error {
	return &protocol.Error{Code: protocol.CodeTooManyClients, Fatal: true,
		Message: fmt.Sprintf("too many connections waiting for hello (limit %d, %d per address): this one, the oldest, was dropped; send hello at once after connecting",
			cfg.MaxUnauthenticated, cfg.MaxUnauthenticatedPerHost)}
}

func (s *Server) unregister(c *conn) {
	s.mu.Lock()
	_, wasSession := s.sessions[c.id]
	if _, ok := s.pending[c.id]; ok {
		s.dropPending(c)
	}
	delete(s.sessions, c.id)
	idle := wasSession && len(s.sessions) == 0 && len(s.pending) == 0
	s.mu.Unlock()
	if idle {
		// The goroutine count lets a soak test see leaks from outside.
		s.log.Info("no clients connected", zap.Int("goroutines", runtime.NumGoroutine()))
	}
}

// Sessions returns the number of authenticated sessions.
func (s *Server) Sessions() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.sessions)
}

// Unauthenticated returns the number of connections waiting for hello.
func (s *Server) Unauthenticated() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.pending)
}
