"""Every file supforms writes goes through here: complete or absent, owner-only (0600).

A file takes its final name only once every byte of it is on disk: it is written
to a temporary name beside its destination (the same folder, so the rename is
atomic), every write checked for its length, synced, then renamed into place and
the folder synced. On any failure the temporary file is removed and
``WriteError`` raised, and the destination is left as it was. A symbolic link at
a destination is refused, never written through.

Logs that grow (``manifest.jsonl``, ``delivery.jsonl``, ``index.jsonl``) are
appended a whole line at a time: one write, checked for its full length, then a
sync; a line cut short is truncated away, so a reader never meets half a line.

A sync waits on the disk (2-7 ms on this project's machine: more than making a
copy). So ``generate`` and ``ingest`` write through ``WriteQueue``, whose threads
sync each file while the next is made, and a batch (``write_private(..., sync=False)``)
syncs its folder and its log (``AppendLog(..., sync_each=False)``) once at its
end: each file is still synced before it takes
its name, so it is whole or absent whatever happens; only whether the name
survives a power cut is settled at the end.

A short write shows as a count below the length asked for, or as ``EFBIG`` at the
file-size limit (``RLIMIT_FSIZE``): Python ignores ``SIGXFSZ`` at startup, so the
kernel returns that error instead of killing the process.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import secrets
import stat
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from types import TracebackType
from typing import Generic, TypeVar

from supforms.schemas.errors import WriteError

__all__ = [
    "AppendLog",
    "WriteQueue",
    "copy_private",
    "free_name",
    "make_folder",
    "sync_folder",
    "write_private",
]

MODE = 0o600
CHUNK = 1 << 20  # what a streamed copy holds in memory at once
_ZEROS = bytes(CHUNK)
T = TypeVar("T")
_NEW = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
_APPEND = os.O_RDWR | os.O_CREAT | os.O_APPEND | os.O_NOFOLLOW | os.O_CLOEXEC


def _failure(path: Path, exc: OSError) -> WriteError:
    if exc.errno == errno.ELOOP:
        return WriteError(
            "is a symbolic link; supforms does not write through links", path=str(path)
        )
    if exc.errno == errno.EEXIST:
        return WriteError("exists already; supforms does not replace it", path=str(path))
    return WriteError(f"cannot write: {exc.strerror or exc}", path=str(path))


def _refuse_link(path: Path) -> None:
    try:
        is_link = stat.S_ISLNK(os.lstat(path).st_mode)
    except FileNotFoundError:
        return
    except OSError as exc:
        raise _failure(path, exc) from exc
    if is_link:
        raise _failure(path, OSError(errno.ELOOP, os.strerror(errno.ELOOP)))


def _write_all(fd: int, data: bytes) -> None:
    """Write every byte, going on after a short count; a count of 0 is a failure."""
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        if written <= 0:
            raise OSError(errno.EIO, "the write made no progress")
        view = view[written:]


def sync_folder(folder: Path) -> None:
    """Make the renames in ``folder`` durable, or raise ``WriteError``.

    A file system that cannot sync a folder (``EINVAL``) is let be.
    """
    try:
        fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
        try:
            os.fsync(fd)
        except OSError as exc:
            if exc.errno not in (errno.EINVAL, errno.ENOTSUP):
                raise
        finally:
            os.close(fd)
    except OSError as exc:
        raise _failure(folder, exc) from exc


def write_private(
    path: Path, data: bytes | str, *, sync: bool = True, replace: bool = True
) -> None:
    """Write (replace) ``path`` whole, mode 0600, or raise ``WriteError`` and leave it be.

    Text is written as UTF-8. A symbolic link at ``path`` is refused. ``sync``
    False leaves syncing the folder (the new name) to the caller, once per batch.
    ``replace`` False never replaces a file already there (``WriteError``: it exists):
    the new name is made with ``link``, which fails rather than replace.
    """
    raw = data.encode("utf-8") if isinstance(data, str) else bytes(data)
    _refuse_link(path)
    folder = path.parent
    temporary = folder / f".{path.name}.{secrets.token_hex(6)}.part"
    try:
        fd = os.open(temporary, _NEW, MODE)
    except OSError as exc:
        raise _failure(path, exc) from exc
    try:
        try:
            os.fchmod(fd, MODE)
            _write_all(fd, raw)
            if os.fstat(fd).st_size != len(raw):
                raise OSError(errno.EIO, "the file's size differs from what was written")
            os.fsync(fd)
        finally:
            os.close(fd)
        if replace:
            # rename never follows a link at its destination: it replaces the link itself.
            temporary.replace(path)
        else:
            os.link(temporary, path, follow_symlinks=False)
            temporary.unlink()
    except OSError as exc:
        with contextlib.suppress(OSError):
            temporary.unlink()
        raise _failure(path, exc) from exc
    if sync:
        sync_folder(folder)


def _copy_all(source: int, fd: int, digest: hashlib._Hash) -> int:
    """Copy ``source`` to ``fd`` a chunk at a time, hashing it; a chunk of zeros stays a hole."""
    size = 0
    while chunk := os.read(source, CHUNK):
        digest.update(chunk)
        if len(chunk) == CHUNK and chunk == _ZEROS:
            os.lseek(fd, CHUNK, os.SEEK_CUR)
        else:
            _write_all(fd, chunk)
        size += len(chunk)
    os.ftruncate(fd, size)  # a hole at the end still counts: the size is the source's
    if os.fstat(fd).st_size != size:
        raise OSError(errno.EIO, "the file's size differs from what was written")
    return size


def copy_private(
    source: int, folder: Path, name_for: Callable[[str], str], *, sync: bool = True
) -> tuple[Path, str, int]:
    """Copy the open file ``source`` (from where it stands) into ``folder``: whole, 0600.

    It is streamed, hashed as it is copied, so however large it is, no more than
    ``CHUNK`` of it is ever held in memory; its name is ``name_for(its SHA-256)``.
    A file of that name already there (the same bytes, kept before) is kept, never
    replaced, and the copy dropped; a symbolic link there is refused. Returns the
    file, the SHA-256 and the size, or raises ``WriteError`` and leaves nothing.
    """
    temporary = folder / f".copy.{secrets.token_hex(6)}.part"
    digest = hashlib.sha256()
    target = folder
    try:
        fd = os.open(temporary, _NEW, MODE)
        try:
            os.fchmod(fd, MODE)
            size = _copy_all(source, fd, digest)
            os.fsync(fd)
        finally:
            os.close(fd)
        target = folder / name_for(digest.hexdigest())
        try:
            os.link(temporary, target, follow_symlinks=False)
        except FileExistsError:
            _refuse_link(target)  # a file there already holds these bytes: it stays
        temporary.unlink()
    except OSError as exc:
        with contextlib.suppress(OSError):
            temporary.unlink()
        raise _failure(target, exc) from exc
    except WriteError:
        with contextlib.suppress(OSError):
            temporary.unlink()
        raise
    if sync:
        sync_folder(folder)
    return target, digest.hexdigest(), size


def free_name(path: Path) -> Path:
    """``path``, or the first of ``name-2.ext``, ``name-3.ext``… that nothing holds yet."""
    candidate, number = path, 1
    while candidate.exists() or candidate.is_symlink():
        number += 1
        candidate = path.with_name(f"{path.stem}-{number}{path.suffix}")
    return candidate


def make_folder(folder: Path) -> None:
    """Create ``folder`` (and its parents) if missing, or raise ``WriteError``."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise WriteError(
            f"output folder is not writable: {exc.strerror}", path=str(folder)
        ) from exc


