"""BQSKit passes for the runtime comparisons (imported by the workers).

They live in their own module, not in side.py's __main__, so that BQSKit's
workers can unpickle them: the Compiler sends the client's sys.path, which
holds this directory.
"""
from __future__ import annotations

import os
import time

from bqskit.compiler.basepass import BasePass
from bqskit.compiler.passdata import PassData
from bqskit.ir.circuit import Circuit
from bqskit.runtime import get_runtime


def noop(*_args):
    """An empty task."""
    return None


def pid(*_args):
    """The worker process id (tells whether a subtask crossed processes)."""
    return os.getpid()


async def parent(n):
    """A task mapping n empty tasks (BQSKit's nested-map test)."""
    await get_runtime().map(noop, [None] * n)
    return None


class MapEmptyPass(BasePass):
    """Maps `tasks` empty tasks from one pass and waits for all of them."""

    def __init__(self, tasks: int) -> None:
        self.tasks = tasks

    async def run(self, circuit: Circuit, data: PassData) -> None:
        await get_runtime().map(noop, [None] * self.tasks)


class NestedMapPass(BasePass):
    """Maps `parents` tasks that each map `children` empty tasks."""

    def __init__(self, parents: int, children: int) -> None:
        self.parents = parents
        self.children = children

    async def run(self, circuit: Circuit, data: PassData) -> None:
        await get_runtime().map(parent, [self.children] * self.parents)


class RoundtripPass(BasePass):
    """Submits an empty subtask and awaits it, k times; records each round
    trip (ns) and whether the subtask ran in another worker process."""

    def __init__(self, k: int) -> None:
        self.k = k

    async def run(self, circuit: Circuit, data: PassData) -> None:
        me = os.getpid()
        out = []
        for _ in range(self.k):
            t0 = time.perf_counter_ns()
            other = await get_runtime().submit(pid)
            out.append((time.perf_counter_ns() - t0, other != me))
        data['roundtrips'] = out
