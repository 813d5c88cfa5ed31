"""Unit tests of the client's framing and helpers (no server needed)."""

from __future__ import annotations

import socket
import struct

import pytest

import bqskit_mpi
from bqskit_mpi import _wire
from bqskit_mpi.compiler import _split, read_token
from bqskit_mpi.errors import from_wire


def test_frame_round_trip():
    a, b = socket.socketpair()
    with a, b:
        msg = {"type": "reply", "id": 3, "task": "0.1", "result": {"qasm": "x" * 100000}}
        a.sendall(_wire.encode(msg))
        assert _wire.read_message(b) == msg


@pytest.mark.parametrize("data,code", [
    (struct.pack(">I", 0), "bad_frame"),
    (struct.pack(">I", 1 << 30), "bad_frame"),
    (struct.pack(">I", 5) + b"nope!", "bad_json"),
    (struct.pack(">I", 2) + b"[]", "bad_json"),
])
def test_bad_frames(data, code):
    a, b = socket.socketpair()
    with a, b:
        a.sendall(data)
        with pytest.raises(bqskit_mpi.ProtocolError) as ei:
            _wire.read_message(b, max_frame=1 << 20)
        assert ei.value.code == code


def test_closed_mid_frame():
    a, b = socket.socketpair()
    with b:
        a.sendall(struct.pack(">I", 10) + b"abc")
        a.close()
        with pytest.raises(bqskit_mpi.ConnectionClosedError, match="inside a frame"):
            _wire.read_message(b)


def test_error_mapping():
    e = from_wire({"code": "invalid_circuit", "message": "a.qasm:3:4: bad", "file": "a.qasm", "line": 3, "col": 4})
    assert isinstance(e, bqskit_mpi.InvalidCircuitError) and isinstance(e, bqskit_mpi.InvalidRequestError)
    assert (e.file, e.line, e.col) == ("a.qasm", 3, 4) and "a.qasm:3:4" in str(e)
    assert isinstance(from_wire({"code": "shutting_down", "message": "bye"}), bqskit_mpi.ConnectionClosedError)
    assert type(from_wire({"code": "something_new", "message": "?"})) is bqskit_mpi.BQSKitMPIError
    busy = from_wire({"code": "busy", "message": "the server holds 256.0 MiB of queued input"})
    assert isinstance(busy, bqskit_mpi.errors.ServerBusyError) and isinstance(busy, bqskit_mpi.LimitError)
    assert busy.code == "busy" and "queued" in str(busy)
    big = from_wire({"code": "too_large", "message": "too many gates", "field": "qasm", "line": 45, "col": 1})
    assert isinstance(big, bqskit_mpi.LimitError) and big.line == 45
    assert isinstance(from_wire({"code": "too_many_qubits", "message": "wide"}), bqskit_mpi.LimitError)


def test_split_and_token(tmp_path, monkeypatch):
    assert _split("node1", 7472) == ("node1", 7472)
    assert _split("node1:9000", 7472) == ("node1", 9000)
    assert _split("[::1]:9000", 7472) == ("::1", 9000)
    assert _split("::1", 7472) == ("::1", 7472)
    monkeypatch.delenv("BQSKIT_MPI_TOKEN", raising=False)
    f = tmp_path / "token"
    f.write_text("abc-token-from-a-file\n")
    assert read_token(None, f) == "abc-token-from-a-file"
    assert read_token("explicit-token-value", f) == "explicit-token-value"
    monkeypatch.setenv("BQSKIT_MPI_TOKEN", "token-from-the-env")
    assert read_token(None, f) == "token-from-the-env"
    monkeypatch.delenv("BQSKIT_MPI_TOKEN")
    # Short tokens are refused wherever they come from, naming the source.
    for args, source in [(("abc", f), "token=..."), ((None, tmp_path / "short"), "short")]:
        (tmp_path / "short").write_text("abc\n")
        with pytest.raises(bqskit_mpi.BQSKitMPIError, match=f"{source}.* has 3 characters; want at least 16"):
            read_token(*args)
    monkeypatch.setenv("BQSKIT_MPI_TOKEN", "env")
    with pytest.raises(bqskit_mpi.BQSKitMPIError, match=r"\$BQSKIT_MPI_TOKEN has 3 characters"):
        read_token(None, f)
    monkeypatch.delenv("BQSKIT_MPI_TOKEN")
    with pytest.raises(bqskit_mpi.BQSKitMPIError, match="does not exist"):
        read_token(None, tmp_path / "missing")


