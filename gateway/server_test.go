package gateway_test

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"math/rand/v2"
	"net"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/bqskit-mpi/bqskit-mpi/gateway"
	"github.com/bqskit-mpi/bqskit-mpi/gateway/gatewaytest"
	"github.com/bqskit-mpi/bqskit-mpi/protocol"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

const bell = "OPENQASM 2.0;\ninclude \"qelib1.inc\";\nqreg q[2];\nh q[0];\ncx q[0],q[1];\n"

// raw is a protocol-level test client.
type raw struct {
	t  *testing.T
	nc net.Conn
}

func dialRaw(t *testing.T, addr string) *raw {
	t.Helper()
	nc, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { nc.Close() })
	return &raw{t: t, nc: nc}
}

func (r *raw) sendBytes(b []byte) {
	r.t.Helper()
	r.nc.SetWriteDeadline(time.Now().Add(5 * time.Second))
	if _, err := r.nc.Write(b); err != nil {
		r.t.Fatalf("write: %v", err)
	}
}

func (r *raw) send(v any) {
	r.t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		r.t.Fatal(err)
	}
	r.sendBytes(protocol.AppendFrame(nil, b))
}

func (r *raw) recv() *protocol.ServerMessage {
	r.t.Helper()
	r.nc.SetReadDeadline(time.Now().Add(10 * time.Second))
	body, err := protocol.ReadFrame(r.nc, protocol.DefaultMaxFrame)
	if err != nil {
		r.t.Fatalf("read: %v", err)
	}
	var m protocol.ServerMessage
	if err := json.Unmarshal(body, &m); err != nil {
		r.t.Fatalf("server sent invalid JSON %q: %v", body, err)
	}
	return &m
}

// recvReply skips events until the answer to id.
func (r *raw) recvReply(id uint64) *protocol.ServerMessage {
	r.t.Helper()
	for {
		m := r.recv()
		if m.Type == protocol.TypeLog || m.Type == protocol.TypeProgress {
			continue
		}
		if m.ID != id && !(m.Type == protocol.TypeError && m.ID == 0) {
			r.t.Fatalf("reply for id %d while waiting for %d: %+v", m.ID, id, m)
		}
		return m
	}
}

// expectClosed checks that the server closes the connection.
func (r *raw) expectClosed() {
	r.t.Helper()
	r.nc.SetReadDeadline(time.Now().Add(10 * time.Second))
	var b [1]byte
	for {
		_, err := r.nc.Read(b[:])
		if err == nil {
			continue
		}
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			r.t.Fatal("server did not close the connection")
		}
		return
	}
}

func (r *raw) hello(token string) {
	r.t.Helper()
	r.send(map[string]any{"type": "hello", "protocol": protocol.ProtocolVersion, "token": token, "client": "test"})
	m := r.recv()
	if m.Type != protocol.TypeWelcome || m.Protocol != protocol.ProtocolVersion || m.Limits == nil {
		r.t.Fatalf("want welcome, got %+v (%+v)", m, m.Error)
	}
}

func submit(id uint64, qasm string, extra map[string]any) map[string]any {
	m := map[string]any{"type": "submit", "id": id, "qasm": qasm}
	for k, v := range extra {
		m[k] = v
	}
	return m
}

// roundTrip checks that a new client is served end to end.
func roundTrip(t *testing.T, srv *gatewaytest.Server) {
	t.Helper()
	c := dialRaw(t, srv.Addr)
	c.hello(srv.Token)
	c.send(submit(1, bell, nil))
	m := c.recvReply(1)
	if m.Type != protocol.TypeReply || m.Task == "" {
		t.Fatalf("submit: %+v %+v", m, m.Error)
	}
	c.send(map[string]any{"type": "result", "id": 2, "task": m.Task})
	if m := c.recvReply(2); m.Type != protocol.TypeReply || m.Result == nil || m.Result.QASM != bell {
		t.Fatalf("result: %+v", m)
	}
	c.send(map[string]any{"type": "close", "id": 3})
	if m := c.recvReply(3); m.Type != protocol.TypeReply {
		t.Fatalf("close: %+v", m)
	}
	c.expectClosed()
}

