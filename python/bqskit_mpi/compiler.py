"""BQSKit-style Compiler and compile() over the bqskit-mpi protocol."""

from __future__ import annotations

import base64
import enum
import io
import json
import logging
import math
import os
import re
import socket
import threading
import time
import uuid
import warnings
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Tuple, Union

from . import _wire
from ._server import LocalServer
from .errors import (
    BQSKitMPIError,
    ConnectionClosedError,
    InvalidRequestError,
    ProtocolError,
    UnknownTaskError,
    from_wire,
)

__all__ = ["Compiler", "compile", "CompilationStatus", "TaskState", "read_token"]

_log = logging.getLogger("bqskit_mpi")
TOKEN_ENV = "BQSKIT_MPI_TOKEN"
VERSION = "0.1.0"

# Python logging levels for protocol level names; TRACE sits below DEBUG.
_TRACE = 5
_LEVELS = {"trace": _TRACE, "debug": logging.DEBUG, "info": logging.INFO,
           "warning": logging.WARNING, "error": logging.ERROR}


class TaskState(str, enum.Enum):
    """A task's detailed state on the server (compares equal to the
    protocol's strings); see ``Compiler.state``."""

    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"
    CANCELLED = "cancelled"
    UNKNOWN = "unknown"


def _status_enum() -> Any:
    try:
        from bqskit.compiler.status import CompilationStatus as bq  # type: ignore
        return bq
    except Exception:  # bqskit absent or broken: the same values, stdlib only
        class CompilationStatus(enum.IntEnum):
            """BQSKit's task status (bqskit.compiler.CompilationStatus)."""
            UNKNOWN = 0
            RUNNING = 1
            DONE = 2
        return CompilationStatus


#: BQSKit's ``CompilationStatus`` (the class itself when bqskit is
#: installed, else a stdlib IntEnum with its members UNKNOWN, RUNNING, DONE).
CompilationStatus = _status_enum()

# TaskState -> CompilationStatus: a failed task is DONE (result() raises its
# error, so BQSKit polling loops end and report it); a cancelled one is
# UNKNOWN, as BQSKit forgets cancelled tasks.
_TO_STATUS = {"queued": "RUNNING", "running": "RUNNING", "done": "DONE", "failed": "DONE",
              "cancelled": "UNKNOWN", "unknown": "UNKNOWN"}

ADDRESS_ENV = "BQSKIT_MPI_ADDRESS"
TOKEN_FILE_ENV = "BQSKIT_MPI_TOKEN_FILE"
MIN_TOKEN_LENGTH = 16  # protocol.MinTokenLength


def default_token_file() -> Path:
    base = os.environ.get("XDG_CONFIG_HOME") or os.path.join(os.path.expanduser("~"), ".config")
    return Path(base) / "bqskit-mpi" / "token"


def read_token(token: Optional[str] = None, token_file: Optional[Union[str, Path]] = None) -> str:
    """Resolve the token: ``token``, else $BQSKIT_MPI_TOKEN, else the file
    ``token_file``, else $BQSKIT_MPI_TOKEN_FILE, else the default file.
    A token shorter than MIN_TOKEN_LENGTH characters is refused (the server
    refuses it too)."""
    if token:
        return _check_token(token.strip(), "token=...")
    env = os.environ.get(TOKEN_ENV, "").strip()
    if env:
        return _check_token(env, f"${TOKEN_ENV}")
    if not token_file:
        token_file = os.environ.get(TOKEN_FILE_ENV, "").strip() or None
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
    return _check_token(text, f"token file {path}")


def _check_token(token: str, source: str) -> str:
    if len(token) < MIN_TOKEN_LENGTH:
        raise BQSKitMPIError(
            f"the token from {source} has {len(token)} characters; want at least {MIN_TOKEN_LENGTH} "
            "(a fresh token file holds 64 hex digits)", code="auth")
    return token


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


