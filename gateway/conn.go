package gateway

import (
	"bufio"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"go.uber.org/zap"

	"github.com/bqskit-mpi/bqskit-mpi/protocol"
)

// conn is one client connection and its session.
type conn struct {
	srv *Server
	cfg *Config
	nc  net.Conn
	id  uint64
	log *zap.Logger
	// host is the client's source address (without port).
	host string
	// evicted: displaced while waiting for hello (Server.register).
	evicted atomic.Bool
	// started: the first byte of the hello has arrived.
	started atomic.Bool
	br      *bufio.Reader

	// outbox: frames waiting for the writer, in order.
	outMu      sync.Mutex
	out        [][]byte
	outEvents  int           // events among out
	outBytes   int           // bytes in out
	drained    chan struct{} // signalled when the writer takes the queue
	dropped    int           // events dropped since the last report
	outClosed  bool
	closing    atomic.Bool // the session is ending: final writes get a short deadline
	wake       chan struct{}
	writerDone chan struct{}

	// tasks of this session.
	taskMu   sync.Mutex
	tasks    map[string]*taskState
	open     int // unfinished tasks plus submits in progress
	inflight int // requests being served
	// inflightBytes: frame bytes of the requests being served; reqDone is
	// signalled when one ends.
	inflightBytes int
	reqDone       chan struct{}

	sess Session
}

type taskState struct {
	done bool // the task ended (guarded by taskMu)
}

func newConn(s *Server, nc net.Conn, id uint64) *conn {
	host, _, err := net.SplitHostPort(nc.RemoteAddr().String())
	if err != nil {
		host = nc.RemoteAddr().String()
	}
	return &conn{
		srv: s, cfg: &s.cfg, nc: nc, id: id, host: host,
		log:        s.log.With(zap.Uint64("session", id), zap.String("remote", nc.RemoteAddr().String())),
		br:         bufio.NewReaderSize(nc, 4<<10), // grown after hello
		wake:       make(chan struct{}, 1),
		drained:    make(chan struct{}, 1),
		writerDone: make(chan struct{}),
		tasks:      make(map[string]*taskState),
		reqDone:    make(chan struct{}, 1),
	}
}

func encodeMessage(m *protocol.ServerMessage) ([]byte, error) {
	return json.Marshal(m)
}

// send queues a reply or error frame (never dropped).
func (c *conn) send(m *protocol.ServerMessage) {
	body, err := encodeMessage(m)
	if err != nil { // only unmarshalable backend data can get here
		c.log.Error("encode reply", zap.Error(err))
		body, _ = encodeMessage(&protocol.ServerMessage{Type: protocol.TypeError, ID: m.ID,
			Error: &protocol.Error{Code: protocol.CodeInternal, Message: "cannot encode reply: " + err.Error()}})
	}
	c.enqueue(body, false)
}

func (c *conn) enqueue(body []byte, event bool) {
	c.outMu.Lock()
	if c.outClosed {
		c.outMu.Unlock()
		return
	}
	if event {
		if c.outEvents >= c.cfg.EventQueue {
			c.dropped++
			c.outMu.Unlock()
			return
		}
		if c.dropped > 0 {
			n := c.dropped
			c.dropped = 0
			note, _ := encodeMessage(logMessage(protocol.LogEvent{Level: protocol.LevelWarning, Logger: "gateway",
				Message: fmt.Sprintf("%d events dropped: the client reads too slowly", n)}))
			c.out = append(c.out, note)
		}
		c.outEvents++
	}
	c.out = append(c.out, body)
	c.outBytes += len(body)
	c.outMu.Unlock()
	select {
	case c.wake <- struct{}{}:
	default:
	}
}

// Log implements EventSink.
func (c *conn) Log(ev protocol.LogEvent) {
	body, err := encodeMessage(logMessage(ev))
	if err == nil {
		c.enqueue(body, true)
	}
}

// Progress implements EventSink.
func (c *conn) Progress(ev protocol.ProgressEvent) {
	body, err := encodeMessage(progressMessage(ev))
	if err == nil {
		c.enqueue(body, true)
	}
}

