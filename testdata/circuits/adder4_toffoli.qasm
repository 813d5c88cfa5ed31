// 4-bit ripple-carry adder (Cuccaro et al., quant-ph/0410184) built from
// Toffoli gates: q[0] carry in, (b_i, a_i) = (q[2i+1], q[2i+2]), q[9] carry out.
// b <- a + b + c; written by the bqskit-mpi developers for its tests (not one of
// BQSKit's circuits; TestToffoliAdderLevel1 checks the addition on every basis state).
OPENQASM 2.0;
include "qelib1.inc";
qreg q[10];
cx q[2], q[1];
cx q[2], q[0];
ccx q[0], q[1], q[2];
cx q[4], q[3];
cx q[4], q[2];
ccx q[2], q[3], q[4];
cx q[6], q[5];
cx q[6], q[4];
ccx q[4], q[5], q[6];
cx q[8], q[7];
cx q[8], q[6];
ccx q[6], q[7], q[8];
cx q[8], q[9];
ccx q[6], q[7], q[8];
cx q[8], q[6];
cx q[6], q[7];
ccx q[4], q[5], q[6];
cx q[6], q[4];
cx q[4], q[5];
ccx q[2], q[3], q[4];
cx q[4], q[2];
cx q[2], q[3];
ccx q[0], q[1], q[2];
cx q[2], q[0];
cx q[0], q[1];
