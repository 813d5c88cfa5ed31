"""Translation of BQSKit pass objects into the server's workflow JSON.

A BQSKit workflow is Python code; the server takes data only. Each common
BQSKit pass class is read through its public attributes and mapped to the
pass of the workflow language (compiler/workflow.go) that does the same
work; a pass or parameter without an equivalent raises
``NotImplementedError`` naming it, never a silent approximation. Pass specs
given as dicts (``{"pass": "unfold"}``) are passed through unchanged.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional

# Largest values the workflow language accepts (compiler/workflow.go).
MAX_LOOP_ITERS = 100
MAX_MIN_PREFIX = 64
MAX_EPSILON = 1e-2

# ForEachBlockPass replace filters the server's for_each_block honours: it
# keeps a new block only when it has fewer (two-qubit, one-qubit) gates, so
# a block never gets worse; "always" is BQSKit's default and is accepted too
# (README: the server never swaps in a worse block).
_REPLACE_FILTERS = {
    "always", "less-than", "less-than-multi", "less-than-many", "less-than-respecting",
    "less-than-respecting-multi", "less-than-respecting-many", "less-than-respecting-fully",
    "less-than-respecting-fully-multi", "less-than-respecting-fully-many",
}

# instantiate_options keys: multistarts maps to the pass; the solver
# tolerances are accepted because BQSKit 1.2.1 itself never hands them to
# its solver (COMPILER_REFERENCE: only multistarts has an effect); dist_tol
# and cost_fn_gen are set by the pass from success_threshold and cost.
_IGNORED_INSTANTIATE = {"ftol", "gtol", "max_iters", "min_iters", "dist_tol", "cost_fn_gen",
                        "diff_tol_a", "diff_tol_r"}


class _Ctx:
    """Where a pass sits: top level (circuit width known) or inside
    for_each_block (blocks at most ``block_size`` qubits)."""

    def __init__(self, width: Optional[int], block_size: int, in_block: bool) -> None:
        self.width = width
        self.block_size = block_size
        self.in_block = in_block

    def block(self, block_size: int) -> "_Ctx":
        return _Ctx(None, block_size, True)


def _unsupported(pass_obj: Any, what: str) -> NotImplementedError:
    return NotImplementedError(
        f"bqskit_mpi cannot send BQSKit's {type(pass_obj).__name__} to the server: {what}")


def _cls(obj: Any) -> str:
    return type(obj).__name__


def _epsilon(p: Any, spec: Dict[str, Any]) -> None:
    eps = float(getattr(p, "success_threshold", 1e-8))
    if eps != 1e-8:
        if not 0 < eps <= MAX_EPSILON:
            raise _unsupported(p, f"success_threshold={eps!r} (the server accepts (0, {MAX_EPSILON}])")
        spec["success_threshold"] = eps


def _default_cost(p: Any) -> None:
    cost = getattr(p, "cost", None)
    if cost is not None and _cls(cost) != "HilbertSchmidtResidualsGenerator":
        raise _unsupported(p, f"cost={_cls(cost)} (only the default HilbertSchmidtResidualsGenerator)")


def _instantiate(p: Any, spec: Dict[str, Any]) -> None:
    opts = dict(getattr(p, "instantiate_options", {}) or {})
    ms = opts.pop("multistarts", None)
    if ms is not None and int(ms) != 1:
        spec["multistarts"] = int(ms)
    method = opts.pop("method", None)
    if method not in (None, "minimization"):
        raise _unsupported(p, f"instantiate_options['method']={method!r} (only 'minimization')")
    for k in list(opts):
        if k in _IGNORED_INSTANTIATE:
            opts.pop(k)
    if opts:
        raise _unsupported(p, f"instantiate_options {sorted(opts)} (supported: multistarts)")


def _synthesis(p: Any, leap: bool) -> Dict[str, Any]:
    spec: Dict[str, Any] = {"pass": "synthesize"}
    if _cls(getattr(p, "heuristic_function", None)) not in ("AStarHeuristic", "NoneType"):
        raise _unsupported(p, f"heuristic_function={_cls(p.heuristic_function)} (only AStarHeuristic)")
    if getattr(p, "layer_gen", None) is not None:
        raise _unsupported(p, f"layer_generator={_cls(p.layer_gen)} (only the default)")
    if getattr(p, "max_layer", None) is not None:
        raise _unsupported(p, f"max_layer={p.max_layer!r} (only None)")
    if getattr(p, "store_partial_solutions", False):
        raise _unsupported(p, "store_partial_solutions=True")
    if getattr(p, "no_progress_layers_allowed", 10) != 10:
        raise _unsupported(p, f"no_progress_layers_allowed={p.no_progress_layers_allowed!r} (only 10)")
    _default_cost(p)
    _epsilon(p, spec)
    _instantiate(p, spec)
    if leap:
        mp = int(getattr(p, "min_prefix_size", 3))
        if not 1 <= mp <= MAX_MIN_PREFIX:
            raise _unsupported(p, f"min_prefix_size={mp} (the server accepts 1 to {MAX_MIN_PREFIX})")
        if mp != 3:
            spec["min_prefix"] = mp
    else:
        # The server's synthesize runs QSearch below 3 qubits and LEAP
        # otherwise; LEAP that commits no prefix is QSearch, so the largest
        # min_prefix makes it QSearch on blocks up to 3 qubits (whose
        # searches are bounded to 30 layers) and all but QSearch above.
        spec["min_prefix"] = MAX_MIN_PREFIX
    return spec


def _probe_filter(p: Any, f: Any) -> Optional[bool]:
    """Classify a collection filter by calling it on one-, two- and
    three-qubit operations: None = every gate, True = gates on two or more
    qubits; anything else is refused."""
    from bqskit.ir.gates import CCXGate, CNOTGate, U3Gate  # type: ignore
    from bqskit.ir.operation import Operation  # type: ignore

    ops = [Operation(U3Gate(), (0,), [0.1, 0.2, 0.3]), Operation(CNOTGate(), (0, 1)),
           Operation(CCXGate(), (0, 1, 2))]
    try:
        got = tuple(bool(f(op)) for op in ops)
    except Exception as e:
        raise _unsupported(p, f"its collection_filter raised {e!r} on a test operation") from None
    if got == (True, True, True):
        return None
    if got == (False, True, True):
        return True
    raise _unsupported(p, "collection_filter selects neither every gate nor the multi-qubit gates "
                          f"(on 1-, 2-, 3-qubit gates it answers {got})")


def _predicate_value(cond: Any, width: Optional[int], hi: int) -> Optional[bool]:
    """The value of a static width predicate for a circuit of ``width``
    qubits, or for any block of 1..hi qubits when width is None; None when
    it depends on the block."""
    name = _cls(cond)
    if name == "NotPredicate":
        v = _predicate_value(cond.predicate, width, hi)
        return None if v is None else not v
    if name == "WidthPredicate":  # True when the circuit is narrower than width
        if width is not None:
            return width < cond.width
        if hi < cond.width:
            return True
        if cond.width <= 1:
            return False
        return None
    return None


def _loop_kind(p: Any) -> str:
    cond = p.condition
    name = _cls(cond)
    if name == "ChangePredicate":
        return "while_changing"
    if name == "GateCountPredicate":
        gates = cond.gate
        if gates == "tq" or gates == "multi" or (
                isinstance(gates, list) and len(gates) == 1 and _cls(gates[0]) == "CNOTGate"):
            return "while_two_qubit_drops"
    raise _unsupported(p, f"condition {name} (supported: ChangePredicate, GateCountPredicate(CNOTGate()))")


def _is_default_model(model: Any) -> bool:
    """True for an all-to-all model with BQSKit's default gate set
    {CNOT, U3}, the only target the server compiles to."""
    if model is None:
        return True
    try:
        n = model.num_qudits
        cg = model.coupling_graph
        full = n * (n - 1) // 2
        gates = {_cls(g) for g in model.gate_set}
        if any(r != 2 for r in model.radixes):
            return False
        return len(list(cg)) >= full and gates == {"CNOTGate", "U3Gate"}
    except Exception:
        return False


# BQSKit gate classes and the server's gate names.
_GATE_NAMES = {
    "CNOTGate": "cx", "CXGate": "cx", "CZGate": "cz", "CYGate": "cy", "U3Gate": "u3", "RZGate": "rz",
    "RXGate": "rx", "RYGate": "ry", "SqrtXGate": "sx", "SXGate": "sx", "XGate": "x", "YGate": "y",
    "ZGate": "z", "HGate": "h", "ECRGate": "ecr", "ISwapGate": "iswap", "SqrtISwapGate": "sqisw",
    "RZZGate": "rzz", "RXXGate": "rxx", "RYYGate": "ryy", "SwapGate": "swap", "SGate": "s", "TGate": "t",
    "SdgGate": "sdg", "TdgGate": "tdg", "U1Gate": "u1", "U2Gate": "u2", "SycamoreGate": "syc",
    "BGate": "b", "CRZGate": "crz", "CPGate": "cp",
}


def model_spec(model: Any) -> Optional[Dict[str, Any]]:
    """The submit request's ``model`` for a BQSKit ``MachineModel`` or a
    dict, or None for no model (None, or all-to-all {CNOT, U3}). A dict is
    the protocol's form: ``{"coupling": "linear:5", "gates": "ibm"}`` or
    ``{"qubits": 5, "edges": [[0, 1], ...], "gates": [...]}``; ``gates``
    may be a string or a list of gate names. Values are checked by the
    server (errors name the field)."""
    if model is None:
        return None
    if isinstance(model, dict):
        unknown = sorted(set(model) - {"coupling", "qubits", "edges", "gates"})
        if unknown:
            raise TypeError(f"model: unknown keys {unknown}; known: coupling, qubits, edges, gates")
        spec: Dict[str, Any] = {}
        if "coupling" in model:
            if not isinstance(model["coupling"], str):
                raise TypeError(f"model['coupling']: expected a string such as 'linear:5', got {type(model['coupling'])}")
            spec["coupling"] = model["coupling"]
        if "qubits" in model:
            spec["qubits"] = int(model["qubits"])
        if "edges" in model:
            spec["edges"] = [[int(a), int(b)] for a, b in model["edges"]]
        gates = model.get("gates")
        if gates is not None:
            spec["gates"] = gates if isinstance(gates, str) else ",".join(str(g) for g in gates)
        return spec
    if _is_default_model(model):
        return None
    try:
        n = int(model.num_qudits)
        edges = sorted({(min(a, b), max(a, b)) for a, b in model.coupling_graph})
        radixes = list(model.radixes)
        gate_set = list(model.gate_set)
    except AttributeError as e:
        raise TypeError(f"model: expected a bqskit MachineModel or a dict, got {type(model)}") from e
    if any(r != 2 for r in radixes):
        raise NotImplementedError("model: qudits other than qubits (radix 2) are not supported")
    names = []
    for g in gate_set:
        name = _GATE_NAMES.get(_cls(g))
        if name is None:
            raise NotImplementedError(f"model: gate {_cls(g)} has no counterpart on the server")
        names.append(name)
    return {"qubits": n, "edges": [list(e) for e in edges], "gates": ",".join(sorted(set(names)))}


def translate(workflow: Any, width: Optional[int], block_size: int) -> List[Dict[str, Any]]:
    """Pass specs for ``workflow``: a BQSKit ``Workflow``, one pass, or a
    sequence of passes and/or dict specs. ``width`` is the input circuit's
    qubit count (resolves width predicates at top level)."""
    return _seq(workflow, _Ctx(width, block_size, False))


def _items(workflow: Any) -> List[Any]:
    if isinstance(workflow, dict):
        return [workflow]
    if _cls(workflow) == "Workflow" or isinstance(workflow, (list, tuple)):
        return list(workflow)
    return [workflow]


def _seq(workflow: Any, ctx: _Ctx) -> List[Dict[str, Any]]:
    out: List[Dict[str, Any]] = []
    for p in _items(workflow):
        out.extend(_one(p, ctx))
    return out


def _one(p: Any, ctx: _Ctx) -> List[Dict[str, Any]]:
    if isinstance(p, dict):
        return [p]
    name = _cls(p)
    if name == "Workflow" or isinstance(p, (list, tuple)):
        return _seq(p, ctx)
    if name == "QuickPartitioner":
        ctx.block_size = int(p.block_size)
        return [{"pass": "quick_partition", "block_size": int(p.block_size)}]
    if name == "ExtendBlockSizePass":
        return [{"pass": "extend_block_size"}]
    if name == "UnfoldPass":
        return [{"pass": "unfold"}]
    if name in ("NOOPPass", "SetRandomSeedPass") :
        # SetRandomSeedPass: the seed is a submit option (compile(seed=)).
        if name == "SetRandomSeedPass":
            raise _unsupported(p, "pass the seed as seed= to compile() or submit() instead")
        return []
    if name == "SetModelPass":
        if _is_default_model(p.model):
            return []  # the server's target already is all-to-all {CNOT, U3}
        raise _unsupported(p, "a machine model other than all-to-all {CNOTGate, U3Gate} (the server's only target)")
    if name == "ForEachBlockPass":
        rf = p.replace_filter
        if not isinstance(rf, str) or rf not in _REPLACE_FILTERS:
            raise _unsupported(p, f"replace_filter={rf!r} (only BQSKit's named filters)")
        cf = p.collection_filter
        if getattr(cf, "__name__", "") != "default_collection_filter":
            # BQSKit's default collects every block (CircuitGate operations).
            raise _unsupported(p, "a custom collection_filter (only the default, every block)")
        inner = _seq(p.workflow, ctx.block(ctx.block_size))
        return [{"pass": "for_each_block", "workflow": inner}]
    if name == "QSearchSynthesisPass":
        return [_synthesis(p, leap=False)]
    if name == "LEAPSynthesisPass":
        return [_synthesis(p, leap=True)]
    if name == "ScanningGateRemovalPass":
        if not getattr(p, "start_from_left", True):
            raise _unsupported(p, "start_from_left=False (the server scans from the left)")
        spec: Dict[str, Any] = {"pass": "scanning_gate_removal"}
        _default_cost(p)
        _epsilon(p, spec)
        _instantiate(p, spec)
        if _probe_filter(p, p.collection_filter):
            spec["two_qubit_only"] = True
        return [spec]
    if name == "WhileLoopPass":
        kind = _loop_kind(p)
        inner = _seq(p.workflow, ctx)
        return [{"pass": kind, "max_iterations": MAX_LOOP_ITERS, "workflow": inner}]
    if name == "IfThenElsePass":
        v = _predicate_value(p.condition, ctx.width, ctx.block_size)
        if v is True:
            return _seq(p.on_true, ctx)
        if v is False:
            return _seq(p.on_false, ctx) if p.on_false is not None else []
        # BQSKit's own synthesis idiom: QSearch below 3 qubits, LEAP
        # otherwise, is exactly what the server's synthesize does.
        if (_cls(p.condition) == "WidthPredicate" and p.condition.width == 3 and p.on_false is not None
                and len(p.on_true) == 1 and len(p.on_false) == 1
                and _cls(p.on_true[0]) == "QSearchSynthesisPass" and _cls(p.on_false[0]) == "LEAPSynthesisPass"):
            q = _synthesis(p.on_true[0], leap=False)
            spec = _synthesis(p.on_false[0], leap=True)
            q.pop("min_prefix", None)
            rest = {k: v for k, v in spec.items() if k != "min_prefix"}
            if q == rest:
                return [spec]
        raise _unsupported(p, f"condition {_describe(p.condition)} cannot be decided before the compile "
                              "(supported: WidthPredicate and NotPredicate(WidthPredicate) that the input "
                              "width or the block size decide, and IfThenElsePass(WidthPredicate(3), "
                              "QSearchSynthesisPass, LEAPSynthesisPass) with equal options)")
    raise NotImplementedError(
        f"bqskit_mpi has no server equivalent of BQSKit's {name}; supported passes: QuickPartitioner, "
        "ExtendBlockSizePass, ForEachBlockPass, UnfoldPass, QSearchSynthesisPass, LEAPSynthesisPass, "
        "ScanningGateRemovalPass, WhileLoopPass, IfThenElsePass (width predicates), SetModelPass "
        "(default model), NOOPPass, or dict specs {'pass': NAME, ...} of the server's workflow language")


def _describe(cond: Any) -> str:
    name = _cls(cond)
    if name == "WidthPredicate":
        return f"WidthPredicate({cond.width})"
    if name == "NotPredicate":
        return f"NotPredicate({_describe(cond.predicate)})"
    return name


def model_is_default(model: Any) -> bool:
    return _is_default_model(model)