// writer sends queued frames until the outbox is closed and drained.
func (c *conn) writer() {
	defer close(c.writerDone)
	bw := bufio.NewWriterSize(c.nc, 64<<10)
	var hdr [protocol.HeaderSize]byte
	for {
		c.outMu.Lock()
		batch := c.out
		c.out = nil
		c.outEvents = 0
		c.outBytes = 0
		closed := c.outClosed
		c.outMu.Unlock()
		select {
		case c.drained <- struct{}{}:
		default:
		}
		if len(batch) > 0 {
			c.setWriteDeadline()
			for _, b := range batch {
				binary.BigEndian.PutUint32(hdr[:], uint32(len(b)))
				bw.Write(hdr[:])
				bw.Write(b)
			}
			if err := bw.Flush(); err != nil {
				c.log.Debug("write to client failed; closing", zap.Error(err))
				c.closeOutbox()
				c.nc.Close() // unblocks the reader
				return
			}
			continue
		}
		if closed {
			return
		}
		<-c.wake
	}
}

// closingWriteTimeout bounds the final writes of an ending session, so
// that a client that does not read cannot delay a server shutdown.
const closingWriteTimeout = time.Second

func (c *conn) setWriteDeadline() {
	if c.closing.Load() {
		c.nc.SetWriteDeadline(time.Now().Add(closingWriteTimeout))
		return
	}
	c.nc.SetWriteDeadline(time.Now().Add(c.cfg.WriteTimeout))
	if c.closing.Load() { // raced with the start of the close
		c.nc.SetWriteDeadline(time.Now().Add(closingWriteTimeout))
	}
}

func (c *conn) closeOutbox() {
	c.outMu.Lock()
	c.outClosed = true
	c.outMu.Unlock()
	select {
	case c.wake <- struct{}{}:
	default:
	}
}

// fatal queues a fatal error frame.
func (c *conn) fatal(id uint64, e *protocol.Error) {
	e.Fatal = true
	c.send(&protocol.ServerMessage{Type: protocol.TypeError, ID: id, Error: e})
}

// busy reports whether the session has work in flight.
func (c *conn) busy() bool {
	c.taskMu.Lock()
	defer c.taskMu.Unlock()
	return c.open > 0 || c.inflight > 0
}

var errIdle = errors.New("idle")

// maxQueued is the size of unsent replies above which the session stops
// reading requests until the client reads (so that a client that sends
// without reading cannot grow the server's memory).
const maxQueued = 32 << 20

// waitOutbox blocks while the outbox holds more than maxQueued bytes.
func (c *conn) waitOutbox(ctx context.Context) {
	for {
		c.outMu.Lock()
		full := c.outBytes > maxQueued && !c.outClosed
		c.outMu.Unlock()
		if !full {
			return
		}
		select {
		case <-c.drained:
		case <-ctx.Done():
			return
		}
	}
}

// maxInflightBytes bounds the frame bytes of the requests a session has
// being served: beyond it the session stops reading until some are
// answered, so that requests sent faster than the backend admits or
// refuses them cannot pile up in memory (at most this plus one frame).
const maxInflightBytes = 64 << 20

// waitInflight blocks while the requests being served hold more than
// maxInflightBytes.
func (c *conn) waitInflight(ctx context.Context) {
	for {
		c.taskMu.Lock()
		full := c.inflightBytes > maxInflightBytes
		c.taskMu.Unlock()
		if !full {
			return
		}
		select {
		case <-c.reqDone:
		case <-ctx.Done():
			return
		}
	}
}

// maxHelloFrame bounds the first frame, read before authentication, so
// that unauthenticated connections cannot make the server allocate much.
const maxHelloFrame = 64 << 10

// readHello reads the first frame; the whole frame must arrive within the
// hello timeout.
func (c *conn) readHello(ctx context.Context) ([]byte, error) {
	c.nc.SetReadDeadline(time.Now().Add(c.cfg.HelloTimeout))
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if c.evicted.Load() { // displaced before this deadline was set
		return nil, errIdle
	}
	if _, err := c.br.Peek(1); err == nil {
		c.started.Store(true)
	}
	body, err := protocol.ReadFrame(c.br, min(c.cfg.MaxFrame, maxHelloFrame))
	if errors.Is(err, os.ErrDeadlineExceeded) && ctx.Err() == nil {
		return nil, errIdle
	}
	return body, err
}

