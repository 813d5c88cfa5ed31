package main

import (
	"io"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/bqskit-mpi/bqskit-mpi/mpiruntime"
)

func TestParseHeartbeatAndHostname(t *testing.T) {
	o, err := parseArgs(nil, io.Discard)
	if err != nil || o.hbDeadline != 10*time.Second || o.host != "" {
		t.Fatalf("defaults: %+v, %v", o, err)
	}
	o, err = parseArgs([]string{"--heartbeat-deadline", "2.5s"}, io.Discard)
	if err != nil || o.hbDeadline != 2500*time.Millisecond {
		t.Fatalf("--heartbeat-deadline 2.5s: %+v, %v", o, err)
	}
	if hb := mpiruntime.HeartbeatWithDeadline(o.hbDeadline); hb.Interval != 500*time.Millisecond || hb.Deadline != o.hbDeadline {
		t.Errorf("heartbeat for 2.5 s: %+v", hb)
	}
	if hb := mpiruntime.HeartbeatWithDeadline(10 * time.Second); hb.Interval != time.Second {
		t.Errorf("heartbeat for 10 s: %+v, want reports every second", hb)
	}
	for _, bad := range []string{"0s", "500ms", "-3s"} {
		if _, err := parseArgs([]string{"--heartbeat-deadline", bad}, io.Discard); err == nil || !strings.Contains(err.Error(), "--heartbeat-deadline") {
			t.Errorf("--heartbeat-deadline %s: %v", bad, err)
		}
	}
	for _, tc := range []struct{ value, err string }{
		{"node17", ""},
		{"rack2.node-17.cluster", ""},
		{"two words", "BQSKIT_MPI_HOSTNAME"},
		{"tab\there", "BQSKIT_MPI_HOSTNAME"},
		{strings.Repeat("h", 257), "longer than 256 bytes"},
	} {
		t.Setenv(mpiruntime.HostnameEnv, tc.value)
		o, err := parseArgs(nil, io.Discard)
		if tc.err == "" {
			if err != nil || o.host != tc.value {
				t.Errorf("%s=%q: %+v, %v", mpiruntime.HostnameEnv, tc.value, o, err)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), tc.err) {
			t.Errorf("%s=%q: error %v, want one containing %q", mpiruntime.HostnameEnv, tc.value, err, tc.err)
		}
	}
}

type hostLayout struct {
	name  string
	hosts []host
	args  []string
	tree  []string
}

// hostLayouts are 8 ranks as 2 and as 4 "hosts" (BQSKIT_MPI_HOSTNAME per
// app context), with and without --fanout 2, and the tree rank 0 must
// print for each: the lowest rank of each host manages the others on it
// (rank 0, the server, manages its own host's ranks); --fanout 2 turns the
// server's children into a heap and adds levels.
var hostLayouts = []hostLayout{
	{"2hosts", []host{{4, "hostA"}, {4, "hostB"}}, nil, []string{
		"rank 0 server host=hostA children=[1 2 3 4] slots-below=6",
		"rank 4 manager host=hostB children=[5 6 7] slots-below=3",
	}},
	{"4hosts", []host{{2, "hostA"}, {2, "hostB"}, {2, "hostC"}, {2, "hostD"}}, nil, []string{
		"rank 0 server host=hostA children=[1 2 4 6] slots-below=4",
		"rank 2 manager host=hostB children=[3] slots-below=1",
		"rank 4 manager host=hostC children=[5] slots-below=1",
		"rank 6 manager host=hostD children=[7] slots-below=1",
	}},
	{"2hosts_fanout2", []host{{4, "hostA"}, {4, "hostB"}}, []string{"--fanout", "2"}, []string{
		"rank 0 server host=hostA children=[1 2] slots-below=4",
		"rank 1 manager host=hostA children=[3 4] slots-below=3",
		"rank 4 manager host=hostB children=[5 6] slots-below=2",
		"rank 5 manager host=hostB children=[7] slots-below=1",
	}},
	{"4hosts_fanout2", []host{{2, "hostA"}, {2, "hostB"}, {2, "hostC"}, {2, "hostD"}}, []string{"--fanout", "2"}, []string{
		"rank 0 server host=hostA children=[1 2] slots-below=3",
		"rank 1 manager host=hostA children=[4 6] slots-below=2",
		"rank 2 manager host=hostB children=[3] slots-below=1",
		"rank 4 manager host=hostC children=[5] slots-below=1",
		"rank 6 manager host=hostD children=[7] slots-below=1",
	}},
}

// TestMPIHostGrouping: mpirun -n 8 as 2 and as 4 hosts, with and without
// --fanout: rank 0 prints the expected tree (one manager per host), the
// job serves clients and shuts down cleanly.
func TestMPIHostGrouping(t *testing.T) {
	for _, tc := range hostLayouts {
		t.Run(tc.name, func(t *testing.T) {
			j := startHostsJob(t, tc.hosts, tc.args...)
			j.address()
			got := j.treeLines(len(tc.tree))
			if !slices.Equal(got, tc.tree) {
				t.Errorf("tree:\n%s\nwant:\n%s\noutput:\n%s", strings.Join(got, "\n"), strings.Join(tc.tree, "\n"), j.out)
			}
			j.checkCleanExit(j.signal0(syscall.SIGINT))
		})
	}
}
