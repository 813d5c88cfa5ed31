"""Frame codec of the bqskit-mpi protocol: 4-byte big-endian length + JSON."""

from __future__ import annotations

import json
import socket
import struct
from typing import Any, Dict

from .errors import ConnectionClosedError, ProtocolError

PROTOCOL_VERSION = 1
DEFAULT_PORT = 7472
DEFAULT_MAX_FRAME = 64 << 20
_HEADER = struct.Struct(">I")


def encode(obj: Dict[str, Any]) -> bytes:
    body = json.dumps(obj, separators=(",", ":")).encode("utf-8")
    return _HEADER.pack(len(body)) + body


def _read_exact(sock: socket.socket, n: int) -> bytes:
    buf = bytearray()
    while len(buf) < n:
        chunk = sock.recv(min(n - len(buf), 1 << 20))
        if not chunk:
            if buf:
                raise ConnectionClosedError("connection closed inside a frame")
            raise ConnectionClosedError("connection closed by the server")
        buf += chunk
    return bytes(buf)


def read_message(sock: socket.socket, max_frame: int = DEFAULT_MAX_FRAME) -> Dict[str, Any]:
    (n,) = _HEADER.unpack(_read_exact(sock, _HEADER.size))
    if n == 0 or n > max_frame:
        raise ProtocolError(f"server sent a frame of {n} bytes (limit {max_frame})", code="bad_frame")
    body = _read_exact(sock, n)
    try:
        msg = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as e:
        raise ProtocolError(f"server sent invalid JSON: {e}", code="bad_json") from None
    if not isinstance(msg, dict):
        raise ProtocolError("server sent a JSON value that is not an object", code="bad_json")
    return msg
