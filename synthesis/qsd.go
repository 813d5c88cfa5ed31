package synthesis

import (
	"context"
	"fmt"
	"math"
	"math/bits"
	"math/cmplx"
	"slices"

	"github.com/bqskit-mpi/bqskit-mpi/circuit"
	"github.com/bqskit-mpi/bqskit-mpi/instantiate"
	"github.com/bqskit-mpi/bqskit-mpi/linalg"
)

// QSDMaxQubits is the widest target QSD accepts. The decomposition itself
// has no limit, but its CX count grows as about (23/48)·4^n (1868 at 6
// qubits, 7660 at 7) and its matrices as 4^n.
const QSDMaxQubits = 8

// QSD leaf settings. The 2-qubit leaves are synthesized last, in reverse
// order of application: each but the first is instantiated as a diagonal
// Δ followed by the 2-CX template (BuildCircuit with two layers on
// (0, 1)), U = C·Δ, which exists for every 2-qubit unitary (Shende,
// Markov and Bullock 2004); Δ commutes with every multiplexor between it
// and the previous leaf (all act on these qubits as controls, or not at
// all) and is merged into that leaf. The first leaf is the 3-CX template.
// Each is fitted by LM to cost below qsdLeafThreshold; a fit whose best
// start stays at or above qsdLeafAccept after qsdLeafStarts starts falls
// back: the 2-CX form to the 3-CX template (Δ = I), the 3-CX template to
// one more exact QSD level (down to single-qubit gates, 5 CX).
const (
	qsdLeafThreshold = 1e-15
	qsdLeafAccept    = 1e-13
	qsdLeafStarts    = 8
)

// QSDOptions configure QSD. The zero value is valid.
type QSDOptions struct {
	// Seed seeds the instantiation of the 2-qubit leaves.
	Seed uint64
}

// QSD returns a circuit over {cx, u3} whose unitary equals target up to a
// global phase, by the Quantum Shannon Decomposition (Shende, Bullock and
// Markov, "Synthesis of quantum-logic circuits", IEEE TCAD 25(6), 2006).
// target is a 2^n x 2^n unitary, 1 <= n <= QSDMaxQubits, in big-endian
// qubit order (qubit 0 is the most significant index bit, as everywhere
// in this module). The result is exact up to rounding (cost
// c = 1 − |Tr(U†V)|/N around 1e-15 and below, see the package
// documentation); its CX count depends only on n unless a leaf falls
// back: 0, 3, 20, 100, 444 and 1868 for n = 1..6, (23/48)·4^n −
// (3/2)·2^n + 4/3 as in the paper.
//
// Bad input (not square, not a power of two, too wide, not unitary to
// 1e-8, non-finite) gives ErrInvalid; a LAPACK failure is returned
// wrapped; cancellation returns an error wrapping ctx.Err().
func QSD(ctx context.Context, target linalg.Matrix, opts QSDOptions) (*circuit.Circuit, error) {
	d := target.Rows
	n := bits.Len(uint(d)) - 1
	if target.Cols != d || len(target.Data) != d*d || d < 2 || d != 1<<n {
		return nil, fmt.Errorf("%w: QSD target is %dx%d, want 2^n x 2^n", ErrInvalid, target.Rows, target.Cols)
	}
	if n > QSDMaxQubits {
		return nil, fmt.Errorf("%w: QSD target has %d qubits, at most %d", ErrInvalid, n, QSDMaxQubits)
	}
	for i, v := range target.Data {
		if math.IsNaN(real(v)) || math.IsNaN(imag(v)) || math.IsInf(real(v), 0) || math.IsInf(imag(v), 0) {
			return nil, fmt.Errorf("%w: QSD target entry (%d, %d) is %v", ErrInvalid, i/d, i%d, v)
		}
	}
	if !linalg.IsUnitary(target, 1e-8) {
		return nil, fmt.Errorf("%w: QSD target is not unitary (tolerance 1e-8)", ErrInvalid)
	}
	b := &qsdBuilder{ctx: ctx, seed: opts.Seed, raw: circuit.New(n), accept: qsdLeafAccept}
	qs := make([]int, n)
	for i := range qs {
		qs[i] = i
	}
	if err := b.decompose(target, qs, false); err != nil {
		return nil, err
	}
	if err := b.synthesizeLeaves(); err != nil {
		return nil, err
	}
	return ToCXU3(b.assemble())
}

