package tcp

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"sync"
	"time"

	"go.uber.org/zap"

	"github.com/bqskit-mpi/bqskit-mpi/transport"
)

// Defaults.
const (
	// DefaultMaxFrame is the default largest message (1 GiB).
	DefaultMaxFrame = 1 << 30
	// DefaultHandshakeTimeout bounds the authentication of a new link.
	DefaultHandshakeTimeout = 10 * time.Second
	// DefaultConnectTimeout is how long a command keeps retrying to reach
	// a peer that is not listening yet (bqskit-server --connect-timeout).
	DefaultConnectTimeout = 60 * time.Second
	// Back-off between connection attempts: doubles from minBackoff up to
	// maxBackoff.
	minBackoff = 50 * time.Millisecond
	maxBackoff = 2 * time.Second
)

// DefaultHeartbeat: a heartbeat frame after 1 s without traffic; a link
// silent for 10 s is lost.
var DefaultHeartbeat = transport.Heartbeat{Interval: time.Second, Deadline: 10 * time.Second}

// Options configure Dial, Listen and New.
type Options struct {
	// Token is the cluster token (required, non-empty).
	Token []byte
	// Logger receives connection events (nil: none).
	Logger *zap.Logger
	// MaxFrame is the largest message accepted (default DefaultMaxFrame).
	MaxFrame int
	// Heartbeat is the link liveness rule (default DefaultHeartbeat).
	Heartbeat transport.Heartbeat
	// HandshakeTimeout bounds authentication (default
	// DefaultHandshakeTimeout).
	HandshakeTimeout time.Duration
}

func (o Options) withDefaults() (Options, error) {
	if len(o.Token) == 0 {
		return o, ErrNoToken
	}
	if o.Logger == nil {
		o.Logger = zap.NewNop()
	}
	if o.MaxFrame <= 0 {
		o.MaxFrame = DefaultMaxFrame
	}
	if !o.Heartbeat.Enabled() {
		o.Heartbeat = DefaultHeartbeat
	}
	if o.HandshakeTimeout <= 0 {
		o.HandshakeTimeout = DefaultHandshakeTimeout
	}
	return o, nil
}

// Conn is an authenticated connection, before or after a Transport adopts
// it (Add). Before, WriteMsg and ReadMsg exchange start-up messages.
type Conn struct {
	c        net.Conn
	r        *bufio.Reader
	maxFrame int
}

func newConn(c net.Conn, maxFrame int) *Conn {
	return &Conn{c: c, r: bufio.NewReaderSize(c, 64<<10), maxFrame: maxFrame}
}

// RemoteAddr is the peer's address.
func (c *Conn) RemoteAddr() net.Addr { return c.c.RemoteAddr() }

// SetDeadline sets the deadline of WriteMsg and ReadMsg (zero: none).
func (c *Conn) SetDeadline(t time.Time) error { return c.c.SetDeadline(t) }

// WriteMsg sends one message.
func (c *Conn) WriteMsg(b []byte) error {
	if len(b) > c.maxFrame {
		return fmt.Errorf("%w: %d bytes, limit %d", ErrFrameTooLarge, len(b), c.maxFrame)
	}
	buf := appendHeader(make([]byte, 0, 5+len(b)), frameData, len(b))
	_, err := c.c.Write(append(buf, b...))
	return err
}

// ReadMsg receives one message (heartbeats are skipped).
func (c *Conn) ReadMsg() ([]byte, error) {
	for {
		typ, b, err := readFrame(c.r, c.c, c.maxFrame, 0)
		if err != nil || typ == frameData {
			return b, err
		}
	}
}

// Close closes the connection.
func (c *Conn) Close() error { return c.c.Close() }

