package client

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/bqskit-mpi/bqskit-mpi/protocol"
	"go.uber.org/zap"
)

// Errors of the client itself (the server's errors are *protocol.Error).
var (
	// ErrClosed: the client was closed or the connection was lost; the
	// wrapped error says why.
	ErrClosed = errors.New("client: connection closed")
	// ErrProtocol: the server sent something this client cannot read.
	ErrProtocol = errors.New("client: protocol violation")
	// ErrAddress: the server address cannot be parsed.
	ErrAddress = errors.New("client: bad server address")
)

// Version is sent in hello as part of the client's name.
const Version = "0.1"

type options struct {
	token      string
	noToken    bool
	tokenFile  string
	getenv     func(string) string
	onLog      func(protocol.LogEvent)
	onProgress func(protocol.ProgressEvent)
	dialTO     time.Duration
	retries    int
	backoff    time.Duration
	log        *zap.Logger
	name       string
	maxFrame   int
}

// Option configures Dial.
type Option func(*options)

// WithToken sets the token explicitly.
func WithToken(t string) Option { return func(o *options) { o.token = t } }

// WithTokenFile reads the token from path (used when no token is given and
// $BQSKIT_MPI_TOKEN is unset). Default $BQSKIT_MPI_TOKEN_FILE, else
// ~/.config/bqskit-mpi/token.
func WithTokenFile(path string) Option { return func(o *options) { o.tokenFile = path } }

// WithNoToken sends no token (for servers started with --no-auth).
func WithNoToken() Option { return func(o *options) { o.noToken = true } }

// WithLogHandler receives the log events of this client's tasks. It is
// called from the connection's reader goroutine: it must return quickly.
func WithLogHandler(f func(protocol.LogEvent)) Option { return func(o *options) { o.onLog = f } }

// WithProgressHandler receives progress events (same rules as logs).
func WithProgressHandler(f func(protocol.ProgressEvent)) Option {
	return func(o *options) { o.onProgress = f }
}

// WithDialTimeout bounds each connection attempt. Default 10 s.
func WithDialTimeout(d time.Duration) Option { return func(o *options) { o.dialTO = d } }

// WithRetries sets how often a refused connection is retried and the first
// wait (doubling each time). Default 5 retries from 100 ms.
func WithRetries(n int, first time.Duration) Option {
	return func(o *options) { o.retries, o.backoff = n, first }
}

// WithLogger logs the client's own events (connects, retries). Default none.
func WithLogger(l *zap.Logger) Option { return func(o *options) { o.log = l } }

// WithName sets the client description sent in hello.
func WithName(n string) Option { return func(o *options) { o.name = n } }

// WithGetenv replaces os.Getenv for token lookup (tests).
func WithGetenv(f func(string) string) Option { return func(o *options) { o.getenv = f } }

// Client is a connection to a gateway. Its methods are safe for
// concurrent use.
type Client struct {
	o      options
	nc     net.Conn
	limits protocol.Limits
	server string

	// runtime is the welcome's runtime description (nil when absent).
	runtime *protocol.Runtime

	wmu sync.Mutex // serializes writes

	mu      sync.Mutex
	nextID  uint64
	pending map[uint64]chan *protocol.ServerMessage
	err     error // set once when the connection ends
	done    chan struct{}

	readerDone chan struct{}
}

// SplitAddress parses "HOST", "HOST:PORT" or "[IPv6]:PORT", filling in the
// default port 7472.
func SplitAddress(addr string) (string, error) {
	if addr == "" {
		return "", fmt.Errorf("%w: empty", ErrAddress)
	}
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		// No port: a bare host name or IP address.
		if ip := net.ParseIP(addr); ip != nil || !containsColon(addr) {
			return net.JoinHostPort(addr, strconv.Itoa(protocol.DefaultPort)), nil
		}
		return "", fmt.Errorf("%w: %q: %v", ErrAddress, addr, err)
	}
	if p, err := strconv.Atoi(port); err != nil || p <= 0 || p > 65535 {
		return "", fmt.Errorf("%w: %q: port %q is not a number in 1-65535", ErrAddress, addr, port)
	}
	if host == "" {
		host = "127.0.0.1"
	}
	return net.JoinHostPort(host, port), nil
}

