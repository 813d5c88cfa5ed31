"""BQSKit's side of the side-by-side benchmark (`make bench`).

Usage: side.py serve --workers W

Starts BQSKit's attached runtime server with W worker processes on free
loopback ports (never BQSKit's default 7472, which anything else may
hold), connects a Compiler to it, then answers one JSON request per stdin
line with one JSON reply per stdout line, until stdin closes. The Go bench
(bench/sidebyside) drives it and alternates each request with the same
work on our side. Only BQSKit's public API is used: Compiler, compile,
Circuit.instantiate, get_runtime().map/submit inside passes.

Requests ({"op": ...}): hello, instantiate, compile, synth, empty_tasks,
nested_map, roundtrip. Inputs (.npy targets and unitaries) are generated
by the Go side so that both systems read the same files. Replies carry
"ok": true, or "ok": false with "error".
"""
from __future__ import annotations

import argparse
import importlib.metadata
import json
import os
import platform
import socket
import subprocess
import sys
import time
import traceback

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from bqskit import compile as bq_compile  # noqa: E402
from bqskit.compiler import Compiler  # noqa: E402
from bqskit.ir.circuit import Circuit  # noqa: E402
from bqskit.ir.gates import CNOTGate, RXGate, RYGate, RZGate, U3Gate  # noqa: E402
from bqskit.qis.unitary import UnitaryMatrix  # noqa: E402

import bench_tasks  # noqa: E402


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def cost(u: np.ndarray, v: np.ndarray) -> float:
    """c = 1 - |Tr(U^dagger V)|/N, the success measure both sides use."""
    return float(1 - abs(np.trace(u.conj().T @ v)) / u.shape[0])


def template(layers: int) -> Circuit:
    """U3 on each of 3 qubits, then `layers` blocks CX(a,b) RY(a) RZ(a)
    RY(b) RX(b) on pairs cycling (0,1), (1,2), (0,2): the same template
    as bench/sidebyside/inst.go builds on our side."""
    c = Circuit(3)
    for q in range(3):
        c.append_gate(U3Gate(), [q])
    pairs = [(0, 1), (1, 2), (0, 2)]
    for i in range(layers):
        a, b = pairs[i % 3]
        c.append_gate(CNOTGate(), [a, b])
        c.append_gate(RYGate(), [a])
        c.append_gate(RZGate(), [a])
        c.append_gate(RYGate(), [b])
        c.append_gate(RXGate(), [b])
    return c


def two_qubit(c: Circuit) -> int:
    return sum(n for g, n in c.gate_counts.items() if g.num_qudits == 2)


class Side:
    def __init__(self, workers: int) -> None:
        self.workers = workers
        self.server = None
        self.compiler = None

    def start(self) -> None:
        port, wport = free_port(), free_port()
        launch = ('from bqskit.runtime.attached import start_attached_server; '
                  f'start_attached_server({self.workers}, port={port}, '
                  f'worker_port={wport}, num_blas_threads=1)')
        self.server = subprocess.Popen([sys.executable, '-c', launch],
                                       stdout=sys.stderr)
        deadline = time.time() + 120
        while True:
            try:
                self.compiler = Compiler('localhost', port)
                return
            except (RuntimeError, OSError):
                if time.time() > deadline or self.server.poll() is not None:
                    raise RuntimeError(
                        f'BQSKit runtime server on port {port} did not start')
                time.sleep(0.5)

    def stop(self) -> None:
        if self.compiler is not None:
            try:
                self.compiler.close()
            except Exception:
                pass
        if self.server is not None:
            self.server.terminate()
            try:
                self.server.wait(10)
            except subprocess.TimeoutExpired:
                self.server.kill()

    # --- requests -------------------------------------------------------

    def hello(self, _r):
        v = importlib.metadata.version
        return {'bqskit': v('bqskit'), 'bqskitrs': v('bqskitrs'),
                'numpy': v('numpy'), 'python': platform.python_version(),
                'workers': self.workers}

    def instantiate(self, r):
        """One start of BQSKit's default instantiater per target, in this
        process (one core); thread CPU and wall time per call."""
        c = template(r['layers'])
        cpu, wall, costs = [], [], []
        for i, f in enumerate(r['files']):
            target = UnitaryMatrix(np.load(f))
            d = c.copy()
            t0, w0 = time.thread_time(), time.perf_counter()
            d.instantiate(target, seed=r.get('seed', 0) + i)
            cpu.append(time.thread_time() - t0)
            wall.append(time.perf_counter() - w0)
            costs.append(cost(np.asarray(target), np.asarray(d.get_unitary())))
        return {'cpu_s': cpu, 'wall_s': wall, 'cost': costs}

    def compile(self, r):
        c = Circuit.from_file(r['qasm'])
        t0 = time.perf_counter()
        out = bq_compile(c, optimization_level=r['level'], seed=r['seed'],
                         compiler=self.compiler)
        sec = time.perf_counter() - t0
        if r.get('out'):
            out.save(r['out'])
        return {'seconds': sec, 'two_qubit_in': two_qubit(c),
                'two_qubit_out': two_qubit(out)}

    def synth(self, r):
        u = UnitaryMatrix(np.load(r['npy']))
        t0 = time.perf_counter()
        out = bq_compile(u, optimization_level=r['level'], seed=r['seed'],
                         compiler=self.compiler)
        sec = time.perf_counter() - t0
        return {'seconds': sec, 'two_qubit_out': two_qubit(out),
                'cost': cost(np.asarray(u), np.asarray(out.get_unitary()))}

    def _timed(self, workflow, request_data=False):
        t0 = time.perf_counter()
        res = self.compiler.compile(Circuit(1), workflow,
                                    request_data=request_data)
        return time.perf_counter() - t0, res

    def empty_tasks(self, r):
        sec, _ = self._timed([bench_tasks.MapEmptyPass(r['tasks'])])
        return {'seconds': sec}

    def nested_map(self, r):
        sec, _ = self._timed([bench_tasks.NestedMapPass(r['parents'], r['children'])])
        return {'seconds': sec}

    def roundtrip(self, r):
        _, (_, data) = self._timed([bench_tasks.RoundtripPass(r['k'])], True)
        rts = data['roundtrips']
        return {'ns': [t for t, _ in rts], 'crossed': [x for _, x in rts]}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('mode', choices=['serve'])
    ap.add_argument('--workers', type=int, default=2)
    args = ap.parse_args()
    # Replies go to the real stdout; anything BQSKit prints goes to stderr.
    reply = os.fdopen(os.dup(1), 'w', buffering=1)
    os.dup2(2, 1)
    side = Side(args.workers)
    try:
        side.start()
    except Exception as e:  # reported to the driver, which records it
        reply.write(json.dumps({'ok': False, 'error': f'start: {e}'}) + '\n')
        side.stop()
        return 1
    reply.write(json.dumps({'ok': True, 'ready': True}) + '\n')
    try:
        for line in sys.stdin:
            if not line.strip():
                continue
            try:
                r = json.loads(line)
                fn = getattr(side, r['op'], None)
                if fn is None or r['op'].startswith('_') or r['op'] in ('start', 'stop'):
                    raise ValueError(f"unknown op {r['op']!r}")
                out = fn(r)
                out['ok'] = True
            except Exception as e:
                traceback.print_exc(file=sys.stderr)
                out = {'ok': False, 'error': f'{type(e).__name__}: {e}'}
            reply.write(json.dumps(out) + '\n')
    finally:
        side.stop()
    return 0


if __name__ == '__main__':
    sys.exit(main())