// qsdBuilder collects the decomposition's gates (u3, h, cx) in
// application order; ToCXU3 merges the single-qubit runs at the end.
type qsdBuilder struct {
	ctx    context.Context
	seed   uint64
	raw    *circuit.Circuit
	leaves []qsdLeaf
	fits   uint64  // leaf fits so far (seeds each one)
	accept float64 // a leaf fit is kept below this cost (qsdLeafAccept)
	tmpl   [2]*leafTemplate
}

// qsdLeaf is a 2-qubit unitary u on qubits qs whose gates go before
// raw's op at pos; ops is filled by synthesizeLeaves.
type qsdLeaf struct {
	pos int
	u   linalg.Matrix
	qs  []int
	ops []circuit.Op
}

// leafTemplate is a leaf circuit and its reusable LM workspace: the 3-CX
// template, or the diagonal (rz, rz, rzz: its first diagOps ops) then the
// 2-CX template.
type leafTemplate struct {
	c       *circuit.Circuit
	ws      *instantiate.Workspace
	diagOps int
}

// decompose appends a circuit for the unitary u on the qubits qs (qs[0]
// the most significant). exact forbids instantiated leaves (the fallback
// of a leaf that did not converge).
func (b *qsdBuilder) decompose(u linalg.Matrix, qs []int, exact bool) error {
	if err := b.ctx.Err(); err != nil {
		return fmt.Errorf("synthesis: QSD: %w", err)
	}
	switch {
	case len(qs) == 1:
		b.oneQubit(u, qs[0])
		return nil
	case len(qs) == 2 && !exact:
		b.leaves = append(b.leaves, qsdLeaf{pos: b.raw.Len(), u: u, qs: qs})
		return nil
	}
	// U = (L0 ⊕ L1) · [[C, −S], [S, C]] · (R0 ⊕ R1): apply the right
	// multiplexor, the multiplexed Ry on qs[0], then the left multiplexor.
	cs, err := linalg.CosineSine(u)
	if err != nil {
		return fmt.Errorf("synthesis: QSD: %w", err)
	}
	if err := b.demultiplex(cs.R0, cs.R1, qs, exact); err != nil {
		return err
	}
	angles := make([]float64, len(cs.Theta))
	for i, th := range cs.Theta {
		angles[i] = 2 * th
	}
	// The multiplexed Ry ends with a CZ(qs[1], qs[0]) (see muxRotation),
	// which is diagonal on qs[0]: it joins the left multiplexor as
	// L1·(Z ⊗ I), saving one CX per decomposition step.
	b.muxRotation(circuit.RY, angles, qs)
	l1 := cs.L1
	h := l1.Rows
	for i := 0; i < h; i++ {
		for j := h / 2; j < h; j++ {
			l1.Data[i*h+j] = -l1.Data[i*h+j]
		}
	}
	return b.demultiplex(cs.L0, l1, qs, exact)
}

// demultiplex appends a circuit for the block-diagonal a0 ⊕ a1 on qs
// (qs[0] selects the block): a0 ⊕ a1 = (I ⊗ V)·(D ⊕ D†)·(I ⊗ W) with
// a0·a1† = V·D²·V† (a unitary, hence normal, matrix: its Schur form is
// diagonal and the Schur vectors an orthonormal eigenbasis even for
// repeated eigenvalues) and W = D·V†·a1. D ⊕ D† is a multiplexed Rz on
// qs[0].
func (b *qsdBuilder) demultiplex(a0, a1 linalg.Matrix, qs []int, exact bool) error {
	h := a0.Rows
	x := linalg.New(h, h)
	linalg.MulAdjB(x, a0, a1)
	t, v, err := linalg.Schur(x)
	if err != nil {
		return fmt.Errorf("synthesis: QSD: %w", err)
	}
	d := make([]complex128, h)
	angles := make([]float64, h)
	for i := range d {
		lam := t.At(i, i)
		d[i] = cmplx.Sqrt(lam / complex(cmplx.Abs(lam), 0))
		// Rz(φ) = diag(e^{−iφ/2}, e^{iφ/2}) = diag(d, d*) for φ = −2·arg d.
		angles[i] = -2 * cmplx.Phase(d[i])
	}
	// W = D·V†·a1.
	w := linalg.New(h, h)
	linalg.MulAdjA(w, v, a1)
	for i := 0; i < h; i++ {
		for j := 0; j < h; j++ {
			w.Data[i*h+j] *= d[i]
		}
	}
	if err := b.decompose(w, qs[1:], exact); err != nil {
		return err
	}
	b.muxRotation(circuit.RZ, angles, qs)
	return b.decompose(v, qs[1:], exact)
}