func containsColon(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] == ':' {
			return true
		}
	}
	return false
}

// Dial connects to the gateway at addr ("HOST" or "HOST:PORT"),
// authenticates and returns a ready client.
func Dial(ctx context.Context, addr string, opts ...Option) (*Client, error) {
	o := options{dialTO: 10 * time.Second, retries: 5, backoff: 100 * time.Millisecond, getenv: os.Getenv,
		name: "bqskit-mpi-go/" + Version}
	for _, f := range opts {
		f(&o)
	}
	if o.log == nil {
		o.log = zap.NewNop()
	}
	hostport, err := SplitAddress(addr)
	if err != nil {
		return nil, err
	}
	token := ""
	if !o.noToken {
		path := o.tokenFile
		if path == "" {
			path = strings.TrimSpace(o.getenv(protocol.TokenFileEnv))
		}
		if token, err = protocol.ClientToken(o.token, path, o.getenv); err != nil {
			return nil, err
		}
	}
	nc, err := dialRetry(ctx, hostport, &o)
	if err != nil {
		return nil, err
	}
	c := &Client{o: o, nc: nc, pending: make(map[uint64]chan *protocol.ServerMessage),
		done: make(chan struct{}), readerDone: make(chan struct{})}
	br := bufio.NewReaderSize(nc, 64<<10)
	if err := c.handshake(ctx, br, token); err != nil {
		nc.Close()
		return nil, err
	}
	go c.reader(br)
	return c, nil
}

func dialRetry(ctx context.Context, hostport string, o *options) (net.Conn, error) {
	d := net.Dialer{Timeout: o.dialTO}
	wait := o.backoff
	for attempt := 0; ; attempt++ {
		nc, err := d.DialContext(ctx, "tcp", hostport)
		if err == nil {
			return nc, nil
		}
		if ctx.Err() != nil || attempt >= o.retries || !errors.Is(err, syscall.ECONNREFUSED) {
			return nil, fmt.Errorf("client: connect to %s: %w", hostport, err)
		}
		o.log.Debug("connection refused; retrying", zap.String("addr", hostport), zap.Duration("wait", wait))
		t := time.NewTimer(wait)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return nil, fmt.Errorf("client: connect to %s: %w", hostport, ctx.Err())
		}
		wait *= 2
	}
}

func (c *Client) handshake(ctx context.Context, br *bufio.Reader, token string) error {
	deadline := time.Now().Add(30 * time.Second)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	c.nc.SetDeadline(deadline)
	stop := context.AfterFunc(ctx, func() { c.nc.SetDeadline(time.Now()) })
	defer stop()
	hello := protocol.Hello{Type: protocol.TypeHello, Protocol: protocol.ProtocolVersion, Token: token, Client: c.o.name}
	body, _ := json.Marshal(hello)
	if err := protocol.WriteFrame(c.nc, body); err != nil {
		return fmt.Errorf("client: send hello: %w", err)
	}
	m, err := readMessage(br, maxFrame(c.o.maxFrame))
	if err != nil {
		if ctx.Err() != nil {
			return fmt.Errorf("client: hello: %w", ctx.Err())
		}
		return fmt.Errorf("client: hello: %w", err)
	}
	switch m.Type {
	case protocol.TypeWelcome:
	case protocol.TypeError:
		if m.Error != nil {
			return m.Error
		}
		fallthrough
	default:
		return fmt.Errorf("%w: expected welcome, got %q", ErrProtocol, m.Type)
	}
	if m.Limits != nil {
		c.limits = *m.Limits
	}
	c.server = m.Server
	c.runtime = m.Runtime
	c.nc.SetDeadline(time.Time{})
	return nil
}

