package qasm

import (
	"context"
	"fmt"
	"math"
	"os"
	"slices"
	"strconv"

	"github.com/bqskit-mpi/bqskit-mpi/circuit"
)

// Limits bound what the reader accepts, so that a small malicious file
// cannot make it use unbounded memory or time (user gate definitions can
// expand exponentially, a broadcast over a wide register is one line). The
// expanded size is computed before anything is expanded: each user gate's
// operation count is known when it is defined, and a statement is refused
// when its count times its broadcast width exceeds what is left.
//
// A field that is zero or negative takes its default (DefaultMaxQubits,
// DefaultMaxClbits, DefaultMaxGates).
type Limits struct {
	MaxQubits int // total size of the quantum registers
	MaxClbits int // total size of the classical registers
	// MaxGates bounds the operations (gates, measure, reset, barrier) of
	// the circuit after inlining user gates and broadcasting registers.
	// The expansion work is bounded by WorkPerGate*MaxGates steps as well:
	// each operation costs one step plus one per qubit and classical bit
	// it names, each inlined user gate call one step. So neither deeply
	// nested bodies that emit little nor many wide operations (barriers
	// over thousands of qubits) can take unbounded time or memory.
	MaxGates int
}

// Default limits: generous for real circuits (BQSKit's benchmarks have at
// most 64 qubits and 42,000 operations), small enough that a refused file
// costs milliseconds and a few MB, and an accepted one at most a few
// hundred MB.
const (
	DefaultMaxQubits = 4096
	DefaultMaxClbits = 1 << 16
	DefaultMaxGates  = 1 << 19
	// WorkPerGate scales MaxGates into the bound on expansion work.
	WorkPerGate = 8
)

// DefaultLimits returns the limits Parse and ParseFile apply.
func DefaultLimits() Limits {
	return Limits{MaxQubits: DefaultMaxQubits, MaxClbits: DefaultMaxClbits, MaxGates: DefaultMaxGates}
}

// withDefaults fills the unset fields.
func (l Limits) withDefaults() Limits {
	if l.MaxQubits <= 0 {
		l.MaxQubits = DefaultMaxQubits
	}
	if l.MaxClbits <= 0 {
		l.MaxClbits = DefaultMaxClbits
	}
	if l.MaxGates <= 0 {
		l.MaxGates = DefaultMaxGates
	}
	return l
}

// ParseFile reads and parses the QASM 2.0 file at path with the default
// limits. Errors reading the file are returned wrapped (they name the
// path); parse errors are *Error.
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
	return ParseContext(context.Background(), filename, src, Limits{})
}

// ParseWithLimits is Parse with explicit limits (zero fields: defaults).
func ParseWithLimits(filename string, src []byte, lim Limits) (*circuit.Circuit, error) {
	return ParseContext(context.Background(), filename, src, lim)
}

