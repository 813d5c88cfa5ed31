package mpiruntime

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/bqskit-mpi/bqskit-mpi/transport"
)

// MPI tests re-run this test binary under mpirun; TestMain sees the
// scenario variable and runs the scenario instead of the tests.
const scenarioEnv = "BQSKIT_MPIRUNTIME_SCENARIO"

func testScenarioFromEnv() string { return os.Getenv(scenarioEnv) }

// runMPI runs scenario on n ranks and returns the combined output.
func runMPI(t *testing.T, n int, scenario string, env ...string) string {
	t.Helper()
	mpirun, err := exec.LookPath("mpirun")
	if err != nil {
		t.Skip("mpirun not installed")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, mpirun, "-n", strconv.Itoa(n), "--oversubscribe", "--bind-to", "none",
		os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "OMPI_ALLOW_RUN_AS_ROOT=1", "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1",
		"OMPI_MCA_mpi_yield_when_idle=1", scenarioEnv+"="+scenario)
	cmd.Env = append(cmd.Env, env...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("mpirun -n %d %s: %v\n%s", n, scenario, err, out)
	}
	return string(out)
}

func runScenario(name string) {
	var err error
	switch name {
	case "exchange":
		err = scenarioExchange()
	case "tree":
		err = scenarioTree()
	case "pingpong":
		err = scenarioPingPong()
	case "big":
		err = scenarioBig()
	case "stall":
		err = scenarioStall()
	case "idle":
		err = scenarioIdle()
	case "stoppedpeer":
		err = scenarioStoppedPeer()
	default:
		err = fmt.Errorf("unknown scenario %q", name)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "SCENARIO FAILED:", err)
		os.Exit(1)
	}
	os.Exit(0)
}

func bootFromEnv() (*Rank, error) {
	fanout, _ := strconv.Atoi(os.Getenv("TEST_FANOUT"))
	idle := IdleSleep
	if s := os.Getenv("TEST_IDLE"); s != "" {
		var err error
		if idle, err = ParseIdlePolicy(s); err != nil {
			return nil, err
		}
	}
	return Boot(Config{Fanout: fanout, Slots: 1, Idle: idle})
}

func recvTimeout(tr *Transport, d time.Duration) (transport.Packet, error) {
	select {
	case p, ok := <-tr.Recv():
		if !ok {
			return p, fmt.Errorf("rank %d: Recv closed", tr.Self())
		}
		return p, nil
	case <-time.After(d):
		return transport.Packet{}, fmt.Errorf("rank %d: nothing received in %v", tr.Self(), d)
	}
}

func finalize(r *Rank) error {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	return r.Finalize(ctx)
}

// scenarioExchange: ranks 0 and 1 send each other 8 MiB at the same time,
// then a stream of messages of every interesting size, and check all.
func scenarioExchange() error {
	r, err := bootFromEnv()
	if err != nil {
		return err
	}
	tr := r.Transport()
	me, peer := tr.Self(), 1-tr.Self()
	sizes := []int{8 << 20, 0, 1, 3999, 4000, 4001, 12000, 65536, 1 << 20}
	for i := 0; i < 100; i++ {
		sizes = append(sizes, (i*7919)%20000)
	}
	ctx := context.Background()
	for i, n := range sizes {
		if err := tr.Send(ctx, peer, payload(uint64(int(me)*10000+i), n)); err != nil {
			return err
		}
	}
	for i, n := range sizes {
		p, err := recvTimeout(tr, 60*time.Second)
		if err != nil {
			return fmt.Errorf("message %d: %w", i, err)
		}
		if p.From != peer || !bytes.Equal(p.Data, payload(uint64(int(peer)*10000+i), n)) {
			return fmt.Errorf("rank %d: message %d from %d: %d bytes, want %d bytes of pattern %d", me, i, p.From, len(p.Data), n, i)
		}
	}
	fmt.Printf("RESULT rank=%d received=%d\n", me, len(sizes))
	return finalize(r)
}

// scenarioTree: every rank greets every neighbour in the tree and checks it
// hears from all of them; rank 0 prints the plan.
func scenarioTree() error {
	r, err := bootFromEnv()
	if err != nil {
		return err
	}
	tr := r.Transport()
	me := r.Rank()
	if me == 0 {
		for _, l := range r.Plan().Lines() {
			fmt.Println("PLAN", l)
		}
		fmt.Printf("DEPTH %d\n", r.Plan().Depth())
	}
	nb := r.Plan().Neighbours(me)
	for _, p := range nb {
		if err := tr.Send(context.Background(), transport.PeerID(p), []byte(fmt.Sprintf("hello %d->%d", me, p))); err != nil {
			return err
		}
	}
	var heard []int
	for range nb {
		p, err := recvTimeout(tr, 30*time.Second)
		if err != nil {
			return err
		}
		if want := fmt.Sprintf("hello %d->%d", p.From, me); string(p.Data) != want {
			return fmt.Errorf("rank %d got %q, want %q", me, p.Data, want)
		}
		heard = append(heard, int(p.From))
	}
	sort.Ints(heard)
	if !slices.Equal(heard, nb) {
		return fmt.Errorf("rank %d heard %v, want %v", me, heard, nb)
	}
	fmt.Printf("RESULT rank=%d role=%s local=%d/%d neighbours=%v\n", me, r.Role(), r.LocalRank(), r.LocalSize(), nb)
	return finalize(r)
}

func TestMPIExchange8MiBBothWays(t *testing.T) {
	out := runMPI(t, 2, "exchange")
	for r := 0; r < 2; r++ {
		if !strings.Contains(out, fmt.Sprintf("RESULT rank=%d received=109", r)) {
			t.Errorf("rank %d did not finish:\n%s", r, out)
		}
	}
}

func TestMPITree(t *testing.T) {
	for _, tc := range []struct {
		n, fanout int
		plan      []string
		depth     int
	}{
		{2, 0, []string{"rank 0 server host=%s children=[1] slots-below=1"}, 2},
		{4, 0, []string{"rank 0 server host=%s children=[1 2 3] slots-below=3"}, 2},
		{8, 2, []string{
			"rank 0 server host=%s children=[1 2] slots-below=4",
			"rank 1 manager host=%s children=[3 4] slots-below=2",
			"rank 2 manager host=%s children=[5 6] slots-below=2",
			"rank 3 manager host=%s children=[7] slots-below=1",
		}, 4},
	} {
		t.Run(fmt.Sprintf("n%d_fanout%d", tc.n, tc.fanout), func(t *testing.T) {
			out := runMPI(t, tc.n, "tree", fmt.Sprintf("TEST_FANOUT=%d", tc.fanout))
			host, _ := os.Hostname()
			for _, l := range tc.plan {
				if want := "PLAN " + strings.ReplaceAll(l, "%s", host); !strings.Contains(out, want) {
					t.Errorf("missing %q in:\n%s", want, out)
				}
			}
			if !strings.Contains(out, fmt.Sprintf("DEPTH %d", tc.depth)) {
				t.Errorf("depth %d not reported:\n%s", tc.depth, out)
			}
			locals := map[string]bool{}
			for _, m := range regexp.MustCompile(`RESULT rank=(\d+) role=\w+ local=(\d+)/(\d+)`).FindAllStringSubmatch(out, -1) {
				if m[3] != strconv.Itoa(tc.n) {
					t.Errorf("rank %s: local size %s, want %d", m[1], m[3], tc.n)
				}
				locals[m[2]] = true
			}
			if len(locals) != tc.n {
				t.Errorf("%d distinct local ranks from %d ranks:\n%s", len(locals), tc.n, out)
			}
		})
	}
}
