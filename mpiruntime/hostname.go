package mpiruntime

import (
	"fmt"
	"os"
	"unicode"
)

// HostnameEnv names the environment variable that overrides the host name
// a rank reports when host names are gathered (Config.Hostname). Ranks
// with the same name form one host in the plan (PlanTree): the lowest of
// them manages the others. Use it where the system's host name does not
// say which ranks share a node (containers, several jobs' worth of ranks on
// one machine) or to group ranks differently; set it per rank with the
// launcher, e.g. OpenMPI's app contexts
//
//	mpirun -n 4 -x BQSKIT_MPI_HOSTNAME=a bqskit-mpi : -n 4 -x BQSKIT_MPI_HOSTNAME=b bqskit-mpi
//
// or a wrapper script that sets it from the rank's environment.
const HostnameEnv = "BQSKIT_MPI_HOSTNAME"

// HostnameFromEnv returns the host name override from HostnameEnv ("" when
// unset or empty), or an error naming the variable when the value cannot be
// a host name: longer than the 256 bytes each rank has, or containing
// white space or control characters (the tree is logged one line per
// manager, "host=NAME").
func HostnameFromEnv() (string, error) {
	v := os.Getenv(HostnameEnv)
	if err := checkHostname(v); err != nil {
		return "", fmt.Errorf("%w: %s=%q: %w", ErrHostname, HostnameEnv, v, err)
	}
	return v, nil
}

func checkHostname(h string) error {
	if len(h) > hostNameBytes {
		return fmt.Errorf("longer than %d bytes", hostNameBytes)
	}
	for _, r := range h {
		if unicode.IsSpace(r) || unicode.IsControl(r) || r == unicode.ReplacementChar {
			return fmt.Errorf("white space, control or invalid character %q", r)
		}
	}
	return nil
}
