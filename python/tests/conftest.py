"""Fixtures: a real bqskit-server --workers 2 on a random loopback port."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
CIRCUITS = REPO / "testdata" / "circuits" / "bqskit"


def server_binary() -> str:
    d = os.environ.get("BQSKIT_MPI_BIN") or str(REPO / "bin")
    p = Path(d) / "bqskit-server"
    if not os.access(p, os.X_OK):
        pytest.skip(f"no bqskit-server in {d}: run `make build` or set BQSKIT_MPI_BIN")
    return str(p)


class Server:
    def __init__(self, workers: int = 2, extra=()):
        self.dir = tempfile.mkdtemp(prefix="bqskit_mpi-test-")
        self.token_file = os.path.join(self.dir, "token")
        addr_file = os.path.join(self.dir, "address")
        env = {k: v for k, v in os.environ.items() if k != "BQSKIT_MPI_TOKEN"}
        self.log = open(os.path.join(self.dir, "server.log"), "wb")
        self.proc = subprocess.Popen(
            [server_binary(), "--workers", str(workers), "--bind", "127.0.0.1", "--port", "0",
             "--address-file", addr_file, "--token-file", self.token_file, *extra],
            env=env, stdout=self.log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + 30
        while not (os.path.exists(addr_file) and open(addr_file).read().strip()):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("bqskit-server did not start:\n" + self.log_text())
            time.sleep(0.02)
        host, _, port = open(addr_file).read().strip().rpartition(":")
        self.host, self.port = host, int(port)
        self.token = open(self.token_file).read().strip()
        assert os.stat(self.token_file).st_mode & 0o777 == 0o600

    def log_text(self) -> str:
        return open(os.path.join(self.dir, "server.log"), "rb").read().decode("utf-8", "replace")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()


@pytest.fixture(scope="session")
def server():
    s = Server()
    yield s
    s.stop()
    if s.proc.returncode not in (0, -15):
        print("server log:\n" + s.log_text(), file=sys.stderr)


@pytest.fixture
def qft5() -> str:
    return (CIRCUITS / "qft5.qasm").read_text()