func TestSessionHappyPath(t *testing.T) {
	b := &gatewaytest.Backend{Slots: 1}
	srv := gatewaytest.Start(t, gateway.Config{}, b)
	c := dialRaw(t, srv.Addr)
	c.hello(srv.Token)

	// A blocker keeps the single slot busy so the second task is queued.
	c.send(submit(1, bell+"// sleep 300ms\n", nil))
	blocker := c.recvReply(1)
	c.send(submit(2, bell+"// logs 3\n", map[string]any{"log_level": "info", "request_data": true, "seed": 7, "optimization_level": 2}))
	m := c.recvReply(2)
	if m.Type != protocol.TypeReply || m.Task == "" {
		t.Fatalf("submit: %+v", m)
	}
	task := m.Task
	c.send(map[string]any{"type": "status", "id": 3, "task": task})
	if m := c.recvReply(3); m.Status != protocol.StatusQueued {
		t.Errorf("status while blocked: %q, want queued", m.Status)
	}
	// result waits; a status sent after it is answered first.
	c.send(map[string]any{"type": "result", "id": 4, "task": task})
	c.send(map[string]any{"type": "status", "id": 5, "task": blocker.Task})
	var logs, progress int
	got := map[uint64]*protocol.ServerMessage{}
	var order []uint64
	for len(got) < 2 {
		m := c.recv()
		switch m.Type {
		case protocol.TypeLog:
			if m.Task != task || m.Level == nil || *m.Level != protocol.LevelInfo || m.Message == "" {
				t.Errorf("bad log event %+v", m)
			}
			logs++
		case protocol.TypeProgress:
			progress++
			if m.Total != 3 || m.Done != progress {
				t.Errorf("progress %d/%d, want %d/3", m.Done, m.Total, progress)
			}
		default:
			got[m.ID] = m
			order = append(order, m.ID)
		}
	}
	if order[0] != 5 {
		t.Errorf("status waited behind result: order %v", order)
	}
	if logs != 3 || progress != 3 {
		t.Errorf("events: %d logs, %d progress; want 3 and 3", logs, progress)
	}
	r := got[4]
	if r.Status != protocol.StatusDone || r.Result == nil || r.Result.QASM != bell+"// logs 3\n" || string(r.Result.Data) != `{"echo":true}` {
		t.Fatalf("result: %+v", r)
	}
	// Result again, then status of a finished task.
	c.send(map[string]any{"type": "result", "id": 6, "task": task})
	if m := c.recvReply(6); m.Result == nil || m.Result.QASM != r.Result.QASM {
		t.Fatalf("second result: %+v", m)
	}
	c.send(map[string]any{"type": "status", "id": 7, "task": task})
	if m := c.recvReply(7); m.Status != protocol.StatusDone {
		t.Fatalf("status after done: %+v", m)
	}
	c.send(map[string]any{"type": "close", "id": 8})
	if m := c.recvReply(8); m.Type != protocol.TypeReply {
		t.Fatalf("close: %+v", m)
	}
	c.expectClosed()
}

func TestCancel(t *testing.T) {
	b := &gatewaytest.Backend{}
	srv := gatewaytest.Start(t, gateway.Config{}, b)
	c := dialRaw(t, srv.Addr)
	c.hello(srv.Token)
	c.send(submit(1, bell+"// sleep 1h\n", nil))
	task := c.recvReply(1).Task
	c.send(map[string]any{"type": "result", "id": 2, "task": task})
	c.send(map[string]any{"type": "cancel", "id": 3, "task": task})
	seen := map[uint64]*protocol.ServerMessage{}
	for len(seen) < 2 {
		m := c.recv()
		seen[m.ID] = m
	}
	if m := seen[3]; m.Type != protocol.TypeReply || m.Status != protocol.StatusCancelled {
		t.Errorf("cancel reply: %+v", m)
	}
	if m := seen[2]; m.Type != protocol.TypeError || m.Error.Code != protocol.CodeCancelled {
		t.Errorf("result of cancelled task: %+v", m)
	}
	c.send(map[string]any{"type": "status", "id": 4, "task": task})
	if m := c.recvReply(4); m.Status != protocol.StatusCancelled {
		t.Errorf("status after cancel: %+v", m)
	}
	// A failing task reports task_failed with its message.
	c.send(submit(5, bell+"// fail no luck\n", nil))
	ft := c.recvReply(5).Task
	c.send(map[string]any{"type": "result", "id": 6, "task": ft})
	if m := c.recvReply(6); m.Error == nil || m.Error.Code != protocol.CodeTaskFailed || m.Error.Message != "no luck" {
		t.Errorf("failed task: %+v", m)
	}
	roundTrip(t, srv)
}

