package tcptree_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"
	"go.uber.org/zap/zapcore"

	"github.com/bqskit-mpi/bqskit-mpi/hierarchy"
	"github.com/bqskit-mpi/bqskit-mpi/internal/sumsq"
	"github.com/bqskit-mpi/bqskit-mpi/tcptree"
	"github.com/bqskit-mpi/bqskit-mpi/transport"
	"github.com/bqskit-mpi/bqskit-mpi/transport/tcp"
)

var opts = tcp.Options{Token: []byte("tree test token")}

type node struct {
	wg   *sync.WaitGroup
	errs chan error
	reg  *hierarchy.Registry
}

func (n node) fail(err error) { n.errs <- err }

func (n node) run(id transport.PeerID, tree *hierarchy.Tree, parent *tcp.Conn, kids []*tcp.Conn) {
	tr, err := tcptree.Link(id, tree, parent, kids, opts)
	if err != nil {
		n.fail(err)
		return
	}
	if err := hierarchy.RunNode(context.Background(), hierarchy.NodeConfig{ID: id, Tree: tree, Transport: tr, Registry: n.reg}); err != nil {
		n.fail(fmt.Errorf("node %d: %w", id, err))
	}
	_ = tr.Close()
}

// worker dials its manager's worker port and runs.
func (n node) worker(ctx context.Context, addr string, slots int) {
	defer n.wg.Done()
	c, err := tcp.Dial(ctx, addr, opts)
	if err != nil {
		n.fail(err)
		return
	}
	tree, id, err := tcptree.Join(ctx, c, tcptree.Leaf(slots, "w"))
	if err != nil {
		n.fail(err)
		return
	}
	n.run(id, tree, c, nil)
}

// manager gets k children from kids (accepted workers or dialled lower
// managers), then its parent from up.
func (n node) manager(ctx context.Context, up *tcp.Listener, kids func() (*tcp.Conn, error), k int) {
	defer n.wg.Done()
	defer up.Close()
	var cs []*tcp.Conn
	var subs []tcptree.Subtree
	for range k {
		c, err := kids()
		if err != nil {
			n.fail(err)
			return
		}
		sub, err := tcptree.ReadJoin(ctx, c)
		if err != nil {
			n.fail(err)
			return
		}
		cs, subs = append(cs, c), append(subs, sub)
	}
	p, err := up.Accept(ctx)
	if err != nil {
		n.fail(err)
		return
	}
	tree, id, err := tcptree.Join(ctx, p, tcptree.Combine("m", subs))
	if err != nil {
		n.fail(err)
		return
	}
	me, _ := tree.Node(id)
	for i, c := range cs {
		if err := tcptree.Assign(ctx, c, tree, me.Children[i]); err != nil {
			n.fail(err)
			return
		}
	}
	n.run(id, tree, p, cs)
}