func maxFrame(n int) int {
	if n <= 0 {
		return protocol.DefaultMaxFrame
	}
	return n
}

func readMessage(br *bufio.Reader, max int) (*protocol.ServerMessage, error) {
	body, err := protocol.ReadFrame(br, max)
	if err != nil {
		return nil, err
	}
	var m protocol.ServerMessage
	if err := json.Unmarshal(body, &m); err != nil {
		return nil, fmt.Errorf("%w: server sent invalid JSON: %v", ErrProtocol, err)
	}
	return &m, nil
}

// Limits returns the limits the server announced.
func (c *Client) Limits() protocol.Limits { return c.limits }

// Runtime returns the server's description of its runtime (ranks,
// workers, version) from its welcome, or nil when it sent none.
func (c *Client) Runtime() *protocol.Runtime { return c.runtime }

// Server returns the server's name from its welcome.
func (c *Client) Server() string { return c.server }

// Done is closed when the connection has ended.
func (c *Client) Done() <-chan struct{} { return c.done }

// Err returns why the connection ended (nil while it is up).
func (c *Client) Err() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.err
}

// fail ends the connection with err (the first call wins).
func (c *Client) fail(err error) {
	c.mu.Lock()
	if c.err != nil {
		c.mu.Unlock()
		return
	}
	c.err = err
	pend := c.pending
	c.pending = nil
	close(c.done)
	c.mu.Unlock()
	for _, ch := range pend {
		close(ch)
	}
	c.nc.Close()
}

func (c *Client) reader(br *bufio.Reader) {
	defer close(c.readerDone)
	max := maxFrame(c.o.maxFrame)
	for {
		m, err := readMessage(br, max)
		if err != nil {
			c.fail(fmt.Errorf("%w: %v", ErrClosed, err))
			return
		}
		switch m.Type {
		case protocol.TypeLog:
			if c.o.onLog != nil {
				c.o.onLog(m.LogEvent())
			}
		case protocol.TypeProgress:
			if c.o.onProgress != nil {
				c.o.onProgress(m.ProgressEvent())
			}
		case protocol.TypeReply, protocol.TypeError:
			if m.Type == protocol.TypeError && m.Error == nil {
				m.Error = &protocol.Error{Code: protocol.CodeInternal, Message: "error frame without error"}
			}
			if m.ID == 0 { // not an answer: the session is ending
				if m.Type == protocol.TypeError {
					c.fail(fmt.Errorf("%w: %w", ErrClosed, m.Error))
					return
				}
				continue
			}
			c.mu.Lock()
			ch, ok := c.pending[m.ID]
			delete(c.pending, m.ID)
			c.mu.Unlock()
			if ok {
				ch <- m
			}
			if m.Type == protocol.TypeError && m.Error.Fatal {
				c.fail(fmt.Errorf("%w: %w", ErrClosed, m.Error))
				return
			}
		default:
			c.o.log.Debug("ignoring unknown server message", zap.String("type", m.Type))
		}
	}
}

// call sends a request and waits for its answer. The answer is nil with
// an error when ctx ends or the connection is lost.
func (c *Client) call(ctx context.Context, req map[string]any) (*protocol.ServerMessage, error) {
	c.mu.Lock()
	if c.err != nil {
		err := c.err
		c.mu.Unlock()
		return nil, err
	}
	c.nextID++
	id := c.nextID
	ch := make(chan *protocol.ServerMessage, 1)
	c.pending[id] = ch
	c.mu.Unlock()
	req["id"] = id
	body, err := json.Marshal(req)
	if err != nil {
		c.forget(id)
		return nil, fmt.Errorf("client: encode %s request: %w", req["type"], err)
	}
	if c.limits.MaxFrameBytes > 0 && len(body) > c.limits.MaxFrameBytes {
		c.forget(id)
		return nil, &protocol.Error{Code: protocol.CodeFrameTooLarge,
			Message: fmt.Sprintf("request of %d bytes is over the server's frame limit of %d", len(body), c.limits.MaxFrameBytes)}
	}
	c.wmu.Lock()
	c.nc.SetWriteDeadline(time.Now().Add(time.Minute))
	err = protocol.WriteFrame(c.nc, body)
	c.wmu.Unlock()
	if err != nil {
		c.fail(fmt.Errorf("%w: write: %v", ErrClosed, err))
		return nil, c.Err()
	}
	select {
	case m, ok := <-ch:
		if !ok {
			return nil, c.Err()
		}
		if m.Type == protocol.TypeError {
			return nil, m.Error
		}
		return m, nil
	case <-ctx.Done():
		c.forget(id)
		return nil, ctx.Err()
	}
}