def test_bad_circuit_argument():
    with pytest.raises(bqskit_mpi.InvalidRequestError, match="neither QASM text nor an existing file"):
        bqskit_mpi.compiler._prepare("no-such-file.qasm")
    with pytest.raises(bqskit_mpi.InvalidRequestError, match="cannot compile a int"):
        bqskit_mpi.compiler._prepare(42)


def test_path_or_qasm_text_rule(tmp_path, monkeypatch):
    # A path is never taken for QASM text, whatever it contains.
    d = tmp_path / "qreg q[2];"
    d.mkdir()
    f = d / "OPENQASM qreg.qasm"
    f.write_text("OPENQASM 2.0;\nqreg q[2];\ncx q[0],q[1];\n")
    for arg in (str(f), f, str(f).encode()):
        inp = bqskit_mpi.compiler._prepare(arg)
        assert inp.fields["filename"] == f.name and inp.fields["qasm"].startswith("OPENQASM"), arg
        assert inp.width == 2
    # Text: several lines, or one line starting with OPENQASM.
    assert "filename" not in bqskit_mpi.compiler._prepare("OPENQASM 2.0; qreg q[3];").fields
    assert bqskit_mpi.compiler._prepare("qreg a[2];\nqreg b[3];\n").width == 5
    with pytest.raises(bqskit_mpi.InvalidRequestError, match="does not exist"):
        bqskit_mpi.compiler._prepare(tmp_path / "missing.qasm")
    with pytest.raises(bqskit_mpi.InvalidRequestError, match="neither QASM text"):
        bqskit_mpi.compiler._prepare("qreg q[2]; cx q[0],q[1];")


def test_bqskit_signature_and_environment(monkeypatch):
    # BQSKit's order is (ip, port, num_workers): a token there is refused clearly.
    with pytest.raises(TypeError, match="token is keyword-only"):
        bqskit_mpi.Compiler("127.0.0.1", 7472, "0" * 64)
    monkeypatch.setenv("BQSKIT_MPI_ADDRESS", "no-port-here")
    with pytest.raises(bqskit_mpi.BQSKitMPIError, match="BQSKIT_MPI_ADDRESS"):
        bqskit_mpi.Compiler()
    st = bqskit_mpi.CompilationStatus
    assert (st.UNKNOWN, st.RUNNING, st.DONE) == (0, 1, 2)  # BQSKit's values, with or without bqskit


def test_token_file_from_environment(tmp_path, monkeypatch):
    monkeypatch.delenv("BQSKIT_MPI_TOKEN", raising=False)
    f = tmp_path / "job-token"
    f.write_text("from-env-file-token\n")
    monkeypatch.setenv("BQSKIT_MPI_TOKEN_FILE", str(f))
    assert read_token() == "from-env-file-token"
    assert read_token("explicit-token-value") == "explicit-token-value"


def test_unsupported_compile_options_are_named():
    from bqskit_mpi.compiler import _check_task_options, _Options
    assert _Options(synthesis_epsilon=1e-6).synthesis_epsilon == 1e-6
    with pytest.raises(ValueError, match="synthesis_epsilon"):  # BQSKit's own check
        _Options(synthesis_epsilon=2.0)
    assert _Options(optimization_level=4).optimization_level == 4
    with pytest.raises(ValueError, match="optimization level"):
        _Options(optimization_level=5)
    with pytest.raises(NotImplementedError, match="max_logging_depth"):
        _check_task_options(3, None)
    with pytest.raises(NotImplementedError, match=r"data with keys \['k'\]"):
        _check_task_options(-1, {"k": 1})
    with pytest.raises(ValueError, match="Simulation size"):
        _Options(max_synthesis_size=5, error_sim_size=4)
    assert _Options(max_synthesis_size=4, error_threshold=0.1, error_sim_size=9, with_mapping=True).block_size == 4
