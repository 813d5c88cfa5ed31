package qasm

import (
	"math"
	"strconv"
)

// expr is a parameter expression. Outside gate bodies expressions are
// evaluated as soon as they are parsed; inside a body they refer to the
// gate's formal parameters and are evaluated at each call.
type expr struct {
	op    byte // 'n' number, 'p' formal parameter, 'f' function, 'u' negation, or + - * / ^
	val   float64
	param int
	fn    func(float64) float64
	a, b  *expr
}

func (e *expr) eval(params []float64) float64 {
	switch e.op {
	case 'n':
		return e.val
	case 'p':
		return params[e.param]
	case 'f':
		return e.fn(e.a.eval(params))
	case 'u':
		return -e.a.eval(params)
	}
	x, y := e.a.eval(params), e.b.eval(params)
	switch e.op {
	case '+':
		return x + y
	case '-':
		return x - y
	case '*':
		return x * y
	case '/':
		return x / y
	default: // '^'
		return math.Pow(x, y)
	}
}

// functions are the unary functions QASM 2.0 expressions may call.
var functions = map[string]func(float64) float64{
	"sin": math.Sin, "cos": math.Cos, "tan": math.Tan, "exp": math.Exp,
	"ln": math.Log, "sqrt": math.Sqrt, "asin": math.Asin, "acos": math.Acos,
	"atan": math.Atan,
}

// maxExprDepth bounds expression nesting (the parser is recursive).
const maxExprDepth = 200

// parseExpr parses an expression; formals maps the names of the parameters
// in scope to their positions (nil outside gate bodies).
//
//	expr  = term { ("+" | "-") term }
//	term  = unary { ("*" | "/") unary }
//	unary = ("-" | "+") unary | power
//	power = primary [ "^" unary ]       (right associative; -x^2 = -(x^2))
func (p *parser) parseExpr(formals map[string]int, depth int) (*expr, error) {
	if depth > maxExprDepth {
		return nil, p.errAt(p.tok, "expression nested too deeply (more than %d levels)", maxExprDepth)
	}
	left, err := p.parseTerm(formals, depth)
	if err != nil {
		return nil, err
	}
	for p.isSym("+") || p.isSym("-") {
		op := p.tok.text[0]
		if err := p.advance(); err != nil {
			return nil, err
		}
		right, err := p.parseTerm(formals, depth)
		if err != nil {
			return nil, err
		}
		left = &expr{op: op, a: left, b: right}
	}
	return left, nil
}

func (p *parser) parseTerm(formals map[string]int, depth int) (*expr, error) {
	left, err := p.parseUnary(formals, depth)
	if err != nil {
		return nil, err
	}
	for p.isSym("*") || p.isSym("/") {
		op := p.tok.text[0]
		if err := p.advance(); err != nil {
			return nil, err
		}
		right, err := p.parseUnary(formals, depth)
		if err != nil {
			return nil, err
		}
		left = &expr{op: op, a: left, b: right}
	}
	return left, nil
}

func (p *parser) parseUnary(formals map[string]int, depth int) (*expr, error) {
	if depth > maxExprDepth {
		return nil, p.errAt(p.tok, "expression nested too deeply (more than %d levels)", maxExprDepth)
	}
	if p.isSym("-") || p.isSym("+") {
		neg := p.tok.text == "-"
		if err := p.advance(); err != nil {
			return nil, err
		}
		x, err := p.parseUnary(formals, depth+1)
		if err != nil {
			return nil, err
		}
		if neg {
			return &expr{op: 'u', a: x}, nil
		}
		return x, nil
	}
	base, err := p.parsePrimary(formals, depth)
	if err != nil {
		return nil, err
	}
	if p.isSym("^") {
		if err := p.advance(); err != nil {
			return nil, err
		}
		exp, err := p.parseUnary(formals, depth+1)
		if err != nil {
			return nil, err
		}
		return &expr{op: '^', a: base, b: exp}, nil
	}
	return base, nil
}

func (p *parser) parsePrimary(formals map[string]int, depth int) (*expr, error) {
	t := p.tok
	switch t.kind {
	case tInt, tReal:
		v, err := strconv.ParseFloat(t.text, 64)
		if err != nil || math.IsInf(v, 0) {
			return nil, p.errAt(t, "number %s is out of range", t.text)
		}
		return &expr{op: 'n', val: v}, p.advance()
	case tIdent:
		if t.text == "pi" {
			return &expr{op: 'n', val: math.Pi}, p.advance()
		}
		if i, ok := formals[t.text]; ok {
			return &expr{op: 'p', param: i}, p.advance()
		}
		if fn, ok := functions[t.text]; ok {
			if err := p.advance(); err != nil {
				return nil, err
			}
			if err := p.expectSym("(", "after function "+t.text); err != nil {
				return nil, err
			}
			x, err := p.parseExpr(formals, depth+1)
			if err != nil {
				return nil, err
			}
			if err := p.expectSym(")", "to close "+t.text+"("); err != nil {
				return nil, err
			}
			return &expr{op: 'f', fn: fn, a: x}, nil
		}
		if formals == nil {
			return nil, p.errAt(t, "unknown identifier %q in expression (expected a number, pi, or a function)", t.text)
		}
		return nil, p.errAt(t, "unknown identifier %q in expression (not a parameter of this gate)", t.text)
	case tSym:
		if t.text == "(" {
			if err := p.advance(); err != nil {
				return nil, err
			}
			x, err := p.parseExpr(formals, depth+1)
			if err != nil {
				return nil, err
			}
			if err := p.expectSym(")", "to close '('"); err != nil {
				return nil, err
			}
			return x, nil
		}
	}
	return nil, p.errAt(t, "expected an expression, found %s", t.describe())
}