// ParseContext is ParseWithLimits that stops when ctx is done: it checks
// ctx every few thousand tokens and operations and then returns an error
// wrapping ctx.Err() (not an *Error). Parsing takes time linear in the
// size of the source plus the operations it produces.
func ParseContext(ctx context.Context, filename string, src []byte, lim Limits) (*circuit.Circuit, error) {
	lim = lim.withDefaults()
	p := &parser{
		ctx:       ctx,
		done:      ctx.Done(),
		lx:        newLexer(filename, src),
		file:      filename,
		lim:       lim,
		maxSteps:  satMul(lim.MaxGates, WorkPerGate),
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
	params  map[string]int // formal parameter name -> position
	nparams int
	qargs   map[string]int // formal qubit name -> position
	nqargs  int
	body    []bodyOp
	tok     token
	builtin bool // the name is a built-in gate: the definition is checked but not used
	// ops is the number of operations one call expands to; work is the
	// expansion steps one call takes (ops plus the user gate calls
	// inlined, itself included, and the qubits of the operations: see
	// Limits.MaxGates). Both saturate at maxCount.
	ops, work int
}

type pendingOp struct {
	gate   circuit.Gate
	qubits []int
	params []float64
	clbits []int
}

type parser struct {
	ctx       context.Context
	done      <-chan struct{} // ctx.Done(); nil: never cancelled
	ticks     int             // tokens and steps since the last ctx check
	lx        *lexer
	file      string
	lim       Limits
	maxSteps  int
	included  bool // include "qelib1.inc" was seen
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

// maxCount is where operation counts saturate (no overflow).
const maxCount = 1 << 62

func satAdd(a, b int) int { return min(a+b, maxCount) } // a, b <= maxCount

func satMul(a, b int) int {
	if a == 0 || b == 0 {
		return 0
	}
	if a > maxCount/b {
		return maxCount
	}
	return a * b
}

// ctxCheckEvery is how many tokens or expansion steps pass between checks
// of the context.
const ctxCheckEvery = 1024

// tick counts a unit of work and reports the context's error every
// ctxCheckEvery units once it is done.
func (p *parser) tick() error {
	if p.done == nil {
		return nil
	}
	p.ticks++
	if p.ticks < ctxCheckEvery {
		return nil
	}
	p.ticks = 0
	select {
	case <-p.done:
		return fmt.Errorf("qasm: %s: parse stopped at line %d: %w", p.file, p.tok.line, p.ctx.Err())
	default:
		return nil
	}
}

func (p *parser) advance() error {
	if err := p.tick(); err != nil {
		return err
	}
	t, err := p.lx.next()
	if err != nil {
		return err
	}
	p.prev, p.tok = p.tok, t
	return nil
}

// limitErr is an *Error refusing the input for exceeding a limit.
func (p *parser) limitErr(t token, limit error, format string, args ...any) *Error {
	e := p.errAt(t, format, args...)
	e.Limit = limit
	return e
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
	p.included = true
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
			return p.limitErr(st, ErrTooManyQubits, "too many qubits: register %s[%d] makes %d, the limit is %d",
				name.text, size, satAdd(p.nq, size), p.lim.MaxQubits)
		}
		r.offset = p.nq
		p.nq += size
		p.qregs = append(p.qregs, r)
	} else {
		if size > p.lim.MaxClbits-p.nc {
			return p.limitErr(st, ErrTooManyClbits, "too many classical bits: register %s[%d] makes %d, the limit is %d",
				name.text, size, satAdd(p.nc, size), p.lim.MaxClbits)
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

// reserve refuses a statement at t that expands to ops operations in
// steps steps (what) when that exceeds what the limits leave. Statements
// call it before emitting anything.
func (p *parser) reserve(t token, what string, ops, steps int) error {
	if left := p.lim.MaxGates - len(p.ops); ops > left {
		return p.limitErr(t, ErrTooManyGates, "too many gates: %s expands to %d operations, making %d; the limit is %d",
			what, ops, satAdd(len(p.ops), ops), p.lim.MaxGates)
	}
	if left := p.maxSteps - p.steps; steps > left {
		return p.limitErr(t, ErrTooManyGates, "too many gates: expanding %s takes %d steps, making %d; the limit is %d (%d x %d gates)",
			what, steps, satAdd(p.steps, steps), p.maxSteps, WorkPerGate, p.lim.MaxGates)
	}
	p.steps += steps
	return nil
}

// emit appends an operation; reserve has been called for it, so the limit
// check here only guards the invariant.
func (p *parser) emit(op pendingOp, at token) error {
	if len(p.ops) >= p.lim.MaxGates {
		return p.limitErr(at, ErrTooManyGates, "too many gates: the circuit exceeds %d operations", p.lim.MaxGates)
	}
	if err := p.tick(); err != nil {
		return err
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
func (p *parser) parseParamList(formals map[string]int) ([]*expr, error) {
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
		return d.name, d.nqargs, d.nparams
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
	if i, ok := repeatedQubit(args); ok {
		return p.errAt(args[i].tok, "gate %s uses qubit %s twice", name, args[i])
	}
	what := "gate " + name
	if n > 1 {
		what = fmt.Sprintf("gate %s broadcast over %d qubits", name, n)
	}
	if def != nil {
		err = p.reserve(nameTok, what, satMul(def.ops, n), satMul(def.work, n))
	} else {
		err = p.reserve(nameTok, what, n, satMul(n, 1+len(args)))
	}
	if err != nil {
		return err
	}
	for j := 0; j < n; j++ {
		qubits := make([]int, len(args))
		for i, a := range args {
			qubits[i] = a.bit(j)
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

// repeatedQubit reports the argument that makes a broadcast gate call use
// a qubit twice: the first one (in argument order) at the first broadcast
// index j where a repeat occurs. It takes time linear in len(args) (maps
// for long argument lists).
func repeatedQubit(args []arg) (int, bool) {
	// at(k, i) is the first broadcast index where args k and i meet.
	at := func(a, b arg) (int, bool) {
		switch {
		case a.reg != b.reg:
			return 0, false
		case a.index < 0 && b.index < 0:
			return 0, true
		case a.index < 0:
			return b.index, true
		case b.index < 0:
			return a.index, true
		}
		return 0, a.index == b.index
	}
	bestI, bestJ, found := 0, 0, false
	consider := func(i, j int) {
		if !found || j < bestJ {
			bestI, bestJ, found = i, j, true
		}
	}
	if len(args) <= 16 {
		for i := range args {
			for k := 0; k < i; k++ {
				if j, ok := at(args[k], args[i]); ok {
					consider(i, j)
				}
			}
		}
		return bestI, found
	}
	type bit struct {
		reg   *register
		index int
	}
	whole := map[*register]bool{} // registers passed whole so far
	bits := map[bit]bool{}        // single bits passed so far
	minBit := map[*register]int{} // smallest single-bit index per register so far
	for i, a := range args {
		if a.index < 0 {
			if whole[a.reg] {
				consider(i, 0)
			} else if x, ok := minBit[a.reg]; ok {
				consider(i, x)
			}
			whole[a.reg] = true
			continue
		}
		if bits[bit{a.reg, a.index}] {
			consider(i, 0)
		} else if whole[a.reg] {
			consider(i, a.index)
		}
		bits[bit{a.reg, a.index}] = true
		if x, ok := minBit[a.reg]; !ok || a.index < x {
			minBit[a.reg] = a.index
		}
	}
	return bestI, found
}

// expand inlines a user gate: its body's gates, with formal parameters and
// qubits substituted. Definitions only call gates defined before them, so
// the recursion ends; the caller has reserved room for d.ops operations
// and d.work steps.
func (p *parser) expand(d *gateDef, params []float64, qubits []int, at token) error {
	if err := p.tick(); err != nil {
		return err
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

// identList parses a comma-separated list of distinct identifiers and
// returns them with their positions.
func (p *parser) identList(what string) ([]token, map[string]int, error) {
	var out []token
	pos := map[string]int{}
	for {
		t, err := p.expectIdent(what)
		if err != nil {
			return nil, nil, err
		}
		if _, ok := pos[t.text]; ok {
			return nil, nil, p.errAt(t, "%s %q repeated", what, t.text)
		}
		pos[t.text] = len(out)
		out = append(out, t)
		if !p.isSym(",") {
			return out, pos, nil
		}
		if err := p.advance(); err != nil {
			return nil, nil, err
		}
	}
}

// qelib1Gates are the gates OpenQASM 2.0's qelib1.inc defines (as
// published with the language), and U and CX, the language's own gates.
// Once qelib1.inc is included a definition of one of them is a duplicate
// and refused (U and CX always). Other built-in names (later qelib1.inc
// additions such as rzz, BQSKit's extra gates) may be defined: older
// exporters write their definitions; the built-in gate is used.
var qelib1Gates = map[string]bool{
	"U": true, "CX": true,
	"u3": true, "u2": true, "u1": true, "cx": true, "id": true, "u0": true,
	"x": true, "y": true, "z": true, "h": true, "s": true, "sdg": true,
	"t": true, "tdg": true, "rx": true, "ry": true, "rz": true, "cz": true,
	"cy": true, "ch": true, "ccx": true, "crz": true, "cu1": true, "cu3": true,
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
	if name.text == "U" || name.text == "CX" {
		return p.errAt(name, "gate %q is built into OpenQASM and cannot be redefined", name.text)
	}
	if p.included && qelib1Gates[name.text] {
		return p.errAt(name, "gate %q is defined by qelib1.inc and cannot be redefined", name.text)
	}
	if _, ok := circuit.LookupGate(name.text); ok {
		d.builtin = true
	}
	d.params = map[string]int{} // non-nil: the body's expressions may name parameters
	if p.isSym("(") {
		if err := p.advance(); err != nil {
			return err
		}
		if !p.isSym(")") {
			toks, pos, err := p.identList("parameter name")
			if err != nil {
				return err
			}
			d.params, d.nparams = pos, len(toks)
		}
		if err := p.expectSym(")", "or ',' after gate parameters"); err != nil {
			return err
		}
	}
	toks, pos, err := p.identList("qubit argument name")
	if err != nil {
		return err
	}
	for _, t := range toks {
		if _, ok := d.params[t.text]; ok {
			return p.errAt(t, "%q is both a parameter and a qubit argument", t.text)
		}
	}
	d.qargs, d.nqargs = pos, len(toks)
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
	// Count what one call expands to, from the counts of the gates the
	// body calls (all defined earlier): linear in the body, never expanding.
	d.work = 1
	for _, b := range d.body {
		if b.user != nil {
			d.ops = satAdd(d.ops, b.user.ops)
			d.work = satAdd(d.work, b.user.work)
		} else {
			d.ops = satAdd(d.ops, 1)
			d.work = satAdd(d.work, 1+len(b.args))
		}
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
	var used map[int]bool
	for {
		at, err := p.expectIdent("qubit argument of " + name)
		if err != nil {
			return err
		}
		idx, ok := d.qargs[at.text]
		if !ok {
			return p.errAt(at, "%q is not a qubit argument of gate %s", at.text, d.name)
		}
		if p.isSym("[") {
			return p.errAt(p.tok, "qubit arguments cannot be indexed inside a gate body")
		}
		if repeated(b.args, &used, idx) {
			return p.errAt(at, "%s uses qubit %s twice", name, at.text)
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

// repeated reports whether x is in list, which is about to get x appended:
// a scan for short lists, then a map (*set, built on first need) so that
// long lists take linear time.
func repeated(list []int, set *map[int]bool, x int) bool {
	if len(list) < 16 {
		return slices.Contains(list, x)
	}
	if *set == nil {
		*set = make(map[int]bool, 2*len(list))
		for _, y := range list {
			(*set)[y] = true
		}
	}
	if (*set)[x] {
		return true
	}
	(*set)[x] = true
	return false
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
	if err := p.reserve(kw, "measure "+q.String(), q.size(), 3*q.size()); err != nil {
		return err
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
	if err := p.reserve(kw, "reset "+q.String(), q.size(), 2*q.size()); err != nil {
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
	if err := p.reserve(kw, "barrier", 1, 1+len(qubits)); err != nil {
		return err
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
