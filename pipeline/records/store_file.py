"""The SQLite file of a records store: opened, never followed; made private, never changed.

The store holds every archived PDF and its own proof (the audit chain), so the
file it lives in must be the user's own, and nobody else's to read or rewrite:

- A path whose last part is a symbolic link is refused, whatever it points at (a
  file, nothing, another user's file): nothing is followed, made, changed or
  written. The same holds for SQLite's ``-wal`` and ``-shm`` beside it.
- A new store file is made with ``O_CREAT | O_EXCL | O_NOFOLLOW`` and mode 0600
  before SQLite opens it, so it is never, even for a moment, readable by others.
- An existing file must be a plain file owned by the user running supforms, with
  no permission for its group or others. Anything else is refused in one line
  that says what is wrong and how to put it right (``chmod 600 FILE``); supforms
  never changes a mode itself, since a mode someone set is a decision to be seen.

A reading command is held to the same rule as a writing one: it too writes to
the store (its audit lines), and a file others can rewrite proves nothing.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

from supforms.pipeline.records.faults import CHECK
from supforms.schemas.errors import StoreError

__all__ = ["sqlite_file"]

_MAKE = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
_SIDE_FILES = ("-wal", "-shm", "-journal")


def _blocking_file(path: Path) -> Path | None:
    """The nearest existing ancestor of ``path``, if it is a file (so nothing fits under it)."""
    for ancestor in path.parents:
        try:
            mode = ancestor.stat().st_mode
        except (FileNotFoundError, NotADirectoryError):
            continue  # NotADirectoryError: a file further up; it is found in its turn
        except OSError:
            return None  # not ours to judge (no permission): SQLite says why it cannot open
        return None if stat.S_ISDIR(mode) else ancestor
    return None


def _status(path: Path) -> os.stat_result | None:
    """``lstat`` of ``path`` (the link itself, never its target), or None if nothing is there."""
    try:
        return os.lstat(path)
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise StoreError(f"cannot open the records store {path}: {exc.strerror}") from exc


def _refuse_links(path: Path) -> None:
    for suffix in ("", *_SIDE_FILES):
        named = path.with_name(path.name + suffix)
        found = _status(named)
        if found is not None and stat.S_ISLNK(found.st_mode):
            raise StoreError(
                f"{named} is a symbolic link; supforms opens a records store file, "
                f"never a link: name the file itself ({CHECK})"
            )


def _check_owned_and_private(path: Path, found: os.stat_result) -> None:
    """Refuse a store file that is not a plain file of this user's, private to them."""
    if stat.S_ISDIR(found.st_mode):
        raise StoreError(f"{path} is a folder, not a records store file: {CHECK}")
    if not stat.S_ISREG(found.st_mode):
        raise StoreError(f"{path} is not a plain file, so not a records store: {CHECK}")
    user = os.geteuid()
    if found.st_uid != user:
        raise StoreError(
            f"{path} belongs to user {found.st_uid}, not to you (user {user}); supforms "
            "keeps records only in a file of your own: run as its owner, or name another store"
        )
    mode = stat.S_IMODE(found.st_mode)
    if mode & 0o077:
        others = "rewritten" if mode & 0o022 else "read"
        raise StoreError(
            f"{path} can be {others} by other users (mode {mode:04o}); supforms keeps records "
            f"only in a private file and never changes a mode itself: chmod 600 {path}"
        )


def _make(path: Path) -> None:
    """Make the store's file, empty and 0600, before SQLite opens it (never through a link)."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, _MAKE, 0o600)
    except FileExistsError:
        return  # made meanwhile (another process): judged like any existing file
    except OSError as exc:
        if exc.errno == errno.ELOOP:  # a link put there meanwhile
            _refuse_links(path)
        raise StoreError(f"cannot make the records store {path}: {exc.strerror}") from exc
    try:
        os.fchmod(fd, 0o600)  # ours, just made: the umask cannot widen it, this only says so
    finally:
        os.close(fd)


def sqlite_file(database: str, *, create: bool) -> None:
    """Check the SQLite file a store URL names; with ``create``, make it (owner-only).

    Without ``create`` a missing file is a ``StoreError`` and nothing is made.
    Raises ``StoreError`` for a link, a folder, a file of another user's, or one
    that others may read or write (module docstring).
    """
    path = Path(database)
    blocker = _blocking_file(path)
    if blocker is not None:
        raise StoreError(f"cannot open the records store {path}: {blocker} is a file, not a folder")
    _refuse_links(path)
    found = _status(path)
    if found is None:
        if not create:
            raise StoreError(f"no records store at {path}: {CHECK}")
        _make(path)
        found = _status(path)
        if found is None:  # removed the moment it was made: say so rather than guess
            raise StoreError(f"cannot make the records store {path}: it vanished as it was made")
    _refuse_links(path)
    _check_owned_and_private(path, found)
