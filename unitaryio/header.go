package unitaryio

import (
	"encoding/binary"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/sbinet/npyio/npy"
)

// header is a .npy header dictionary: the three keys numpy requires.
type header struct {
	descr   string
	fortran bool
	shape   []int
}

// parseHeader reads the header dictionary the way numpy does (a Python
// literal, evaluated by numpy with ast.literal_eval): the keys 'descr',
// 'fortran_order' and 'shape' exactly, in any order, single or double
// quotes, any spacing, with or without trailing commas (in the dictionary
// and in the shape tuple), an optional Python 2 "L" suffix on the sizes,
// followed by padding (spaces, newline). npyio's own parser needs numpy's
// canonical layout (fixed key order, trailing ", "), so ReadMax passes it
// the canonical form of what this returns.
func parseHeader(b []byte) (header, error) {
	p := &headerParser{s: string(b)}
	h, err := p.dict()
	if err != nil {
		return header{}, err
	}
	if rest := strings.Trim(p.s[p.i:], " \t\r\n\x00"); rest != "" {
		return header{}, fmt.Errorf("unexpected %q after the dictionary", clip(rest))
	}
	return h, nil
}

// canonical is h as numpy writes it, with a version 2.0 prefix: the header
// npyio's parser reads.
func (h header) canonical() []byte {
	dims := make([]string, len(h.shape))
	for i, d := range h.shape {
		dims[i] = strconv.Itoa(d)
	}
	shape := "(" + strings.Join(dims, ", ")
	if len(dims) == 1 {
		shape += ","
	}
	shape += ")"
	order := "False"
	if h.fortran {
		order = "True"
	}
	dict := fmt.Sprintf("{'descr': '%s', 'fortran_order': %s, 'shape': %s, }\n", h.descr, order, shape)
	out := append([]byte{}, npy.Magic[:]...)
	out = append(out, 2, 0)
	out = binary.LittleEndian.AppendUint32(out, uint32(len(dict)))
	return append(out, dict...)
}

type headerParser struct {
	s string
	i int
}

var errHeaderEnd = errors.New("header ends inside the dictionary")

func clip(s string) string {
	if len(s) > 20 {
		return s[:20] + "..."
	}
	return s
}

func (p *headerParser) space() {
	for p.i < len(p.s) && strings.IndexByte(" \t\r\n", p.s[p.i]) >= 0 {
		p.i++
	}
}

// eat skips space and then c, reporting whether c was there.
func (p *headerParser) eat(c byte) bool {
	p.space()
	if p.i < len(p.s) && p.s[p.i] == c {
		p.i++
		return true
	}
	return false
}

func (p *headerParser) expect(c byte, what string) error {
	if p.eat(c) {
		return nil
	}
	if p.i >= len(p.s) {
		return errHeaderEnd
	}
	return fmt.Errorf("want %q %s at %q", c, what, clip(p.s[p.i:]))
}

// str reads a quoted string without escapes (dtype strings have none).
func (p *headerParser) str() (string, error) {
	p.space()
	if p.i >= len(p.s) {
		return "", errHeaderEnd
	}
	q := p.s[p.i]
	if q != '\'' && q != '"' {
		return "", fmt.Errorf("want a quoted string at %q", clip(p.s[p.i:]))
	}
	end := strings.IndexByte(p.s[p.i+1:], q)
	if end < 0 {
		return "", errHeaderEnd
	}
	v := p.s[p.i+1 : p.i+1+end]
	if strings.ContainsRune(v, '\\') {
		return "", fmt.Errorf("escapes in string %q", v)
	}
	p.i += end + 2
	return v, nil
}

func (p *headerParser) word() string {
	p.space()
	j := p.i
	for j < len(p.s) && (p.s[j] == '_' || p.s[j] >= 'a' && p.s[j] <= 'z' || p.s[j] >= 'A' && p.s[j] <= 'Z' || p.s[j] >= '0' && p.s[j] <= '9') {
		j++
	}
	w := p.s[p.i:j]
	p.i = j
	return w
}

func (p *headerParser) dict() (header, error) {
	var h header
	if err := p.expect('{', "opening the dictionary"); err != nil {
		return h, err
	}
	seen := map[string]bool{}
	for !p.eat('}') {
		key, err := p.str()
		if err != nil {
			return h, err
		}
		if seen[key] {
			return h, fmt.Errorf("key %q twice", key)
		}
		seen[key] = true
		if err := p.expect(':', "after key "+strconv.Quote(key)); err != nil {
			return h, err
		}
		switch key {
		case "descr":
			p.space()
			if p.i < len(p.s) && p.s[p.i] == '[' {
				return h, errors.New("structured dtypes (a 'descr' list) are not supported")
			}
			if h.descr, err = p.str(); err != nil {
				return h, err
			}
			if len(h.descr) < 2 {
				return h, fmt.Errorf("descr %q too short", h.descr)
			}
		case "fortran_order":
			switch w := p.word(); w {
			case "True":
				h.fortran = true
			case "False":
			default:
				return h, fmt.Errorf("fortran_order %q, want True or False", w)
			}
		case "shape":
			if h.shape, err = p.tuple(); err != nil {
				return h, err
			}
		default:
			return h, fmt.Errorf("unexpected key %q (numpy allows only 'descr', 'fortran_order' and 'shape')", key)
		}
		if !p.eat(',') {
			if err := p.expect('}', "closing the dictionary"); err != nil {
				return h, err
			}
			break
		}
	}
	for _, k := range []string{"descr", "fortran_order", "shape"} {
		if !seen[k] {
			return h, fmt.Errorf("dictionary lacks %q", k)
		}
	}
	return h, nil
}

func (p *headerParser) tuple() ([]int, error) {
	if err := p.expect('(', "opening the shape tuple"); err != nil {
		return nil, err
	}
	dims := []int{}
	for !p.eat(')') {
		w := strings.TrimSuffix(p.word(), "L")
		d, err := strconv.Atoi(w)
		if err != nil || d < 0 {
			return nil, fmt.Errorf("shape size %q is not a non-negative integer", w)
		}
		dims = append(dims, d)
		if !p.eat(',') {
			if err := p.expect(')', "closing the shape tuple"); err != nil {
				return nil, err
			}
			break
		}
	}
	return dims, nil
}