// muxRotation appends the multiplexed rotation that applies
// g(angles[x]) to qs[0] when the other qubits qs[1:] (big-endian) are in
// state x, by the Gray-code construction: 2^k rotations on qs[0]
// alternating with 2^k CX (Rz) or CZ (Ry) from the controls, each
// conjugation flipping the sign of the following rotations for the
// control states it touches. The controlled gate after rotation j acts
// from the control of the Gray-code bit that changes between j and j+1
// (bit 0 ↔ the last control); the cycle closes on the highest bit, qs[1].
// For Ry the closing CZ(qs[1], qs[0]) is left out: the caller absorbs it.
func (b *qsdBuilder) muxRotation(g circuit.Gate, angles []float64, qs []int) {
	t := qs[0]
	k := len(qs) - 1
	m := 1 << k
	// α = Mᵀθ / 2^k with M[x][j] = (−1)^popcount(x & gray(j)): M's columns
	// are the 2^k Walsh functions, so MᵀM = 2^k·I.
	for j := 0; j < m; j++ {
		gj := uint(j ^ j>>1)
		alpha := 0.0
		for x, th := range angles {
			if bits.OnesCount(uint(x)&gj)%2 == 0 {
				alpha += th
			} else {
				alpha -= th
			}
		}
		alpha /= float64(m)
		b.raw.Append(circuit.Op{Gate: g, Qubits: []int{t}, Params: []float64{alpha}})
		bit := k - 1 // the closing step
		if j+1 < m {
			bit = bits.TrailingZeros(uint(j + 1))
		}
		c := qs[1+(k-1-bit)]
		switch {
		case g == circuit.RZ:
			b.raw.Append(circuit.Op{Gate: circuit.CX, Qubits: []int{c, t}})
		case j+1 < m:
			// CZ = (I ⊗ H)·CX·(I ⊗ H) on the target.
			b.raw.Append(circuit.Op{Gate: circuit.H, Qubits: []int{t}})
			b.raw.Append(circuit.Op{Gate: circuit.CX, Qubits: []int{c, t}})
			b.raw.Append(circuit.Op{Gate: circuit.H, Qubits: []int{t}})
		}
	}
}

// oneQubit appends u (2x2) on q as a u3.
func (b *qsdBuilder) oneQubit(u linalg.Matrix, q int) {
	th, ph, la := U3Params([4]complex128{u.Data[0], u.Data[1], u.Data[2], u.Data[3]})
	b.raw.Append(circuit.Op{Gate: circuit.U3, Qubits: []int{q}, Params: []float64{th, ph, la}})
}

