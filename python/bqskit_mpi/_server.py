"""A private bqskit-server on localhost (BQSKit's attached mode)."""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
import tempfile
import time
from typing import Dict, List, Optional

from .errors import BQSKitMPIError


def find_server() -> str:
    """Path of bqskit-server: $BQSKIT_MPI_BIN/bqskit-server, else PATH."""
    d = os.environ.get("BQSKIT_MPI_BIN")
    if d:
        p = os.path.join(d, "bqskit-server")
        if os.access(p, os.X_OK):
            return p
    p = shutil.which("bqskit-server")
    if p:
        return p
    raise BQSKitMPIError("ip=None needs a local bqskit-server: put it on PATH or set $BQSKIT_MPI_BIN "
                         "to its directory, or pass ip= to use a running server", code="client")


class LocalServer:
    """Runs ``bqskit-server --workers N`` on a random loopback port."""

    def __init__(self, num_workers: int = -1, binary: Optional[str] = None,
                 extra_args: Optional[List[str]] = None, start_timeout: float = 30.0,
                 env: Optional[Dict[str, str]] = None) -> None:
        self.binary = binary or find_server()
        self.token = secrets.token_hex(32)
        self._dir = tempfile.mkdtemp(prefix="bqskit_mpi-")
        addr_file = os.path.join(self._dir, "address")
        args = [self.binary, "--bind", "127.0.0.1", "--port", "0", "--address-file", addr_file]
        if num_workers and num_workers > 0:
            args += ["--workers", str(num_workers)]
        args += extra_args or []
        env = dict(os.environ, **(env or {}), BQSKIT_MPI_TOKEN=self.token)
        self._log = open(os.path.join(self._dir, "server.log"), "wb")
        self.proc = subprocess.Popen(args, env=env, stdin=subprocess.DEVNULL, stdout=self._log,
                                     stderr=subprocess.STDOUT)
        deadline = time.monotonic() + start_timeout
        while True:
            if os.path.exists(addr_file):
                with open(addr_file) as f:
                    line = f.read().strip()
                if ":" in line:
                    host, _, port = line.rpartition(":")
                    self.host, self.port = host.strip("[]"), int(port)
                    return
            if self.proc.poll() is not None:
                log = self.log_text()
                self.stop()
                raise BQSKitMPIError(f"bqskit-server exited with status {self.proc.returncode}: {log[-2000:]}",
                                     code="client")
            if time.monotonic() > deadline:
                self.stop()
                raise BQSKitMPIError(f"bqskit-server did not start within {start_timeout} s", code="client")
            time.sleep(0.02)

    def log_text(self) -> str:
        try:
            with open(os.path.join(self._dir, "server.log"), "rb") as f:
                return f.read().decode("utf-8", "replace")
        except OSError:
            return ""

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._log.close()
        shutil.rmtree(self._dir, ignore_errors=True)
