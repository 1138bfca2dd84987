"""Long-lived worker processes that read one PDF at a time, within limits.

A hostile or broken file must not stall or kill a batch, and isolating each file
must not cost a process start per file. So each worker lives for the whole
batch; the parent watches the file it is reading, and a worker that runs past
the time limit, grows past the memory limit or dies is killed and replaced,
its file reported as rejected with the reason.
"""

from __future__ import annotations

import contextlib
import gc
import multiprocessing as mp
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from pathlib import Path
from typing import Any

__all__ = ["Limits", "WorkerPool"]

CHECK_EVERY = 0.05  # seconds between looks at the workers' clocks and memory


@dataclass(frozen=True)
class Limits:
    seconds: float = 30.0
    memory_mb: int = 1024


def _worker(conn: Connection, config: str | None, store_url: str | None) -> None:
    # Looked up when the worker starts, after the fork: what it reads files with is
    # what the parent's modules hold then (tests put stand-in parsers there).
    from forms.wording import load_wording
    from pipeline.archive import archive_result
    from pipeline.ingest import ingest_bytes
    from pipeline.store import open_store

    wording = load_wording(Path(config) if config else None)
    # Each worker archives what it read, in its own connection: archiving runs in
    # parallel, and the original bytes never cross back to the parent.
    store = open_store(store_url) if store_url else None
    # What the worker inherited and imported lives as long as it does: keep the
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
        try:
            data = Path(path).read_bytes()
        except OSError as exc:
            conn.send(
                (index, {"failure": "unreadable", "message": f"cannot be read: {exc.strerror}"})
            )
            continue
        result = ingest_bytes(data, Path(path).name, wording).as_json()
        if store is not None:
            result = archive_result(store, result, data)
        conn.send((index, result))


def _rss_mb(pid: int) -> float:
    try:
        with Path(f"/proc/{pid}/statm").open() as handle:
            return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
    except (OSError, ValueError, IndexError):
        return 0.0


class _Worker:
    def __init__(self, context: Any, config: str | None, store_url: str | None) -> None:
        self.conn, child = context.Pipe()
        self.process = context.Process(target=_worker, args=(child, config, store_url), daemon=True)
        self.process.start()
        child.close()
        self.task: tuple[int, str] | None = None
        self.started = 0.0

    def give(self, index: int, path: str) -> None:
        self.task = (index, path)
        self.started = time.monotonic()
        self.conn.send(self.task)

    def kill(self) -> None:
        self.process.kill()
        self.process.join(5)
        self.conn.close()


class WorkerPool:
    """Read files in ``workers`` processes; yields ``(index, result or failure)`` as done."""

    def __init__(
        self, workers: int, limits: Limits, config: str | None = None, store_url: str | None = None
    ) -> None:
        self.context = mp.get_context("fork")
        self.limits = limits
        self.config = config
        self.store_url = store_url
        self.size = max(1, workers)

    def run(self, paths: list[str]) -> Iterator[tuple[int, dict[str, Any]]]:
        pending = list(enumerate(paths))[::-1]
        workers = [
            _Worker(self.context, self.config, self.store_url)
            for _ in range(min(self.size, len(paths)))
        ]
        try:
            for worker in workers:
                if pending:
                    worker.give(*pending.pop())
            checked = 0.0
            while any(w.task for w in workers):
                busy = {w.conn: w for w in workers if w.task}
                for ready in wait(list(busy), timeout=0.05):
                    worker = busy[ready]
                    conn = worker.conn
                    try:
                        index, result = conn.recv()
                    except (EOFError, OSError):
                        yield self._replace(workers, worker, "crashed", "the reader crashed on it")
                    else:
                        worker.task = None
                        yield index, result
                    if pending:
                        self._current(workers, worker).give(*pending.pop())
                now = time.monotonic()
                if now - checked < CHECK_EVERY:
                    continue
                checked = now
                for worker in [w for w in workers if w.task]:
                    if now - worker.started > self.limits.seconds:
                        yield self._replace(
                            workers,
                            worker,
                            "too_slow",
                            f"took longer than {self.limits.seconds:g} s to read",
                        )
                    elif _rss_mb(worker.process.pid) > self.limits.memory_mb:
                        yield self._replace(
                            workers,
                            worker,
                            "too_big",
                            f"needed more than {self.limits.memory_mb} MiB to read",
                        )
                    else:
                        continue
                    if pending:
                        self._current(workers, worker).give(*pending.pop())
        finally:
            for worker in workers:
                with contextlib.suppress(OSError):
                    worker.conn.send(None)
            for worker in workers:
                worker.process.join(2)
                if worker.process.is_alive():
                    worker.kill()

    def _replace(
        self, workers: list[_Worker], worker: _Worker, code: str, message: str
    ) -> tuple[int, dict[str, Any]]:
        assert worker.task is not None
        index, _ = worker.task
        worker.kill()
        workers[workers.index(worker)] = _Worker(self.context, self.config, self.store_url)
        return index, {"failure": code, "message": message}

    @staticmethod
    def _current(workers: list[_Worker], old: _Worker) -> _Worker:
        """The worker now in ``old``'s place (itself, unless it was replaced)."""
        return old if old in workers else next(w for w in workers if w.task is None)