// Dial connects to addr (host:port) and authenticates, retrying with
// exponential back-off while the connection is refused or fails, until ctx
// ends. An authentication failure is returned at once (wrapping ErrAuth).
func Dial(ctx context.Context, addr string, opts Options) (*Conn, error) {
	opts, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	log := opts.Logger.With(zap.String("addr", addr))
	d := net.Dialer{Timeout: 5 * time.Second, KeepAlive: 15 * time.Second}
	wait := minBackoff
	for attempt := 1; ; attempt++ {
		c, err := d.DialContext(ctx, "tcp", addr)
		if err == nil {
			err = handshakeDialer(c, opts.Token, opts.HandshakeTimeout)
			if err == nil {
				log.Debug("connected", zap.Int("attempt", attempt))
				return newConn(c, opts.MaxFrame), nil
			}
			_ = c.Close()
			if errors.Is(err, ErrAuth) {
				log.Error("connection refused by authentication", zap.Error(err))
				return nil, fmt.Errorf("tcp: connect to %s: %w", addr, err)
			}
		}
		if attempt == 1 {
			log.Info("peer not reachable yet; retrying", zap.Error(err))
		} else {
			log.Debug("retrying", zap.Int("attempt", attempt), zap.Duration("wait", wait), zap.Error(err))
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, fmt.Errorf("tcp: connect to %s: gave up after %d attempts: %w (last error: %v)", addr, attempt, ctx.Err(), err)
		case <-t.C:
		}
		wait = min(2*wait, maxBackoff)
	}
}

// Listener accepts authenticated connections.
type Listener struct {
	ln    net.Listener
	opts  Options
	log   *zap.Logger
	ready chan *Conn
	done  chan struct{}
	ctx   context.Context // ended by Close
	stop  context.CancelFunc
	wg    sync.WaitGroup
	once  sync.Once
}

// Listen listens on addr (host:port; port 0 picks a free one) and starts
// authenticating incoming connections; Accept returns those that pass.
func Listen(addr string, opts Options) (*Listener, error) {
	opts, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("tcp: listen on %s: %w", addr, err)
	}
	l := &Listener{ln: ln, opts: opts, log: opts.Logger.With(zap.Stringer("listen", ln.Addr())),
		ready: make(chan *Conn), done: make(chan struct{})}
	l.ctx, l.stop = context.WithCancel(context.Background())
	l.wg.Add(1)
	go l.acceptLoop()
	return l, nil
}

// Addr is the address listened on.
func (l *Listener) Addr() net.Addr { return l.ln.Addr() }

func (l *Listener) acceptLoop() {
	defer l.wg.Done()
	for {
		c, err := l.ln.Accept()
		if err != nil {
			select {
			case <-l.done:
				return
			default:
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				continue
			}
			l.log.Error("accept failed; no longer accepting", zap.Error(err))
			return
		}
		l.wg.Add(1)
		go l.authenticate(c)
	}
}

func (l *Listener) authenticate(c net.Conn) {
	defer l.wg.Done()
	stop := context.AfterFunc(l.ctx, func() { _ = c.Close() })
	err := handshakeListener(c, l.opts.Token, l.opts.HandshakeTimeout)
	stop()
	if err != nil {
		_ = c.Close()
		select {
		case <-l.done:
		default:
			l.log.Warn("rejected connection", zap.Stringer("from", c.RemoteAddr()), zap.Error(err))
		}
		return
	}
	conn := newConn(c, l.opts.MaxFrame)
	select {
	case l.ready <- conn:
	case <-l.done:
		_ = c.Close()
	}
}

// Accept returns the next authenticated connection, or ctx's error, or
// net.ErrClosed after Close.
func (l *Listener) Accept(ctx context.Context) (*Conn, error) {
	select {
	case c := <-l.ready:
		return c, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-l.done:
		return nil, net.ErrClosed
	}
}

// Close stops listening, drops connections not yet accepted, and waits for
// the listener's goroutines.
func (l *Listener) Close() error {
	var err error
	l.once.Do(func() {
		close(l.done)
		l.stop()
		err = l.ln.Close()
		l.wg.Wait()
	})
	return err
}
