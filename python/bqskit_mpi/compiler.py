"""BQSKit-style Compiler and compile() over the bqskit-mpi protocol."""

from __future__ import annotations

import base64
import enum
import io
import json
import logging
import os
import socket
import threading
import time
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple, Union

from . import _wire
from ._server import LocalServer
from .errors import (
    BQSKitMPIError,
    CompilationCancelledError,
    ConnectionClosedError,
    InvalidRequestError,
    ProtocolError,
    from_wire,
)

__all__ = ["Compiler", "compile", "CompilationStatus", "read_token"]

_log = logging.getLogger("bqskit_mpi")
TOKEN_ENV = "BQSKIT_MPI_TOKEN"
VERSION = "0.1.0"

# Python logging levels for protocol level names; TRACE sits below DEBUG.
_TRACE = 5
_LEVELS = {"trace": _TRACE, "debug": logging.DEBUG, "info": logging.INFO,
           "warning": logging.WARNING, "error": logging.ERROR}


class CompilationStatus(str, enum.Enum):
    """A task's state (compares equal to the protocol's strings)."""

    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"
    CANCELLED = "cancelled"
    UNKNOWN = "unknown"


def default_token_file() -> Path:
    base = os.environ.get("XDG_CONFIG_HOME") or os.path.join(os.path.expanduser("~"), ".config")
    return Path(base) / "bqskit-mpi" / "token"


def read_token(token: Optional[str] = None, token_file: Optional[Union[str, Path]] = None) -> str:
    """Resolve the token: ``token``, else $BQSKIT_MPI_TOKEN, else the file."""
    if token:
        return token.strip()
    env = os.environ.get(TOKEN_ENV, "").strip()
    if env:
        return env
    path = Path(token_file) if token_file else default_token_file()
    try:
        text = path.read_text().strip()
    except FileNotFoundError:
        raise BQSKitMPIError(
            f"token file {path} does not exist: start the server first (it writes the file), "
            f"pass token=..., or set ${TOKEN_ENV}", code="auth") from None
    except OSError as e:
        raise BQSKitMPIError(f"token file {path}: {e}", code="auth") from None
    if not text:
        raise BQSKitMPIError(f"token file {path} is empty", code="auth")
    return text


def _level_name(level: Union[int, str, None]) -> str:
    if level is None:
        level = _log.getEffectiveLevel()
    if isinstance(level, str):
        return level.lower()
    if level >= logging.ERROR:
        return "error"
    if level >= logging.WARNING:
        return "warning"
    if level >= logging.INFO:
        return "info"
    if level >= logging.DEBUG:
        return "debug"
    return "trace"


def _bqskit_circuit_type() -> Optional[type]:
    try:
        from bqskit.ir.circuit import Circuit  # type: ignore
    except Exception:  # bqskit absent or broken: plain QASM only
        return None
    return Circuit


def _looks_like_qasm(text: str) -> bool:
    head = text.lstrip()[:200]
    return head.startswith("OPENQASM") or "qreg" in text or "\n" in text


class _Input:
    """A circuit to submit and how to give the result back."""

    def __init__(self, fields: Dict[str, Any], as_bqskit: bool) -> None:
        self.fields = fields
        self.as_bqskit = as_bqskit


def _prepare(circuit: Any) -> _Input:
    ctype = _bqskit_circuit_type()
    if ctype is not None and isinstance(circuit, ctype):
        from bqskit.ir.lang.qasm2 import OPENQASM2Language  # type: ignore
        return _Input({"qasm": OPENQASM2Language().encode(circuit)}, True)
    if isinstance(circuit, bytes):
        circuit = circuit.decode("utf-8")
    if isinstance(circuit, str) and _looks_like_qasm(circuit):
        return _Input({"qasm": circuit}, False)
    if isinstance(circuit, (str, os.PathLike)):
        path = Path(circuit)
        if not path.exists():
            raise InvalidRequestError(
                f"circuit {str(circuit)[:80]!r} is neither QASM text nor an existing file", field="qasm")
        if path.suffix.lower() == ".npy":
            data = base64.b64encode(path.read_bytes()).decode("ascii")
            return _Input({"unitary": data, "filename": path.name}, False)
        return _Input({"qasm": path.read_text(), "filename": path.name}, False)
    if hasattr(circuit, "shape"):  # a numpy array or a bqskit UnitaryMatrix
        import numpy as np  # type: ignore
        arr = np.asarray(getattr(circuit, "numpy", circuit), dtype=np.complex128)
        buf = io.BytesIO()
        np.save(buf, arr)
        return _Input({"unitary": base64.b64encode(buf.getvalue()).decode("ascii")}, False)
    raise InvalidRequestError(f"cannot compile a {type(circuit).__name__}: pass QASM text, a path, "
                              "or a bqskit.Circuit", field="qasm")


