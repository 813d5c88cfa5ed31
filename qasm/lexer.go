package qasm

import (
	"errors"
	"fmt"
	"strconv"
	"unicode/utf8"
)

// ErrSyntax is matched (errors.Is) by every *Error the reader returns:
// malformed input, unknown names, out-of-range indices and unsupported
// constructs alike.
var ErrSyntax = errors.New("qasm: syntax error")

// Limit errors: an *Error refusing an input over one of the Limits also
// matches one of these (errors.Is), so that callers can tell "too large"
// from "malformed" (a server answers too_many_qubits, say).
var (
	// ErrTooManyQubits: the quantum registers exceed Limits.MaxQubits.
	ErrTooManyQubits = errors.New("qasm: too many qubits")
	// ErrTooManyClbits: the classical registers exceed Limits.MaxClbits.
	ErrTooManyClbits = errors.New("qasm: too many classical bits")
	// ErrTooManyGates: the circuit would hold more than Limits.MaxGates
	// operations once user gates are inlined and registers broadcast, or
	// expanding it would take more than the work bound (see Limits).
	ErrTooManyGates = errors.New("qasm: too many gates")
)

// Error is a reader error at a position of the source. Line and Col count
// from 1; Col counts bytes.
type Error struct {
	File string
	Line int
	Col  int
	Msg  string
	// Limit is ErrTooManyQubits, ErrTooManyClbits or ErrTooManyGates when
	// the input was refused for exceeding a limit; nil otherwise.
	Limit error
}

func (e *Error) Error() string {
	return fmt.Sprintf("%s:%d:%d: %s", e.File, e.Line, e.Col, e.Msg)
}

// Unwrap makes errors.Is(err, ErrSyntax) true, and errors.Is(err, Limit)
// when Limit is set.
func (e *Error) Unwrap() []error {
	if e.Limit != nil {
		return []error{ErrSyntax, e.Limit}
	}
	return []error{ErrSyntax}
}

type tokKind int

const (
	tEOF tokKind = iota
	tIdent
	tInt  // non-negative integer literal
	tReal // literal with a '.' or an exponent
	tString
	tSym // punctuation and operators; text holds it
)

type token struct {
	kind tokKind
	text string
	line int
	col  int
	// end is the position just past the token (for "expected ';'" errors).
	endLine, endCol int
}

// describe names a token for error messages.
func (t token) describe() string {
	switch t.kind {
	case tEOF:
		return "end of file"
	case tIdent:
		return strconv.Quote(t.text)
	case tInt, tReal:
		return "number " + t.text
	case tString:
		return "string " + strconv.Quote(t.text)
	default:
		return "'" + t.text + "'"
	}
}

type lexer struct {
	file      string
	src       []byte
	pos       int
	line, col int
}

func newLexer(file string, src []byte) *lexer {
	lx := &lexer{file: file, src: src, line: 1, col: 1}
	if len(src) >= 3 && src[0] == 0xEF && src[1] == 0xBB && src[2] == 0xBF { // UTF-8 BOM
		lx.pos = 3
	}
	return lx
}

func (lx *lexer) errHere(line, col int, format string, args ...any) *Error {
	return &Error{File: lx.file, Line: line, Col: col, Msg: fmt.Sprintf(format, args...)}
}

func (lx *lexer) advance() {
	if lx.src[lx.pos] == '\n' {
		lx.line++
		lx.col = 1
	} else {
		lx.col++
	}
	lx.pos++
}

func (lx *lexer) peekByte(off int) byte {
	if lx.pos+off < len(lx.src) {
		return lx.src[lx.pos+off]
	}
	return 0
}

func isLetter(b byte) bool { return b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b == '_' }
func isDigit(b byte) bool  { return b >= '0' && b <= '9' }

// next returns the next token, skipping white space and // comments.
func (lx *lexer) next() (token, *Error) {
	for lx.pos < len(lx.src) {
		b := lx.src[lx.pos]
		if b == ' ' || b == '\t' || b == '\n' || b == '\r' || b == '\f' || b == '\v' {
			lx.advance()
			continue
		}
		if b == '/' && lx.peekByte(1) == '/' {
			for lx.pos < len(lx.src) && lx.src[lx.pos] != '\n' {
				lx.advance()
			}
			continue
		}
		break
	}
	t := token{line: lx.line, col: lx.col}
	finish := func(kind tokKind, start int) (token, *Error) {
		t.kind = kind
		t.text = string(lx.src[start:lx.pos])
		t.endLine, t.endCol = lx.line, lx.col
		return t, nil
	}
	if lx.pos >= len(lx.src) {
		t.kind = tEOF
		t.endLine, t.endCol = lx.line, lx.col
		return t, nil
	}
	start := lx.pos
	b := lx.src[lx.pos]
	switch {
	case isLetter(b):
		for lx.pos < len(lx.src) && (isLetter(lx.src[lx.pos]) || isDigit(lx.src[lx.pos])) {
			lx.advance()
		}
		return finish(tIdent, start)
	case isDigit(b) || b == '.' && isDigit(lx.peekByte(1)):
		kind := tInt
		for lx.pos < len(lx.src) && isDigit(lx.src[lx.pos]) {
			lx.advance()
		}
		if lx.peekByte(0) == '.' {
			kind = tReal
			lx.advance()
			for lx.pos < len(lx.src) && isDigit(lx.src[lx.pos]) {
				lx.advance()
			}
		}
		if e := lx.peekByte(0); e == 'e' || e == 'E' {
			kind = tReal
			lx.advance()
			if s := lx.peekByte(0); s == '+' || s == '-' {
				lx.advance()
			}
			if !isDigit(lx.peekByte(0)) {
				return t, lx.errHere(t.line, t.col, "malformed number %q: exponent needs digits", string(lx.src[start:lx.pos]))
			}
			for lx.pos < len(lx.src) && isDigit(lx.src[lx.pos]) {
				lx.advance()
			}
		}
		if isLetter(lx.peekByte(0)) {
			return t, lx.errHere(lx.line, lx.col, "malformed number: unexpected %q after %q", rune(lx.peekByte(0)), string(lx.src[start:lx.pos]))
		}
		return finish(kind, start)
	case b == '"':
		lx.advance()
		for {
			if lx.pos >= len(lx.src) || lx.src[lx.pos] == '\n' {
				return t, lx.errHere(t.line, t.col, "unterminated string")
			}
			if lx.src[lx.pos] == '"' {
				lx.advance()
				break
			}
			lx.advance()
		}
		tok, _ := finish(tString, start)
		tok.text = tok.text[1 : len(tok.text)-1]
		return tok, nil
	case b == '-' && lx.peekByte(1) == '>', b == '=' && lx.peekByte(1) == '=':
		lx.advance()
		lx.advance()
		return finish(tSym, start)
	}
	switch b {
	case ';', ',', '[', ']', '(', ')', '{', '}', '+', '-', '*', '/', '^':
		lx.advance()
		return finish(tSym, start)
	}
	r, _ := utf8.DecodeRune(lx.src[lx.pos:])
	if r == utf8.RuneError {
		return t, lx.errHere(t.line, t.col, "unexpected byte 0x%02x (not UTF-8 text)", b)
	}
	return t, lx.errHere(t.line, t.col, "unexpected character %q", r)
}
