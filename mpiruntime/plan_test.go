package mpiruntime

import (
	"errors"
	"fmt"
	"github.com/bqskit-mpi/bqskit-mpi/hierarchy"
	"reflect"
	"strings"
	"testing"
)

func hostsOf(spec ...string) []string {
	// "a*3" expands to three ranks on host a.
	var out []string
	for _, s := range spec {
		name, n := s, 1
		if i := strings.IndexByte(s, '*'); i >= 0 {
			name = s[:i]
			fmt.Sscan(s[i+1:], &n)
		}
		for range n {
			out = append(out, name)
		}
	}
	return out
}

// shape renders children of every node with children: "0:[1 2] 1:[3]".
func shape(p *Plan) string {
	var parts []string
	for _, g := range p.Groups {
		parts = append(parts, fmt.Sprintf("%d:%v", g.Manager, p.Nodes[g.Manager].Children))
	}
	return strings.Join(parts, " ")
}

func TestPlanTree(t *testing.T) {
	for _, tc := range []struct {
		name    string
		hosts   []string
		fanout  int
		want    string
		depth   int
		workers int
	}{
		{"two ranks", hostsOf("a*2"), 0, "0:[1]", 2, 1},
		{"one node of four", hostsOf("a*4"), 0, "0:[1 2 3]", 2, 3},
		{"eight fanout 2", hostsOf("a*8"), 2, "0:[1 2] 1:[3 4] 2:[5 6] 3:[7]", 4, 4},
		{"seven fanout 2", hostsOf("a*7"), 2, "0:[1 2] 1:[3 4] 2:[5 6]", 3, 4},
		{"eight fanout 3", hostsOf("a*8"), 3, "0:[1 2 3] 1:[4 5 6] 2:[7]", 3, 5},
		{"two nodes", hostsOf("a*4", "b*4"), 0, "0:[1 2 3 4] 4:[5 6 7]", 3, 6},
		{"two nodes interleaved", []string{"a", "b", "a", "b"}, 0, "0:[1 2] 1:[3]", 3, 2},
		{"single-rank nodes", hostsOf("a", "b", "c"), 0, "0:[1 2]", 2, 2},
		{"three nodes fanout 2", hostsOf("a*2", "b*3", "c*3"), 2, "0:[1 2] 1:[5] 2:[3 4] 5:[6 7]", 4, 4},
		{"sixteen fanout 3", hostsOf("a*16"), 3, "0:[1 2 3] 1:[4 5 6] 2:[7 8 9] 3:[10 11 12] 4:[13 14 15]", 4, 11},
		{"four fanout 2", hostsOf("a*4"), 2, "0:[1 2] 1:[3]", 3, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, err := PlanTree(tc.hosts, tc.fanout, 2)
			if err != nil {
				t.Fatal(err)
			}
			if got := shape(p); got != tc.want {
				t.Errorf("tree %s, want %s", got, tc.want)
			}
			checkPlan(t, p, tc.hosts, tc.fanout)
			if tc.depth > 0 && p.Depth() != tc.depth {
				t.Errorf("depth %d, want %d", p.Depth(), tc.depth)
			}
			if tc.workers > 0 && len(p.Workers()) != tc.workers {
				t.Errorf("%d workers, want %d", len(p.Workers()), tc.workers)
			}
		})
	}
}

