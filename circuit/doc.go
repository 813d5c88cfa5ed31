// Package circuit is the quantum-circuit representation the compiler works
// on: gates with exact unitaries and derivatives, circuits as ordered lists
// of operations, and a fast evaluator of a circuit's unitary and its
// gradient for numerical instantiation.
//
// # Conventions
//
// Qubit order is big-endian, as in BQSKit: qubit 0 is the most significant
// index of a 2^n x 2^n unitary, and an op's Qubits[0] is the most significant
// index of its gate's matrix (controls come first: `cx q[1],q[0]` is
// Op{CX, []int{1, 0}} with qubit 1 the control).
//
// # Gates
//
// Gates are immutable package-level values named after QASM (CX, U3, RX,
// ...), shared freely between goroutines; LookupGate maps every QASM 2.0
// name BQSKit reads to one of them (the built-ins "U" and "CX" map to U and
// CX, whose Name is lower case). Matrices follow BQSKit's definitions (U3 as
// in the compiler reference; sx = ½[[1+i,1−i],[1−i,1+i]]; p = u1 =
// diag(1, e^{iλ}); xx/yy/zz = rxx/ryy/rzz(π/2); b = BQSKit's Berkeley gate;
// syc = fsim(π/2, π/6)); gates BQSKit does not define (u0, cu, ccp, cswap,
// rccx, rc3x, c3x, c4x, c3sqrtx) follow qelib1.inc exactly (u0(γ) is the
// identity; rccx/rc3x are the products of their qelib1.inc definitions).
// Parameterized gates give exact analytic derivatives through Grad.
// NewUnitaryGate(k) is a general variable k-qubit gate whose parameters are
// its matrix entries (see UnitaryGate for the layout).
//
// Measure, Reset and Barrier(n) are directives, not gates: IsDirective tells
// them apart. They have no parameters; Circuit.Unitary and the Evaluator skip
// them. A measure op carries its classical bit in Op.Clbits.
//
// # Circuits
//
// A Circuit has a fixed width, an ordered list of ops, and optional register
// metadata (QRegs, CRegs) used by QASM readers and writers. Append and Insert
// panic on malformed ops (wrong arity, repeated or out-of-range qubits):
// code that builds ops from user input (the qasm package) validates first.
// A Circuit is not safe for concurrent mutation; Clone it for other
// goroutines.
//
// # Evaluation
//
// NewEvaluator captures a circuit's structure once; Evaluator.Unitary and
// Evaluator.UnitaryAndGrad then compute V(θ) and every ∂V/∂θ_k without
// allocating, using one sweep with a right product R (from V) and a left
// product L (from I). An Evaluator owns scratch buffers: use one per
// goroutine. Circuit.Unitary is the simple allocating form.
package circuit