// readFrame reads one frame. While waiting for a frame's first byte it
// gives up after IdleTimeout when the session is not busy (errIdle); once
// a frame started it must complete within ReadTimeout.
func (c *conn) readFrame(ctx context.Context) ([]byte, error) {
	for {
		c.nc.SetReadDeadline(time.Now().Add(c.cfg.IdleTimeout))
		if err := ctx.Err(); err != nil { // shutdown raced with the deadline
			return nil, err
		}
		_, err := c.br.Peek(1)
		if err == nil {
			break
		}
		if errors.Is(err, os.ErrDeadlineExceeded) && ctx.Err() == nil {
			if c.busy() {
				continue
			}
			return nil, errIdle
		}
		return nil, err
	}
	c.nc.SetReadDeadline(time.Now().Add(c.cfg.ReadTimeout))
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return protocol.ReadFrame(c.br, c.cfg.MaxFrame)
}

// frameError maps a read error to the error frame to send (nil: none, the
// client is gone or the server is stopping).
func (c *conn) frameError(err error) *protocol.Error {
	switch {
	case errors.Is(err, protocol.ErrFrameTooLarge):
		return &protocol.Error{Code: protocol.CodeFrameTooLarge, Message: strings.TrimPrefix(err.Error(), protocol.ErrFrameTooLarge.Error()+": ")}
	case errors.Is(err, protocol.ErrEmptyFrame):
		return &protocol.Error{Code: protocol.CodeBadFrame, Message: "zero-length frame"}
	case errors.Is(err, os.ErrDeadlineExceeded):
		return &protocol.Error{Code: protocol.CodeReadTimeout, Message: fmt.Sprintf("frame not completed within %v", c.cfg.ReadTimeout)}
	}
	return nil
}

