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
//     only built-in gates and directives, never the user gate's name.
//     Redefining U or CX, or (after `include "qelib1.inc";`) one of the
//     gates the original qelib1.inc defines (u3 u2 u1 cx id u0 x y z h s
//     sdg t tdg rx ry rz cz cy ch ccx crz cu1 cu3), is an error naming the
//     definition's line and column. A definition of another built-in name
//     (a later qelib1.inc gate such as rzz or sx, which older exporters
//     define, or any qelib1.inc gate in a file without the include) is
//     checked but not used: the built-in gate wins (as in BQSKit).
//
// Rejected with an explicit error: `if` (classically controlled operations
// are not supported: the compiler works on unitary circuits), `opaque`
// declarations, include files other than qelib1.inc, OPENQASM versions other
// than 2.0, and files with no qubit register.
//
// # Limits and cost
//
// The reader applies Limits so that a small input cannot make it use
// unbounded memory or time. Defaults (a zero field takes its default):
//   - MaxQubits: DefaultMaxQubits = 4096 qubits in all quantum registers;
//   - MaxClbits: DefaultMaxClbits = 65536 classical bits;
//   - MaxGates: DefaultMaxGates = 524,288 operations (gates, measure,
//     reset, barrier) after inlining user gates and broadcasting registers,
//     and WorkPerGate × MaxGates (8 × 524,288) expansion steps: each
//     operation costs one step plus one per qubit and classical bit it
//     names, each inlined user gate call one step (so that empty bodies
//     nested deep, or a million barriers over thousands of qubits, are
//     bounded too).
//
// Sizes are computed before anything is built: a register declaration is
// checked against MaxQubits/MaxClbits, each gate definition's expanded
// size is counted once when it is defined (from the counts of the gates
// its body calls, saturating instead of overflowing), and a statement is
// refused when that size times its broadcast width exceeds what is left.
// So an exponential nest of definitions or a broadcast over a huge
// register is refused in microseconds and a few MB, and what is accepted
// costs memory in proportion to the limits (about 500 bytes per operation
// at peak: some 250 MB for a circuit at the default MaxGates). The refusal is an *Error at the register size or statement
// naming the limit and the value, which also matches ErrTooManyQubits,
// ErrTooManyClbits or ErrTooManyGates (errors.Is; Error.Limit holds it), so
// that callers can answer "too many qubits" rather than "invalid circuit".
// Parse and ParseFile use the defaults; ParseWithLimits and ParseContext
// take the caller's (a server passes its --max-qubits).
//
// Parsing is linear in the input plus the operations produced: name lists,
// duplicate checks and broadcasts use maps, never pairwise scans of long
// lists. ParseContext stops when its context is done (it checks every 1,024
// tokens and expansion steps) and returns an error wrapping ctx.Err(); that
// error is not an *Error.
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
