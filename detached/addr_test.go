package detached_test

import (
	"errors"
	"net"
	"strconv"
	"strings"
	"testing"

	"github.com/bqskit-mpi/bqskit-mpi/detached"
)

func TestParseAddrs(t *testing.T) {
	tests := []struct {
		args []string
		want string // comma-joined, or the error's text
		err  bool
	}{
		{[]string{"node001"}, "node001:7473", false},
		{[]string{"node001,node002:9000"}, "node001:7473,node002:9000", false},
		{[]string{"node001 node002\nnode003\n"}, "node001:7473,node002:7473,node003:7473", false},
		{[]string{"a", "b,", ",c"}, "a:7473,b:7473,c:7473", false},
		{[]string{"10.0.0.1:1"}, "10.0.0.1:1", false},
		{[]string{"::1"}, "[::1]:7473", false},
		{[]string{"[::1]"}, "[::1]:7473", false},
		{[]string{"[fe80::1]:7000"}, "[fe80::1]:7000", false},
		{nil, "", false},
		{[]string{"host:0"}, `port "0" is not 1 to 65535`, true},
		{[]string{"host:99999"}, "is not 1 to 65535", true},
		{[]string{"host:http"}, "is not 1 to 65535", true},
		{[]string{"host:"}, "is not 1 to 65535", true},
		{[]string{":7473"}, "no usable host name", true},
		{[]string{"[::1"}, "bad address", true},
		{[]string{"a:b:c"}, "is not an IPv6 address", true},
		{[]string{"user@host"}, "no usable host name", true},
		{[]string{"a,b", "a:7473"}, "given twice", true},
	}
	for _, tc := range tests {
		got, err := detached.ParseAddrs(tc.args, detached.DefaultManagerPort)
		if tc.err {
			if !errors.Is(err, detached.ErrAddress) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("ParseAddrs(%q): %v, want an error with %q", tc.args, err, tc.want)
			}
			continue
		}
		if err != nil || strings.Join(got, ",") != tc.want {
			t.Errorf("ParseAddrs(%q) = %q, %v; want %q", tc.args, got, err, tc.want)
		}
	}
}

func FuzzParseAddrs(f *testing.F) {
	for _, s := range []string{"node001", "a,b c", "[::1]:7", "::1", "h:65535", "x:0", "[", "a:b:c"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := detached.ParseAddrs([]string{s}, detached.DefaultManagerPort)
		if err != nil {
			if !errors.Is(err, detached.ErrAddress) {
				t.Fatalf("error %v does not wrap ErrAddress", err)
			}
			return
		}
		for _, a := range got {
			host, port, err := net.SplitHostPort(a)
			if err != nil || host == "" {
				t.Fatalf("%q gave %q, not HOST:PORT (%v)", s, a, err)
			}
			if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
				t.Fatalf("%q gave port %q", s, port)
			}
		}
	})
}
