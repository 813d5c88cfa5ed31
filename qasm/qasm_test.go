package qasm

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/bqskit-mpi/bqskit-mpi/circuit"
	"github.com/bqskit-mpi/bqskit-mpi/linalg"
)

// sharedDir holds BQSKit's benchmark circuits, shipped in the repository.
var sharedDir = filepath.Join("..", "testdata", "circuits", "bqskit")

func sharedFiles(tb testing.TB) []string {
	files, err := filepath.Glob(filepath.Join(sharedDir, "*.qasm"))
	if err != nil {
		tb.Fatal(err)
	}
	return files
}

// sameOps reports the first difference between the ops of a and b.
func sameOps(a, b *circuit.Circuit) error {
	if a.NumQubits() != b.NumQubits() {
		return fmt.Errorf("qubits %d vs %d", a.NumQubits(), b.NumQubits())
	}
	if a.Len() != b.Len() {
		return fmt.Errorf("ops %d vs %d", a.Len(), b.Len())
	}
	for i := 0; i < a.Len(); i++ {
		x, y := a.Op(i), b.Op(i)
		if x.Gate != y.Gate || !slices.Equal(x.Qubits, y.Qubits) || !slices.Equal(x.Params, y.Params) || !slices.Equal(x.Clbits, y.Clbits) {
			return fmt.Errorf("op %d: %s%v%v%v vs %s%v%v%v", i, x.Gate.Name(), x.Params, x.Qubits, x.Clbits,
				y.Gate.Name(), y.Params, y.Qubits, y.Clbits)
		}
	}
	return nil
}

// textCounts counts qubits, two-qubit gates (cx lines: the only two-qubit
// gate these files use, checked below) and statements from the file text,
// independently of the parser.
func textCounts(t *testing.T, src string) (qubits, twoQubit, gates int) {
	for _, line := range strings.Split(src, "\n") {
		line = strings.TrimSpace(line)
		switch {
		case line == "" || strings.HasPrefix(line, "OPENQASM") || strings.HasPrefix(line, "include") || strings.HasPrefix(line, "creg"):
		case strings.HasPrefix(line, "qreg"):
			open, close := strings.Index(line, "["), strings.Index(line, "]")
			n, err := strconv.Atoi(line[open+1 : close])
			if err != nil {
				t.Fatalf("qreg line %q", line)
			}
			qubits += n
		default:
			gates++
			if strings.Count(line, "[") == 2 {
				if !strings.HasPrefix(line, "cx ") {
					t.Fatalf("unexpected two-qubit line %q", line)
				}
				twoQubit++
			} else if strings.Count(line, "[") != 1 {
				t.Fatalf("unexpected line %q", line)
			}
		}
	}
	return
}

// wantShared was checked by hand against the files (qreg sizes; grep -c '^cx').
var wantShared = map[string][2]int{
	"adder63.qasm": {63, 1405}, "adder9.qasm": {9, 98}, "grover5.qasm": {5, 48},
	"heisenberg16.qasm": {16, 360}, "hub18.qasm": {18, 3541}, "mul60.qasm": {60, 11405},
	"qaoa12.qasm": {12, 198}, "qft5.qasm": {5, 20}, "qft64.qasm": {64, 3576},
	"shor26.qasm": {26, 21072}, "tfim4.qasm": {4, 60}, "tfim64.qasm": {64, 4032},
	"tfxy64.qasm": {64, 4032},
}

