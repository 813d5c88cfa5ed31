package qasm

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/bqskit-mpi/bqskit-mpi/circuit"
)

// ErrUnsupported is returned by Write for circuits that QASM 2.0 cannot
// express (gates without a QASM name, such as circuit.UnitaryGate).
var ErrUnsupported = errors.New("qasm: not expressible in QASM 2.0")

// Check reports whether Write can express c: every op's gate must be a
// gate LookupGate knows by its Name, or a directive.
// Parameters must be finite and classical register names must be QASM
// identifiers.
func Check(c *circuit.Circuit) error {
	for _, r := range c.CRegs() {
		if !isIdent(r.Name) {
			return fmt.Errorf("%w: classical register name %q is not a QASM identifier", ErrUnsupported, r.Name)
		}
	}
	for i, op := range c.Ops() {
		for _, x := range op.Params {
			if math.IsNaN(x) || math.IsInf(x, 0) {
				return fmt.Errorf("%w: op %d (%s): parameter %v is not finite", ErrUnsupported, i, op.Gate.Name(), x)
			}
		}
		if circuit.IsDirective(op.Gate) {
			continue
		}
		if g, ok := circuit.LookupGate(op.Gate.Name()); !ok || g != op.Gate {
			return fmt.Errorf("%w: op %d: gate %s has no QASM 2.0 form", ErrUnsupported, i, op.Gate.Name())
		}
	}
	return nil
}

func isIdent(s string) bool {
	if s == "" || !isLetter(s[0]) || keywords[s] {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isLetter(s[i]) && !isDigit(s[i]) {
			return false
		}
	}
	return true
}

// qregName picks the quantum register name: "q", unless a classical
// register already uses it.
func qregName(c *circuit.Circuit) string {
	used := map[string]bool{}
	for _, r := range c.CRegs() {
		used[r.Name] = true
	}
	name := "q"
	for i := 0; used[name]; i++ {
		name = "q" + strconv.Itoa(i)
	}
	return name
}

// Write writes c as QASM 2.0: the header, `include "qelib1.inc";`, one
// `qreg q[N];` holding every qubit, the circuit's classical registers, and
// one line per op, e.g. `u3(1.5707963267948966, 0, 3.14) q[0];`. Parameters
// are written in shortest round-trip form (strconv 'g', -1), so reading the
// output back gives exactly the same ops. Circuits with gates that have no
// QASM form give an error matching ErrUnsupported and write nothing.
func Write(w io.Writer, c *circuit.Circuit) error {
	if err := Check(c); err != nil {
		return err
	}
	bw := bufio.NewWriter(w)
	writeTo(bw, c)
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("qasm: write: %w", err)
	}
	return nil
}

// Format returns c as QASM 2.0 text (see Write). It panics if c has a gate
// without a QASM form; call Check first when that is possible.
func Format(c *circuit.Circuit) string {
	if err := Check(c); err != nil {
		panic(err.Error())
	}
	var sb strings.Builder
	bw := bufio.NewWriter(&sb)
	writeTo(bw, c)
	bw.Flush() // a strings.Builder never fails
	return sb.String()
}

func writeTo(w *bufio.Writer, c *circuit.Circuit) {
	q := qregName(c)
	w.WriteString("OPENQASM 2.0;\ninclude \"qelib1.inc\";\n")
	fmt.Fprintf(w, "qreg %s[%d];\n", q, c.NumQubits())
	cregs := c.CRegs()
	for _, r := range cregs {
		fmt.Fprintf(w, "creg %s[%d];\n", r.Name, r.Size)
	}
	clbit := func(b int) (string, int) {
		for _, r := range cregs {
			if b < r.Size {
				return r.Name, b
			}
			b -= r.Size
		}
		panic("qasm: classical bit out of range") // Circuit.Append forbids this
	}
	var buf []byte
	for _, op := range c.Ops() {
		buf = append(buf[:0], op.Gate.Name()...)
		if len(op.Params) > 0 {
			buf = append(buf, '(')
			for i, x := range op.Params {
				if i > 0 {
					buf = append(buf, ", "...)
				}
				buf = strconv.AppendFloat(buf, x, 'g', -1, 64)
			}
			buf = append(buf, ')')
		}
		buf = append(buf, ' ')
		for i, b := range op.Qubits {
			if i > 0 {
				buf = append(buf, ", "...)
			}
			buf = append(buf, q...)
			buf = append(buf, '[')
			buf = strconv.AppendInt(buf, int64(b), 10)
			buf = append(buf, ']')
		}
		if op.Gate == circuit.Measure {
			name, idx := clbit(op.Clbits[0])
			buf = append(buf, " -> "...)
			buf = append(buf, name...)
			buf = append(buf, '[')
			buf = strconv.AppendInt(buf, int64(idx), 10)
			buf = append(buf, ']')
		}
		buf = append(buf, ";\n"...)
		w.Write(buf)
	}
}
