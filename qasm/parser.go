package qasm

import (
	"fmt"
	"math"
	"os"
	"slices"
	"strconv"

	"github.com/bqskit-mpi/bqskit-mpi/circuit"
)

// Limits bound what the reader accepts, so that a small malicious file
// cannot make it use unbounded memory (user gate definitions can expand
// exponentially).
type Limits struct {
	MaxQubits int // total size of the quantum registers
	MaxClbits int // total size of the classical registers
	MaxOps    int // operations after expanding user gates and broadcasting
}

// DefaultLimits are the limits Parse and ParseFile apply.
var DefaultLimits = Limits{MaxQubits: 1 << 20, MaxClbits: 1 << 20, MaxOps: 1 << 23}

// ParseFile reads and parses the QASM 2.0 file at path. Errors reading the
// file are returned wrapped (they name the path); parse errors are *Error.
func ParseFile(path string) (*circuit.Circuit, error) {
	src, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("qasm: %w", err)
	}
	return Parse(path, src)
}

// Parse parses QASM 2.0 source; filename is used in error messages only.
// Every error is an *Error (matching ErrSyntax) naming line and column.
func Parse(filename string, src []byte) (*circuit.Circuit, error) {
	return ParseWithLimits(filename, src, DefaultLimits)
}

// ParseWithLimits is Parse with explicit limits.
func ParseWithLimits(filename string, src []byte, lim Limits) (*circuit.Circuit, error) {
	p := &parser{
		lx:        newLexer(filename, src),
		file:      filename,
		lim:       lim,
		regs:      map[string]*register{},
		userGates: map[string]*gateDef{},
	}
	if err := p.advance(); err != nil {
		return nil, err
	}
	if err := p.program(); err != nil {
		return nil, err
	}
	return p.build(), nil
}

type register struct {
	name    string
	size    int
	offset  int // index of its first bit in the concatenation
	quantum bool
	tok     token
}

// bodyOp is one statement of a user gate body.
type bodyOp struct {
	gate   circuit.Gate // nil when user is set
	user   *gateDef
	args   []int // indices into the gate's formal qubit arguments
	params []*expr
	tok    token
}

type gateDef struct {
	name    string
	params  []string
	qargs   []string
	body    []bodyOp
	tok     token
	builtin bool // the name is a built-in gate: the definition is checked but not used
}

type pendingOp struct {
	gate   circuit.Gate
	qubits []int
	params []float64
	clbits []int
}

type parser struct {
	lx        *lexer
	file      string
	lim       Limits
	tok       token
	prev      token // the token before tok (for "expected ';'" positions)
	qregs     []*register
	cregs     []*register
	regs      map[string]*register
	nq, nc    int
	userGates map[string]*gateDef
	ops       []pendingOp
	steps     int // user gate expansion work so far
}

func (p *parser) advance() error {
	t, err := p.lx.next()
	if err != nil {
		return err
	}
	p.prev, p.tok = p.tok, t
	return nil
}

func (p *parser) errAt(t token, format string, args ...any) *Error {
	return &Error{File: p.file, Line: t.line, Col: t.col, Msg: fmt.Sprintf(format, args...)}
}

func (p *parser) isSym(s string) bool { return p.tok.kind == tSym && p.tok.text == s }

// expectSym consumes symbol s or fails naming what was expected, at the
// unexpected token.
func (p *parser) expectSym(s, context string) error {
	if !p.isSym(s) {
		return p.errAt(p.tok, "expected '%s' %s, found %s", s, context, p.tok.describe())
	}
	return p.advance()
}

// expectSemi consumes ';'. A missing semicolon is reported just after the
// previous token, where it belongs.
func (p *parser) expectSemi(context string) error {
	if !p.isSym(";") {
		return &Error{File: p.file, Line: p.prev.endLine, Col: p.prev.endCol,
			Msg: fmt.Sprintf("expected ';' %s, found %s", context, p.tok.describe())}
	}
	return p.advance()
}