def _is_qasm_text(text: str) -> bool:
    return "\n" in text or text.lstrip().startswith("OPENQASM")


def _existing_file(text: str) -> bool:
    if "\n" in text or "\0" in text:
        return False
    try:
        return os.path.isfile(text)
    except (OSError, ValueError):  # name too long and the like
        return False


_QREG = re.compile(r"\bqreg\s+[A-Za-z_][A-Za-z0-9_]*\s*\[\s*(\d+)\s*\]")


def _qasm_width(text: str) -> Optional[int]:
    sizes = [int(m) for m in _QREG.findall(text)]
    return sum(sizes) if sizes else None


class _Input:
    """A circuit to submit, its width when known, and how to give the
    result back (a bqskit Circuit or QASM text)."""

    def __init__(self, fields: Dict[str, Any], as_bqskit: bool, width: Optional[int]) -> None:
        self.fields = fields
        self.as_bqskit = as_bqskit
        self.width = width


def _bqskit_kind(obj: Any) -> str:
    """'circuit', 'unitary', 'state' for bqskit objects, '' otherwise."""
    mod = type(obj).__module__ or ""
    if not mod.startswith("bqskit"):
        return ""
    name = type(obj).__name__
    if name == "Circuit":
        return "circuit"
    if name == "UnitaryMatrix":
        return "unitary"
    if name in ("StateVector", "StateSystem"):
        return "state"
    return ""


def _have_bqskit() -> bool:
    return _bqskit_circuit_type() is not None


def _unitary_input(arr: Any) -> _Input:
    import numpy as np  # type: ignore
    a = np.asarray(arr, dtype=np.complex128)
    if a.ndim != 2 or a.shape[0] != a.shape[1] or a.shape[0] < 2 or a.shape[0] & (a.shape[0] - 1):
        raise InvalidRequestError(f"a unitary must be a 2^n x 2^n matrix, got shape {a.shape}", field="unitary")
    buf = io.BytesIO()
    np.save(buf, a)
    return _Input({"unitary": base64.b64encode(buf.getvalue()).decode("ascii")}, _have_bqskit(),
                  a.shape[0].bit_length() - 1)


def _prepare(circuit: Any) -> _Input:
    """Decide what ``circuit`` is. The rule: a bqskit Circuit or
    UnitaryMatrix, a numpy array (a unitary), a ``pathlib.Path`` or other
    path object (a file), bytes or str: a str (or bytes) that names an
    existing file and has no newline is that file; otherwise it is QASM text
    when it has a newline or starts with ``OPENQASM``; anything else is
    refused. So a path is never taken for QASM text, whatever it contains."""
    kind = _bqskit_kind(circuit)
    if kind == "circuit":
        from bqskit.ir.lang.qasm2 import OPENQASM2Language  # type: ignore
        return _Input({"qasm": OPENQASM2Language().encode(circuit)}, True, int(circuit.num_qudits))
    if kind == "unitary":
        return _unitary_input(circuit.numpy)
    if kind == "state":
        raise NotImplementedError(
            f"bqskit_mpi cannot compile a {type(circuit).__name__}: the server takes circuits and unitaries "
            "only (state preparation needs server support)")
    if isinstance(circuit, bytes):
        circuit = circuit.decode("utf-8")
    if isinstance(circuit, str):
        if _existing_file(circuit):
            return _file_input(Path(circuit))
        if _is_qasm_text(circuit):
            return _Input({"qasm": circuit}, False, _qasm_width(circuit))
        raise InvalidRequestError(
            f"circuit {circuit[:80]!r} is neither QASM text nor an existing file (QASM text must start "
            "with OPENQASM or span several lines)", field="qasm")
    if isinstance(circuit, os.PathLike):
        path = Path(circuit)
        if not path.is_file():
            raise InvalidRequestError(f"circuit file {str(path)[:200]!r} does not exist", field="qasm")
        return _file_input(path)
    if hasattr(circuit, "shape") or isinstance(circuit, (list, tuple)):  # a numpy array or nested lists
        return _unitary_input(circuit)
    raise InvalidRequestError(f"cannot compile a {type(circuit).__name__}: pass QASM text, a path, a "
                              "bqskit Circuit or UnitaryMatrix, or a numpy unitary", field="qasm")