func TestSharedCircuits(t *testing.T) {
	files := sharedFiles(t)
	if len(files) == 0 {
		t.Fatalf("no benchmark circuits in %s", sharedDir)
	}
	seen := 0
	for _, path := range files {
		base := filepath.Base(path)
		t.Run(base, func(t *testing.T) {
			src, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			c, err := ParseFile(path)
			if err != nil {
				t.Fatal(err)
			}
			q, k, g := textCounts(t, string(src))
			if want, ok := wantShared[base]; ok {
				seen++
				if want != [2]int{q, k} {
					t.Fatalf("text counts %d qubits %d cx, table says %v", q, k, want)
				}
			}
			info := c.Info()
			if info.Qubits != q || info.TwoQubitGates != k || info.Gates != g || c.Len() != g {
				t.Errorf("Info %+v (len %d), want %d qubits, %d two-qubit, %d gates", info, c.Len(), q, k, g)
			}
			if info.GateCounts["cx"] != k || info.Depth < 1 || info.Depth > g {
				t.Errorf("gate counts %v, depth %d", info.GateCounts, info.Depth)
			}
			text := Format(c)
			c2, err := Parse("rewritten", []byte(text))
			if err != nil {
				t.Fatalf("rewritten text does not parse: %v", err)
			}
			if err := sameOps(c, c2); err != nil {
				t.Fatalf("read-write-read: %v", err)
			}
			if text2 := Format(c2); text2 != text {
				t.Error("writing twice gives different text")
			}
			if c.NumQubits() <= 10 {
				u, v := c.Unitary(), c2.Unitary()
				if d := linalg.MaxAbsDiff(u, v); d > 1e-10 {
					t.Errorf("unitaries differ by %g", d)
				}
				if !linalg.IsUnitary(u, 1e-9) {
					t.Error("unitary is not unitary")
				}
			}
		})
	}
	if seen != len(wantShared) {
		t.Errorf("found %d of the %d expected circuits", seen, len(wantShared))
	}
}

func mustParse(t *testing.T, src string) *circuit.Circuit {
	t.Helper()
	c, err := Parse("test.qasm", []byte(src))
	if err != nil {
		t.Fatalf("Parse: %v\n%s", err, src)
	}
	return c
}

const hdr = "OPENQASM 2.0;\ninclude \"qelib1.inc\";\n"

type wantOp struct {
	name   string
	qubits []int
	params []float64
	clbits []int
}

func checkOps(t *testing.T, c *circuit.Circuit, want []wantOp) {
	t.Helper()
	if c.Len() != len(want) {
		var got []string
		for _, op := range c.Ops() {
			got = append(got, fmt.Sprint(op.Gate.Name(), op.Qubits, op.Params))
		}
		t.Fatalf("%d ops, want %d: %v", c.Len(), len(want), got)
	}
	for i, w := range want {
		op := c.Op(i)
		ok := op.Gate.Name() == w.name && slices.Equal(op.Qubits, w.qubits) && slices.Equal(op.Clbits, w.clbits) &&
			len(op.Params) == len(w.params)
		for j := range w.params {
			if ok && math.Abs(op.Params[j]-w.params[j]) > 1e-15*max(1, math.Abs(w.params[j])) {
				ok = false
			}
		}
		if !ok {
			t.Errorf("op %d: %s %v %v %v, want %+v", i, op.Gate.Name(), op.Qubits, op.Params, op.Clbits, w)
		}
	}
}