class WriteQueue(Generic[T]):
    """Files of a batch written and synced in background threads, handed back in order.

    A sync waits on the disk, not the processor: while one file syncs, the batch
    makes the next. ``put`` hands back, in order, each item whose file is whole on
    disk (so it may be claimed: listed, reported, registered); a failed write
    raises its ``WriteError`` when its turn comes. On the way out after a failure,
    the files written behind it, never handed back, are removed: nothing
    unclaimed is left. Folders are not synced (``sync_folder`` at the end).
    """

    def __init__(self, depth: int = 4) -> None:
        self.depth = depth
        self.pool = ThreadPoolExecutor(max_workers=depth, thread_name_prefix="supforms-write")
        self.pending: deque[tuple[Future[None], Path | None, T]] = deque()

    def put(self, path: Path | None, data: bytes, item: T) -> Iterator[T]:
        """Start writing ``path``; then hand back what is done while too many wait.

        An item with no file (``path`` None) takes its turn behind those before it.
        """
        if path is None:
            future: Future[None] = Future()
            future.set_result(None)
        else:
            future = self.pool.submit(write_private, path, data, sync=False)
        self.pending.append((future, path, item))
        while len(self.pending) > self.depth:
            yield self._next()

    def drain(self) -> Iterator[T]:
        """Hand back every item left, once its file is written."""
        while self.pending:
            yield self._next()

    def _next(self) -> T:
        future, _, item = self.pending[0]
        future.result()  # raises the write's WriteError
        self.pending.popleft()
        return item

    def close(self) -> None:
        """Wait for every write; remove the files of those never handed back."""
        self.pool.shutdown(wait=True)
        for future, path, _ in self.pending:
            if path is not None and future.exception() is None:
                with contextlib.suppress(OSError):
                    path.unlink()
        self.pending.clear()

    def __enter__(self) -> WriteQueue[T]:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()


