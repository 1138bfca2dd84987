"""Long-lived worker processes that handle one input at a time, within limits.

A hostile or broken file must not stall or kill a batch, and isolating each file
must not cost a process start per file. So each worker lives for the whole
batch; the parent watches the file it is working on, and a worker that runs past
the time limit, grows past the memory limit or dies is killed and replaced,
its file reported as rejected with the reason.

Each worker has the next file already waiting in its pipe (``DEPTH``), so it
never sits idle while the parent records what it sent back.

A batch is stopped (``WorkerPool.stop``, what a command's Ctrl-C handler calls) by
its parent alone: no file is handed out after that, and what the workers already
hold is read to its end (stopped twice: dropped, the workers killed). The workers
ignore SIGINT and SIGTERM, which a terminal or a service manager sends to the
whole process group, so none of them dies over a file it was reading or prints a
traceback.

A worker dies with its batch, however the batch ends (``kill -9`` included): on
Linux the kernel kills it when its parent dies (``PR_SET_PDEATHSIG``); anywhere,
a watcher thread ends it when the parent's end of a lifeline pipe closes (only the
parent holds it open) or the worker is handed to another parent.
"""

from __future__ import annotations

import contextlib
import ctypes
import gc
import logging
import multiprocessing as mp
import os
import select
import signal
import sys
import threading
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
ORPHAN_CHECK = 0.25  # seconds between a watcher's looks at who its parent is
PR_SET_PDEATHSIG = 1

log = logging.getLogger("supforms")

Job = Callable[[str], dict[str, Any]]
"""What a worker does with one path; returns what the parent is sent back."""


@dataclass(frozen=True)
class Limits:
    """What one input may take before it is rejected: seconds, MiB of memory, MiB of file.

    An input file larger than ``input_mb`` is never read, by a worker or by the
    batch: it is rejected ``too_big`` and its bytes streamed into quarantine.
    Below it, the batch holds an input's bytes to archive them, so ``input_mb``
    bounds the parent's memory as ``memory_mb`` bounds a worker's.
    """

    seconds: float = 30.0
    memory_mb: int = 1024
    input_mb: int = 256

    @property
    def email_bytes(self) -> int:
        """The largest email read for its attachments: a quarter of ``input_mb``.

        Emails are taken apart in the batch's own process, and Python's parser needs
        about ten times a message's size (a PDF attached grows by a third in base64).
        """
        return self.input_mb * 2**20 // 4


def _die_with_parent(parent: int, lifeline: tuple[int, int]) -> None:
    """End this worker as soon as ``parent`` is gone, whatever way it ended."""
    reading, writing = lifeline
    os.close(writing)  # inherited with the fork: only the parent may keep it open
    if sys.platform == "linux":
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent:  # it died before the kernel was told to watch it
        os._exit(1)

    def watch() -> None:
        # The pipe's end closes with the parent; a new parent means it has gone too.
        while os.getppid() == parent:
            ready, _, _ = select.select([reading], [], [], ORPHAN_CHECK)
            if ready and not os.read(reading, 1):
                break
        os._exit(1)

    threading.Thread(target=watch, name="supforms-lifeline", daemon=True).start()


def _worker(
    conn: Connection, setup: Callable[[], Job], parent: int, lifeline: tuple[int, int]
) -> None:
    # Ctrl-C reaches every process of the group: only the parent decides what stops.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    _die_with_parent(parent, lifeline)
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
        try:
            done = job(path)
        except Exception as exc:  # the file is rejected; no traceback reaches the user
            log.debug("%s: the worker failed", path, exc_info=True)
            done = {"failure": "crashed", "message": f"the reader failed ({type(exc).__name__})"}
        # The input's bytes travel on their own, unpickled: the parent then holds them
        # once, not once as a message and again as the object unpickled from it.
        data = done.pop("data", None)
        conn.send((index, done, data is not None))
        if data is not None:
            conn.send_bytes(data)


def _rss_mb(pid: int) -> float:
    try:
        with Path(f"/proc/{pid}/statm").open() as handle:
            return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
    except (OSError, ValueError, IndexError):
        return 0.0


class _Worker:
    def __init__(self, context: Any, setup: Callable[[], Job], lifeline: tuple[int, int]) -> None:
        self.conn, child = context.Pipe()
        self.process = context.Process(
            target=_worker, args=(child, setup, os.getpid(), lifeline), daemon=True
        )
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
    After ``stop()``, the paths never handed out are not yielded.
    """

    def __init__(self, workers: int, limits: Limits, setup: Callable[[], Job]) -> None:
        self.context = mp.get_context("fork")
        self.limits = limits
        self.setup = setup
        self.size = max(1, workers)
        self.stopped = False
        self.dropped = False

    def stop(self) -> None:
        """Hand out no more paths; what the workers hold is still read and yielded.

        Called again (a second Ctrl-C), the workers are killed at once and what they
        held is not yielded: those paths are not done. Safe to call from a signal
        handler: it only sets flags the pool looks at.
        """
        self.dropped = self.stopped
        self.stopped = True

    def run(self, paths: list[str]) -> Iterator[tuple[int, dict[str, Any]]]:
        pending = deque(enumerate(paths))
        if not paths:
            return
        # Every worker watches the read end; the write end stays open in this process
        # alone, so it closes when this process ends, however it ends.
        self.lifeline = os.pipe()
        try:
            yield from self._run(pending)
        finally:
            for fd in self.lifeline:
                os.close(fd)

    def _run(self, pending: deque[tuple[int, str]]) -> Iterator[tuple[int, dict[str, Any]]]:
        count = min(self.size, len(pending))
        workers = [_Worker(self.context, self.setup, self.lifeline) for _ in range(count)]

        def feed(worker: _Worker) -> None:
            while pending and len(worker.tasks) < DEPTH and not self.stopped:
                worker.give(*pending.popleft())

        try:
            for worker in workers:
                feed(worker)
            checked = 0.0
            while any(w.tasks for w in workers) and not self.dropped:
                busy = {w.conn: w for w in workers if w.tasks}
                for ready in wait(list(busy), timeout=CHECK_EVERY):
                    worker = busy[ready]
                    try:
                        index, result, has_data = worker.conn.recv()
                        if has_data:
                            result["data"] = worker.conn.recv_bytes()
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
                if not self.dropped:
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
        workers.append(_Worker(self.context, self.setup, self.lifeline))
        return index, {"failure": code, "message": message}