func TestBadInput(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	garbage := make([]byte, 256)
	for i := range garbage {
		garbage[i] = byte(rng.UintN(256))
	}
	garbage[0] = 0x7f // a length far over the limit
	hdr := func(n uint32) []byte { return binary.BigEndian.AppendUint32(nil, n) }
	frame := func(s string) []byte { return protocol.AppendFrame(nil, []byte(s)) }

	tests := []struct {
		name      string
		hello     bool   // send a good hello first
		data      []byte // then these bytes
		body      string // or this frame, with TOKEN replaced by the token
		code      protocol.Code
		fatal     bool
		wantField string
		wantLine  int
	}{
		{name: "wrong token", data: frame(`{"type":"hello","protocol":1,"token":"nope"}`), code: protocol.CodeAuth, fatal: true},
		{name: "missing token", data: frame(`{"type":"hello","protocol":1}`), code: protocol.CodeAuth, fatal: true},
		{name: "no hello", data: frame(`{"type":"submit","id":1,"qasm":"x"}`), code: protocol.CodeNoHello, fatal: true},
		{name: "wrong protocol version", body: `{"type":"hello","protocol":2,"token":"TOKEN"}`, code: protocol.CodeProtocolVersion, fatal: true},
		{name: "frame over limit", data: hdr(1 << 20), code: protocol.CodeFrameTooLarge, fatal: true},
		{name: "big hello", data: hdr(100 << 10), code: protocol.CodeFrameTooLarge, fatal: true},
		{name: "frame over limit after hello", hello: true, data: hdr(1 << 20), code: protocol.CodeFrameTooLarge, fatal: true},
		{name: "random garbage", data: garbage, code: protocol.CodeFrameTooLarge, fatal: true},
		{name: "zero-length frame", hello: true, data: hdr(0), code: protocol.CodeBadFrame, fatal: true},
		{name: "invalid JSON before hello", data: frame(`{"type":`), code: protocol.CodeBadJSON, fatal: true},
		{name: "invalid JSON", hello: true, data: frame(`{"type":"submit",`), code: protocol.CodeBadJSON},
		{name: "unknown request type", hello: true, data: frame(`{"type":"dance","id":3}`), code: protocol.CodeUnknownType},
		{name: "unknown field", hello: true, data: frame(`{"type":"submit","id":3,"qasm":"x","optimisation_level":2}`), code: protocol.CodeBadRequest, wantField: "optimisation_level"},
		{name: "invalid QASM", hello: true, data: frame(`{"type":"submit","id":3,"qasm":"qreg q[1];\n// invalid 3 7\n","filename":"a.qasm"}`), code: protocol.CodeInvalidCircuit, wantLine: 3},
		{name: "unknown pass", hello: true, data: frame(`{"type":"submit","id":3,"qasm":"qreg q[1];\n// pass Frobnicate\n"}`), code: protocol.CodeUnknownPass},
		{name: "too many qubits", hello: true, data: frame(`{"type":"submit","id":3,"qasm":"qreg q[99];\n"}`), code: protocol.CodeTooManyQubits},
		{name: "unknown task", hello: true, data: frame(`{"type":"result","id":3,"task":"T999"}`), code: protocol.CodeUnknownTask},
	}
	b := &gatewaytest.Backend{}
	srv := gatewaytest.Start(t, gateway.Config{MaxFrame: 1 << 16, MaxQubits: 20}, b)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := dialRaw(t, srv.Addr)
			if tc.hello {
				c.hello(srv.Token)
			}
			if tc.body != "" {
				tc.data = frame(strings.ReplaceAll(tc.body, "TOKEN", srv.Token))
			}
			c.sendBytes(tc.data)
			m := c.recv()
			if m.Type != protocol.TypeError || m.Error == nil {
				t.Fatalf("want error, got %+v", m)
			}
			e := m.Error
			if e.Code != tc.code || e.Fatal != tc.fatal || e.Message == "" {
				t.Fatalf("got %+v, want code %s fatal %v", e, tc.code, tc.fatal)
			}
			if tc.wantField != "" && e.Field != tc.wantField {
				t.Errorf("field %q, want %q", e.Field, tc.wantField)
			}
			if tc.wantLine != 0 && (e.Line != tc.wantLine || e.Col == 0 || e.File != "a.qasm") {
				t.Errorf("location %s:%d:%d, want a.qasm:%d:col", e.File, e.Line, e.Col, tc.wantLine)
			}
			if tc.fatal {
				c.expectClosed()
			} else { // the session goes on
				c.send(map[string]any{"type": "close", "id": 99})
				if m := c.recvReply(99); m.Type != protocol.TypeReply {
					t.Fatalf("close after error: %+v", m)
				}
			}
			roundTrip(t, srv)
		})
	}
}