func listen(t *testing.T) *tcp.Listener {
	l, err := tcp.Listen("127.0.0.1:0", opts)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// Server over manager A (two workers, 1 and 2 slots) and manager B, which
// manages manager C (one worker): depth 3, managers started in any order.
func TestAssembleAndCompile(t *testing.T) {
	t.Cleanup(func() { goleak.VerifyNone(t) })
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	n := node{wg: &sync.WaitGroup{}, errs: make(chan error, 16), reg: sumsq.Registry(0)}
	aUp, aW, bUp, cUp, cW := listen(t), listen(t), listen(t), listen(t), listen(t)
	defer aW.Close()
	defer cW.Close()
	n.wg.Add(6)
	go n.worker(ctx, aW.Addr().String(), 1)
	go n.worker(ctx, aW.Addr().String(), 2)
	go n.worker(ctx, cW.Addr().String(), 1)
	go n.manager(ctx, aUp, func() (*tcp.Conn, error) { return aW.Accept(ctx) }, 2)
	go n.manager(ctx, cUp, func() (*tcp.Conn, error) { return cW.Accept(ctx) }, 1)
	go n.manager(ctx, bUp, func() (*tcp.Conn, error) { return tcp.Dial(ctx, cUp.Addr().String(), opts) }, 1)
	// The server.
	var cs []*tcp.Conn
	var subs []tcptree.Subtree
	for _, addr := range []string{aUp.Addr().String(), bUp.Addr().String()} {
		c, err := tcp.Dial(ctx, addr, opts)
		if err != nil {
			t.Fatal(err)
		}
		sub, err := tcptree.ReadJoin(ctx, c)
		if err != nil {
			t.Fatal(err)
		}
		cs, subs = append(cs, c), append(subs, sub)
	}
	tree, err := tcptree.BuildTree("s", subs)
	if err != nil {
		t.Fatal(err)
	}
	if tree.Len() != 7 || tree.TotalSlots() != 4 || tree.Depth() != 3 {
		t.Fatalf("tree of %d nodes, %d slots, depth %d; want 7, 4, 3", tree.Len(), tree.TotalSlots(), tree.Depth())
	}
	root, _ := tree.Node(0)
	for i, c := range cs {
		if err := tcptree.Assign(ctx, c, tree, root.Children[i]); err != nil {
			t.Fatal(err)
		}
	}
	tr, err := tcptree.Link(0, tree, nil, cs, opts)
	if err != nil {
		t.Fatal(err)
	}
	srv, err := hierarchy.NewServer(ctx, hierarchy.ServerConfig{Tree: tree, Transport: tr, Registry: n.reg})
	if err != nil {
		t.Fatal(err)
	}
	res, err := srv.Run(ctx, srv.OpenSession(), sumsq.Sum, sumsq.Enc(100), zapcore.InfoLevel)
	if err != nil || sumsq.Value(res) != sumsq.Want(100) {
		t.Fatalf("sumsq(100): %d, %v", sumsq.Value(res), err)
	}
	if err := srv.Stop(); err != nil {
		t.Fatal(err)
	}
	_ = tr.Close()
	n.wg.Wait()
	close(n.errs)
	for err := range n.errs {
		t.Error(err)
	}
}

func TestJoinRejectedAndBadSubtree(t *testing.T) {
	t.Cleanup(func() { goleak.VerifyNone(t) })
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	ln := listen(t)
	defer ln.Close()
	done := make(chan error, 1)
	go func() {
		c, err := tcp.Dial(ctx, ln.Addr().String(), opts)
		if err != nil {
			done <- err
			return
		}
		defer c.Close()
		_, _, err = tcptree.Join(ctx, c, tcptree.Leaf(1, "w"))
		done <- err
	}()
	c, err := ln.Accept(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := tcptree.ReadJoin(ctx, c); err != nil {
		t.Fatal(err)
	}
	if err := tcptree.Reject(ctx, c, errors.New("no room")); err != nil {
		t.Fatal(err)
	}
	if err := <-done; !errors.Is(err, tcptree.ErrRejected) {
		t.Fatalf("Join after a rejection: %v", err)
	}
	for _, sub := range []tcptree.Subtree{
		{},
		{Nodes: []tcptree.SubNode{{Parent: 0, Slots: 1}}},
		{Nodes: []tcptree.SubNode{{Parent: -1}, {Parent: 2, Slots: 1}}},
	} {
		if _, err := tcptree.BuildTree("s", []tcptree.Subtree{sub}); !errors.Is(err, tcptree.ErrBadSubtree) {
			t.Errorf("BuildTree(%+v): %v, want ErrBadSubtree", sub, err)
		}
	}
	// A manager without workers is not a valid tree.
	if _, err := tcptree.BuildTree("s", []tcptree.Subtree{tcptree.Combine("m", nil)}); !errors.Is(err, hierarchy.ErrBadTree) {
		t.Errorf("manager without workers: %v", err)
	}
	// A join that never comes ends with the context.
	short, cancel2 := context.WithTimeout(ctx, 200*time.Millisecond)
	defer cancel2()
	go func() {
		c, err := tcp.Dial(ctx, ln.Addr().String(), opts)
		if err == nil {
			<-short.Done()
			time.Sleep(50 * time.Millisecond)
			_ = c.Close()
		}
	}()
	c2, err := ln.Accept(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer c2.Close()
	if _, err := tcptree.ReadJoin(short, c2); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("ReadJoin past its deadline: %v", err)
	}
}