func TestRegistersAndBroadcast(t *testing.T) {
	c := mustParse(t, hdr+`
qreg a[2];
creg m[2];
qreg b[2];   // b's qubits follow a's: 2, 3
creg n[1];
h a;
cx a, b;
cx a[0], b;
CX b[1], a[1];
U(0.5, 0.25, 0.125) b[0];
measure a -> m;
measure b[1] -> n[0];
reset b;
barrier a, b[0], a[1];
`)
	checkOps(t, c, []wantOp{
		{"h", []int{0}, nil, nil}, {"h", []int{1}, nil, nil},
		{"cx", []int{0, 2}, nil, nil}, {"cx", []int{1, 3}, nil, nil},
		{"cx", []int{0, 2}, nil, nil}, {"cx", []int{0, 3}, nil, nil},
		{"cx", []int{3, 1}, nil, nil},
		{"u", []int{2}, []float64{0.5, 0.25, 0.125}, nil},
		{"measure", []int{0}, nil, []int{0}}, {"measure", []int{1}, nil, []int{1}},
		{"measure", []int{3}, nil, []int{2}},
		{"reset", []int{2}, nil, nil}, {"reset", []int{3}, nil, nil},
		{"barrier", []int{0, 1, 2}, nil, nil},
	})
	if got := c.QRegs(); !slices.Equal(got, []circuit.Register{{Name: "a", Size: 2}, {Name: "b", Size: 2}}) {
		t.Errorf("QRegs %v", got)
	}
	if got := c.CRegs(); !slices.Equal(got, []circuit.Register{{Name: "m", Size: 2}, {Name: "n", Size: 1}}) {
		t.Errorf("CRegs %v", got)
	}
	// Round trip keeps the ops, measurement targets included.
	text := Format(c)
	if err := sameOps(c, mustParse(t, text)); err != nil {
		t.Errorf("round trip: %v\n%s", err, text)
	}
	if !strings.Contains(text, "measure q[3] -> n[0];") || !strings.Contains(text, "creg m[2];\ncreg n[1];\n") {
		t.Errorf("writer output:\n%s", text)
	}
}

func TestExpressions(t *testing.T) {
	pi, a, b := math.Pi, 0.1, 0.2 // variables: Go constant arithmetic is exact
	cases := []struct {
		src  string
		want float64
	}{
		{"pi", math.Pi},
		{"-pi/2", -math.Pi / 2},
		{"3*pi/4", 3 * math.Pi / 4},
		{"2^3^2", 512},
		{"-2^2", -4},
		{"2^-1", 0.5},
		{"(1+2)*3", 9},
		{"1+2*3", 7},
		{"1-2-3", -4},
		{"8/4/2", 1},
		{"sin(pi/6)", math.Sin(pi / 6)},
		{"cos(0.3)+tan(0.2)", math.Cos(0.3) + math.Tan(0.2)},
		{"exp(1)", math.E},
		{"ln(10)", math.Log(10)},
		{"sqrt(2)/2", math.Sqrt(2) / 2},
		{"--1", 1},
		{"+1.5e-3", 1.5e-3},
		{".5", 0.5},
		{"5.", 5},
		{"1E2", 100},
		{"-(0.1 + 0.2)", -(a + b)},
	}
	for _, tc := range cases {
		c := mustParse(t, hdr+"qreg q[1];\nrz("+tc.src+") q[0];\n")
		if got := c.Op(0).Params[0]; got != tc.want {
			t.Errorf("%s = %v, want %v", tc.src, got, tc.want)
		}
	}
}

func TestUserGates(t *testing.T) {
	c := mustParse(t, hdr+`
qreg q[3];
gate bell a, b { h a; cx a, b; }
gate rot(theta, phi) x { rz(theta/2) x; ry(-phi) x; barrier x; }
gate two(t) a, b, c { bell a, c; rot(t, 2*t) b; U(t, 0, pi) c; }
gate nop() a { }
two(0.5) q[2], q[0], q[1];
rot(1, 2) q;
nop q[1];
// a definition of a built-in name outside the original qelib1.inc (an
// older exporter's rzz, here deliberately wrong) is parsed but the
// built-in is used
gate rzz(t) a, b { x a; }
rzz(0.5) q[0], q[1];
`)
	checkOps(t, c, []wantOp{
		{"h", []int{2}, nil, nil}, {"cx", []int{2, 1}, nil, nil},
		{"rz", []int{0}, []float64{0.25}, nil}, {"ry", []int{0}, []float64{-1}, nil}, {"barrier", []int{0}, nil, nil},
		{"u", []int{1}, []float64{0.5, 0, math.Pi}, nil},
		{"rz", []int{0}, []float64{0.5}, nil}, {"ry", []int{0}, []float64{-2}, nil}, {"barrier", []int{0}, nil, nil},
		{"rz", []int{1}, []float64{0.5}, nil}, {"ry", []int{1}, []float64{-2}, nil}, {"barrier", []int{1}, nil, nil},
		{"rz", []int{2}, []float64{0.5}, nil}, {"ry", []int{2}, []float64{-2}, nil}, {"barrier", []int{2}, nil, nil},
		{"rzz", []int{0, 1}, []float64{0.5}, nil},
	})
	// Without include "qelib1.inc" defining its gates is how QASM 2.0 files
	// without the include get them: accepted, the built-in is used.
	c = mustParse(t, "OPENQASM 2.0;\nqreg q[1];\ngate h a { U(pi/2, 0, pi) a; }\nh q[0];\n")
	checkOps(t, c, []wantOp{{"h", []int{0}, nil, nil}})
}