def _file_input(path: Path) -> _Input:
    if path.suffix.lower() == ".npy":
        data = base64.b64encode(path.read_bytes()).decode("ascii")
        return _Input({"unitary": data, "filename": path.name}, False, None)
    text = path.read_text()
    return _Input({"qasm": text, "filename": path.name}, False, _qasm_width(text))


def _is_many(inp: Any) -> bool:
    """True for a list or tuple of compilation inputs (not a nested list
    of numbers, which is one unitary)."""
    if not isinstance(inp, (list, tuple)) or not inp:
        return False
    return all(isinstance(x, (str, bytes, os.PathLike)) or _bqskit_kind(x) or hasattr(x, "shape")
               for x in inp)


# BQSKit's compile() options: their defaults, and what the server does with them.
_COMPILE_DEFAULTS = {"model": None, "optimization_level": 1, "max_synthesis_size": 3,
                     "synthesis_epsilon": 1e-8, "error_threshold": None, "error_sim_size": 8,
                     "seed": None, "with_mapping": False}


class _Options:
    """Checked BQSKit compile() options (BQSKit's own TypeError/ValueError
    for bad values; NotImplementedError naming what the server lacks)."""

    def __init__(self, model: Any = None, optimization_level: int = 1, max_synthesis_size: int = 3,
                 synthesis_epsilon: float = 1e-8, error_threshold: Optional[float] = None,
                 error_sim_size: int = 8, seed: Optional[int] = None, with_mapping: bool = False) -> None:
        from ._passes import model_spec
        self.model = model_spec(model)
        if isinstance(optimization_level, bool) or not isinstance(optimization_level, int):
            raise TypeError(f"Expected integer for optimization_level, got {type(optimization_level)}.")
        if optimization_level not in (1, 2, 3, 4):
            raise ValueError("The optimization level should be either 1, 2, 3, or 4."
                             f" Got {optimization_level}.")
        if isinstance(max_synthesis_size, bool) or not isinstance(max_synthesis_size, int):
            raise TypeError(f"Expected integer for max_synthesis_size, got {type(max_synthesis_size)}.")
        if max_synthesis_size <= 1:
            raise ValueError("The maximum synthesis size must be greater than or equal to 2."
                             f" Got {max_synthesis_size}.")
        if not isinstance(synthesis_epsilon, (int, float)) or isinstance(synthesis_epsilon, bool):
            raise TypeError(f"Expected float for synthesis_epsilon, got {type(synthesis_epsilon)}.")
        if synthesis_epsilon < 0 or synthesis_epsilon > 1:
            raise ValueError(f"Out-of-bounds synthesis_epsilon, it must be between 0 and 1, got {synthesis_epsilon}.")
        if error_threshold is not None:
            if not isinstance(error_threshold, (int, float)) or isinstance(error_threshold, bool):
                raise TypeError(f"Expected float for error_threshold, got {type(error_threshold)}.")
            if error_threshold < 0 or error_threshold > 1:
                raise ValueError(f"Out-of-bounds error_threshold, it must be between 0 and 1, got {error_threshold}.")
        if isinstance(error_sim_size, bool) or not isinstance(error_sim_size, int):
            raise TypeError(f"Expected integer for error_sim_size, got {type(error_sim_size)}.")
        if error_sim_size < max_synthesis_size:
            raise ValueError("Simulation size for error calculation cannot be less than the maximum "
                             f"synthesis size: {error_sim_size} < {max_synthesis_size}.")
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int)):
            raise TypeError(f"Expected integer for seed, got {type(seed)}.")
        if not isinstance(with_mapping, bool):
            raise TypeError(f"Expected bool for with_mapping, got {type(with_mapping)}.")
        self.optimization_level = optimization_level
        self.block_size = max_synthesis_size
        self.synthesis_epsilon = float(synthesis_epsilon)
        self.error_threshold = error_threshold
        self.seed = seed
        self.with_mapping = with_mapping


