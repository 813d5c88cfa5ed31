"""Machine models for the submit request (no server needed)."""

from __future__ import annotations

import pytest

from bqskit_mpi._passes import model_spec


def test_dict_models():
    assert model_spec(None) is None
    assert model_spec({"coupling": "grid:2x3", "gates": "ibm"}) == {"coupling": "grid:2x3", "gates": "ibm"}
    assert model_spec({"qubits": 3, "edges": [(0, 1), (1, 2)], "gates": ["cz", "rz", "sx"]}) == {
        "qubits": 3, "edges": [[0, 1], [1, 2]], "gates": "cz,rz,sx"}
    with pytest.raises(TypeError, match="unknown keys"):
        model_spec({"coupling": "linear:3", "colour": 1})
    with pytest.raises(TypeError, match="coupling"):
        model_spec({"coupling": 3})


def test_bqskit_machine_model():
    pytest.importorskip("bqskit")
    from bqskit import MachineModel
    from bqskit.ir.gates import CNOTGate, CZGate, RZGate, SqrtXGate, U3Gate
    from bqskit.qis.graph import CouplingGraph

    m = MachineModel(4, CouplingGraph.linear(4), {CZGate(), RZGate(), SqrtXGate()})
    assert model_spec(m) == {"qubits": 4, "edges": [[0, 1], [1, 2], [2, 3]], "gates": "cz,rz,sx"}
    assert model_spec(MachineModel(3, gate_set={CNOTGate(), U3Gate()})) is None  # BQSKit's default target