func TestTimeouts(t *testing.T) {
	b := &gatewaytest.Backend{}
	srv := gatewaytest.Start(t, gateway.Config{HelloTimeout: 100 * time.Millisecond, IdleTimeout: 200 * time.Millisecond, ReadTimeout: 200 * time.Millisecond}, b)

	silent := dialRaw(t, srv.Addr) // connects, sends nothing
	roundTrip(t, srv)              // others are served meanwhile
	m := silent.recv()
	if m.Error == nil || m.Error.Code != protocol.CodeNoHello || !m.Error.Fatal {
		t.Fatalf("silent client: %+v", m)
	}
	silent.expectClosed()

	idle := dialRaw(t, srv.Addr)
	idle.hello(srv.Token)
	if m := idle.recv(); m.Error == nil || m.Error.Code != protocol.CodeIdleTimeout {
		t.Fatalf("idle client: %+v", m)
	}
	idle.expectClosed()

	// A session waiting on a task longer than the idle timeout stays.
	busy := dialRaw(t, srv.Addr)
	busy.hello(srv.Token)
	busy.send(submit(1, bell+"// sleep 500ms\n", nil))
	task := busy.recvReply(1).Task
	busy.send(map[string]any{"type": "result", "id": 2, "task": task})
	if m := busy.recvReply(2); m.Result == nil {
		t.Fatalf("busy client: %+v", m)
	}

	slow := dialRaw(t, srv.Addr)
	slow.hello(srv.Token)
	slow.sendBytes([]byte{0, 0}) // half a header, then nothing
	if m := slow.recv(); m.Error == nil || m.Error.Code != protocol.CodeReadTimeout {
		t.Fatalf("slow client: %+v", m)
	}
	slow.expectClosed()
}

func TestDisconnectCancelsTasks(t *testing.T) {
	b := &gatewaytest.Backend{Slots: 4}
	srv := gatewaytest.Start(t, gateway.Config{}, b)
	other := dialRaw(t, srv.Addr)
	other.hello(srv.Token)
	other.send(submit(1, bell+"// sleep 300ms\n", nil))
	otherTask := other.recvReply(1).Task

	c := dialRaw(t, srv.Addr)
	c.hello(srv.Token)
	c.send(submit(1, bell+"// sleep 1h\n", nil))
	c.recvReply(1)
	c.send(submit(2, bell+"// sleep 1h\n", nil))
	c.recvReply(2)
	closed := b.SessionClosed()
	c.nc.Close()
	select {
	case <-closed:
	case <-time.After(10 * time.Second):
		t.Fatal("session not closed after disconnect")
	}
	if got := b.Cancelled(); got != 2 {
		t.Errorf("%d tasks cancelled, want 2", got)
	}
	// The other client never noticed.
	other.send(map[string]any{"type": "result", "id": 2, "task": otherTask})
	if m := other.recvReply(2); m.Result == nil {
		t.Fatalf("other client's result: %+v", m)
	}
}