// checkPlan verifies the invariants of any plan: every rank but 0 has one
// parent that lists it, no cycles, fanout respected, roles and slots
// consistent, groups match children.
func checkPlan(t *testing.T, p *Plan, hosts []string, fanout int) {
	t.Helper()
	seen := map[int]bool{}
	var walk func(r int)
	walk = func(r int) {
		if seen[r] {
			t.Fatalf("rank %d reached twice", r)
		}
		seen[r] = true
		nd := p.Nodes[r]
		if int(nd.ID) != r || nd.Host != hosts[r] {
			t.Errorf("node %d: %+v", r, nd)
		}
		if fanout > 0 && len(nd.Children) > fanout {
			t.Errorf("rank %d has %d children > fanout %d", r, len(nd.Children), fanout)
		}
		switch {
		case r == 0 && (p.Role(r) != hierarchy.RoleServer || nd.Parent != hierarchy.NoParent || nd.Slots != 0):
			t.Errorf("rank 0: %+v", nd)
		case r != 0 && len(nd.Children) > 0 && (p.Role(r) != hierarchy.RoleManager || nd.Slots != 0):
			t.Errorf("rank %d: %+v", r, nd)
		case r != 0 && len(nd.Children) == 0 && (p.Role(r) != hierarchy.RoleWorker || nd.Slots != 2):
			t.Errorf("rank %d: %+v", r, nd)
		}
		for _, c := range nd.Children {
			if int(p.Nodes[c].Parent) != r {
				t.Errorf("rank %d's parent is %d, listed under %d", c, p.Nodes[c].Parent, r)
			}
			walk(int(c))
		}
	}
	walk(0)
	if len(seen) != len(hosts) {
		t.Errorf("tree reaches %d of %d ranks", len(seen), len(hosts))
	}
	for _, g := range p.Groups {
		if !reflect.DeepEqual(g.Members, append([]int{g.Manager}, p.Neighbours(g.Manager)[min(g.Manager, 1):]...)) {
			t.Errorf("group %+v does not match node", g)
		}
	}
}

func TestPlanTreeRandomShapes(t *testing.T) {
	for n := 2; n <= 70; n++ {
		for _, fanout := range []int{0, 2, 3, 5} {
			for _, nodes := range []int{1, 2, 3, 7} {
				hosts := make([]string, n)
				for r := range hosts {
					hosts[r] = fmt.Sprintf("n%d", r*nodes/n)
				}
				p, err := PlanTree(hosts, fanout, 2)
				if err != nil {
					t.Fatal(err)
				}
				checkPlan(t, p, hosts, fanout)
			}
		}
	}
}

func TestPlanTreeErrors(t *testing.T) {
	for _, tc := range []struct {
		hosts         []string
		fanout, slots int
		want          error
	}{
		{hostsOf("a"), 0, 1, ErrTooFewRanks},
		{nil, 0, 1, ErrTooFewRanks},
		{hostsOf("a*4"), 1, 1, ErrBadFanout},
		{hostsOf("a*4"), -2, 1, ErrBadFanout},
		{hostsOf("a*4"), 0, 0, ErrBadSlots},
		{[]string{"a", ""}, 0, 1, ErrEmptyHost},
	} {
		if _, err := PlanTree(tc.hosts, tc.fanout, tc.slots); !errors.Is(err, tc.want) {
			t.Errorf("PlanTree(%q, %d, %d) = %v, want %v", tc.hosts, tc.fanout, tc.slots, err, tc.want)
		}
	}
}

func TestPlanLines(t *testing.T) {
	p, err := PlanTree(hostsOf("a*3", "b*2"), 0, 1)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"rank 0 server host=a children=[1 2 3] slots-below=3",
		"rank 3 manager host=b children=[4] slots-below=1",
	}
	if got := p.Lines(); !reflect.DeepEqual(got, want) {
		t.Errorf("Lines() = %q, want %q", got, want)
	}
}

func TestPlanHierarchyTree(t *testing.T) {
	for _, hosts := range [][]string{hostsOf("a*2"), hostsOf("a*8"), hostsOf("a*3", "b*5", "c")} {
		for _, fanout := range []int{0, 2, 3} {
			p, err := PlanTree(hosts, fanout, 3)
			if err != nil {
				t.Fatal(err)
			}
			tr, err := p.Tree()
			if err != nil {
				t.Fatalf("%v fanout %d: %v", hosts, fanout, err)
			}
			if tr.Len() != len(hosts) || tr.TotalSlots() != 3*len(p.Workers()) || tr.Depth() != p.Depth()-1 {
				t.Errorf("%v fanout %d: tree of %d nodes, %d slots, depth %d; plan %d workers, depth %d",
					hosts, fanout, tr.Len(), tr.TotalSlots(), tr.Depth(), len(p.Workers()), p.Depth())
			}
			for r, nd := range p.Nodes {
				if got := tr.Role(nd.ID); got != p.Role(r) {
					t.Errorf("rank %d: role %s in tree, %s in plan", r, got, p.Role(r))
				}
			}
		}
	}
}