func (p *parser) expectIdent(what string) (token, error) {
	t := p.tok
	if t.kind != tIdent {
		return t, p.errAt(t, "expected %s, found %s", what, t.describe())
	}
	if keywords[t.text] {
		return t, p.errAt(t, "expected %s, found keyword %q", what, t.text)
	}
	return t, p.advance()
}

var keywords = map[string]bool{
	"OPENQASM": true, "include": true, "qreg": true, "creg": true, "gate": true,
	"opaque": true, "if": true, "measure": true, "reset": true, "barrier": true, "pi": true,
}

func (p *parser) program() error {
	if p.tok.kind != tIdent || p.tok.text != "OPENQASM" {
		return p.errAt(p.tok, "expected 'OPENQASM 2.0;' header, found %s", p.tok.describe())
	}
	if err := p.advance(); err != nil {
		return err
	}
	v := p.tok
	if v.kind != tReal && v.kind != tInt {
		return p.errAt(v, "expected version number after OPENQASM, found %s", v.describe())
	}
	if f, err := strconv.ParseFloat(v.text, 64); err != nil || f != 2 {
		return p.errAt(v, "unsupported OPENQASM version %s (only 2.0 is supported)", v.text)
	}
	if err := p.advance(); err != nil {
		return err
	}
	if err := p.expectSemi("after OPENQASM version"); err != nil {
		return err
	}
	for p.tok.kind != tEOF {
		if err := p.statement(); err != nil {
			return err
		}
	}
	if p.nq == 0 {
		return p.errAt(p.tok, "no qubit register declared (expected 'qreg name[size];')")
	}
	return nil
}

func (p *parser) statement() error {
	t := p.tok
	if t.kind != tIdent {
		return p.errAt(t, "expected a statement, found %s", t.describe())
	}
	switch t.text {
	case "OPENQASM":
		return p.errAt(t, "OPENQASM header repeated")
	case "include":
		return p.include()
	case "qreg", "creg":
		return p.regDecl(t.text == "qreg")
	case "gate":
		return p.gateDecl()
	case "opaque":
		return p.errAt(t, "opaque gate declarations are not supported")
	case "if":
		return p.errAt(t, "classically controlled operations ('if') are not supported")
	case "measure":
		return p.measure()
	case "reset":
		return p.reset()
	case "barrier":
		return p.barrier()
	case "pi":
		return p.errAt(t, "expected a statement, found \"pi\"")
	}
	return p.gateCall()
}

func (p *parser) include() error {
	if err := p.advance(); err != nil {
		return err
	}
	t := p.tok
	if t.kind != tString {
		return p.errAt(t, "expected a file name string after include, found %s", t.describe())
	}
	if t.text != "qelib1.inc" {
		return p.errAt(t, "cannot include %q: only \"qelib1.inc\" is supported (its gates are built in)", t.text)
	}
	if err := p.advance(); err != nil {
		return err
	}
	return p.expectSemi("after include")
}

func (p *parser) regDecl(quantum bool) error {
	kw := p.tok.text
	if err := p.advance(); err != nil {
		return err
	}
	name, err := p.expectIdent("register name after " + kw)
	if err != nil {
		return err
	}
	if old, ok := p.regs[name.text]; ok {
		return p.errAt(name, "register %q already declared at line %d", name.text, old.tok.line)
	}
	if err := p.expectSym("[", "after register name"); err != nil {
		return err
	}
	st := p.tok
	if st.kind != tInt {
		return p.errAt(st, "expected register size (an integer), found %s", st.describe())
	}
	size, err := strconv.Atoi(st.text)
	if err != nil || size < 1 {
		return p.errAt(st, "register size must be a positive integer, found %s", st.text)
	}
	if err := p.advance(); err != nil {
		return err
	}
	if err := p.expectSym("]", "after register size"); err != nil {
		return err
	}
	if err := p.expectSemi("after register declaration"); err != nil {
		return err
	}
	r := &register{name: name.text, size: size, quantum: quantum, tok: name}
	if quantum {
		if size > p.lim.MaxQubits-p.nq {
			return p.errAt(st, "too many qubits (limit %d)", p.lim.MaxQubits)
		}
		r.offset = p.nq
		p.nq += size
		p.qregs = append(p.qregs, r)
	} else {
		if size > p.lim.MaxClbits-p.nc {
			return p.errAt(st, "too many classical bits (limit %d)", p.lim.MaxClbits)
		}
		r.offset = p.nc
		p.nc += size
		p.cregs = append(p.cregs, r)
	}
	p.regs[name.text] = r
	return nil
}

