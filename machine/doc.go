// Package machine describes the device a circuit is compiled for: its number
// of qubits, its coupling graph (the undirected pairs a two-qubit gate may act
// on) and its native gate set.
//
// # Models
//
// ParseCoupling reads a coupling spec: "all-to-all" (any pair; the width is
// the circuit's, given to Model.Resize or taken from the JSON file),
// "all-to-all:N", "linear:N" (a path 0-1-...-N-1), "ring:N" (a path closed
// into a cycle), "grid:RxC" (row-major, qubit r·C+c, neighbours left/right
// and up/down) and "heavy-hex:D". A spec that names an existing file (or
// ends in ".json") is read as JSON: {"qubits":N,"edges":[[0,1],...],
// "gates":["cx","u3"]}; "gates" is optional. Errors name the field and the
// index of the offending entry and wrap ErrSpec.
//
// heavy-hex:D (D odd, D ≥ 3) is IBM's heavy-hex lattice in the layout and
// numbering of its Hummingbird and Eagle processors: D rows of W = 2D+1
// qubits in a line, the first row without its last qubit and the last row
// without its first, and between row r and r+1 one bridge qubit per fourth
// column (columns 0, 4, 8, ... below even rows, 2, 6, 10, ... below odd
// rows) coupled to the qubits above and below it. Qubits are numbered row by
// row, each row followed by its bridges, left to right. heavy-hex:5 is the
// 65-qubit Hummingbird (ibmq_manhattan, ibmq_brooklyn) and heavy-hex:7 the
// 127-qubit Eagle (ibm_washington, ibm_sherbrooke) coupling map; heavy-hex:3
// has 23 qubits. IBM's 27-qubit Falcon is a cut of this lattice and is not
// generated (give it as a JSON file).
//
// # Gate sets
//
// ParseGates reads a gate-set spec: a name ("cx,u3" is a list; "ibm" = cx,
// rz, sx, x; "ibm-ecr" = ecr, rz, sx, x; "iswap", "sqrt_iswap" and "rzz"
// with rz, ry, rx) or a comma-separated list of gate names as
// circuit.LookupGate knows them. A gate set has at most one two-qubit gate
// (the one routing and retargeting emit), no gate on three or more qubits,
// and single-qubit gates able to express any single-qubit unitary
// (SingleQubitBasis says which closed form is used).
//
// A Model is immutable once built; share it freely.
package machine
