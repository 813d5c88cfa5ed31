package compiler

import (
	"context"
	"math/rand/v2"
	"testing"

	"github.com/bqskit-mpi/bqskit-mpi/circuit"
	"github.com/bqskit-mpi/bqskit-mpi/linalg"
	"github.com/bqskit-mpi/bqskit-mpi/machine"
)

func TestNatSingleForms(t *testing.T) {
	rng := rand.New(rand.NewPCG(4, 4))
	angles := [][3]float64{{0, 0, 0}, {0, 1, 2}, {1.5707963267948966, 0.3, -2}, {3.141592653589793, 1, 1}}
	for i := 0; i < 20; i++ {
		angles = append(angles, [3]float64{rng.Float64() * 3.2, rng.Float64()*12 - 6, rng.Float64()*12 - 6})
	}
	for _, spec := range []string{"cx,u3", "ibm", "iswap", "cz,rz,rx", "cx,u"} {
		gs, err := machine.ParseGates(spec)
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range angles {
			m := linalg.New(2, 2)
			circuit.U3.Unitary(a[:], m)
			c := circuit.New(1)
			for _, op := range natSingle(0, mat2(m.Data), gs) {
				if !gs.Contains(op.Gate.Name()) {
					t.Fatalf("%s: %s not native", spec, op.Gate.Name())
				}
				c.Append(op)
			}
			if d := linalg.Distance(c.Unitary(), m); d > 1e-7 {
				t.Fatalf("%s: u3%v: distance %g", spec, a, d)
			}
		}
	}
}

func nativeTestCircuit(rng *rand.Rand, n int) *circuit.Circuit {
	names := []string{"cx", "cz", "h", "rz", "u3", "swap", "rzz", "iswap", "ecr", "ccx", "cp", "sx", "t", "crx"}
	c := circuit.New(n)
	for i := 0; i < 25; i++ {
		g, _ := circuit.LookupGate(names[rng.IntN(len(names))])
		qs := rng.Perm(n)[:g.NumQubits()]
		p := make([]float64, g.NumParams())
		for k := range p {
			p[k] = rng.Float64()*6 - 3
		}
		c.AppendGate(g, qs, p...)
	}
	c.Append(circuit.Op{Gate: circuit.Barrier(n), Qubits: []int{0, 1, 2}})
	return c
}

func TestRetargetNative(t *testing.T) {
	ctx := context.Background()
	for _, spec := range []string{"cx,u3", "cz,u3", "ibm", "ibm-ecr", "iswap", "sqrt_iswap", "rzz", "cz,rz,rx", "syc,u3", "b,rz,sx"} {
		gs, err := machine.ParseGates(spec)
		if err != nil {
			t.Fatal(err)
		}
		rng := rand.New(rand.NewPCG(9, 9))
		for trial := 0; trial < 3; trial++ {
			c := nativeTestCircuit(rng, 3)
			out, err := RetargetNative(ctx, c, gs)
			if err != nil {
				t.Fatalf("%s: %v", spec, err)
			}
			for i, op := range out.Ops() {
				if !circuit.IsDirective(op.Gate) && !gs.Contains(op.Gate.Name()) {
					t.Fatalf("%s: op %d %s is not native", spec, i, op.Gate.Name())
				}
			}
			if d := linalg.Distance(out.Unitary(), c.Unitary()); d > 1e-6 {
				t.Fatalf("%s trial %d: distance %g", spec, trial, d)
			}
			if trial == 0 {
				t.Logf("%-10s %d ops, %d two-qubit", spec, out.Len(), out.TwoQubitCount())
			}
		}
	}
}

func TestRetargetNativeErrors(t *testing.T) {
	gs, err := machine.ParseGates("u3")
	if err != nil {
		t.Fatal(err)
	}
	c := circuit.New(2)
	c.AppendGate(circuit.CX, []int{0, 1})
	if _, err := RetargetNative(context.Background(), c, gs); err == nil {
		t.Error("no two-qubit gate: no error")
	}
}
