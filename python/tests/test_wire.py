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


def test_split_and_token(tmp_path, monkeypatch):
    assert _split("node1", 7472) == ("node1", 7472)
    assert _split("node1:9000", 7472) == ("node1", 9000)
    assert _split("[::1]:9000", 7472) == ("::1", 9000)
    assert _split("::1", 7472) == ("::1", 7472)
    monkeypatch.delenv("BQSKIT_MPI_TOKEN", raising=False)
    f = tmp_path / "token"
    f.write_text("abc\n")
    assert read_token(None, f) == "abc"
    assert read_token("explicit", f) == "explicit"
    monkeypatch.setenv("BQSKIT_MPI_TOKEN", "env")
    assert read_token(None, f) == "env"
    monkeypatch.delenv("BQSKIT_MPI_TOKEN")
    with pytest.raises(bqskit_mpi.BQSKitMPIError, match="does not exist"):
        read_token(None, tmp_path / "missing")


def test_bad_circuit_argument():
    with pytest.raises(bqskit_mpi.InvalidRequestError, match="neither QASM text nor an existing file"):
        bqskit_mpi.compiler._prepare("no-such-file.qasm")
    with pytest.raises(bqskit_mpi.InvalidRequestError, match="cannot compile a int"):
        bqskit_mpi.compiler._prepare(42)