class AppendLog:
    """A private log (0600) that grows one whole, synced line at a time.

    Opening it refuses a symbolic link, and drops an unfinished last line (one a
    killed process left half written: it was never acknowledged), so the next
    line starts on a line of its own. With ``sync_each`` False, lines are synced
    by ``sync()`` and on closing, not one by one.
    """

    def __init__(self, path: Path, *, sync_each: bool = True) -> None:
        self.path = path
        self.sync_each = sync_each
        self.pending = False
        try:
            self.fd = os.open(path, _APPEND, MODE)
        except OSError as exc:
            raise _failure(path, exc) from exc
        try:
            os.fchmod(self.fd, MODE)
            size = os.fstat(self.fd).st_size
            if size:
                tail = os.pread(self.fd, min(size, 1 << 16), max(0, size - (1 << 16)))
                if not tail.endswith(b"\n"):
                    cut = tail.rfind(b"\n")
                    os.ftruncate(self.fd, size - len(tail) + cut + 1 if cut >= 0 else 0)
        except OSError as exc:
            os.close(self.fd)
            raise _failure(path, exc) from exc

    def write(self, line: str) -> None:
        """Append ``line`` (a newline is added if missing) whole and synced, or not at all."""
        raw = (line if line.endswith("\n") else line + "\n").encode("utf-8")
        try:
            size = os.fstat(self.fd).st_size
        except OSError as exc:
            raise _failure(self.path, exc) from exc
        try:
            # One write: a line is never split between two, so never left half there.
            if os.write(self.fd, raw) != len(raw):
                raise OSError(errno.EFBIG, "the line was cut short")
            if self.sync_each:
                os.fsync(self.fd)
        except OSError as exc:
            with contextlib.suppress(OSError):
                os.ftruncate(self.fd, size)
            raise _failure(self.path, exc) from exc
        self.pending = not self.sync_each

    def sync(self) -> None:
        """Make every line written so far durable, or raise ``WriteError``."""
        if self.pending:
            try:
                os.fsync(self.fd)
            except OSError as exc:
                raise _failure(self.path, exc) from exc
            self.pending = False

    def close(self) -> None:
        """Sync what is pending, then close (the descriptor is closed either way)."""
        try:
            self.sync()
        finally:
            os.close(self.fd)

    def __enter__(self) -> AppendLog:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if exc is None:
            self.close()
            return
        with contextlib.suppress(WriteError):  # the error on its way out says more
            self.close()
