package gateway

import (
	"context"
	"errors"
	"fmt"
	"net"
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
	// MaxClients is the number of concurrent sessions. Default 1024.
	MaxClients int
	// MaxInflight is the number of requests of one session served at once;
	// the session's reader waits when it is reached. Default 256.
	MaxInflight int
	// EventQueue is the number of events queued per session before events
	// are dropped. Default 4096.
	EventQueue int
	// HelloTimeout bounds the wait for hello after connecting. Default 10 s.
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
	def(&c.MaxClients, 1024)
	def(&c.MaxInflight, 256)
	def(&c.EventQueue, 4096)
	defD(&c.HelloTimeout, 10*time.Second)
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
	}
}

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

	mu       sync.Mutex
	sessions map[uint64]*conn
	nextID   uint64
}

// New checks cfg and returns a server. log may be nil (no logging).
func New(cfg Config, backend Backend, log *zap.Logger) (*Server, error) {
	cfg.setDefaults()
	if cfg.Token == "" && !cfg.NoAuth {
		return nil, ErrNoToken
	}
	if backend == nil {
		panic("gateway: nil backend")
	}
	if log == nil {
		log = zap.NewNop()
	}
	return &Server{cfg: cfg, backend: backend, log: log, sessions: make(map[uint64]*conn)}, nil
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
		if c == nil {
			wg.Add(1)
			go func() {
				defer wg.Done()
				s.refuse(nc, &protocol.Error{Code: protocol.CodeTooManyClients, Fatal: true,
					Message: fmt.Sprintf("server has %d clients, its limit", s.cfg.MaxClients)})
			}()
			continue
		}
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

func (s *Server) register(nc net.Conn) *conn {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.sessions) >= s.cfg.MaxClients {
		return nil
	}
	s.nextID++
	c := newConn(s, nc, s.nextID)
	s.sessions[c.id] = c
	return c
}

func (s *Server) unregister(c *conn) {
	s.mu.Lock()
	delete(s.sessions, c.id)
	s.mu.Unlock()
}

// Sessions returns the number of connected sessions.
func (s *Server) Sessions() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.sessions)
}

// refuse writes one fatal error frame and closes nc.
func (s *Server) refuse(nc net.Conn, e *protocol.Error) {
	defer nc.Close()
	body, err := encodeMessage(&protocol.ServerMessage{Type: protocol.TypeError, Error: e})
	if err != nil {
		return
	}
	nc.SetWriteDeadline(time.Now().Add(s.cfg.WriteTimeout))
	protocol.WriteFrame(nc, body)
}
