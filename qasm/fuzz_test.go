package qasm

import (
	"errors"
	"os"
	"testing"
)

// fuzzLimits keep each fuzz input cheap while still admitting every shared
// benchmark circuit.
var fuzzLimits = Limits{MaxQubits: 1 << 12, MaxClbits: 1 << 12, MaxGates: 1 << 17}

// FuzzParse checks that the reader never panics, that every error is a
// positioned *Error, and that whatever it accepts writes out and reads back
// to the same operations. Seeds: every shared benchmark circuit (read here,
// not copied into the repository) and a set of malformed inputs.
func FuzzParse(f *testing.F) {
	for _, path := range sharedFiles(f) {
		src, err := os.ReadFile(path)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(src)
	}
	seeds := []string{
		"",
		"OPENQASM 2.0;",
		hdr + "qreg q[2];\ncreg c[2];\nh q;\ncx q[0], q[1];\nmeasure q -> c;\nreset q[1];\nbarrier q;\n",
		hdr + "qreg q[3];\ngate g(a,b) x,y { rz(a*b^2) x; cx x,y; barrier x,y; }\ng(pi/2, -sin(0.3)) q[0], q[2];\n",
		hdr + "qreg q[1];\nu3(1e-300, -0, 2^0.5) q[0];\n",
		hdr + "qreg q[1];\nrx(ln(0)) q[0];\n",
		hdr + "qreg q[2];\nif(c==1) x q[0];\n",
		hdr + "qreg q[2];\nopaque g a;\n",
		hdr + "qreg q[2];\ngate g a {\n h a;\n",
		hdr + "qreg q[2];\ncx q[0] q[1];\n",
		hdr + "qreg q[2];\nrx(((1) q[0];\n",
		"\x00\xff\xfe garbage \x80",
		"OPENQASM 2.0;\ninclude \"qelib1.inc;\n",
		hdr + "qreg q[2];\nqreg q[2];\n",
		hdr + "qreg a[2];\nqreg b[3];\ncx a, b;\n",
		hdr + "qreg q[5000];\nh q;\n",
		hdr + "qreg q[4000];\ncreg c[4000];\nh q;\nmeasure q -> c;\nreset q;\n",
		hdr + "qreg q[2];\ngate x a { x a; }\n",
		"OPENQASM 2.0;\nqreg q[2];\ngate x a { U(pi,0,pi) a; }\ngate rzz(t) a,b { cx a,b; }\nx q[1];\nrzz(1) q[0],q[1];\n",
		hdr + "qreg q[3];\ngate g(a,b,c) x,y,z { barrier x,y,z; u3(a,b,c) z; }\ng(1,2,3) q[2],q[1],q[0];\n",
		hdr + "qreg q[20];\nbarrier q[0],q[1],q[2],q[3],q[4],q[5],q[6],q[7],q[8],q[9],q[10],q[11],q[12],q[13],q[14],q[15],q[16],q[3];\n",
	}
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	f.Add(nestedBomb())
	f.Fuzz(func(t *testing.T, src []byte) {
		c, err := ParseWithLimits("fuzz.qasm", src, fuzzLimits)
		if err != nil {
			var qe *Error
			if !errors.As(err, &qe) || !errors.Is(err, ErrSyntax) {
				t.Fatalf("error %T %v is not a *qasm.Error", err, err)
			}
			if qe.Line < 1 || qe.Col < 1 || qe.Msg == "" {
				t.Fatalf("bad error position or message: %+v", qe)
			}
			switch qe.Limit {
			case nil, ErrTooManyQubits, ErrTooManyClbits, ErrTooManyGates:
			default:
				t.Fatalf("error %v has limit %v", err, qe.Limit)
			}
			return
		}
		if c.NumQubits() > fuzzLimits.MaxQubits || c.NumClbits() > fuzzLimits.MaxClbits || c.Len() > fuzzLimits.MaxGates {
			t.Fatalf("accepted %d qubits, %d clbits, %d ops: over %+v", c.NumQubits(), c.NumClbits(), c.Len(), fuzzLimits)
		}
		text := Format(c)
		c2, err := ParseWithLimits("rewritten.qasm", []byte(text), fuzzLimits)
		if err != nil {
			t.Fatalf("writer output does not parse: %v\n%s", err, text)
		}
		if err := sameOps(c, c2); err != nil {
			t.Fatalf("round trip: %v", err)
		}
	})
}
