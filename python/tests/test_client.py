"""Acceptance tests of the Python client against a real bqskit-server."""

from __future__ import annotations

import importlib
import logging
import socket
import struct
import subprocess
import sys
import threading
import time

import pytest

import bqskit_mpi
from bqskit_mpi import CompilationStatus, Compiler, TaskState

from conftest import CIRCUITS
from qsim import distance

TOL = 1e-6


def connect(server, **kw) -> Compiler:
    return Compiler(ip=server.host, port=server.port, token=server.token, **kw)


def two_qubit_count(qasm: str) -> int:
    return sum(1 for line in qasm.splitlines() if line.strip().startswith(("cx ", "CX ")))


def test_compile_qft5_level2_verifies(server, qft5):
    progress = []
    with connect(server, progress=lambda t, d, n, s: progress.append((d, n))) as c:
        out = c.compile(qft5, optimization_level=2, seed=7)
    assert isinstance(out, str) and out.startswith("OPENQASM 2.0;")
    assert distance(qft5, out) < TOL
    assert two_qubit_count(out) <= two_qubit_count(qft5)
    # Module-level compile(), BQSKit's spelling.
    out2 = bqskit_mpi.compile(qft5, optimization_level=2, ip=server.host, port=server.port,
                              seed=7, token=server.token)
    assert out2 == out  # same seed, same result


def test_status_result_twice_and_data(server, qft5):
    with connect(server) as c:
        task = c.submit(CIRCUITS / "qft5.qasm", optimization_level=2, seed=3, request_data=True)
        seen = [c.state(task)]
        assert seen[0] in (TaskState.QUEUED, TaskState.RUNNING, TaskState.DONE)
        while c.status(task) != CompilationStatus.DONE:
            time.sleep(0.05)
            seen.append(c.state(task))
            assert seen[-1] in ("queued", "running", "done"), seen
        first, data = c.result(task)
        second, data2 = c.result(task)
        assert first == second and data == data2
        assert distance(qft5, first) < TOL
        assert "stages" in data and "error_bound" in data
        assert c.state(task) == "done"  # asking again changes nothing
        assert c.status(task) == CompilationStatus.DONE


def test_cancel_long_compile(server, qft5):
    hub18 = (CIRCUITS / "hub18.qasm").read_text()
    with connect(server) as c:
        task = c.submit(hub18, optimization_level=3, seed=1)
        time.sleep(0.5)
        t0 = time.monotonic()
        assert c.cancel(task) is True
        elapsed = time.monotonic() - t0
        print(f"cancel of hub18 level 3 answered in {elapsed * 1000:.1f} ms")
        with pytest.raises(bqskit_mpi.CompilationCancelledError):
            c.result(task)
        assert c.state(task) == "cancelled"
        assert c.status(task) == CompilationStatus.UNKNOWN
        out = c.compile(qft5, optimization_level=1, seed=1)  # the server serves the next compile
        assert distance(qft5, out) < TOL


def test_errors_keep_server_serving(server, qft5):
    with pytest.raises(bqskit_mpi.AuthenticationError, match="wrong token"):
        Compiler(ip=server.host, port=server.port, token="0" * 64)
    with connect(server) as c:
        bad = "OPENQASM 2.0;\nqreg q[2];\ncx q[0],q[1];\nfrobnicate q[0];\n"
        with pytest.raises(bqskit_mpi.InvalidCircuitError) as ei:
            c.compile(bad, filename="bad.qasm")
        assert ei.value.line == 4 and ei.value.col >= 1, ei.value
        assert "bad.qasm:4" in str(ei.value)
        with pytest.raises(bqskit_mpi.UnknownPassError, match="frobnicate"):
            c.compile(qft5, workflow=[{"pass": "frobnicate"}])
        with pytest.raises(bqskit_mpi.UnknownTaskError):
            c.status("no-such-task")
        with pytest.raises(bqskit_mpi.InvalidRequestError, match="synthesis_epsilon"):
            c.compile(qft5, synthesis_epsilon=0.5)  # the server accepts up to 0.01
        assert distance(qft5, c.compile(qft5, synthesis_epsilon=1e-10, seed=2)) < TOL
        with pytest.raises(bqskit_mpi.InvalidRequestError, match="block_size"):
            c.compile(qft5, max_synthesis_size=9, error_sim_size=9)
        with pytest.raises(ValueError, match="optimization level"):  # checked by the client, as BQSKit
            c.compile(qft5, optimization_level=7)
        assert distance(qft5, c.compile(qft5, seed=2)) < TOL
    # Raw protocol misuse on another connection.
    with socket.create_connection((server.host, server.port)) as s:
        s.sendall(struct.pack(">I", 9) + b"not json!")
        n = struct.unpack(">I", s.recv(4))[0]
        body = b""
        while len(body) < n:
            body += s.recv(n - len(body))
        assert b"bad_json" in body
    with connect(server) as c:
        assert distance(qft5, c.compile(qft5, seed=2)) < TOL