// arg is a register or one of its bits, as written in a statement.
type arg struct {
	reg   *register
	index int // -1: the whole register
	tok   token
}

func (a arg) size() int {
	if a.index < 0 {
		return a.reg.size
	}
	return 1
}

// bit returns the flat index of element j of a broadcast.
func (a arg) bit(j int) int {
	if a.index < 0 {
		return a.reg.offset + j
	}
	return a.reg.offset + a.index
}

func (a arg) String() string {
	if a.index < 0 {
		return a.reg.name
	}
	return fmt.Sprintf("%s[%d]", a.reg.name, a.index)
}

func (p *parser) parseArg(quantum bool) (arg, error) {
	kind := "qubit"
	if !quantum {
		kind = "classical"
	}
	t := p.tok
	if t.kind != tIdent {
		return arg{}, p.errAt(t, "expected a %s register or bit, found %s", kind, t.describe())
	}
	r, ok := p.regs[t.text]
	if !ok {
		return arg{}, p.errAt(t, "undefined register %q", t.text)
	}
	if r.quantum != quantum {
		return arg{}, p.errAt(t, "%q is not a %s register", t.text, kind)
	}
	if err := p.advance(); err != nil {
		return arg{}, err
	}
	a := arg{reg: r, index: -1, tok: t}
	if p.isSym("[") {
		if err := p.advance(); err != nil {
			return arg{}, err
		}
		it := p.tok
		if it.kind != tInt {
			return arg{}, p.errAt(it, "expected an index (an integer), found %s", it.describe())
		}
		idx, err := strconv.Atoi(it.text)
		if err != nil || idx >= r.size {
			return arg{}, p.errAt(it, "index %s out of range for register %s[%d]", it.text, r.name, r.size)
		}
		a.index = idx
		if err := p.advance(); err != nil {
			return arg{}, err
		}
		if err := p.expectSym("]", "after index"); err != nil {
			return arg{}, err
		}
	}
	return a, nil
}

// parseArgs parses a comma-separated list of qubit arguments.
func (p *parser) parseArgs() ([]arg, error) {
	var args []arg
	for {
		a, err := p.parseArg(true)
		if err != nil {
			return nil, err
		}
		args = append(args, a)
		if !p.isSym(",") {
			return args, nil
		}
		if err := p.advance(); err != nil {
			return nil, err
		}
	}
}

// broadcastSize checks that the register arguments have equal sizes and
// returns it (1 when every argument is a single bit).
func (p *parser) broadcastSize(args []arg, what string) (int, error) {
	n := 1
	var first *arg
	for i := range args {
		if args[i].index >= 0 {
			continue
		}
		if first == nil {
			first = &args[i]
			n = args[i].reg.size
		} else if args[i].reg.size != n {
			return 0, p.errAt(args[i].tok, "%s: register %s has size %d but %s has size %d (registers in one statement must have equal sizes)",
				what, args[i].reg.name, args[i].reg.size, first.reg.name, n)
		}
	}
	return n, nil
}

func (p *parser) emit(op pendingOp, at token) error {
	if len(p.ops) >= p.lim.MaxOps {
		return p.errAt(at, "circuit exceeds %d operations", p.lim.MaxOps)
	}
	p.ops = append(p.ops, op)
	return nil
}

