"""Files that hold personal data are written readable by their owner only."""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["append_private", "write_private"]

MODE = 0o600


def write_private(path: Path, data: bytes | str) -> None:
    """Write (replace) ``path`` with mode 0600, whatever the umask."""
    raw = data.encode("utf-8") if isinstance(data, str) else data
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, MODE)
    try:
        os.fchmod(fd, MODE)
        os.write(fd, raw)
    finally:
        os.close(fd)


def append_private(path: Path) -> int:
    """A descriptor appending to ``path``, created with mode 0600 if it is new."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, MODE)
    os.fchmod(fd, MODE)
    return fd