func TestTaskIsolationAndLimits(t *testing.T) {
	b := &gatewaytest.Backend{Slots: 1}
	srv := gatewaytest.Start(t, gateway.Config{MaxOpenTasks: 2}, b)
	a := dialRaw(t, srv.Addr)
	a.hello(srv.Token)
	a.send(submit(1, bell+"// sleep 1h\n", nil))
	ta := a.recvReply(1).Task
	a.send(submit(2, bell+"// sleep 1h\n", nil))
	a.recvReply(2)
	a.send(submit(3, bell, nil))
	if m := a.recvReply(3); m.Error == nil || m.Error.Code != protocol.CodeTooManyTasks {
		t.Fatalf("third open task: %+v", m)
	}
	// Another session cannot see or cancel a's task.
	o := dialRaw(t, srv.Addr)
	o.hello(srv.Token)
	for i, typ := range []string{"status", "result", "cancel"} {
		o.send(map[string]any{"type": typ, "id": i + 1, "task": ta})
		if m := o.recvReply(uint64(i + 1)); m.Error == nil || m.Error.Code != protocol.CodeUnknownTask {
			t.Fatalf("%s of another session's task: %+v", typ, m)
		}
	}
	// Cancelling frees a slot.
	a.send(map[string]any{"type": "cancel", "id": 4, "task": ta})
	a.recvReply(4)
	deadline := time.Now().Add(5 * time.Second)
	for {
		a.send(submit(5, bell, nil))
		m := a.recvReply(5)
		if m.Type == protocol.TypeReply {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("slot not freed after cancel: %+v", m.Error)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestShutdownTellsClients(t *testing.T) {
	b := &gatewaytest.Backend{}
	s := gatewaytest.Start(t, gateway.Config{}, b)
	c := dialRaw(t, s.Addr)
	c.hello(s.Token)
	c.send(submit(1, bell+"// sleep 1h\n", nil))
	task := c.recvReply(1).Task
	c.send(map[string]any{"type": "result", "id": 2, "task": task})
	time.Sleep(20 * time.Millisecond)
	s.Shutdown()
	m := c.recv()
	if m.Error == nil || m.Error.Code != protocol.CodeShuttingDown || !m.Error.Fatal {
		t.Fatalf("want shutting_down, got %+v", m)
	}
	c.expectClosed()
	if err := s.Wait(); err != nil {
		t.Fatalf("Serve: %v", err)
	}
	if b.Cancelled() != 1 || b.Sessions() != 0 {
		t.Errorf("after shutdown: %d cancelled, %d sessions", b.Cancelled(), b.Sessions())
	}
}

func TestNoAuth(t *testing.T) {
	b := &gatewaytest.Backend{}
	if _, err := gateway.New(gateway.Config{}, b, nil); !errors.Is(err, gateway.ErrNoToken) {
		t.Fatalf("New without token: %v", err)
	}
	srv, err := gateway.New(gateway.Config{NoAuth: true}, b, nil)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "0.0.0.0:0")
	if err != nil {
		t.Skip("cannot listen on all interfaces:", err)
	}
	if err := srv.Serve(context.Background(), ln); !errors.Is(err, gateway.ErrNoAuthBind) {
		t.Fatalf("Serve no-auth on 0.0.0.0: %v", err)
	}
	s := gatewaytest.Start(t, gateway.Config{NoAuth: true}, b)
	roundTrip(t, s) // any token passes
	for addr, want := range map[string]bool{"127.0.0.1:1": true, "[::1]:2": true, "localhost:3": true, "0.0.0.0:4": false, ":5": false, "10.1.2.3:6": false} {
		if gateway.IsLoopback(addr) != want {
			t.Errorf("IsLoopback(%q) != %v", addr, want)
		}
	}
}

// raiseFileLimit raises the soft limit on open files to at least n, or
// skips the test when the hard limit is lower.
func raiseFileLimit(t *testing.T, n uint64) {
	t.Helper()
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		t.Fatal(err)
	}
	if lim.Cur >= n {
		return
	}
	if lim.Max < n {
		t.Skipf("needs %d open files; the hard limit is %d (ulimit -Hn)", n, lim.Max)
	}
	old := lim
	lim.Cur = n
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { syscall.Setrlimit(syscall.RLIMIT_NOFILE, &old) })
}