// lookup finds a gate by name: built-in gates first (as BQSKit), then user
// definitions.
func (p *parser) lookup(name string) (circuit.Gate, *gateDef, bool) {
	if g, ok := circuit.LookupGate(name); ok {
		return g, nil, true
	}
	if d, ok := p.userGates[name]; ok {
		return nil, d, true
	}
	return nil, nil, false
}

// parseParamList parses an optional "(expr, ...)" list.
func (p *parser) parseParamList(formals []string) ([]*expr, error) {
	if !p.isSym("(") {
		return nil, nil
	}
	if err := p.advance(); err != nil {
		return nil, err
	}
	var out []*expr
	if p.isSym(")") {
		return out, p.advance()
	}
	for {
		e, err := p.parseExpr(formals, 0)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
		if p.isSym(",") {
			if err := p.advance(); err != nil {
				return nil, err
			}
			continue
		}
		if err := p.expectSym(")", "or ',' in parameter list"); err != nil {
			return nil, err
		}
		return out, nil
	}
}

func gateShape(g circuit.Gate, d *gateDef) (name string, nq, np int) {
	if d != nil {
		return d.name, len(d.qargs), len(d.params)
	}
	return g.Name(), g.NumQubits(), g.NumParams()
}

func plural(n int, word string) string {
	if n == 1 {
		return fmt.Sprintf("%d %s", n, word)
	}
	return fmt.Sprintf("%d %ss", n, word)
}

func (p *parser) gateCall() error {
	nameTok := p.tok
	g, def, ok := p.lookup(nameTok.text)
	if !ok {
		return p.errAt(nameTok, "unknown gate %q", nameTok.text)
	}
	if err := p.advance(); err != nil {
		return err
	}
	name, nq, np := gateShape(g, def)
	exprs, err := p.parseParamList(nil)
	if err != nil {
		return err
	}
	if len(exprs) != np {
		return p.errAt(nameTok, "gate %s takes %s, got %d", name, plural(np, "parameter"), len(exprs))
	}
	params := make([]float64, len(exprs))
	for i, e := range exprs {
		params[i] = e.eval(nil)
		if math.IsInf(params[i], 0) || math.IsNaN(params[i]) {
			return p.errAt(nameTok, "parameter %d of %s evaluates to %v (must be finite)", i+1, name, params[i])
		}
	}
	args, err := p.parseArgs()
	if err != nil {
		return err
	}
	if len(args) != nq {
		return p.errAt(nameTok, "gate %s acts on %s, got %s", name, plural(nq, "qubit"), plural(len(args), "argument"))
	}
	if err := p.expectSemi("after gate arguments"); err != nil {
		return err
	}
	n, err := p.broadcastSize(args, "gate "+name)
	if err != nil {
		return err
	}
	for j := 0; j < n; j++ {
		qubits := make([]int, len(args))
		for i, a := range args {
			qubits[i] = a.bit(j)
			for k := 0; k < i; k++ {
				if qubits[k] == qubits[i] {
					return p.errAt(a.tok, "gate %s uses qubit %s twice", name, a)
				}
			}
		}
		if def != nil {
			if err := p.expand(def, params, qubits, nameTok); err != nil {
				return err
			}
			continue
		}
		if err := p.emit(pendingOp{gate: g, qubits: qubits, params: slices.Clone(params)}, nameTok); err != nil {
			return err
		}
	}
	return nil
}

// expand inlines a user gate: its body's gates, with formal parameters and
// qubits substituted. Definitions only call gates defined before them, so
// the recursion ends.
func (p *parser) expand(d *gateDef, params []float64, qubits []int, at token) error {
	// Count the work, not only the ops emitted: empty or barrier-free bodies
	// can still nest exponentially.
	p.steps += 1 + len(d.body)
	if p.steps > p.lim.MaxOps {
		return p.errAt(at, "expanding gate %s takes more than %d steps", d.name, p.lim.MaxOps)
	}
	for _, b := range d.body {
		vals := make([]float64, len(b.params))
		for i, e := range b.params {
			vals[i] = e.eval(params)
			if math.IsInf(vals[i], 0) || math.IsNaN(vals[i]) {
				return p.errAt(at, "in gate %s (line %d): parameter %d evaluates to %v (must be finite)", d.name, b.tok.line, i+1, vals[i])
			}
		}
		qs := make([]int, len(b.args))
		for i, a := range b.args {
			qs[i] = qubits[a]
		}
		if b.user != nil {
			if err := p.expand(b.user, vals, qs, at); err != nil {
				return err
			}
			continue
		}
		g := b.gate
		if circuit.IsBarrier(g) {
			g = circuit.Barrier(len(qs))
		}
		if err := p.emit(pendingOp{gate: g, qubits: qs, params: vals}, at); err != nil {
			return err
		}
	}
	return nil
}

