"""A tiny pure-Python unitary simulator for the gates the tests meet
(u1, u2, u3, p, cx, h, x, rx, ry, rz), big-endian like BQSKit."""

from __future__ import annotations

import cmath
import math
import re
from typing import List

Matrix = List[List[complex]]


def _u3(t: float, p: float, l: float) -> Matrix:
    c, s = math.cos(t / 2), math.sin(t / 2)
    return [[c, -cmath.exp(1j * l) * s], [cmath.exp(1j * p) * s, cmath.exp(1j * (p + l)) * c]]


def _gate(name: str, args: List[float]) -> Matrix:
    if name in ("u3", "u", "U"):
        return _u3(*args)
    if name == "u2":
        return _u3(math.pi / 2, args[0], args[1])
    if name in ("u1", "p"):
        return [[1, 0], [0, cmath.exp(1j * args[0])]]
    if name == "h":
        r = 1 / math.sqrt(2)
        return [[r, r], [r, -r]]
    if name == "x":
        return [[0, 1], [1, 0]]
    if name == "rz":
        return [[cmath.exp(-0.5j * args[0]), 0], [0, cmath.exp(0.5j * args[0])]]
    if name == "rx":
        c, s = math.cos(args[0] / 2), math.sin(args[0] / 2)
        return [[c, -1j * s], [-1j * s, c]]
    if name == "ry":
        c, s = math.cos(args[0] / 2), math.sin(args[0] / 2)
        return [[c, -s], [s, c]]
    raise ValueError(f"qsim: gate {name} not supported")


_OP = re.compile(r"^([a-zA-Z0-9_]+)\s*(?:\(([^)]*)\))?\s+(.+);$")


def _num(expr: str) -> float:
    return float(eval(expr, {"__builtins__": {}}, {"pi": math.pi}))


def unitary(qasm: str) -> Matrix:
    n = 0
    ops = []
    for raw in qasm.splitlines():
        line = raw.split("//")[0].strip()
        if not line or line.startswith(("OPENQASM", "include", "creg", "barrier", "measure")):
            continue
        if line.startswith("qreg"):
            n += int(re.search(r"\[(\d+)\]", line).group(1))
            continue
        m = _OP.match(line)
        if not m:
            raise ValueError(f"qsim: cannot read {line!r}")
        name, params, qubits = m.group(1), m.group(2), m.group(3)
        args = [_num(a) for a in params.split(",")] if params else []
        qs = [int(q) for q in re.findall(r"\[(\d+)\]", qubits)]
        ops.append((name, args, qs))
    dim = 1 << n
    # columns of U: start from the identity, apply gates to every column.
    cols = [[1.0 + 0j if r == c else 0j for r in range(dim)] for c in range(dim)]
    for name, args, qs in ops:
        for col in cols:
            if name in ("cx", "CX"):
                cb, tb = 1 << (n - 1 - qs[0]), 1 << (n - 1 - qs[1])
                for i in range(dim):
                    if i & cb and not i & tb:
                        j = i | tb
                        col[i], col[j] = col[j], col[i]
                continue
            g = _gate(name, args)
            b = 1 << (n - 1 - qs[0])
            for i in range(dim):
                if not i & b:
                    a0, a1 = col[i], col[i | b]
                    col[i] = g[0][0] * a0 + g[0][1] * a1
                    col[i | b] = g[1][0] * a0 + g[1][1] * a1
    return cols  # column-major: cols[c][r] = U[r][c]


def distance(qasm_a: str, qasm_b: str) -> float:
    """sqrt(1 - (|Tr(A^dagger B)|/N)^2), phase-blind."""
    a, b = unitary(qasm_a), unitary(qasm_b)
    dim = len(a)
    tr = sum(a[c][r].conjugate() * b[c][r] for c in range(dim) for r in range(dim))
    f = min(abs(tr) / dim, 1.0)
    return math.sqrt(1 - f * f)
