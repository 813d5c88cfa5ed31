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
		{[]string{"--help"}, cli.ExitOK, "(default 7474)"},
		{nil, cli.ExitUsage, "want one argument, the number of workers (got 0)"},
		{[]string{"0"}, cli.ExitUsage, `number of workers "0"`},
		{[]string{"two"}, cli.ExitUsage, `number of workers "two"`},
		{[]string{"1", "2"}, cli.ExitUsage, "(got 2)"},
		{[]string{"1", "--cpus", "3-1"}, cli.ExitUsage, "--cpus"},
		{[]string{"1", "-p", "0"}, cli.ExitUsage, "--port"},
		{[]string{"1", "--connect-timeout", "0s"}, cli.ExitUsage, "--connect-timeout"},
		{[]string{"--version"}, cli.ExitOK, "bqskit-worker "},
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
	for _, l := range strings.Split(stdout.String(), "\n") {
		if !strings.HasPrefix(strings.TrimSpace(l), "-") || strings.Contains(l, "--help") || strings.Contains(l, "--version") {
			continue
		}
		if !strings.Contains(l, "default") {
			t.Errorf("flag line without its default: %s", l)
		}
	}
}
