package cli

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func newTest() (*Command, *int) {
	n := new(int)
	c := New("cmd", "Usage: cmd [-n N]\n\nFlags:\n")
	c.Flags.IntVarP(n, "number", "n", 1, "a number")
	return c, n
}

func TestParse(t *testing.T) {
	for _, tc := range []struct {
		name   string
		args   []string
		noArgs string
		err    error  // errors.Is target; nil: no error
		usage  bool   // a UsageError
		out    string // prefix of standard output
		msg    string // part of the error message
	}{
		{name: "flags", args: []string{"-n", "3", "x"}},
		{name: "help", args: []string{"--help"}, err: ErrHelp, out: "Usage: cmd [-n N]\n\nFlags:\n  -n, --number int"},
		{name: "help short", args: []string{"-h", "--bogus"}, usage: true, msg: "unknown flag: --bogus"},
		{name: "version", args: []string{"--version"}, err: ErrVersion, out: "cmd "},
		{name: "unknown flag", args: []string{"--bogus"}, usage: true, msg: "unknown flag: --bogus"},
		{name: "unknown shorthand", args: []string{"-m", "2"}, usage: true, msg: "unknown shorthand flag: 'm' in -m"},
		{name: "bad value", args: []string{"-n", "x"}, usage: true, msg: `invalid argument "x" for "-n, --number"`},
		{name: "no args", args: []string{"extra"}, noArgs: "takes only flags", usage: true, msg: `unexpected argument "extra": takes only flags`},
		{name: "help with args", args: []string{"--help", "extra"}, noArgs: "takes only flags", err: ErrHelp, out: "Usage:"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, _ := newTest()
			c.NoArgs = tc.noArgs
			var out bytes.Buffer
			err := c.Parse(tc.args, &out)
			var ue UsageError
			switch {
			case tc.usage && (!errors.As(err, &ue) || !strings.Contains(err.Error(), tc.msg)):
				t.Errorf("error %v, want a usage error with %q", err, tc.msg)
			case !tc.usage && !errors.Is(err, tc.err):
				t.Errorf("error %v, want %v", err, tc.err)
			}
			if !strings.HasPrefix(out.String(), tc.out) || (tc.out == "" && out.Len() > 0) {
				t.Errorf("stdout %q, want prefix %q", out.String(), tc.out)
			}
		})
	}
	c, n := newTest()
	if err := c.Parse([]string{"--number=7"}, &bytes.Buffer{}); err != nil || *n != 7 {
		t.Errorf("--number=7: %v, %d", err, *n)
	}
}

func TestExit(t *testing.T) {
	for _, tc := range []struct {
		err  error
		code int
		msg  string
	}{
		{nil, ExitOK, ""},
		{ErrHelp, ExitOK, ""},
		{ErrVersion, ExitOK, ""},
		{Usagef("--x: bad %d", 3), ExitUsage, "cmd: --x: bad 3\n"},
		{errors.New("boom"), ExitFailure, "cmd: boom\n"},
	} {
		var stderr bytes.Buffer
		if code := Exit("cmd", tc.err, &stderr); code != tc.code || stderr.String() != tc.msg {
			t.Errorf("Exit(%v) = %d, %q; want %d, %q", tc.err, code, stderr.String(), tc.code, tc.msg)
		}
	}
}

func TestLogging(t *testing.T) {
	var l Logging
	c := New("cmd", "")
	l.AddFlags(c.Flags)
	if err := c.Parse([]string{"-vv", "--log-format", "xml"}, &bytes.Buffer{}); err != nil {
		t.Fatal(err)
	}
	if l.Verbose != 2 {
		t.Errorf("verbose %d", l.Verbose)
	}
	var ue UsageError
	if err := l.Check(); !errors.As(err, &ue) || !strings.Contains(err.Error(), "--log-format") {
		t.Errorf("Check: %v", err)
	}
	l.Format = "json"
	var buf bytes.Buffer
	l.Logger("cmd", &buf).Warn("w")
	if !strings.HasPrefix(buf.String(), "{") {
		t.Errorf("json log %q", buf.String())
	}
}

// TestVersionOfBuiltCommand builds every command from this work tree and
// checks that --version names the module and the commit, and that --help
// answers on standard output with the usage line first.
func TestVersionOfBuiltCommand(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the commands")
	}
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("no git: the build carries no commit")
	}
	head, err := exec.Command("git", "rev-parse", "HEAD").Output()
	if err != nil {
		t.Skipf("not in a git checkout: %v", err)
	}
	commit := strings.TrimSpace(string(head))
	// Go stamps the commit only when .git is a directory (not in a git
	// worktree, where .git is a file).
	if st, err := os.Stat("../.git"); err != nil || !st.IsDir() {
		commit = "unknown"
	}
	dir := t.TempDir()
	for _, name := range []string{"bqskit-compile", "bqskit-server", "bqskit-mpi"} {
		bin := filepath.Join(dir, name)
		if out, err := exec.Command("go", "build", "-buildvcs=auto", "-o", bin, "../cmd/"+name).CombinedOutput(); err != nil {
			t.Fatalf("build %s: %v\n%s", name, err, out)
		}
		out, err := exec.Command(bin, "--version").Output()
		// The version is "(devel)" or, where Go stamps VCS data, a pseudo-version.
		want := " (module github.com/bqskit-mpi/bqskit-mpi, commit " + commit
		if err != nil || !strings.HasPrefix(string(out), name+" ") || !strings.Contains(string(out), want) {
			t.Errorf("%s --version: %v, %q; want %q", name, err, out, want)
		}
		out, err = exec.Command(bin, "--help").Output()
		if first, _, _ := strings.Cut(string(out), "\n"); err != nil || !strings.HasPrefix(first, "Usage: ") || !strings.Contains(first, name) {
			t.Errorf("%s --help: %v, first usage line %q", name, err, first)
		}
		// -v and -vv are the same on every command: a counted --verbose.
		if !strings.Contains(string(out), "-v, --verbose count") {
			t.Errorf("%s --help lists no counted -v, --verbose", name)
		}
		for _, v := range []string{"-v", "-vv"} {
			if err := exec.Command(bin, v, "--help").Run(); err != nil {
				t.Errorf("%s %s --help: %v", name, v, err)
			}
		}
		cmd := exec.Command(bin, "--bogus")
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		err = cmd.Run()
		var ee *exec.ExitError
		if !errors.As(err, &ee) || ee.ExitCode() != ExitUsage || !strings.Contains(stderr.String(), "unknown flag: --bogus") {
			t.Errorf("%s --bogus: %v, stderr %q", name, err, stderr.String())
		}
	}
}