func (c *Client) forget(id uint64) {
	c.mu.Lock()
	delete(c.pending, id)
	c.mu.Unlock()
}

// Submit starts a compilation and returns its task id.
func (c *Client) Submit(ctx context.Context, req *protocol.SubmitRequest) (string, error) {
	if err := req.Validate(); err != nil {
		return "", err
	}
	body, err := json.Marshal(req)
	if err != nil {
		return "", fmt.Errorf("client: encode submit: %w", err)
	}
	m := map[string]any{}
	if err := json.Unmarshal(body, &m); err != nil {
		return "", fmt.Errorf("client: encode submit: %w", err)
	}
	m["type"] = protocol.TypeSubmit
	r, err := c.call(ctx, m)
	if err != nil {
		return "", err
	}
	if r.Task == "" {
		return "", fmt.Errorf("%w: submit reply without task id", ErrProtocol)
	}
	return r.Task, nil
}

// Status returns the task's state.
func (c *Client) Status(ctx context.Context, task string) (protocol.TaskStatus, error) {
	r, err := c.call(ctx, map[string]any{"type": protocol.TypeStatus, "task": task})
	if err != nil {
		return "", err
	}
	return r.Status, nil
}

// Result waits for the task to end and returns its result. It may be
// called any number of times. A failed task returns an error matching
// protocol.ErrTaskFailed, a cancelled one protocol.ErrCancelled. When ctx
// ends first, the task keeps running.
func (c *Client) Result(ctx context.Context, task string) (*protocol.TaskResult, error) {
	r, err := c.call(ctx, map[string]any{"type": protocol.TypeResult, "task": task})
	if err != nil {
		return nil, err
	}
	if r.Result == nil {
		return nil, fmt.Errorf("%w: result reply without result", ErrProtocol)
	}
	return r.Result, nil
}

// Cancel asks the server to cancel the task and returns its status after
// the request (cancelled, or its final status if it had already ended).
func (c *Client) Cancel(ctx context.Context, task string) (protocol.TaskStatus, error) {
	r, err := c.call(ctx, map[string]any{"type": protocol.TypeCancel, "task": task})
	if err != nil {
		return "", err
	}
	return r.Status, nil
}

// Compile submits req and waits for the result. When ctx ends first, the
// task is cancelled on the server and ctx's error is returned.
func (c *Client) Compile(ctx context.Context, req *protocol.SubmitRequest) (*protocol.TaskResult, error) {
	task, err := c.Submit(ctx, req)
	if err != nil {
		return nil, err
	}
	res, err := c.Result(ctx, task)
	if err != nil && ctx.Err() != nil {
		cctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		c.Cancel(cctx, task) // best effort: the error to report is ctx's
		return nil, ctx.Err()
	}
	return res, err
}

// Close ends the session (the server cancels unfinished tasks) and waits
// for the connection's goroutine. It is safe to call more than once.
func (c *Client) Close() error {
	if c.Err() == nil {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		c.call(ctx, map[string]any{"type": protocol.TypeClose})
		cancel()
	}
	c.fail(fmt.Errorf("%w: closed by the client", ErrClosed))
	<-c.readerDone
	return nil
}