// serve runs the session until the client leaves, a fatal error, or ctx
// ends (server shutdown).
func (c *conn) serve(ctx context.Context) {
	ctx, cancel := context.WithCancel(ctx)
	var reqWG sync.WaitGroup
	go c.writer()
	stopWatch := context.AfterFunc(ctx, func() { // shutdown: unblock the reader
		c.nc.SetReadDeadline(time.Now())
	})
	defer func() {
		stopWatch()
		cancel()
		reqWG.Wait()
		if c.sess != nil {
			if err := c.sess.Close(); err != nil {
				c.log.Warn("backend session close", zap.Error(err))
			}
		}
		c.closing.Store(true)
		c.nc.SetWriteDeadline(time.Now().Add(closingWriteTimeout))
		c.closeOutbox()
		<-c.writerDone
		c.nc.Close()
		c.log.Debug("session ended")
	}()
	c.log.Debug("client connected")

	// Hello.
	body, err := c.readHello(ctx)
	if err != nil {
		switch {
		case ctx.Err() != nil:
			c.fatal(0, &protocol.Error{Code: protocol.CodeShuttingDown, Message: "server shutting down"})
		case c.evicted.Load():
			c.fatal(0, displaced(c.cfg))
		case errors.Is(err, errIdle):
			c.fatal(0, &protocol.Error{Code: protocol.CodeNoHello, Message: fmt.Sprintf("no hello within %v of connecting", c.cfg.HelloTimeout)})
		default:
			if e := c.frameError(err); e != nil {
				c.fatal(0, e)
			}
		}
		if c.evicted.Load() { // one of possibly many: not worth a line each at info
			c.log.Debug("connection displaced before hello")
		} else {
			c.log.Info("connection dropped before hello", zap.Error(err))
		}
		return
	}
	hello, e := protocol.DecodeHello(body)
	if e == nil && hello.Protocol != protocol.ProtocolVersion {
		e = &protocol.Error{Code: protocol.CodeProtocolVersion, Fatal: true, Field: "protocol",
			Message: fmt.Sprintf("client speaks protocol %d; this server speaks protocol %d", hello.Protocol, protocol.ProtocolVersion)}
	}
	if e == nil && !c.cfg.NoAuth {
		switch {
		case hello.Token == "":
			e = &protocol.Error{Code: protocol.CodeAuth, Field: "token", Message: "no token: pass the server's token (file ~/.config/bqskit-mpi/token or $" + protocol.TokenEnv + ")"}
		case !protocol.TokenEqual(hello.Token, c.cfg.Token):
			e = &protocol.Error{Code: protocol.CodeAuth, Field: "token", Message: "wrong token"}
		}
	}
	if e == nil {
		e = c.srv.promote(c)
	}
	if e != nil {
		c.log.Info("hello refused", zap.String("code", string(e.Code)), zap.String("reason", e.Message))
		c.fatal(0, e)
		return
	}
	limits := c.cfg.limits()
	sess, err := c.srv.backend.OpenSession(ctx, SessionInfo{ID: c.id, Remote: c.nc.RemoteAddr().String(), Client: hello.Client, Limits: limits,
		Budget: newSessionBudget(c.srv.budget)}, c)
	if err != nil {
		c.log.Error("backend refused a session", zap.Error(err))
		if ctx.Err() != nil {
			c.fatal(0, &protocol.Error{Code: protocol.CodeShuttingDown, Message: "server shutting down"})
		} else {
			c.fatal(0, toError(err))
		}
		return
	}
	c.sess = sess
	c.br = bufio.NewReaderSize(c.br, 64<<10) // keeps what the small one buffered
	c.send(&protocol.ServerMessage{Type: protocol.TypeWelcome, Protocol: protocol.ProtocolVersion, Server: c.cfg.ServerName, Limits: &limits, Runtime: c.cfg.Runtime})
	c.log.Info("session open", zap.String("client", hello.Client))

	sem := make(chan struct{}, c.cfg.MaxInflight)
	for {
		c.waitOutbox(ctx)
		c.waitInflight(ctx)
		body, err := c.readFrame(ctx)
		if err != nil {
			switch {
			case ctx.Err() != nil:
				c.fatal(0, &protocol.Error{Code: protocol.CodeShuttingDown, Message: "server shutting down; unfinished tasks are cancelled"})
			case errors.Is(err, errIdle):
				c.fatal(0, &protocol.Error{Code: protocol.CodeIdleTimeout, Message: fmt.Sprintf("no request for %v and nothing in flight", c.cfg.IdleTimeout)})
			default:
				if e := c.frameError(err); e != nil {
					c.fatal(0, e)
				}
			}
			if !errors.Is(err, io.EOF) {
				c.log.Info("session closed", zap.Error(err))
			}
			return
		}
		req, id, e := protocol.DecodeRequest(body)
		if e != nil {
			c.send(&protocol.ServerMessage{Type: protocol.TypeError, ID: id, Error: e})
			continue
		}
		if req.Type == protocol.TypeClose {
			c.send(&protocol.ServerMessage{Type: protocol.TypeReply, ID: req.ID})
			return
		}
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
			continue // next read reports the shutdown
		}
		size := len(body)
		c.taskMu.Lock()
		c.inflight++
		c.inflightBytes += size
		c.taskMu.Unlock()
		reqWG.Add(1)
		go func() {
			defer reqWG.Done()
			c.handle(ctx, req, &reqWG)
			c.taskMu.Lock()
			c.inflight--
			c.inflightBytes -= size
			c.taskMu.Unlock()
			select {
			case c.reqDone <- struct{}{}:
			default:
			}
			<-sem
		}()
	}
}

// toError converts a backend error into a protocol error.
func toError(err error) *protocol.Error {
	var e *protocol.Error
	if errors.As(err, &e) {
		cp := *e
		return &cp
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return &protocol.Error{Code: protocol.CodeCancelled, Message: err.Error()}
	}
	return &protocol.Error{Code: protocol.CodeInternal, Message: err.Error()}
}

func (c *conn) replyErr(id uint64, err error) {
	c.send(&protocol.ServerMessage{Type: protocol.TypeError, ID: id, Error: toError(err)})
}

// lookup checks that task belongs to this session.
func (c *conn) lookup(task string) bool {
	c.taskMu.Lock()
	defer c.taskMu.Unlock()
	_, ok := c.tasks[task]
	return ok
}

func unknownTask(task string) *protocol.Error {
	return &protocol.Error{Code: protocol.CodeUnknownTask, Field: "task", Message: fmt.Sprintf("task %q is not a task of this session", task)}
}