def _check_task_options(max_logging_depth: int, data: Any) -> None:
    if max_logging_depth != -1:
        raise NotImplementedError(
            f"max_logging_depth={max_logging_depth!r}: the server has no logging depth limit yet "
            "(needs a submit option); leave it at -1 and filter with Python logging levels")
    if data:
        keys = sorted(str(k) for k in dict(data))
        raise NotImplementedError(
            f"data with keys {keys}: the server cannot take BQSKit PassData (Python objects); "
            "pass the seed as seed= and leave data=None")


class PassData(dict):
    """The server's pass data (a dict: stages, blocks, error_bound, ...),
    with BQSKit's ``error`` attribute (the error upper bound)."""

    @property
    def error(self) -> float:
        return float(self.get("error_bound", 0.0))


def _check_error(data: Dict[str, Any], threshold: Optional[float], index: Optional[int] = None) -> None:
    """BQSKit's compile() check: warn when the error upper bound exceeds
    the threshold (same formula as BQSKit)."""
    if threshold is None:
        return
    error = float(data.get("error_bound", 0.0))
    nonsq = 1 - math.sqrt(max(1 - error * error, 0))
    if nonsq > threshold:
        where = f" in compilation index {index}" if index is not None else ""
        warnings.warn(f"Upper bound on error is greater than set threshold: {nonsq} > {threshold}{where}.")


def _width_of(out: Any) -> int:
    if isinstance(out, str):
        return _qasm_width(out) or 0
    return int(out.num_qudits)


class _Pending:
    __slots__ = ("event", "msg", "error")

    def __init__(self) -> None:
        self.event = threading.Event()
        self.msg: Optional[Dict[str, Any]] = None
        self.error: Optional[BaseException] = None