def test_disconnect_cancels_tasks(server, qft5):
    hub18 = (CIRCUITS / "hub18.qasm").read_text()
    c = connect(server)
    c.submit(hub18, optimization_level=3, seed=5)
    time.sleep(0.3)
    c._sock.close()  # vanish without close
    time.sleep(0.3)
    with connect(server) as c2:  # the server is free again and serves a compile quickly
        t0 = time.monotonic()
        out = c2.compile(qft5, optimization_level=1, seed=1)
        assert distance(qft5, out) < TOL
        print(f"compile after a vanished client took {time.monotonic() - t0:.2f} s")


def test_logs_reach_python_logging(server, qft5, caplog):
    with caplog.at_level(logging.DEBUG, logger="bqskit_mpi"):
        with connect(server) as c:
            c.compile(qft5, optimization_level=1, seed=1, log_level="debug")
    server_records = [r for r in caplog.records if r.name.startswith("bqskit_mpi.server.")]
    assert server_records, "no server log record reached Python logging"


def test_concurrent_compilers(server):
    small = ("OPENQASM 2.0;\ninclude \"qelib1.inc\";\nqreg q[3];\nh q[0];\ncx q[0],q[1];\n"
             "rz(0.25) q[1];\ncx q[0],q[1];\ncx q[1],q[2];\nrx(0.5) q[2];\ncx q[1],q[2];\n")
    errors = []

    def work():
        try:
            with connect(server) as c:
                for seed in range(3):
                    out = c.compile(small, optimization_level=1, seed=seed)
                    assert distance(small, out) < TOL
        except Exception as e:  # reported below
            errors.append(e)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors


def test_private_local_server(server, qft5):
    # ip=None starts a private bqskit-server (BQSKit's attached mode).
    out = bqskit_mpi.compile(qft5, optimization_level=1, seed=1, num_workers=1)
    assert distance(qft5, out) < TOL


def _bqskit():
    try:
        return importlib.import_module("bqskit")
    except ImportError:
        pass
    r = subprocess.run([sys.executable, "-m", "pip", "install", "-q", "bqskit"], capture_output=True,
                       text=True, timeout=300)
    if r.returncode != 0:
        pytest.skip("bqskit cannot be installed in this environment: " + (r.stderr or r.stdout)[-300:])
    importlib.invalidate_caches()
    return importlib.import_module("bqskit")


def test_bqskit_circuit_in_and_out(server):
    bqskit = _bqskit()
    from bqskit.ir.circuit import Circuit

    circ = Circuit.from_file(str(CIRCUITS / "qft5.qasm"))
    with connect(server) as c:
        out = c.compile(circ, optimization_level=2, seed=7)
    assert isinstance(out, Circuit)
    assert out.num_qudits == 5
    dist = circ.get_unitary().get_distance_from(out.get_unitary())
    assert dist < 1e-6, dist
    print(f"bqskit {bqskit.__version__}: distance {dist:.2e}, CNOTs {circ.count(bqskit.ir.gates.CNOTGate())} -> "
          f"{out.count(bqskit.ir.gates.CNOTGate())}")


def test_failed_task_is_done_for_bqskit_polling(server):
    # BQSKit polling loops wait for DONE: a failed task reports DONE and
    # result() raises its error (state() says "failed").
    hub18 = (CIRCUITS / "hub18.qasm").read_text()
    with connect(server) as c:
        task = c.submit(hub18, [{"pass": "scanning_gate_removal"}])  # 18 qubits: too wide at top level
        while c.status(task) != CompilationStatus.DONE:
            time.sleep(0.05)
        assert c.state(task) == TaskState.FAILED
        with pytest.raises(bqskit_mpi.CompilationError, match="scanning_gate_removal"):
            c.result(task)
