package compiler

import (
	"context"
	"errors"
	"fmt"
	"math"

	"github.com/bqskit-mpi/bqskit-mpi/circuit"
	"github.com/bqskit-mpi/bqskit-mpi/instantiate"
	"github.com/bqskit-mpi/bqskit-mpi/linalg"
	"github.com/bqskit-mpi/bqskit-mpi/machine"
)

// ErrNative is wrapped when a circuit cannot be expressed in a gate set.
var ErrNative = errors.New("compiler: cannot retarget to the native gate set")

// natTol is how far (in linalg.Distance) a numerically found two-qubit
// template may be from cx.
const natTol = 1e-7

// natStep is one step of a cx template: a single-qubit matrix on template
// qubit q (two < 0), or the native two-qubit gate with params on (q, 1−q).
type natStep struct {
	q      int
	m      mat2
	two    bool
	params []float64
}

// RetargetNative rewrites c into the gate set gs: ops already native and
// directives are kept, every other multi-qubit gate goes through Retarget
// (cx + u3), and each cx becomes a fixed template in gs's two-qubit gate:
// closed forms for cx, cz and rzz; for any other gate a template found once
// per call by instantiation (at most three uses of the gate, checked to
// distance 1e-7). Runs of single-qubit gates are multiplied out and emitted
// in gs's single-qubit form (u3; rz·sx·rz·sx·rz; rz·ry·rz; rz·rx·rz), with
// identities dropped. The result equals c up to a global phase, and every
// two-qubit gate in it acts on a pair some two-qubit gate of c (after
// Retarget) acts on, so a routed circuit stays routed.
func RetargetNative(ctx context.Context, c *circuit.Circuit, gs *machine.GateSet) (*circuit.Circuit, error) {
	r := &natBuilder{out: emptyLike(c), gs: gs, pend: make([]*mat2, c.NumQubits())}
	for i, op := range c.Ops() {
		if err := r.op(ctx, op); err != nil {
			return nil, fmt.Errorf("op %d (%s): %w", i, op.Gate.Name(), err)
		}
	}
	for q := range r.pend {
		r.flush(q)
	}
	return r.out, nil
}

type natBuilder struct {
	out  *circuit.Circuit
	gs   *machine.GateSet
	pend []*mat2 // pending single-qubit product per qubit
	tmpl []natStep
	done bool // tmpl computed
}

func (r *natBuilder) op(ctx context.Context, op circuit.Op) error {
	switch {
	case circuit.IsDirective(op.Gate):
		for _, q := range op.Qubits {
			r.flush(q)
		}
		r.out.Append(op.Clone())
		return nil
	case op.Gate.NumQubits() == 1:
		r.apply1(op.Qubits[0], gateMat2(op))
		return nil
	case r.gs.Contains(op.Gate.Name()):
		for _, q := range op.Qubits {
			r.flush(q)
		}
		r.out.Append(op.Clone())
		return nil
	case op.Gate == circuit.CX:
		return r.cx(ctx, op.Qubits[0], op.Qubits[1])
	}
	one := circuit.New(r.out.NumQubits())
	one.Append(op.Clone())
	sub, err := Retarget(one)
	if err != nil {
		return err
	}
	for _, s := range sub.Ops() {
		if err := r.op(ctx, s); err != nil {
			return err
		}
	}
	return nil
}

func (r *natBuilder) apply1(q int, m mat2) {
	if r.pend[q] == nil {
		r.pend[q] = &m
		return
	}
	p := mul2(m, *r.pend[q])
	r.pend[q] = &p
}

func (r *natBuilder) cx(ctx context.Context, c, t int) error {
	two := r.gs.TwoQubit()
	if two == nil {
		return fmt.Errorf("%w: gate set %q has no two-qubit gate", ErrNative, r.gs.Name())
	}
	if !r.done {
		tm, err := cxTemplate(ctx, two)
		if err != nil {
			return err
		}
		r.tmpl, r.done = tm, true
	}
	qs := [2]int{c, t}
	for _, s := range r.tmpl {
		if !s.two {
			r.apply1(qs[s.q], s.m)
			continue
		}
		a, b := qs[s.q], qs[1-s.q]
		r.flush(a)
		r.flush(b)
		r.out.Append(circuit.Op{Gate: two, Qubits: []int{a, b}, Params: append([]float64(nil), s.params...)})
	}
	return nil
}

// flush emits q's pending single-qubit product in the native form.
func (r *natBuilder) flush(q int) {
	p := r.pend[q]
	if p == nil {
		return
	}
	r.pend[q] = nil
	for _, op := range natSingle(q, *p, r.gs) {
		r.out.Append(op)
	}
}

// natAngle reduces an angle to (−π, π].
func natAngle(a float64) float64 {
	a = math.Mod(a, 2*math.Pi)
	if a > math.Pi {
		a -= 2 * math.Pi
	} else if a <= -math.Pi {
		a += 2 * math.Pi
	}
	return a
}

// natZero reports whether an angle is 0 modulo 2π (an rz of it is ±I).
func natZero(a float64) bool { return math.Abs(natAngle(a)) < 1e-12 }