class Compiler:
    """A connection to a bqskit-mpi server, with BQSKit's Compiler methods.

    The positional parameters are BQSKit's, in BQSKit's order. ``ip=None``
    connects to $BQSKIT_MPI_ADDRESS (HOST:PORT) when it is set (batch jobs
    set it), else starts a private ``bqskit-server`` on localhost (BQSKit's
    attached mode) sized by ``num_workers``, with ``num_blas_threads``
    OpenBLAS threads, and stops it on close. ``worker_port`` is accepted for
    BQSKit scripts and has no effect (the private server has no worker
    port). ``runtime_log_level`` is the default level of the log events the
    server sends for each task (None: follow the ``bqskit_mpi`` logger).
    """

    def __init__(
        self,
        ip: Optional[str] = None,
        port: int = _wire.DEFAULT_PORT,
        num_workers: int = -1,
        runtime_log_level: Optional[Union[int, str]] = None,
        worker_port: int = 7474,
        num_blas_threads: int = 1,
        *,
        token: Optional[str] = None,
        token_file: Optional[Union[str, Path]] = None,
        connect_timeout: float = 10.0,
        retries: int = 5,
        progress: Optional[Callable[[str, int, int, str], None]] = None,
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
        self._tasks: Dict[uuid.UUID, str] = {}
        self._as_bqskit: Dict[str, bool] = {}
        self.limits: Dict[str, Any] = {}
        if isinstance(num_workers, bool) or not isinstance(num_workers, int):
            raise TypeError(f"num_workers must be an integer, got {type(num_workers).__name__} "
                            "(BQSKit's order is ip, port, num_workers; the token is keyword-only: token=...)")
        if ip is None:
            ip = os.environ.get(ADDRESS_ENV, "").strip() or None
            if ip is not None:
                try:
                    host, p = _split(ip, 0)
                except ValueError:
                    host, p = "", 0
                if not host or not p:
                    raise BQSKitMPIError(f"${ADDRESS_ENV}={ip!r}: want HOST:PORT", code="client")
        if ip is None:
            env = {"OPENBLAS_NUM_THREADS": str(max(int(num_blas_threads), 1))}
            self._server = LocalServer(num_workers=num_workers, env=env)
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

    def _server_task(self, task_id: Union[uuid.UUID, str]) -> str:
        """The server's id for a task id: a uuid.UUID (or its string) that
        submit() returned, or the server's own id string."""
        if isinstance(task_id, uuid.UUID):
            t = self._tasks.get(task_id)
            if t is None:
                raise UnknownTaskError(f"task {task_id} was not submitted through this Compiler",
                                       code="unknown_task")
            return t
        if isinstance(task_id, str):
            try:
                u = uuid.UUID(task_id)
            except ValueError:
                return task_id
            return self._tasks.get(u, task_id)
        raise TypeError(f"a task id is a uuid.UUID or a str, got {type(task_id).__name__}")

    def submit(
        self,
        circuit: Any,
        workflow: Any = None,
        request_data: bool = False,
        logging_level: Optional[Union[int, str]] = None,
        max_logging_depth: int = -1,
        data: Optional[Dict[str, Any]] = None,
        *,
        optimization_level: Optional[int] = None,
        seed: Optional[int] = None,
        block_size: Optional[int] = None,
        log_level: Optional[Union[int, str]] = None,
        filename: Optional[str] = None,
        model: Any = None,
        synthesis_epsilon: Optional[float] = None,
        error_threshold: Optional[float] = None,
        with_mapping: bool = False,
    ) -> uuid.UUID:
        """Submit a compilation; returns its task id (a uuid.UUID, as
        BQSKit's). ``workflow`` is a BQSKit ``Workflow``, a pass or a list of
        passes (translated, see README), a list of the server's pass specs
        (dicts), or None for ``optimization_level`` (default 1; an int
        given as ``workflow`` is taken as the level). ``synthesis_epsilon``,
        ``error_threshold`` and ``with_mapping`` are BQSKit's compile()
        options, sent to the server (it checks their ranges)."""
        _check_task_options(max_logging_depth, data)
        if isinstance(workflow, int) and not isinstance(workflow, bool):
            if optimization_level is not None:
                raise TypeError("optimization_level given twice")
            optimization_level, workflow = workflow, None
        inp = _prepare(circuit)
        req: Dict[str, Any] = {"type": "submit", **inp.fields}
        if workflow is not None:
            if optimization_level is not None:
                raise InvalidRequestError("pass either a workflow or an optimization_level, not both",
                                          field="workflow")
            from ._passes import translate
            req["workflow"] = json.loads(json.dumps(translate(workflow, inp.width, block_size or 3)))
        else:
            req["optimization_level"] = int(optimization_level if optimization_level is not None else 1)
        if seed is not None:
            req["seed"] = int(seed)
        if block_size is not None and block_size != 3:
            req["block_size"] = int(block_size)
        if request_data:
            req["request_data"] = True
        if synthesis_epsilon is not None and synthesis_epsilon != 1e-8:
            req["synthesis_epsilon"] = float(synthesis_epsilon)
        if error_threshold is not None:
            req["error_threshold"] = float(error_threshold)
        if with_mapping:
            req["with_mapping"] = True
        if model is not None:
            from ._passes import model_spec
            spec = model_spec(model)
            if spec is not None:
                req["model"] = spec
        if filename is not None:
            req["filename"] = filename
        level = log_level if log_level is not None else logging_level
        req["log_level"] = _level_name(level if level is not None else self._log_level)
        task = str(self._call(req)["task"])
        uid = uuid.uuid4()
        self._tasks[uid] = task
        self._as_bqskit[task] = inp.as_bqskit
        return uid

    def status(self, task_id: Union[uuid.UUID, str]) -> Any:
        """BQSKit's ``CompilationStatus``: RUNNING while queued or running,
        DONE when finished (also when failed: result() raises the error),
        UNKNOWN once cancelled. Asking changes nothing."""
        return getattr(CompilationStatus, _TO_STATUS[self.state(task_id).value])

    def state(self, task_id: Union[uuid.UUID, str]) -> TaskState:
        """The task's detailed state: queued, running, done, failed or
        cancelled."""
        st = self._call({"type": "status", "task": self._server_task(task_id)}).get("status", "unknown")
        try:
            return TaskState(st)
        except ValueError:
            return TaskState.UNKNOWN

    def result(self, task_id: Union[uuid.UUID, str], timeout: Optional[float] = None) -> Any:
        """Wait for the task and return its circuit, or ``(circuit, data)``
        when it was submitted with request_data. The circuit is a bqskit
        ``Circuit`` for a bqskit Circuit or unitary input when bqskit is
        installed, else QASM text. May be called more than once."""
        task = self._server_task(task_id)
        msg = self._call({"type": "result", "task": task}, timeout=timeout)
        res = msg.get("result") or {}
        out: Any = res.get("qasm", "")
        if self._as_bqskit.get(task):
            from bqskit.ir.lang.qasm2 import OPENQASM2Language  # type: ignore
            out = OPENQASM2Language().decode(out)
        if "data" in res:
            return out, PassData(res["data"])
        return out

    def cancel(self, task_id: Union[uuid.UUID, str]) -> bool:
        """Cancel the task; True when the server acknowledged it."""
        msg = self._call({"type": "cancel", "task": self._server_task(task_id)})
        return msg.get("type") == "reply"

    def compile(
        self,
        circuit: Any,
        workflow: Any = None,
        request_data: bool = False,
        logging_level: Optional[Union[int, str]] = None,
        max_logging_depth: int = -1,
        data: Optional[Dict[str, Any]] = None,
        **options: Any,
    ) -> Any:
        """Submit and wait (BQSKit's Compiler.compile). Besides a workflow
        it takes BQSKit's compile() options (model, optimization_level,
        max_synthesis_size, synthesis_epsilon, error_threshold,
        error_sim_size, seed, with_mapping) and ``log_level``, ``filename``,
        ``block_size`` (= max_synthesis_size). A list or tuple of circuits
        is submitted at once, compiled in parallel, and returns a list.
        Ctrl-C cancels the unfinished tasks on the server."""
        _check_task_options(max_logging_depth, data)
        if isinstance(workflow, int) and not isinstance(workflow, bool):
            if "optimization_level" in options:
                raise TypeError("optimization_level given twice")
            options["optimization_level"], workflow = workflow, None
        log_level = options.pop("log_level", None)
        filename = options.pop("filename", None)
        if "block_size" in options:
            options.setdefault("max_synthesis_size", options.pop("block_size"))
        unknown = sorted(set(options) - set(_COMPILE_DEFAULTS))
        if unknown:
            raise TypeError(f"Compiler.compile() got unknown options {unknown}; known: "
                            f"{sorted(_COMPILE_DEFAULTS)}, log_level, filename, block_size")
        if workflow is not None and "optimization_level" in options:
            raise InvalidRequestError("pass either a workflow or an optimization_level, not both",
                                      field="workflow")
        opts = _Options(**options)
        if isinstance(circuit, (list, tuple)) and not circuit:
            raise ValueError("Input iterable is empty.")
        many = _is_many(circuit)
        inputs = list(circuit) if many else [circuit]
        want_data = request_data or opts.error_threshold is not None or opts.with_mapping
        raw = self._run(inputs, workflow, opts, want_data, log_level if log_level is not None else logging_level,
                        filename)
        outs = []
        for i, r in enumerate(raw):
            out, pdata = r if want_data else (r, None)
            if pdata is not None:
                _check_error(pdata, opts.error_threshold, i if many else None)
            if opts.with_mapping:
                # With a model the server reports the mappings over the
                # machine's qubits (entry i for logical qubit i; entries
                # past the input's width are idle ancillas); without one
                # qubit i stays on qubit i.
                ident = range(_width_of(out))
                pi = list((pdata or {}).get("initial_mapping") or ident)
                pf = list((pdata or {}).get("final_mapping") or ident)
                outs.append((out, pi, pf) if not request_data else (out, pi, pf, pdata))
            elif request_data:
                outs.append((out, pdata))
            else:
                outs.append(out)
        return outs if many else outs[0]

    def _run(self, inputs: List[Any], workflow: Any, opts: "_Options", want_data: bool,
             log_level: Optional[Union[int, str]], filename: Optional[str]) -> List[Any]:
        """Submit the inputs (at most the server's max_open_tasks at once)
        and collect their results in order; on any error or Ctrl-C the
        unfinished ones are cancelled."""
        window = max(1, int(self.limits.get("max_open_tasks") or 64))
        ids: List[uuid.UUID] = []
        results: List[Any] = []
        try:
            while len(results) < len(inputs):
                while len(ids) < len(inputs) and len(ids) - len(results) < window:
                    ids.append(self.submit(
                        inputs[len(ids)], workflow, want_data,
                        optimization_level=None if workflow is not None else opts.optimization_level,
                        seed=opts.seed, block_size=opts.block_size, log_level=log_level, filename=filename,
                        model=opts.model, synthesis_epsilon=opts.synthesis_epsilon,
                        error_threshold=opts.error_threshold))
                results.append(self.result(ids[len(results)]))
        except BaseException:
            for t in ids[len(results):]:
                try:
                    self.cancel(t)
                except BQSKitMPIError:
                    pass
            raise
        return results

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
    input: Any,
    model: Any = None,
    optimization_level: int = 1,
    max_synthesis_size: int = 3,
    synthesis_epsilon: float = 1e-8,
    error_threshold: Optional[float] = None,
    error_sim_size: int = 8,
    compiler: Optional[Compiler] = None,
    seed: Optional[int] = None,
    with_mapping: bool = False,
    **compiler_kwargs: Any,
) -> Any:
    """BQSKit's compile(), same parameters in the same order: compile a
    circuit, a unitary, or a list of them (returns a list; compiled in
    parallel). ``compiler=`` reuses a Compiler; otherwise ``compiler_kwargs``
    (ip, port, num_workers, token, ...) build one for this call.
    ``log_level``/``logging_level``, ``filename`` and ``request_data`` are
    passed to Compiler.compile."""
    options = dict(model=model, optimization_level=optimization_level, max_synthesis_size=max_synthesis_size,
                   synthesis_epsilon=synthesis_epsilon, error_threshold=error_threshold,
                   error_sim_size=error_sim_size, seed=seed, with_mapping=with_mapping)
    _Options(**options)  # refuse bad options before starting anything
    task_kwargs = {k: compiler_kwargs.pop(k) for k in ("log_level", "logging_level", "filename", "request_data")
                   if k in compiler_kwargs}
    if compiler is not None:
        if not isinstance(compiler, Compiler):
            raise TypeError(f"compiler= must be a bqskit_mpi.Compiler, got {type(compiler).__module__}."
                            f"{type(compiler).__name__}")
        if compiler_kwargs:
            raise TypeError(f"compile(): {sorted(compiler_kwargs)} configure a new Compiler and cannot be "
                            "combined with compiler=")
        return compiler.compile(input, **task_kwargs, **options)
    with Compiler(**compiler_kwargs) as c:
        return c.compile(input, **task_kwargs, **options)