func indexOf(list []string, s string) int {
	for i, x := range list {
		if x == s {
			return i
		}
	}
	return -1
}

func (p *parser) identList(what string) ([]token, error) {
	var out []token
	for {
		t, err := p.expectIdent(what)
		if err != nil {
			return nil, err
		}
		for _, o := range out {
			if o.text == t.text {
				return nil, p.errAt(t, "%s %q repeated", what, t.text)
			}
		}
		out = append(out, t)
		if !p.isSym(",") {
			return out, nil
		}
		if err := p.advance(); err != nil {
			return nil, err
		}
	}
}

func (p *parser) gateDecl() error {
	if err := p.advance(); err != nil {
		return err
	}
	name, err := p.expectIdent("gate name after 'gate'")
	if err != nil {
		return err
	}
	d := &gateDef{name: name.text, tok: name}
	if old, ok := p.userGates[name.text]; ok {
		return p.errAt(name, "gate %q already defined at line %d", name.text, old.tok.line)
	}
	if _, ok := circuit.LookupGate(name.text); ok {
		d.builtin = true
	}
	if p.isSym("(") {
		if err := p.advance(); err != nil {
			return err
		}
		if !p.isSym(")") {
			toks, err := p.identList("parameter name")
			if err != nil {
				return err
			}
			for _, t := range toks {
				d.params = append(d.params, t.text)
			}
		}
		if err := p.expectSym(")", "or ',' after gate parameters"); err != nil {
			return err
		}
	}
	toks, err := p.identList("qubit argument name")
	if err != nil {
		return err
	}
	for _, t := range toks {
		if indexOf(d.params, t.text) >= 0 {
			return p.errAt(t, "%q is both a parameter and a qubit argument", t.text)
		}
		d.qargs = append(d.qargs, t.text)
	}
	open := p.tok
	if err := p.expectSym("{", "to open the gate body"); err != nil {
		return err
	}
	for !p.isSym("}") {
		if p.tok.kind == tEOF {
			return p.errAt(open, "unterminated body of gate %q: '{' is never closed", d.name)
		}
		if err := p.bodyStatement(d); err != nil {
			return err
		}
	}
	if err := p.advance(); err != nil {
		return err
	}
	if !d.builtin {
		p.userGates[d.name] = d
	}
	return nil
}

