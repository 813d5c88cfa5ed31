"""Two-qubit counts of BQSKit 1.2.1's compile() for a machine model.

Run in a virtual environment with bqskit==1.2.1 (not part of the repo):

    python3 -m venv /tmp/bqskit-venv && /tmp/bqskit-venv/bin/pip install bqskit==1.2.1
    /tmp/bqskit-venv/bin/python bench/routing/bqskit_mapping.py [LEVEL]

It prints one line per circuit and model: the input's two-qubit count and
BQSKit's after compile(..., model, with_mapping=True). Compare with
bqskit-compile --coupling SPEC -O LEVEL --json (output.two_qubit_gates).
"""
import os
import sys
import time

from bqskit import Circuit, MachineModel, compile
from bqskit.ir.gates import CNOTGate, U3Gate
from bqskit.qis.graph import CouplingGraph

HERE = os.path.dirname(os.path.abspath(__file__))
CIRCUITS = os.path.join(HERE, "..", "..", "testdata", "circuits", "bqskit")


def models(n):
    side = {12: (3, 4), 16: (4, 4)}[n]
    return {
        f"linear:{n}": CouplingGraph.linear(n),
        f"grid:{side[0]}x{side[1]}": CouplingGraph.grid(*side),
    }


def main():
    level = int(sys.argv[1]) if len(sys.argv) > 1 else 1
    for name in ["qaoa12", "heisenberg16"]:
        circ = Circuit.from_file(os.path.join(CIRCUITS, name + ".qasm"))
        for spec, graph in models(circ.num_qudits).items():
            model = MachineModel(circ.num_qudits, graph, {CNOTGate(), U3Gate()})
            start = time.time()
            out, pi, pf = compile(circ, model, optimization_level=level, with_mapping=True,
                                  seed=1, num_workers=2)
            print(f"{name:13s} {spec:10s} O{level} input {circ.count(CNOTGate()):5d}"
                  f" bqskit {out.count(CNOTGate()):5d}  {time.time() - start:7.1f}s", flush=True)


if __name__ == "__main__":
    main()
