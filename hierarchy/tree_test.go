package hierarchy

import (
	"context"
	"errors"
	"testing"

	"github.com/bqskit-mpi/bqskit-mpi/transport"
)

func TestTreeValidation(t *testing.T) {
	type P = []transport.PeerID
	cases := []struct {
		name  string
		nodes []TreeNode
	}{
		{"no server", []TreeNode{{ID: 1, Parent: -1, Slots: 1}}},
		{"server without children", []TreeNode{{ID: 0, Parent: -1}}},
		{"server with parent", []TreeNode{{ID: 0, Parent: 1, Children: P{1}}, {ID: 1, Parent: 0, Slots: 1}}},
		{"duplicate id", []TreeNode{{ID: 0, Parent: -1, Children: P{1}}, {ID: 1, Parent: 0, Slots: 1}, {ID: 1, Parent: 0, Slots: 1}}},
		{"missing child", []TreeNode{{ID: 0, Parent: -1, Children: P{1, 2}}, {ID: 1, Parent: 0, Slots: 1}}},
		{"child not listed", []TreeNode{{ID: 0, Parent: -1, Children: P{1}}, {ID: 1, Parent: 0, Slots: 1}, {ID: 2, Parent: 0, Slots: 1}}},
		{"worker without slots", []TreeNode{{ID: 0, Parent: -1, Children: P{1}}, {ID: 1, Parent: 0}}},
		{"manager with slots", []TreeNode{{ID: 0, Parent: -1, Children: P{1}}, {ID: 1, Parent: 0, Slots: 2, Children: P{2}}, {ID: 2, Parent: 1, Slots: 1}}},
		{"negative id", []TreeNode{{ID: 0, Parent: -1, Children: P{-3}}, {ID: -3, Parent: 0, Slots: 1}}},
		{"unreachable cycle", []TreeNode{{ID: 0, Parent: -1, Children: P{1}}, {ID: 1, Parent: 0, Slots: 1},
			{ID: 2, Parent: 3, Children: P{3}}, {ID: 3, Parent: 2, Children: P{2}}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if _, err := NewTree(c.nodes); !errors.Is(err, ErrBadTree) {
				t.Fatalf("error %v, want ErrBadTree", err)
			}
		})
	}
}

func TestBalancedTree(t *testing.T) {
	for _, c := range []struct{ m, w, s, nodes, slots, depth int }{
		{1, 2, 1, 4, 2, 2}, {2, 3, 2, 9, 12, 2}, {0, 4, 1, 5, 4, 1},
	} {
		tr, err := BalancedTree(c.m, c.w, c.s)
		if err != nil {
			t.Fatal(err)
		}
		if tr.Len() != c.nodes || tr.TotalSlots() != c.slots || tr.Depth() != c.depth {
			t.Fatalf("%dx%dx%d: %d nodes, %d slots, depth %d", c.m, c.w, c.s, tr.Len(), tr.TotalSlots(), tr.Depth())
		}
		if tr.Role(0) != RoleServer {
			t.Fatal("node 0 is not the server")
		}
	}
	if _, err := BalancedTree(1, 0, 1); !errors.Is(err, ErrBadTree) {
		t.Fatalf("0 workers: %v", err)
	}
}

func TestRegistry(t *testing.T) {
	r := NewRegistry()
	fn := func(ctx context.Context, b []byte) ([]byte, error) { return b, nil }
	if err := r.Register("a", fn); err != nil {
		t.Fatal(err)
	}
	if err := r.Register("a", fn); !errors.Is(err, ErrBadRegistration) {
		t.Fatalf("duplicate: %v", err)
	}
	if err := r.Register("", fn); !errors.Is(err, ErrBadRegistration) {
		t.Fatalf("empty name: %v", err)
	}
	r.freeze()
	if err := r.Register("b", fn); !errors.Is(err, ErrRegistryFrozen) {
		t.Fatalf("after freeze: %v", err)
	}
	if _, ok := r.Lookup("a"); !ok {
		t.Fatal("lookup a")
	}
	if names := r.Names(); len(names) != 1 || names[0] != "a" {
		t.Fatalf("names %v", names)
	}
}