func TestLimitsAndExpansion(t *testing.T) {
	// Each level doubles: 2^31 ops if expanded; refused before expanding.
	var sb strings.Builder
	sb.WriteString(hdr + "qreg q[1];\ngate g0 a { x a; x a; }\n")
	for i := 1; i <= 30; i++ {
		fmt.Fprintf(&sb, "gate g%d a { g%d a; g%d a; }\n", i, i-1, i-1)
	}
	sb.WriteString("g9 q[0];\ng30 q[0];\n")
	_, err := ParseWithLimits("bomb.qasm", []byte(sb.String()), Limits{MaxQubits: 10, MaxClbits: 10, MaxGates: 1 << 20})
	var qe *Error
	if !errors.As(err, &qe) || !errors.Is(err, ErrTooManyGates) || !errors.Is(err, ErrSyntax) || qe.Line != 36 || qe.Col != 1 ||
		!strings.Contains(qe.Msg, "gate g30 expands to 2147483648 operations, making 2147484672; the limit is 1048576") {
		t.Errorf("expansion bomb: %v", err)
	}
	// Empty bodies emit nothing but still nest exponentially: the work
	// bound refuses them.
	sb.Reset()
	sb.WriteString(hdr + "qreg q[1];\ngate g0 a { }\n")
	for i := 1; i <= 60; i++ {
		fmt.Fprintf(&sb, "gate g%d a { g%d a; g%d a; }\n", i, i-1, i-1)
	}
	sb.WriteString("g60 q[0];\n")
	_, err = Parse("empty-bomb.qasm", []byte(sb.String()))
	if !errors.As(err, &qe) || !errors.Is(err, ErrTooManyGates) || !strings.Contains(qe.Msg, "expanding gate g60 takes") || qe.Line != 65 {
		t.Errorf("empty expansion bomb: %v", err)
	}
	cases := []struct {
		name      string
		src       string
		lim       Limits
		sentinel  error
		line, col int
		msg       string
	}{
		{"qubits", hdr + "qreg q[11];", Limits{MaxQubits: 10}, ErrTooManyQubits, 3, 8, "too many qubits: register q[11] makes 11, the limit is 10"},
		{"qubits summed", hdr + "qreg a[6];\nqreg b[5];", Limits{MaxQubits: 10}, ErrTooManyQubits, 4, 8, "register b[5] makes 11, the limit is 10"},
		{"default qubits", hdr + "qreg q[4097];", Limits{}, ErrTooManyQubits, 3, 8, "the limit is 4096"},
		{"huge register", hdr + "qreg q[99999999999999999999];", Limits{}, nil, 3, 8, "register size must be a positive integer"},
		{"clbits", hdr + "qreg q[1];\ncreg c[11];", Limits{MaxClbits: 10}, ErrTooManyClbits, 4, 8, "too many classical bits: register c[11] makes 11, the limit is 10"},
		{"broadcast", hdr + "qreg q[100];\nx q[0];\nh q;", Limits{MaxGates: 100}, ErrTooManyGates, 5, 1,
			"too many gates: gate h broadcast over 100 qubits expands to 100 operations, making 101; the limit is 100"},
		{"user broadcast", hdr + "qreg q[10];\ngate g a { h a; h a; }\ng q;", Limits{MaxGates: 19}, ErrTooManyGates, 5, 1,
			"gate g broadcast over 10 qubits expands to 20 operations"},
		{"measure", hdr + "qreg q[10];\ncreg c[10];\nmeasure q -> c;", Limits{MaxGates: 9}, ErrTooManyGates, 5, 1, "measure q expands to 10 operations"},
		{"reset", hdr + "qreg q[10];\nreset q;", Limits{MaxGates: 9}, ErrTooManyGates, 4, 1, "reset q expands to 10 operations"},
		{"barrier", hdr + "qreg q[10];\nh q;\nbarrier q;", Limits{MaxGates: 10}, ErrTooManyGates, 5, 1, "barrier expands to 1 operations, making 11"},
	}
	for _, tc := range cases {
		_, err := ParseWithLimits("lim.qasm", []byte(tc.src), tc.lim)
		if !errors.As(err, &qe) || qe.Line != tc.line || qe.Col != tc.col || !strings.Contains(qe.Msg, tc.msg) {
			t.Errorf("%s: got %v, want %d:%d %q", tc.name, err, tc.line, tc.col, tc.msg)
			continue
		}
		if tc.sentinel != nil && (!errors.Is(err, tc.sentinel) || qe.Limit != tc.sentinel) {
			t.Errorf("%s: %v does not match %v", tc.name, err, tc.sentinel)
		}
		if tc.sentinel == nil && qe.Limit != nil {
			t.Errorf("%s: %v is a limit error", tc.name, err)
		}
	}
	// Exactly at the limits is accepted.
	c, err := ParseWithLimits("at.qasm", []byte(hdr+"qreg q[10];\ncreg c[10];\ngate g a { h a; }\ng q;\nmeasure q -> c;"), Limits{MaxQubits: 10, MaxClbits: 10, MaxGates: 20})
	if err != nil || c.Len() != 20 {
		t.Errorf("at the limits: %v", err)
	}
	// Syntax errors match no limit sentinel.
	_, err = Parse("bad.qasm", []byte(hdr+"qreg q[1];\nh q[1];"))
	if !errors.Is(err, ErrSyntax) || errors.Is(err, ErrTooManyQubits) || errors.Is(err, ErrTooManyGates) {
		t.Errorf("syntax error: %v", err)
	}
}