func (p *parser) bodyStatement(d *gateDef) error {
	t := p.tok
	if t.kind != tIdent {
		return p.errAt(t, "expected a gate call in the body of %q, found %s", d.name, t.describe())
	}
	var b bodyOp
	b.tok = t
	name := t.text
	nq, np := -1, 0
	switch {
	case t.text == "barrier":
		b.gate = circuit.Barrier(1)
	case keywords[t.text]:
		return p.errAt(t, "%q is not allowed in a gate body (only gate calls and barrier)", t.text)
	default:
		g, def, ok := p.lookup(t.text)
		if !ok {
			if t.text == d.name {
				return p.errAt(t, "gate %q cannot call itself", t.text)
			}
			return p.errAt(t, "unknown gate %q", t.text)
		}
		b.gate, b.user = g, def
		name, nq, np = gateShape(g, def)
	}
	if err := p.advance(); err != nil {
		return err
	}
	exprs, err := p.parseParamList(d.params)
	if err != nil {
		return err
	}
	if b.gate != nil && circuit.IsBarrier(b.gate) && exprs != nil {
		return p.errAt(t, "barrier takes no parameters")
	}
	if len(exprs) != np {
		return p.errAt(t, "gate %s takes %s, got %d", name, plural(np, "parameter"), len(exprs))
	}
	b.params = exprs
	for {
		at, err := p.expectIdent("qubit argument of " + name)
		if err != nil {
			return err
		}
		idx := indexOf(d.qargs, at.text)
		if idx < 0 {
			return p.errAt(at, "%q is not a qubit argument of gate %s", at.text, d.name)
		}
		if p.isSym("[") {
			return p.errAt(p.tok, "qubit arguments cannot be indexed inside a gate body")
		}
		for _, o := range b.args {
			if o == idx {
				return p.errAt(at, "%s uses qubit %s twice", name, at.text)
			}
		}
		b.args = append(b.args, idx)
		if !p.isSym(",") {
			break
		}
		if err := p.advance(); err != nil {
			return err
		}
	}
	if nq >= 0 && len(b.args) != nq {
		return p.errAt(t, "gate %s acts on %s, got %s", name, plural(nq, "qubit"), plural(len(b.args), "argument"))
	}
	if err := p.expectSemi("after gate arguments"); err != nil {
		return err
	}
	d.body = append(d.body, b)
	return nil
}

func (p *parser) measure() error {
	kw := p.tok
	if err := p.advance(); err != nil {
		return err
	}
	q, err := p.parseArg(true)
	if err != nil {
		return err
	}
	if err := p.expectSym("->", "after the measured qubit"); err != nil {
		return err
	}
	c, err := p.parseArg(false)
	if err != nil {
		return err
	}
	if err := p.expectSemi("after measure"); err != nil {
		return err
	}
	if (q.index < 0) != (c.index < 0) || q.size() != c.size() {
		return p.errAt(c.tok, "measure: %s and %s do not match (measure a register into a register of the same size, or a bit into a bit)", q, c)
	}
	for j := 0; j < q.size(); j++ {
		if err := p.emit(pendingOp{gate: circuit.Measure, qubits: []int{q.bit(j)}, clbits: []int{c.bit(j)}}, kw); err != nil {
			return err
		}
	}
	return nil
}

func (p *parser) reset() error {
	kw := p.tok
	if err := p.advance(); err != nil {
		return err
	}
	q, err := p.parseArg(true)
	if err != nil {
		return err
	}
	if err := p.expectSemi("after reset"); err != nil {
		return err
	}
	for j := 0; j < q.size(); j++ {
		if err := p.emit(pendingOp{gate: circuit.Reset, qubits: []int{q.bit(j)}}, kw); err != nil {
			return err
		}
	}
	return nil
}

func (p *parser) barrier() error {
	kw := p.tok
	if err := p.advance(); err != nil {
		return err
	}
	args, err := p.parseArgs()
	if err != nil {
		return err
	}
	if err := p.expectSemi("after barrier"); err != nil {
		return err
	}
	seen := map[int]bool{}
	var qubits []int
	for _, a := range args {
		for j := 0; j < a.size(); j++ {
			if b := a.bit(j); !seen[b] {
				seen[b] = true
				qubits = append(qubits, b)
			}
		}
	}
	return p.emit(pendingOp{gate: circuit.Barrier(len(qubits)), qubits: qubits}, kw)
}

func (p *parser) build() *circuit.Circuit {
	c := circuit.New(p.nq)
	regs := make([]circuit.Register, len(p.qregs))
	for i, r := range p.qregs {
		regs[i] = circuit.Register{Name: r.name, Size: r.size}
	}
	c.SetQRegs(regs)
	for _, r := range p.cregs {
		c.AddCReg(r.name, r.size)
	}
	for _, op := range p.ops {
		c.Append(circuit.Op{Gate: op.gate, Qubits: op.qubits, Params: op.params, Clbits: op.clbits})
	}
	return c
}
