package testcircuits

// Redundant has removable two-qubit gates: a cancelling CX pair, a CZ
// sandwich that is the identity, and a genuine entangler.
const Redundant = `OPENQASM 2.0;
include "qelib1.inc";
qreg q[3];
creg c[3];
h q[0];
cx q[0],q[1];
cx q[0],q[1];
rz(0.3) q[1];
cz q[1],q[2];
rx(0.7) q[0];
cz q[1],q[2];
cx q[0],q[2];
ry(1.1) q[2];
measure q[2] -> c[2];
swap q[0],q[1];
`

// fourCX is 4 CX between generic rotations on qubits 0 and 1.
const fourCX = `u3(0.3,1.2,-0.4) q[0];
u3(2.1,0.2,0.9) q[1];
cx q[0],q[1];
u3(1.3,-0.2,0.4) q[0];
u3(0.1,2.2,0.5) q[1];
cx q[1],q[0];
u3(0.7,0.5,-1.4) q[0];
u3(1.9,1.2,0.3) q[1];
cx q[0],q[1];
u3(2.3,0.8,0.4) q[0];
u3(0.6,-1.2,1.9) q[1];
cx q[1],q[0];
`

// FourCX is a two-qubit circuit with 4 CX between generic rotations.
const FourCX = `OPENQASM 2.0;
include "qelib1.inc";
qreg q[2];
` + fourCX + `u3(1.1,0.1,2.4) q[0];
`

// FourCXMeasured is FourCX on 3 qubits, followed by an entangler with the
// third qubit and a measurement (a removable CX, and a directive that
// every pass must leave in place).
const FourCXMeasured = `OPENQASM 2.0;
include "qelib1.inc";
qreg q[3];
creg c[1];
` + fourCX + `h q[2];
cz q[1],q[2];
measure q[2] -> c[0];
`