func TestErrors(t *testing.T) {
	h3 := hdr + "qreg q[3];\n" // statements start on line 4
	cases := []struct {
		name      string
		src       string
		line, col int
		msg       string // substring
	}{
		{"empty file", "", 1, 1, "expected 'OPENQASM 2.0;' header, found end of file"},
		{"missing header", "qreg q[1];", 1, 1, "expected 'OPENQASM 2.0;' header"},
		{"bad version", "OPENQASM 3.0;", 1, 10, "unsupported OPENQASM version 3.0"},
		{"no qreg", "OPENQASM 2.0;\n", 2, 1, "no qubit register"},
		{"unknown gate", h3 + "foo q[0];", 4, 1, `unknown gate "foo"`},
		{"wrong arity", h3 + "cx q[0];", 4, 1, "gate cx acts on 2 qubits, got 1 argument"},
		{"qubit out of range", h3 + "h q[3];", 4, 5, "index 3 out of range for register q[3]"},
		{"missing semicolon", h3 + "h q[0]\nx q[1];", 4, 7, `expected ';' after gate arguments, found "x"`},
		{"bad expression", h3 + "rx(1+) q[0];", 4, 6, "expected an expression, found ')'"},
		{"unterminated gate body", h3 + "gate g a {\n h a;\n", 4, 10, `unterminated body of gate "g"`},
		{"binary garbage", "\x00\x01\x02\x03", 1, 1, "unexpected character"},
		{"invalid utf-8", h3 + "\xff\xfe", 4, 1, "unexpected byte 0xff"},
		{"duplicate register", h3 + "qreg q[2];", 4, 6, `register "q" already declared at line 3`},
		{"undefined register", h3 + "h r[0];", 4, 3, `undefined register "r"`},
		{"wrong param count", h3 + "u3(0.1) q[0];", 4, 1, "gate u3 takes 3 parameters, got 1"},
		{"params on fixed gate", h3 + "h(1) q[0];", 4, 1, "gate h takes 0 parameters, got 1"},
		{"if rejected", h3 + "creg c[1];\nif(c==1) x q[0];", 5, 1, "('if') are not supported"},
		{"opaque rejected", h3 + "opaque g a;", 4, 1, "opaque gate declarations are not supported"},
		{"unterminated string", "OPENQASM 2.0;\ninclude \"qelib1.inc;\n", 2, 9, "unterminated string"},
		{"other include", "OPENQASM 2.0;\ninclude \"other.inc\";", 2, 9, `cannot include "other.inc"`},
		{"repeated qubit", h3 + "cx q[1], q[1];", 4, 10, "uses qubit q[1] twice"},
		{"broadcast size mismatch", h3 + "qreg r[2];\ncx q, r;", 5, 7, "register r has size 2 but q has size 3"},
		{"measure mismatch", h3 + "creg c[2];\nmeasure q -> c;", 5, 14, "do not match"},
		{"measure into qubits", h3 + "measure q[0] -> q[1];", 4, 17, `"q" is not a classical register`},
		{"classical as qubit", h3 + "creg c[1];\nh c[0];", 5, 3, `"c" is not a qubit register`},
		{"unknown identifier", h3 + "rx(theta) q[0];", 4, 4, `unknown identifier "theta"`},
		{"malformed number", h3 + "rx(1e) q[0];", 4, 4, "malformed number"},
		{"zero-size register", h3 + "qreg r[0];", 4, 8, "register size must be a positive integer"},
		{"body unknown gate", h3 + "gate g a { foo a; }", 4, 12, `unknown gate "foo"`},
		{"body indexed arg", h3 + "gate g a { h a[0]; }", 4, 15, "cannot be indexed"},
		{"body unknown arg", h3 + "gate g a { h b; }", 4, 14, `"b" is not a qubit argument of gate g`},
		{"body measure", h3 + "gate g a { measure a -> c; }", 4, 12, `"measure" is not allowed in a gate body`},
		{"non-finite parameter", h3 + "rx(ln(0)) q[0];", 4, 1, "evaluates to -Inf"},
		{"user gate arity", h3 + "gate g a,b { cx a,b; }\ng q[0];", 5, 1, "gate g acts on 2 qubits, got 1 argument"},
		{"user gate params", h3 + "gate g(t) a { rx(t) a; }\ng q[0];", 5, 1, "gate g takes 1 parameter, got 0"},
		{"gate redefined", h3 + "gate g a { h a; }\ngate g a { x a; }", 5, 6, `gate "g" already defined at line 4`},
		{"qelib1 gate redefined", h3 + "gate x a { x a; }", 4, 6, `gate "x" is defined by qelib1.inc and cannot be redefined`},
		{"qelib1 gate redefined later", h3 + "h q;\n  gate cu3(a,b,c) s,t { cx s,t; }", 5, 8, `gate "cu3" is defined by qelib1.inc`},
		{"U redefined", "OPENQASM 2.0;\nqreg q[1];\ngate U(a,b,c) x { }", 3, 6, `gate "U" is built into OpenQASM and cannot be redefined`},
		{"CX redefined", h3 + "gate CX a, b { }", 4, 6, `gate "CX" is built into OpenQASM`},
		{"unexpected character", h3 + "h q[0]; @", 4, 9, "unexpected character '@'"},
		{"non-integer index", h3 + "h q[1.5];", 4, 5, "expected an index (an integer), found number 1.5"},
		{"missing bracket", h3 + "h q[1;", 4, 6, "expected ']' after index"},
		{"missing arrow", h3 + "creg c[3];\nmeasure q c;", 5, 11, "expected '->'"},
		{"statement starts with number", h3 + "3 q[0];", 4, 1, "expected a statement, found number 3"},
		{"unclosed paren", h3 + "rx((1) q[0];", 4, 8, "expected ')' or ',' in parameter list, found \"q\""},
		{"unclosed nested paren", h3 + "rx(2*(1 q[0];", 4, 9, "expected ')' to close '('"},
		{"deep nesting", h3 + "rx(" + strings.Repeat("(", 500) + "1" + strings.Repeat(")", 500) + ") q[0];", 4, 205, "nested too deeply"},
		{"keyword as register", h3 + "qreg gate[2];", 4, 6, `expected register name after qreg, found keyword "gate"`},
		{"huge index", h3 + "h q[99999999999999999999999];", 4, 5, "out of range"},
		{"header repeated", h3 + "OPENQASM 2.0;", 4, 1, "OPENQASM header repeated"},
		{"barrier params in body", h3 + "gate g a { barrier(1) a; }", 4, 12, "barrier takes no parameters"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, err := Parse("bad.qasm", []byte(tc.src))
			if err == nil {
				t.Fatalf("no error; %d ops", c.Len())
			}
			var qe *Error
			if !errors.As(err, &qe) {
				t.Fatalf("error %T %v is not a *qasm.Error", err, err)
			}
			if !errors.Is(err, ErrSyntax) {
				t.Errorf("error does not match ErrSyntax")
			}
			if qe.File != "bad.qasm" || qe.Line != tc.line || qe.Col != tc.col || !strings.Contains(qe.Msg, tc.msg) {
				t.Errorf("got %q (line %d col %d), want line %d col %d containing %q", err.Error(), qe.Line, qe.Col, tc.line, tc.col, tc.msg)
			}
			if !strings.HasPrefix(err.Error(), fmt.Sprintf("bad.qasm:%d:%d: ", tc.line, tc.col)) {
				t.Errorf("message %q lacks the file:line:col prefix", err.Error())
			}
		})
	}
	if len(cases) < 20 {
		t.Fatalf("only %d malformed inputs", len(cases))
	}
}

