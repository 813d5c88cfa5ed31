package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/bqskit-mpi/bqskit-mpi/cli"
)

func TestFlags(t *testing.T) {
	tests := []struct {
		args []string
		code int
		want string
	}{
		{[]string{"--help"}, cli.ExitOK, "(default 7473)"},
		{[]string{"-n", "0"}, cli.ExitUsage, "-n: want at least 1"},
		{[]string{"node001"}, cli.ExitUsage, "manager addresses follow -m"},
		{[]string{"-m", "a", "-x"}, cli.ExitUsage, "-n and -x apply to workers only"},
		{[]string{"-m", "a", "-n", "2"}, cli.ExitUsage, "-n and -x apply to workers only"},
		{[]string{"-m", "a:0"}, cli.ExitUsage, "is not 1 to 65535"},
		{[]string{"-m", ","}, cli.ExitUsage, "no manager address given"},
		{[]string{"-x", "-w", "0"}, cli.ExitUsage, "-x needs a fixed --worker-port"},
		{[]string{"-p", "70000"}, cli.ExitUsage, "--port"},
		{[]string{"--heartbeat-deadline", "1ms"}, cli.ExitUsage, "--heartbeat-deadline"},
		{[]string{"--log-format", "xml"}, cli.ExitUsage, "--log-format"},
		{[]string{"--version"}, cli.ExitOK, "bqskit-manager "},
	}
	for _, tc := range tests {
		var stdout, stderr bytes.Buffer
		code := run(context.Background(), tc.args, &stdout, &stderr)
		got := stderr.String()
		if code == cli.ExitOK {
			got = stdout.String()
		}
		if code != tc.code || !strings.Contains(got, tc.want) {
			t.Errorf("%v: exit %d, want %d; stdout:\n%s\nstderr:\n%s", tc.args, code, tc.code, stdout.String(), stderr.String())
		}
	}
}

// Every flag shows its default in --help.
func TestHelpListsDefaults(t *testing.T) {
	var stdout bytes.Buffer
	if code := run(context.Background(), []string{"--help"}, &stdout, &bytes.Buffer{}); code != cli.ExitOK {
		t.Fatal(code)
	}
	checkDefaults(t, stdout.String())
}

func checkDefaults(t *testing.T, help string) {
	t.Helper()
	for _, l := range strings.Split(help, "\n") {
		if !strings.HasPrefix(strings.TrimSpace(l), "-") || strings.Contains(l, "--help") || strings.Contains(l, "--version") {
			continue
		}
		if !strings.Contains(l, "default") {
			t.Errorf("flag line without its default: %s", l)
		}
	}
}

func TestManagerAddresses(t *testing.T) {
	o, err := parseArgs([]string{"-m", "a,b:9", "c", "d e"}, &bytes.Buffer{})
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(o.cfg.Managers, " "); got != "a:7473 b:9 c:7473 d:7473 e:7473" {
		t.Fatalf("managers %q", got)
	}
	o, err = parseArgs([]string{"-vv", "--log-format", "json"}, &bytes.Buffer{})
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(o.cfg.WorkerArgs, " "); got != "--log-format json -vv" {
		t.Fatalf("spawned workers' extra flags %q", got)
	}
}
