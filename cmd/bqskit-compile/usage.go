package main

import (
	"strconv"
	"strings"

	"github.com/bqskit-mpi/bqskit-mpi/compiler"
	"github.com/bqskit-mpi/bqskit-mpi/protocol"
)

// usage is the help text before the flag list.
func usage() string {
	return `Usage: bqskit-compile INPUT [-o OUT.qasm] [-O LEVEL] [--seed S] [--workers W] [--block-size K]
                      [--workflow FLOW.json] [--json STATS.json] [--verify [--max-cost C]]
                      [--synthesis-epsilon E] [--error-threshold T]
                      [--coupling SPEC] [--gates SET] [--with-mapping]
                      [--ip HOST:PORT | --local] [-q] [-v | -vv]
       bqskit-compile --info FILE.qasm

INPUT is an OpenQASM 2.0 file, or a NumPy .npy file holding a 2^n x 2^n unitary
(n <= ` + strconv.Itoa(compiler.MaxUnitaryInputQubits) + `; complex128, complex64 or real float64), which is synthesized into cx and u3
gates (LEAP up to 4 qubits; 5 and 6 qubits by quantum Shannon decomposition, then
level 2's optimization at most).

Where it runs: on the server given by --ip; else, unless --local, on the server in
$` + protocol.AddressEnv + ` (HOST:PORT, set by the batch job templates, with the token file in
$` + protocol.TokenFileEnv + `); else on an embedded runtime (workers as goroutines) in this process.

On a terminal, standard error shows the progress: the stage (gate removal,
resynthesis, ...), its blocks done/total, elapsed time and ETA, then a summary line;
-q hides it. -v adds info records and the passes with their times, -vv debug records.
--json records the input and output summaries, the runtime actually used (embedded,
or the server's ranks and workers), the version, level, seed, per-pass seconds and
two-qubit counts, cost and distance.

For a device, --coupling and --gates place and route the circuit (SABRE-style),
resynthesize the routed blocks on their coupled pairs (swaps are absorbed), and
rewrite into the native gates (fixed templates, or resynthesis with the native
two-qubit gate where that needs fewer). The mappings are in the QASM comment and
--json; --verify compares up to them.

A workflow file is a JSON array of pass objects, e.g.
  [{"pass": "retarget"}, {"pass": "quick_partition", "block_size": 3},
   {"pass": "for_each_block", "workflow": [{"pass": "fill_u3"},
     {"pass": "scanning_gate_removal", "two_qubit_only": true}, {"pass": "single_qubit_fusion"}]},
   {"pass": "unfold"}, {"pass": "single_qubit_fusion"}]
Passes: ` + strings.Join(compiler.PassNames(), ", ") + `.

Exit status: 0 success; 1 compilation failed or --verify exceeded --max-cost;
2 bad command line, unreadable input or unwritable -o/--json (checked before
compiling); 130 interrupted (Ctrl-C): the compilation, local or remote, was cancelled.

Flags:
`
}