func TestParseFileErrors(t *testing.T) {
	_, err := ParseFile(filepath.Join(t.TempDir(), "missing.qasm"))
	if err == nil || !strings.Contains(err.Error(), "missing.qasm") || errors.Is(err, ErrSyntax) {
		t.Errorf("missing file: %v", err)
	}
	if !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file error does not wrap os.ErrNotExist: %v", err)
	}
	path := filepath.Join(t.TempDir(), "bad.qasm")
	if err := os.WriteFile(path, []byte(hdr+"qreg q[1];\nh q[1];\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = ParseFile(path)
	var qe *Error
	if !errors.As(err, &qe) || qe.File != path || qe.Line != 4 || qe.Col != 5 {
		t.Errorf("ParseFile error %v", err)
	}
}

func TestWriterFormat(t *testing.T) {
	c := circuit.New(2)
	c.Append(circuit.Op{Gate: circuit.U3, Qubits: []int{0}, Params: []float64{math.Pi / 2, 0, 3.14}})
	c.Append(circuit.Op{Gate: circuit.CX, Qubits: []int{0, 1}})
	c.Append(circuit.Op{Gate: circuit.RZ, Qubits: []int{1}, Params: []float64{-1e-300}})
	c.Append(circuit.Op{Gate: circuit.Barrier(2), Qubits: []int{1, 0}})
	want := `OPENQASM 2.0;
include "qelib1.inc";
qreg q[2];
u3(1.5707963267948966, 0, 3.14) q[0];
cx q[0], q[1];
rz(-1e-300) q[1];
barrier q[1], q[0];
`
	if got := Format(c); got != want {
		t.Errorf("Format:\n%s\nwant:\n%s", got, want)
	}
	var buf bytes.Buffer
	if err := Write(&buf, c); err != nil || buf.String() != want {
		t.Errorf("Write: %v\n%s", err, buf.String())
	}
	if err := sameOps(c, mustParse(t, want)); err != nil {
		t.Error(err)
	}
	// A creg named q moves the qreg name aside.
	c.AddCReg("q", 1)
	c.Append(circuit.Op{Gate: circuit.Measure, Qubits: []int{1}, Clbits: []int{0}})
	text := Format(c)
	if !strings.Contains(text, "qreg q0[2];") || !strings.Contains(text, "measure q0[1] -> q[0];") {
		t.Errorf("qreg renaming:\n%s", text)
	}
	if err := sameOps(c, mustParse(t, text)); err != nil {
		t.Error(err)
	}
}

func TestWriterEveryGateRoundTrip(t *testing.T) {
	c := circuit.New(5)
	for i, name := range circuit.GateNames() {
		g, _ := circuit.LookupGate(name)
		q := make([]int, g.NumQubits())
		for j := range q {
			q[j] = (i + 2*j) % 5
		}
		p := make([]float64, g.NumParams())
		for j := range p {
			p[j] = math.Sqrt(float64(i+j+2)) * math.Pow(10, float64((i+j)%41-20))
		}
		c.Append(circuit.Op{Gate: g, Qubits: q, Params: p})
	}
	c2 := mustParse(t, Format(c))
	if err := sameOps(c, c2); err != nil {
		t.Error(err)
	}
	if d := linalg.MaxAbsDiff(c.Unitary(), c2.Unitary()); d != 0 {
		t.Errorf("unitaries differ by %g", d)
	}
}

type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

func TestWriterErrors(t *testing.T) {
	c := circuit.New(2)
	g := circuit.NewUnitaryGate(1)
	c.Append(circuit.Op{Gate: g, Qubits: []int{0}, Params: make([]float64, g.NumParams())})
	var buf bytes.Buffer
	if err := Write(&buf, c); !errors.Is(err, ErrUnsupported) || buf.Len() != 0 {
		t.Errorf("unitary gate: err %v, wrote %d bytes", err, buf.Len())
	}
	c = circuit.New(1)
	c.Append(circuit.Op{Gate: circuit.RX, Qubits: []int{0}, Params: []float64{math.NaN()}})
	if err := Check(c); !errors.Is(err, ErrUnsupported) {
		t.Errorf("NaN parameter: %v", err)
	}
	c = circuit.New(1)
	c.AddCReg("1bad", 1)
	if err := Check(c); !errors.Is(err, ErrUnsupported) {
		t.Errorf("bad creg name: %v", err)
	}
	c = circuit.New(1)
	c.Append(circuit.Op{Gate: circuit.X, Qubits: []int{0}})
	if err := Write(failWriter{}, c); err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Errorf("failing writer: %v", err)
	}
}

func TestCommentsBOMAndSpacing(t *testing.T) {
	c := mustParse(t, "\xEF\xBB\xBF// leading comment\nOPENQASM 2.0; // trailing\r\ninclude \"qelib1.inc\";\nqreg q[2];\nrx (-0.1) q[0] ;cx q[0],q[1];")
	checkOps(t, c, []wantOp{{"rx", []int{0}, []float64{-0.1}, nil}, {"cx", []int{0, 1}, nil, nil}})
	// include is optional: the qelib1.inc gates are built in.
	c = mustParse(t, "OPENQASM 2;\nqreg q[1];\nsx q[0];")
	checkOps(t, c, []wantOp{{"sx", []int{0}, nil, nil}})
}

func BenchmarkParseShor26(b *testing.B) {
	src, err := os.ReadFile(filepath.Join(sharedDir, "shor26.qasm"))
	if err != nil {
		b.Fatalf("benchmark circuit missing: %v", err)
	}
	b.SetBytes(int64(len(src)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse("shor26.qasm", src); err != nil {
			b.Fatal(err)
		}
	}
}