# BQSKit compile() arguments this client accepts only at their defaults.
_BQSKIT_DEFAULTS = {"model": None, "max_synthesis_size": 3, "synthesis_epsilon": 1e-8,
                    "error_threshold": None, "with_mapping": False, "compiler": None}


def _check_bqskit_args(kwargs: Dict[str, Any]) -> None:
    """Accept BQSKit's compile() keywords at their defaults; refuse others
    clearly (the server has no coupling models or custom thresholds yet)."""
    for name, default in _BQSKIT_DEFAULTS.items():
        if name in kwargs:
            value = kwargs.pop(name)
            if value != default:
                raise InvalidRequestError(
                    f"{name}={value!r} is not supported by bqskit_mpi (only the default {default!r})", field=name)
    if "logging_level" in kwargs:  # BQSKit's name
        kwargs.setdefault("log_level", kwargs.pop("logging_level"))


class _Pending:
    __slots__ = ("event", "msg", "error")

    def __init__(self) -> None:
        self.event = threading.Event()
        self.msg: Optional[Dict[str, Any]] = None
        self.error: Optional[BaseException] = None


class Compiler:
    """A connection to a bqskit-mpi server, with BQSKit's Compiler methods.

    ``ip=None`` starts a private ``bqskit-server`` on localhost (BQSKit's
    attached mode) and stops it on close; ``num_workers`` sizes it.
    """

    def __init__(
        self,
        ip: Optional[str] = None,
        port: int = _wire.DEFAULT_PORT,
        token: Optional[str] = None,
        *,
        token_file: Optional[Union[str, Path]] = None,
        num_workers: int = -1,
        connect_timeout: float = 10.0,
        retries: int = 5,
        progress: Optional[Callable[[str, int, int, str], None]] = None,
        runtime_log_level: Optional[Union[int, str]] = None,
    ) -> None:
        self._server: Optional[LocalServer] = None
        self._sock: Optional[socket.socket] = None
        self._closed_error: Optional[BQSKitMPIError] = None
        self._lock = threading.Lock()
        self._wlock = threading.Lock()
        self._pending: Dict[int, _Pending] = {}
        self._next_id = 0
        self._progress = progress
        self._log_level = runtime_log_level
        self._as_bqskit: Dict[str, bool] = {}
        self.limits: Dict[str, Any] = {}
        if ip is None:
            self._server = LocalServer(num_workers=num_workers)
            host, port = self._server.host, self._server.port
            token = self._server.token
        else:
            host, port = _split(ip, port)
            token = read_token(token, token_file)
        try:
            self._connect(host, port, token, connect_timeout, retries)
        except BaseException:
            if self._server is not None:
                self._server.stop()
            raise
        self._reader = threading.Thread(target=self._read_loop, name="bqskit_mpi-reader", daemon=True)
        self._reader.start()

    # -- connection -----------------------------------------------------

    def _connect(self, host: str, port: int, token: str, timeout: float, retries: int) -> None:
        wait = 0.1
        for attempt in range(retries + 1):
            try:
                sock = socket.create_connection((host, port), timeout=timeout)
                break
            except ConnectionRefusedError:
                if attempt >= retries:
                    raise ConnectionClosedError(f"cannot connect to {host}:{port}: connection refused") from None
                time.sleep(wait)
                wait *= 2
            except OSError as e:
                raise ConnectionClosedError(f"cannot connect to {host}:{port}: {e}") from None
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.settimeout(max(timeout, 30.0))
        sock.sendall(_wire.encode({"type": "hello", "protocol": _wire.PROTOCOL_VERSION, "token": token,
                                   "client": f"bqskit_mpi-python/{VERSION}"}))
        try:
            msg = _wire.read_message(sock)
        except socket.timeout:
            sock.close()
            raise ConnectionClosedError(f"{host}:{port} did not answer hello") from None
        except BaseException:
            sock.close()
            raise
        if msg.get("type") == "error":
            sock.close()
            raise from_wire(msg.get("error") or {})
        if msg.get("type") != "welcome":
            sock.close()
            raise ProtocolError(f"expected welcome, got {msg.get('type')!r}")
        self.limits = msg.get("limits") or {}
        self.server_name = msg.get("server", "")
        sock.settimeout(None)
        self._sock = sock

    def _read_loop(self) -> None:
        assert self._sock is not None
        err: BQSKitMPIError
        while True:
            try:
                msg = _wire.read_message(self._sock)
            except BQSKitMPIError as e:
                err = e if isinstance(e, ConnectionClosedError) else ConnectionClosedError(str(e), code=e.code)
                break
            except OSError as e:
                err = ConnectionClosedError(f"connection lost: {e}")
                break
            typ = msg.get("type")
            if typ in ("log", "progress"):
                try:
                    if typ == "log":
                        self._on_log(msg)
                    elif self._progress is not None:
                        self._progress(msg.get("task", ""), int(msg.get("done", 0)), int(msg.get("total", 0)),
                                       msg.get("stage", ""))
                except Exception:  # a user callback failed: keep serving replies
                    _log.exception("bqskit_mpi: %s event handler raised", typ)
            elif typ in ("reply", "error"):
                rid = msg.get("id")
                if not rid:
                    if typ == "error":
                        err = from_wire(msg.get("error") or {})
                        break
                    continue
                with self._lock:
                    p = self._pending.pop(rid, None)
                if p is not None:
                    p.msg = msg
                    p.event.set()
                e = msg.get("error") or {}
                if typ == "error" and e.get("fatal"):
                    err = from_wire(e)
                    break
        self._fail(err)

    def _on_log(self, msg: Dict[str, Any]) -> None:
        name = msg.get("logger") or "task"
        level = _LEVELS.get(str(msg.get("level", "info")), logging.INFO)
        logger = logging.getLogger("bqskit_mpi.server." + name)
        if logger.isEnabledFor(level):
            logger.log(level, "%s", msg.get("message", ""), extra={"bqskit_mpi_task": msg.get("task")})

    def _fail(self, err: BQSKitMPIError) -> None:
        with self._lock:
            if self._closed_error is None:
                self._closed_error = err
            pend = list(self._pending.values())
            self._pending.clear()
        for p in pend:
            p.error = self._closed_error
            p.event.set()
        if self._sock is not None:
            try:
                self._sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def _call(self, req: Dict[str, Any], timeout: Optional[float] = None) -> Dict[str, Any]:
        with self._lock:
            if self._closed_error is not None:
                raise self._closed_error
            self._next_id += 1
            rid = self._next_id
            p = _Pending()
            self._pending[rid] = p
        req["id"] = rid
        data = _wire.encode(req)
        limit = self.limits.get("max_frame_bytes")
        if limit and len(data) - 4 > limit:
            with self._lock:
                self._pending.pop(rid, None)
            raise BQSKitMPIError(f"request of {len(data) - 4} bytes is over the server's frame limit of {limit}",
                                 code="frame_too_large")
        try:
            with self._wlock:
                assert self._sock is not None
                self._sock.sendall(data)
        except OSError as e:
            self._fail(ConnectionClosedError(f"connection lost: {e}"))
        if not p.event.wait(timeout):
            with self._lock:
                self._pending.pop(rid, None)
            raise TimeoutError(f"no answer to {req['type']} within {timeout} s")
        if p.error is not None:
            raise p.error
        msg = p.msg or {}
        if msg.get("type") == "error":
            raise from_wire(msg.get("error") or {})
        return msg

    # -- BQSKit's Compiler API -----------------------------------------

    def submit(
        self,
        circuit: Any,
        optimization_level: int = 1,
        seed: Optional[int] = None,
        *,
        workflow: Optional[Sequence[Dict[str, Any]]] = None,
        block_size: Optional[int] = None,
        request_data: bool = False,
        log_level: Optional[Union[int, str]] = None,
        filename: Optional[str] = None,
    ) -> str:
        """Submit a compilation; returns its task id."""
        inp = _prepare(circuit)
        req: Dict[str, Any] = {"type": "submit", **inp.fields}
        if workflow is not None:
            req["workflow"] = json.loads(json.dumps(list(workflow)))
        else:
            req["optimization_level"] = int(optimization_level)
        if seed is not None:
            req["seed"] = int(seed)
        if block_size is not None:
            req["block_size"] = int(block_size)
        if request_data:
            req["request_data"] = True
        if filename is not None:
            req["filename"] = filename
        req["log_level"] = _level_name(log_level if log_level is not None else self._log_level)
        task = str(self._call(req)["task"])
        self._as_bqskit[task] = inp.as_bqskit
        return task

    def status(self, task_id: str) -> CompilationStatus:
        """The task's state; asking changes nothing."""
        st = self._call({"type": "status", "task": task_id}).get("status", "unknown")
        try:
            return CompilationStatus(st)
        except ValueError:
            return CompilationStatus.UNKNOWN

    def result(self, task_id: str, timeout: Optional[float] = None) -> Any:
        """Wait for the task and return its circuit (and pass data when it
        was submitted with request_data). May be called more than once."""
        msg = self._call({"type": "result", "task": task_id}, timeout=timeout)
        res = msg.get("result") or {}
        out: Any = res.get("qasm", "")
        if self._as_bqskit.get(task_id):
            from bqskit.ir.lang.qasm2 import OPENQASM2Language  # type: ignore
            out = OPENQASM2Language().decode(out)
        if "data" in res:
            return out, res["data"]
        return out

    def cancel(self, task_id: str) -> bool:
        """Cancel the task; True when the server acknowledged it."""
        msg = self._call({"type": "cancel", "task": task_id})
        return msg.get("type") == "reply"

    def compile(
        self,
        circuit: Any,
        optimization_level: int = 1,
        seed: Optional[int] = None,
        **kwargs: Any,
    ) -> Any:
        """Submit and wait; returns what result() returns. Ctrl-C cancels
        the task on the server. BQSKit's compile() keywords (model,
        max_synthesis_size, synthesis_epsilon, ...) are accepted at their
        defaults; logging_level is an alias of log_level."""
        _check_bqskit_args(kwargs)
        task = self.submit(circuit, optimization_level, seed, **kwargs)
        try:
            return self.result(task)
        except KeyboardInterrupt:
            try:
                self.cancel(task)
            except BQSKitMPIError:
                pass
            raise

    def close(self) -> None:
        """End the session (unfinished tasks are cancelled) and stop a
        private server. Safe to call more than once."""
        if self._sock is not None and self._closed_error is None:
            try:
                self._call({"type": "close"}, timeout=5)
            except (BQSKitMPIError, TimeoutError, OSError):
                pass
        self._fail(ConnectionClosedError("compiler closed"))
        if self._sock is not None:
            self._reader.join(timeout=5)
            self._sock.close()
        if self._server is not None:
            self._server.stop()
            self._server = None

    def __enter__(self) -> "Compiler":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def __del__(self) -> None:
        try:
            if self._server is not None:
                self._server.stop()
        except Exception:
            pass


def _split(ip: str, port: int) -> Tuple[str, int]:
    if ip.startswith("["):  # [v6]:port
        host, _, rest = ip[1:].partition("]")
        return host, int(rest[1:]) if rest.startswith(":") else port
    if ip.count(":") == 1:
        host, p = ip.split(":")
        return host, int(p)
    return ip, port


def compile(
    circuit: Any,
    optimization_level: int = 1,
    ip: Optional[str] = None,
    port: int = _wire.DEFAULT_PORT,
    seed: Optional[int] = None,
    *,
    token: Optional[str] = None,
    num_workers: int = -1,
    **kwargs: Any,
) -> Any:
    """BQSKit's compile(): one compilation through a server at ``ip``
    (or a private local server when ``ip`` is None)."""
    _check_bqskit_args(kwargs)
    with Compiler(ip, port, token, num_workers=num_workers) as c:
        return c.compile(circuit, optimization_level, seed, **kwargs)
