"""Long-lived worker processes that handle one input at a time, within limits.

A hostile or broken file must not stall or kill a batch, and isolating each file
must not cost a process start per file. So each worker lives for the whole
batch; the parent watches the file it is working on, and a worker that runs past
the time limit, grows past the memory limit or dies is killed and replaced,
its file reported as rejected with the reason.

Each worker has the next file already waiting in its pipe (``DEPTH``), so it
never sits idle while the parent records what it sent back.
"""

from __future__ import annotations

import contextlib
import gc
import multiprocessing as mp
import os
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from pathlib import Path
from typing import Any

__all__ = ["Job", "Limits", "WorkerPool"]

CHECK_EVERY = 0.05  # seconds between looks at the workers' clocks and memory
DEPTH = 2  # files handed to a worker at once: the one it reads and the next

Job = Callable[[str], dict[str, Any]]
"""What a worker does with one path; returns what the parent is sent back."""


@dataclass(frozen=True)
class Limits:
    seconds: float = 30.0
    memory_mb: int = 1024


def _worker(conn: Connection, setup: Callable[[], Job]) -> None:
    # ``setup`` runs here, after the fork: what the job reads files with is what the
    # parent's modules hold then (tests put stand-in parsers there), and whatever it
    # opens (a database connection) belongs to this process alone.
    job = setup()
    # What the worker inherited and set up lives as long as it does: keep the
    # collector off those objects (and off the parent's pages it shares, copy-on-write).
    gc.freeze()
    while True:
        try:
            task = conn.recv()
        except EOFError:
            return
        if task is None:
            return
        index, path = task
        conn.send((index, job(path)))


def _rss_mb(pid: int) -> float:
    try:
        with Path(f"/proc/{pid}/statm").open() as handle:
            return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
    except (OSError, ValueError, IndexError):
        return 0.0


class _Worker:
    def __init__(self, context: Any, setup: Callable[[], Job]) -> None:
        self.conn, child = context.Pipe()
        self.process = context.Process(target=_worker, args=(child, setup), daemon=True)
        self.process.start()
        child.close()
        self.tasks: deque[tuple[int, str]] = deque()  # the first is the one being read
        self.started = 0.0  # when the first began

    def give(self, index: int, path: str) -> None:
        if not self.tasks:
            self.started = time.monotonic()
        self.tasks.append((index, path))
        # If it has died on the file it was reading, the pool hears that from its pipe
        # and hands this one to its replacement.
        with contextlib.suppress(OSError):
            self.conn.send((index, path))

    def finished(self) -> None:
        """The first task came back; the next (if any) began when it was sent."""
        self.tasks.popleft()
        self.started = time.monotonic()

    def kill(self) -> None:
        self.process.kill()
        self.process.join(5)
        self.conn.close()


class WorkerPool:
    """Run ``setup()``'s job on each path in ``workers`` processes.

    Yields ``(index, what the job returned)`` as each is done, or
    ``(index, {"failure": code, "message": why})`` when its worker was stopped.
    """

    def __init__(self, workers: int, limits: Limits, setup: Callable[[], Job]) -> None:
        self.context = mp.get_context("fork")
        self.limits = limits
        self.setup = setup
        self.size = max(1, workers)

    def run(self, paths: list[str]) -> Iterator[tuple[int, dict[str, Any]]]:
        pending = deque(enumerate(paths))
        workers = [_Worker(self.context, self.setup) for _ in range(min(self.size, len(paths)))]

        def feed(worker: _Worker) -> None:
            while pending and len(worker.tasks) < DEPTH:
                worker.give(*pending.popleft())

        try:
            for worker in workers:
                feed(worker)
            checked = 0.0
            while any(w.tasks for w in workers):
                busy = {w.conn: w for w in workers if w.tasks}
                for ready in wait(list(busy), timeout=CHECK_EVERY):
                    worker = busy[ready]
                    try:
                        index, result = worker.conn.recv()
                    except (EOFError, OSError):
                        yield self._replace(
                            workers, worker, pending, "crashed", "the reader crashed on it"
                        )
                        feed(workers[-1])
                        continue
                    worker.finished()
                    feed(worker)
                    yield index, result
                now = time.monotonic()
                if now - checked < CHECK_EVERY:
                    continue
                checked = now
                for worker in [w for w in workers if w.tasks]:
                    if worker.conn.poll():
                        continue  # it has finished, and its answer waits to be read
                    if now - worker.started > self.limits.seconds:
                        code, message = (
                            "too_slow",
                            f"took longer than {self.limits.seconds:g} s to read",
                        )
                    elif _rss_mb(worker.process.pid) > self.limits.memory_mb:
                        code, message = (
                            "too_big",
                            f"needed more than {self.limits.memory_mb} MiB to read",
                        )
                    else:
                        continue
                    yield self._replace(workers, worker, pending, code, message)
                    feed(workers[-1])
        finally:
            for worker in workers:
                with contextlib.suppress(OSError):
                    worker.conn.send(None)
            for worker in workers:
                worker.process.join(2)
                if worker.process.is_alive():
                    worker.kill()

    def _replace(
        self,
        workers: list[_Worker],
        worker: _Worker,
        pending: deque[tuple[int, str]],
        code: str,
        message: str,
    ) -> tuple[int, dict[str, Any]]:
        """Kill ``worker`` over its current file; a new one (last in ``workers``) takes over.

        The files that were waiting for it go back to the front of the queue.
        """
        index, _ = worker.tasks.popleft()
        pending.extendleft(reversed(worker.tasks))
        worker.kill()
        workers.remove(worker)
        workers.append(_Worker(self.context, self.setup))
        return index, {"failure": code, "message": message}
