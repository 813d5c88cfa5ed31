// Package qasm reads and writes OpenQASM 2.0, the circuit format BQSKit
// users have.
//
// # Reading
//
// Parse and ParseFile return a *circuit.Circuit. What is accepted:
//   - the `OPENQASM 2.0;` header (required, first); `include "qelib1.inc";`
//     (optional: every qelib1.inc gate, and every other gate name BQSKit
//     reads, is built in; other include files are rejected);
//   - any number of `qreg` declarations, concatenated in order into one
//     qubit numbering (the circuit's QRegs keep the names); `creg`
//     declarations likewise for classical bits (the circuit's CRegs);
//   - gate calls with parameter expressions: numbers, pi, + - * / ^ (right
//     associative, binding tighter than unary minus), unary minus and plus,
//     parentheses, and the functions sin cos tan exp ln sqrt (and asin acos
//     atan); a parameter that is not finite (ln(0), 1/0) is an error;
//   - register broadcasting as QASM 2.0 defines it: `h q;` applies h to every
//     qubit of q; `cx a, b;` pairs equal-size registers element-wise, a
//     single qubit argument is repeated (`cx a[0], b;`); `measure q -> c;`
//     needs registers of equal size; `reset q;` resets each qubit;
//   - `measure`, `reset` and `barrier` become the circuit package's
//     directives (a barrier lists its distinct qubits in the order written);
//   - user `gate` definitions: each call is inlined, i.e. replaced by the
//     gates of the definition's body with parameters and qubits substituted
//     (nested definitions expand recursively); the resulting circuit holds
//     only built-in gates and directives, never the user gate's name. A
//     definition whose name is a built-in gate is checked but not used: the
//     built-in gate wins (as in BQSKit).
//
// Rejected with an explicit error: `if` (classically controlled operations
// are not supported: the compiler works on unitary circuits), `opaque`
// declarations, include files other than qelib1.inc, OPENQASM versions other
// than 2.0, and files with no qubit register. The reader applies Limits
// (DefaultLimits: 2^20 qubits, 2^20 classical bits, 2^23 operations after
// expansion) so that small inputs cannot expand without bound.
//
// Every parse error is an *Error carrying the file name, the 1-based line
// and column (in bytes) and a message naming what was expected and what was
// found; it matches ErrSyntax with errors.Is. A missing ';' is reported just
// after the token it should follow. The reader never panics on any input (a
// fuzz target, FuzzParse, checks this and the write/read round trip).
//
// # Writing
//
// Write and Format produce `OPENQASM 2.0;`, `include "qelib1.inc";`, one
// `qreg q[N];` for all qubits, the classical registers, then one line per
// op (`u3(1.5707963267948966, 0, 3.14) q[0];`, `cx q[0], q[1];`,
// `measure q[1] -> c[0];`). Parameters are written in shortest round-trip
// form (strconv.FormatFloat(x, 'g', -1, 64)), so the output reads back to
// exactly the same operations. Circuits holding gates without a QASM name
// (circuit.UnitaryGate) or non-finite parameters cannot be written: Check
// tells, Write returns an error matching ErrUnsupported, Format panics.
package qasm