// TestUnauthenticatedFlood: 2,000 sockets that never send hello, from the
// good client's own address, and another address reconnecting all the
// time, neither lock out a client with the token (issue 17, item 1).
func TestUnauthenticatedFlood(t *testing.T) {
	const idle = 2000
	raiseFileLimit(t, 2*idle+1000)
	b := &gatewaytest.Backend{}
	srv := gatewaytest.Start(t, gateway.Config{}, b)
	var socks []net.Conn
	t.Cleanup(func() {
		for _, nc := range socks {
			nc.Close()
		}
	})
	for range idle {
		nc, err := net.DialTimeout("tcp", srv.Addr, 5*time.Second)
		if err != nil {
			t.Fatalf("idle socket %d: %v", len(socks), err)
		}
		socks = append(socks, nc)
	}
	// Wait until the server has taken them all: all but the newest 32 (the
	// per-address limit) are displaced, each told so.
	displacedErr := func(nc net.Conn) {
		t.Helper()
		nc.SetReadDeadline(time.Now().Add(30 * time.Second))
		body, err := protocol.ReadFrame(nc, protocol.DefaultMaxFrame)
		if err != nil {
			t.Fatalf("displaced socket: %v", err)
		}
		var m protocol.ServerMessage
		if err := json.Unmarshal(body, &m); err != nil || m.Error == nil || m.Error.Code != protocol.CodeTooManyClients || !m.Error.Fatal {
			t.Fatalf("displaced socket got %s", body)
		}
	}
	start := time.Now()
	displacedErr(socks[idle-33])
	t.Logf("the server took %d idle sockets in %v", idle, time.Since(start))
	// Another source address reconnects all the time, about 1,000 times a
	// second (each socket stays open until 100 later ones are open).
	ctx, cancel := context.WithCancel(context.Background())
	churned := make(chan int)
	go func() {
		d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.IPv4(127, 0, 0, 2)}, Timeout: time.Second}
		var open []net.Conn
		n := 0
		tick := time.NewTicker(time.Millisecond)
		defer tick.Stop()
		for ctx.Err() == nil {
			<-tick.C
			nc, err := d.DialContext(ctx, "tcp", srv.Addr)
			if err != nil {
				continue
			}
			n++
			open = append(open, nc)
			if len(open) > 100 {
				open[0].Close()
				open = open[1:]
			}
		}
		for _, nc := range open {
			nc.Close()
		}
		churned <- n
	}()
	for i := range 5 {
		start := time.Now()
		c := dialRaw(t, srv.Addr)
		c.hello(srv.Token)
		c.send(submit(1, bell, nil))
		if m := c.recvReply(1); m.Type != protocol.TypeReply {
			t.Fatalf("submit during the flood: %+v", m.Error)
		}
		if d := time.Since(start); d > time.Second {
			t.Errorf("client %d: welcome and submit took %v during the flood (want under 1 s)", i, d)
		}
		c.nc.Close()
		time.Sleep(50 * time.Millisecond)
	}
	cancel()
	n := <-churned
	t.Logf("the other address opened %d connections meanwhile", n)
	if u := srv.Unauthenticated(); u > 128 {
		t.Errorf("%d connections waiting for hello, want at most 128", u)
	}
	displacedErr(socks[0])
}

// TestUnauthenticatedLimitsPerHost: waiting connections of one address
// displace each other, not those of another address; sessions do not
// count against the waiting limit, nor waiting connections against
// MaxClients.
func TestUnauthenticatedLimitsPerHost(t *testing.T) {
	srv := gatewaytest.Start(t, gateway.Config{MaxUnauthenticated: 6, MaxUnauthenticatedPerHost: 3, MaxClients: 2}, &gatewaytest.Backend{})
	a := dialRaw(t, srv.Addr)
	a.hello(srv.Token)
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.IPv4(127, 0, 0, 3)}, Timeout: 5 * time.Second}
	other, err := d.Dial("tcp", srv.Addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { other.Close() })
	for range 10 {
		dialRaw(t, srv.Addr)
	}
	deadline := time.Now().Add(5 * time.Second)
	for srv.Unauthenticated() != 4 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if u := srv.Unauthenticated(); u != 4 {
		t.Fatalf("%d waiting connections, want 3 of 127.0.0.1 and 1 of 127.0.0.3", u)
	}
	// other (127.0.0.3) is still there: its hello gets the last session.
	r := &raw{t: t, nc: other}
	r.hello(srv.Token)
	if s := srv.Sessions(); s != 2 {
		t.Fatalf("%d sessions, want 2", s)
	}
	c := dialRaw(t, srv.Addr)
	c.send(map[string]any{"type": "hello", "protocol": protocol.ProtocolVersion, "token": srv.Token})
	if m := c.recv(); m.Error == nil || m.Error.Code != protocol.CodeTooManyClients {
		t.Fatalf("third session: %+v", m)
	}
	a.send(submit(1, bell, nil))
	if m := a.recvReply(1); m.Type != protocol.TypeReply {
		t.Fatalf("first session: %+v", m.Error)
	}
}

func TestShortToken(t *testing.T) {
	if _, err := gateway.New(gateway.Config{Token: "0123456789abcde"}, &gatewaytest.Backend{}, nil); !errors.Is(err, protocol.ErrShortToken) {
		t.Fatalf("15-character token: %v", err)
	}
}
