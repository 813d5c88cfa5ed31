"""Exceptions raised by the bqskit_mpi client."""

from __future__ import annotations

from typing import Any, Dict, Optional


class BQSKitMPIError(Exception):
    """Base class: an error reported by the server or the connection.

    Attributes mirror the protocol's error object: ``code``, ``message``,
    and, when they apply, ``field``, ``file``, ``line``, ``col``.
    """

    def __init__(
        self,
        message: str,
        code: str = "client",
        field: Optional[str] = None,
        file: Optional[str] = None,
        line: Optional[int] = None,
        col: Optional[int] = None,
        fatal: bool = False,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field
        self.file = file
        self.line = line
        self.col = col
        self.fatal = fatal

    def __str__(self) -> str:
        return f"{self.message} [{self.code}]"


class ConnectionClosedError(BQSKitMPIError):
    """The connection to the server ended (closed, lost, or shut down)."""


class AuthenticationError(BQSKitMPIError):
    """The server refused the token."""


class ProtocolError(BQSKitMPIError):
    """Bad frame, bad JSON, wrong version, unknown request: a client bug."""


class InvalidRequestError(BQSKitMPIError, ValueError):
    """A request field is missing or invalid (see ``field``). Also a
    ``ValueError``, which BQSKit raises for bad options."""


class InvalidCircuitError(InvalidRequestError):
    """The circuit is invalid; ``line`` and ``col`` locate QASM errors."""


class UnknownPassError(InvalidRequestError):
    """The workflow names a pass the server does not have."""


class LimitError(BQSKitMPIError):
    """A server limit was hit (qubits, gates, open tasks, frame size,
    clients, queued work)."""


class ServerBusyError(LimitError):
    """The server holds as much queued work as it accepts, from this session
    or from all clients (code ``busy``): wait for results, cancel some
    tasks, or retry later. Nothing was submitted."""


class UnknownTaskError(BQSKitMPIError):
    """The task id is not one of this session's tasks."""


class CompilationError(BQSKitMPIError):
    """The compilation failed on the server."""


class CompilationCancelledError(BQSKitMPIError):
    """The task was cancelled."""


class ServerShutdownError(ConnectionClosedError):
    """The server is shutting down."""


_BY_CODE = {
    "auth": AuthenticationError,
    "bad_frame": ProtocolError,
    "bad_json": ProtocolError,
    "no_hello": ProtocolError,
    "protocol_version": ProtocolError,
    "unknown_type": ProtocolError,
    "read_timeout": ConnectionClosedError,
    "idle_timeout": ConnectionClosedError,
    "bad_request": InvalidRequestError,
    "invalid_circuit": InvalidCircuitError,
    "unknown_pass": UnknownPassError,
    "too_many_qubits": LimitError,
    "too_many_tasks": LimitError,
    "frame_too_large": LimitError,
    "too_many_clients": LimitError,
    "too_large": LimitError,
    "busy": ServerBusyError,
    "unknown_task": UnknownTaskError,
    "task_failed": CompilationError,
    "cancelled": CompilationCancelledError,
    "shutting_down": ServerShutdownError,
}


def from_wire(err: Dict[str, Any]) -> BQSKitMPIError:
    """Build the exception for a protocol error object."""
    code = str(err.get("code", "internal"))
    cls = _BY_CODE.get(code, BQSKitMPIError)
    return cls(
        str(err.get("message", code)),
        code=code,
        field=err.get("field"),
        file=err.get("file"),
        line=err.get("line"),
        col=err.get("col"),
        fatal=bool(err.get("fatal", False)),
    )
