"""Translation of BQSKit pass objects into the server's workflow JSON
(no server needed; skipped without bqskit)."""

from __future__ import annotations

import pytest

pytest.importorskip("bqskit")

from bqskit.compiler import Workflow  # noqa: E402
from bqskit.ir.gates import CNOTGate  # noqa: E402
from bqskit.passes import (ChangePredicate, ExtendBlockSizePass, ForEachBlockPass, GateCountPredicate,  # noqa: E402
                           IfThenElsePass, LEAPSynthesisPass, NotPredicate, QSearchSynthesisPass,
                           QuickPartitioner, ScanningGateRemovalPass, UnfoldPass, WhileLoopPass,
                           WidthPredicate)

from bqskit_mpi._passes import translate  # noqa: E402


def test_common_passes():
    wf = Workflow([
        QuickPartitioner(4),
        ExtendBlockSizePass(),
        ForEachBlockPass([
            LEAPSynthesisPass(success_threshold=1e-9, min_prefix_size=7, instantiate_options={"multistarts": 4}),
            QSearchSynthesisPass(),
            ScanningGateRemovalPass(collection_filter=lambda op: op.num_qudits >= 2,
                                    instantiate_options={"multistarts": 2, "ftol": 1e-6}),
        ]),
        UnfoldPass(),
        WhileLoopPass(ChangePredicate(), [QuickPartitioner(3), ForEachBlockPass(ScanningGateRemovalPass()),
                                          UnfoldPass()]),
    ])
    assert translate(wf, 5, 3) == [
        {"pass": "quick_partition", "block_size": 4},
        {"pass": "extend_block_size"},
        {"pass": "for_each_block", "workflow": [
            {"pass": "synthesize", "success_threshold": 1e-9, "multistarts": 4, "min_prefix": 7},
            {"pass": "synthesize", "min_prefix": 64},
            {"pass": "scanning_gate_removal", "multistarts": 2, "two_qubit_only": True},
        ]},
        {"pass": "unfold"},
        {"pass": "while_changing", "max_iterations": 100, "workflow": [
            {"pass": "quick_partition", "block_size": 3},
            {"pass": "for_each_block", "workflow": [{"pass": "scanning_gate_removal"}]},
            {"pass": "unfold"},
        ]},
    ]


def test_width_predicates_are_decided_before_the_compile():
    branch = IfThenElsePass(WidthPredicate(6), [UnfoldPass()], [QuickPartitioner(2)])
    assert translate([branch], 5, 3) == [{"pass": "unfold"}]
    assert translate([branch], 6, 3) == [{"pass": "quick_partition", "block_size": 2}]
    inner = IfThenElsePass(NotPredicate(WidthPredicate(4)), ScanningGateRemovalPass())
    # Blocks of a 3-qubit partition are all narrower than 4: the branch is never taken.
    assert translate([QuickPartitioner(3), ForEachBlockPass([inner, ScanningGateRemovalPass()]), UnfoldPass()],
                     8, 3)[1] == {"pass": "for_each_block", "workflow": [{"pass": "scanning_gate_removal"}]}
    with pytest.raises(NotImplementedError, match=r"WidthPredicate\(3\)"):
        translate([QuickPartitioner(3), ForEachBlockPass([IfThenElsePass(WidthPredicate(3), UnfoldPass())])], 8, 3)
    loop = WhileLoopPass(GateCountPredicate(CNOTGate()), [UnfoldPass()])
    assert translate([loop], 4, 3)[0]["pass"] == "while_two_qubit_drops"


def test_unsupported_parameters_are_named():
    with pytest.raises(NotImplementedError, match="QSearchSynthesisPass.*max_layer"):
        translate([QSearchSynthesisPass(max_layer=5)], 3, 3)
    with pytest.raises(NotImplementedError, match="ScanningGateRemovalPass.*start_from_left"):
        translate([ScanningGateRemovalPass(start_from_left=False)], 3, 3)
    with pytest.raises(NotImplementedError, match="ScanningGateRemovalPass.*collection_filter"):
        translate([ScanningGateRemovalPass(collection_filter=lambda op: op.num_qudits == 1)], 3, 3)
    with pytest.raises(NotImplementedError, match="WhileLoopPass.*WidthPredicate"):
        translate([WhileLoopPass(WidthPredicate(3), [UnfoldPass()])], 3, 3)