// natSingle expresses the 2x2 unitary m on qubit q in gs's single-qubit
// form, up to a global phase; nothing for the identity.
func natSingle(q int, m mat2, gs *machine.GateSet) []circuit.Op {
	theta, phi, lam := circuit.U3Params(linalg.Matrix{Rows: 2, Cols: 2, Data: m[:]})
	if natZero(theta) && natZero(phi+lam) {
		return nil
	}
	rot := func(g circuit.Gate, a float64) []circuit.Op {
		if natZero(a) {
			return nil
		}
		return []circuit.Op{{Gate: g, Qubits: []int{q}, Params: []float64{natAngle(a)}}}
	}
	var out []circuit.Op
	switch gs.SingleQubitBasis() {
	case machine.BasisU3:
		return []circuit.Op{{Gate: gs.SingleQubitGate(), Qubits: []int{q}, Params: []float64{theta, phi, lam}}}
	case machine.BasisZSX:
		// U3(θ,φ,λ) ≅ RZ(φ+π)·SX·RZ(θ+π)·SX·RZ(λ); diagonal: one RZ.
		if natZero(theta) {
			return rot(circuit.RZ, phi+lam)
		}
		sx := circuit.Op{Gate: circuit.SX, Qubits: []int{q}}
		if math.Abs(theta-math.Pi/2) < 1e-12 {
			// U3(π/2,φ,λ) ≅ RZ(φ+π/2)·SX·RZ(λ−π/2).
			out = append(out, rot(circuit.RZ, lam-math.Pi/2)...)
			out = append(out, sx)
			return append(out, rot(circuit.RZ, phi+math.Pi/2)...)
		}
		out = append(out, rot(circuit.RZ, lam)...)
		out = append(out, sx)
		out = append(out, rot(circuit.RZ, theta+math.Pi)...)
		out = append(out, circuit.Op{Gate: circuit.SX, Qubits: []int{q}})
		return append(out, rot(circuit.RZ, phi+math.Pi)...)
	case machine.BasisZYZ:
		// U3(θ,φ,λ) ≅ RZ(φ)·RY(θ)·RZ(λ).
		out = append(out, rot(circuit.RZ, lam)...)
		out = append(out, rot(circuit.RY, theta)...)
		return append(out, rot(circuit.RZ, phi)...)
	default: // BasisZXZ: RY(θ) = RZ(π/2)·RX(θ)·RZ(−π/2).
		if natZero(theta) {
			return rot(circuit.RZ, phi+lam)
		}
		out = append(out, rot(circuit.RZ, lam-math.Pi/2)...)
		out = append(out, rot(circuit.RX, theta)...)
		return append(out, rot(circuit.RZ, phi+math.Pi/2)...)
	}
}

// cxTemplate returns cx(0, 1) in terms of the two-qubit gate g.
func cxTemplate(ctx context.Context, g circuit.Gate) ([]natStep, error) {
	h := hMat2
	switch g.Name() {
	case "cx":
		return []natStep{{two: true, q: 0}}, nil
	case "cz":
		return []natStep{{q: 1, m: h}, {two: true, q: 0}, {q: 1, m: h}}, nil
	case "rzz":
		// CZ ≅ RZ(π/2)⊗RZ(π/2)·RZZ(−π/2); CX = H_t·CZ·H_t.
		return []natStep{{q: 1, m: h}, {two: true, q: 0, params: []float64{-math.Pi / 2}},
			{q: 0, m: rzMat(math.Pi / 2)}, {q: 1, m: mul2(h, rzMat(math.Pi/2))}}, nil
	}
	cx := linalg.New(4, 4)
	circuit.CX.Unitary(nil, cx)
	var last float64
	for uses := 1; uses <= 3; uses++ {
		tc := circuit.New(2)
		tc.AppendGate(circuit.U3, []int{0}, 0, 0, 0)
		tc.AppendGate(circuit.U3, []int{1}, 0, 0, 0)
		for k := 0; k < uses; k++ {
			tc.AppendGate(g, []int{0, 1}, make([]float64, g.NumParams())...)
			tc.AppendGate(circuit.U3, []int{0}, 0, 0, 0)
			tc.AppendGate(circuit.U3, []int{1}, 0, 0, 0)
		}
		params, _, err := instantiate.Instantiate(ctx, tc, cx, instantiate.Options{
			Seed: uint64(uses), Multistarts: 16, SuccessThreshold: 1e-15, FunctionTolerance: 1e-14, ParameterTolerance: 1e-14, Method: instantiate.LM})
		if err != nil && ctx.Err() != nil {
			return nil, err
		}
		tc.SetParams(params)
		last = linalg.Distance(tc.Unitary(), cx)
		if last > natTol {
			continue
		}
		var steps []natStep
		for _, op := range tc.Ops() {
			if op.Gate == g {
				steps = append(steps, natStep{two: true, q: 0, params: append([]float64(nil), op.Params...)})
				continue
			}
			steps = append(steps, natStep{q: op.Qubits[0], m: gateMat2(op)})
		}
		return steps, nil
	}
	return nil, fmt.Errorf("%w: no cx from at most three %s gates (distance %.2g)", ErrNative, g.Name(), last)
}
