"""Client for bqskit-mpi servers, with BQSKit's ``Compiler`` and ``compile``.

Standard library only; a ``bqskit.Circuit`` is accepted and returned when
``bqskit`` is importable. See PROTOCOL.md in the bqskit-mpi repository.
"""

from .compiler import CompilationStatus, Compiler, PassData, TaskState, compile, read_token
from .errors import (
    AuthenticationError,
    BQSKitMPIError,
    CompilationCancelledError,
    CompilationError,
    ConnectionClosedError,
    InvalidCircuitError,
    InvalidRequestError,
    LimitError,
    ProtocolError,
    ServerShutdownError,
    UnknownPassError,
    UnknownTaskError,
)

__version__ = "0.1.0"

__all__ = [
    "AuthenticationError",
    "BQSKitMPIError",
    "CompilationCancelledError",
    "CompilationError",
    "CompilationStatus",
    "Compiler",
    "ConnectionClosedError",
    "InvalidCircuitError",
    "InvalidRequestError",
    "LimitError",
    "PassData",
    "ProtocolError",
    "ServerShutdownError",
    "TaskState",
    "UnknownPassError",
    "UnknownTaskError",
    "compile",
    "read_token",
]