// synthesizeLeaves fills the leaves' ops, last leaf first (see the leaf
// settings above).
func (b *qsdBuilder) synthesizeLeaves() error {
	for k := len(b.leaves) - 1; k >= 0; k-- {
		lf := &b.leaves[k]
		if k > 0 && slices.Equal(b.leaves[k-1].qs, lf.qs) {
			ops, diag, ok, err := b.fit(lf.u, 1)
			if err != nil {
				return err
			}
			if ok {
				lf.ops = ops
				prev := &b.leaves[k-1]
				next := linalg.New(4, 4)
				linalg.Mul(next, diag, prev.u)
				prev.u = next
				continue
			}
		}
		ops, _, ok, err := b.fit(lf.u, 0)
		if err != nil {
			return err
		}
		if !ok {
			sub := &qsdBuilder{ctx: b.ctx, raw: circuit.New(2)}
			if err := sub.decompose(lf.u, []int{0, 1}, true); err != nil {
				return err
			}
			ops = sub.raw.Ops()
		}
		lf.ops = ops
	}
	// Leaf ops are on qubits 0, 1 of the template: move them to qs.
	for k := range b.leaves {
		lf := &b.leaves[k]
		for i := range lf.ops {
			q := make([]int, len(lf.ops[i].Qubits))
			for j, x := range lf.ops[i].Qubits {
				q[j] = lf.qs[x]
			}
			lf.ops[i].Qubits = q
		}
	}
	return nil
}

// fit instantiates template kind (0: 3-CX; 1: diagonal then 2-CX) to the
// 4x4 unitary u. It returns the template's gates with their parameters
// (for kind 1 without the diagonal, which is returned as a matrix: u =
// C·diag up to phase) and whether the fit reached qsdLeafAccept.
func (b *qsdBuilder) fit(u linalg.Matrix, kind int) (ops []circuit.Op, diag linalg.Matrix, ok bool, err error) {
	t, err := b.template(kind)
	if err != nil {
		return nil, linalg.Matrix{}, false, err
	}
	params := make([]float64, t.ws.NumParams())
	b.fits++
	res, err := t.ws.Instantiate(b.ctx, u, instantiate.Options{
		Seed:             b.seed ^ b.fits*0x9e3779b97f4a7c15,
		Multistarts:      qsdLeafStarts,
		SuccessThreshold: qsdLeafThreshold,
		Method:           instantiate.LM,
	}, params)
	if err != nil {
		return nil, linalg.Matrix{}, false, fmt.Errorf("synthesis: QSD leaf: %w", err)
	}
	if !(res.Cost < b.accept) {
		return nil, linalg.Matrix{}, false, nil
	}
	c := t.c.Clone()
	c.SetParams(params)
	d := circuit.New(2)
	for i, op := range c.Ops() {
		if i < t.diagOps {
			d.Append(op)
		} else {
			ops = append(ops, op)
		}
	}
	if t.diagOps > 0 {
		diag = d.Unitary()
	}
	return ops, diag, true, nil
}

// template returns leaf template kind, built on first use.
func (b *qsdBuilder) template(kind int) (*leafTemplate, error) {
	if b.tmpl[kind] != nil {
		return b.tmpl[kind], nil
	}
	t := &leafTemplate{}
	layers := 3
	c := circuit.New(2)
	if kind == 1 {
		layers = 2
		c.Append(circuit.Op{Gate: circuit.RZ, Qubits: []int{0}, Params: []float64{0}})
		c.Append(circuit.Op{Gate: circuit.RZ, Qubits: []int{1}, Params: []float64{0}})
		c.Append(circuit.Op{Gate: circuit.RZZ, Qubits: []int{0, 1}, Params: []float64{0}})
		t.diagOps = c.Len()
	}
	pairs := make([]Pair, layers)
	for i := range pairs {
		pairs[i] = Pair{0, 1}
	}
	for _, op := range BuildCircuit(2, pairs, nil).Ops() {
		c.Append(op)
	}
	ws, err := instantiate.NewWorkspace(c)
	if err != nil {
		return nil, fmt.Errorf("synthesis: QSD leaf template: %w", err)
	}
	t.c, t.ws = c, ws
	b.tmpl[kind] = t
	return t, nil
}

// assemble returns raw with the leaves' ops inserted at their positions.
func (b *qsdBuilder) assemble() *circuit.Circuit {
	out := circuit.New(b.raw.NumQubits())
	k := 0
	for i := 0; i <= b.raw.Len(); i++ {
		for ; k < len(b.leaves) && b.leaves[k].pos == i; k++ {
			for _, op := range b.leaves[k].ops {
				out.Append(op)
			}
		}
		if i < b.raw.Len() {
			out.Append(b.raw.Op(i))
		}
	}
	return out
}
