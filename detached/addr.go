package detached

import (
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
)

// ErrAddress reports a manager address that cannot be used.
var ErrAddress = errors.New("detached: bad address")

// DefaultManagerPort is the port a manager listens on for its parent
// (BQSKit's 7473), used for addresses given without a port.
const DefaultManagerPort = 7473

// DefaultWorkerPort is the port a manager listens on for its workers
// (BQSKit's 7474).
const DefaultWorkerPort = 7474

// ParseAddrs reads manager addresses as the commands take them: each
// argument holds one or more addresses separated by commas or white space
// (as `scontrol show hostnames` prints them); an address is HOST, HOST:PORT,
// [IPV6] or [IPV6]:PORT, or a bare IPv6 address. Addresses without a port
// get defaultPort. The result is HOST:PORT strings in the order given;
// an address given twice is an error.
func ParseAddrs(args []string, defaultPort int) ([]string, error) {
	var out []string
	for _, arg := range args {
		for _, a := range strings.FieldsFunc(arg, func(r rune) bool { return r == ',' || r == ' ' || r == '\t' || r == '\n' || r == '\r' }) {
			hp, err := parseAddr(a, defaultPort)
			if err != nil {
				return nil, err
			}
			for _, prev := range out {
				if prev == hp {
					return nil, fmt.Errorf("%w %q: given twice (one manager has one parent)", ErrAddress, a)
				}
			}
			out = append(out, hp)
		}
	}
	return out, nil
}

func parseAddr(a string, defaultPort int) (string, error) {
	host, port := a, strconv.Itoa(defaultPort)
	if h, p, err := net.SplitHostPort(a); err == nil {
		host, port = h, p
	} else if strings.Count(a, ":") < 2 && strings.Contains(a, ":") || strings.HasPrefix(a, "[") {
		// host:port with a problem, or a bracketed address without a port.
		if !strings.HasPrefix(a, "[") || !strings.HasSuffix(a, "]") {
			return "", fmt.Errorf("%w %q: %v", ErrAddress, a, err)
		}
		host = a[1 : len(a)-1]
	}
	if host == "" || strings.ContainsAny(host, "[]/@ ") {
		return "", fmt.Errorf("%w %q: no usable host name", ErrAddress, a)
	}
	if strings.Contains(host, ":") && net.ParseIP(host) == nil {
		return "", fmt.Errorf("%w %q: %q is not an IPv6 address", ErrAddress, a, host)
	}
	n, err := strconv.Atoi(port)
	if err != nil || n < 1 || n > 65535 {
		return "", fmt.Errorf("%w %q: port %q is not 1 to 65535", ErrAddress, a, port)
	}
	return net.JoinHostPort(host, strconv.Itoa(n)), nil
}