func (c *conn) handle(ctx context.Context, req *protocol.ClientRequest, wg *sync.WaitGroup) {
	switch req.Type {
	case protocol.TypeSubmit:
		c.handleSubmit(ctx, req, wg)
	case protocol.TypeStatus:
		if !c.lookup(req.Task) {
			c.send(&protocol.ServerMessage{Type: protocol.TypeError, ID: req.ID, Error: unknownTask(req.Task)})
			return
		}
		st, err := c.sess.Status(ctx, req.Task)
		if err != nil {
			c.replyErr(req.ID, err)
			return
		}
		c.send(&protocol.ServerMessage{Type: protocol.TypeReply, ID: req.ID, Task: req.Task, Status: st})
	case protocol.TypeResult:
		if !c.lookup(req.Task) {
			c.send(&protocol.ServerMessage{Type: protocol.TypeError, ID: req.ID, Error: unknownTask(req.Task)})
			return
		}
		res, err := c.sess.Result(ctx, req.Task)
		if ctx.Err() != nil {
			return // session ending: the fatal error frame says why
		}
		if err != nil {
			c.replyErr(req.ID, err)
			return
		}
		c.send(&protocol.ServerMessage{Type: protocol.TypeReply, ID: req.ID, Task: req.Task, Status: protocol.StatusDone, Result: res})
	case protocol.TypeCancel:
		if !c.lookup(req.Task) {
			c.send(&protocol.ServerMessage{Type: protocol.TypeError, ID: req.ID, Error: unknownTask(req.Task)})
			return
		}
		if err := c.sess.Cancel(ctx, req.Task); err != nil {
			c.replyErr(req.ID, err)
			return
		}
		st, err := c.sess.Status(ctx, req.Task)
		if err != nil {
			c.replyErr(req.ID, err)
			return
		}
		if !st.Terminal() {
			st = protocol.StatusCancelled
		}
		c.send(&protocol.ServerMessage{Type: protocol.TypeReply, ID: req.ID, Task: req.Task, Status: st})
	}
}

func (c *conn) handleSubmit(ctx context.Context, req *protocol.ClientRequest, wg *sync.WaitGroup) {
	c.taskMu.Lock()
	if c.open >= c.cfg.MaxOpenTasks {
		c.taskMu.Unlock()
		c.send(&protocol.ServerMessage{Type: protocol.TypeError, ID: req.ID, Error: &protocol.Error{Code: protocol.CodeTooManyTasks,
			Message: fmt.Sprintf("this session has %d unfinished tasks, the server's limit; wait for results or cancel some", c.cfg.MaxOpenTasks)}})
		return
	}
	c.open++ // reserved for this submit
	c.taskMu.Unlock()
	task, err := c.sess.Submit(ctx, req.Submit)
	if err != nil {
		c.taskMu.Lock()
		c.open--
		c.taskMu.Unlock()
		c.replyErr(req.ID, err)
		return
	}
	ts := &taskState{}
	c.taskMu.Lock()
	c.tasks[task] = ts
	c.taskMu.Unlock()
	// The watcher learns when the task ends, to keep the open count.
	wg.Add(1)
	go func() {
		defer wg.Done()
		c.sess.Result(ctx, task)
		c.taskMu.Lock()
		ts.done = true
		c.open--
		c.taskMu.Unlock()
	}()
	st, err := c.sess.Status(ctx, task)
	if err != nil || st == "" {
		st = protocol.StatusQueued
	}
	c.log.Debug("task submitted", zap.String("task", task))
	c.send(&protocol.ServerMessage{Type: protocol.TypeReply, ID: req.ID, Task: task, Status: st})
}

func logMessage(ev protocol.LogEvent) *protocol.ServerMessage {
	lv := ev.Level
	t := ev.Time
	if t.IsZero() {
		t = time.Now()
	}
	return &protocol.ServerMessage{Type: protocol.TypeLog, Task: ev.Task, Level: &lv, Logger: ev.Logger,
		Message: ev.Message, Time: t.UTC().Format(time.RFC3339Nano)}
}

func progressMessage(ev protocol.ProgressEvent) *protocol.ServerMessage {
	return &protocol.ServerMessage{Type: protocol.TypeProgress, Task: ev.Task, Done: ev.Done, Total: ev.Total, Stage: ev.Stage}
}
