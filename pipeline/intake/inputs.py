"""What a batch reads: PDFs and emails known by their content, and every other entry named.

In a folder (searched recursively) or among a glob's matches, a file is a PDF when
``%PDF-`` appears in its first 1024 bytes (as ``supforms.pipeline.intake.ingest`` decides), an
email when it starts with mail headers, whatever its name. A file named like one
(``*.pdf``, ``*.eml``, spaces around the name and case aside) is read as one even
when its content disagrees, so that it is rejected with its bytes kept rather than
passed over. Everything else is ``skipped`` with its reason: a document of another
kind, a folder named like a file, a named pipe, a socket, a device. A symbolic link
is never followed (it is refused), so a walk never leaves the folder it was given
and never loops; only regular files are ever opened, and then without blocking.
"""

from __future__ import annotations

import errno
import hashlib
import os
import re
import stat
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from fnmatch import fnmatch
from pathlib import Path

from supforms.schemas.errors import ExtractionError, PipelineError

__all__ = ["Inputs", "find_inputs", "hash_input", "open_input", "read_input", "read_within"]

Entry = tuple[Path, str, str]
"""A path, a problem code and the reason, for a person."""

PDF_HEAD = 1024  # where a PDF header must start, as readers accept it
MAIL_HEAD = 8192  # enough of a message to see its first headers
_SUFFIXES = {".pdf": "pdf", ".eml": "email"}
_MAGIC = re.compile(r"[*?[]")
_FIELD = re.compile(rb"([!-9;-~]+):")  # a header's name: printable ASCII but the colon
_MAIL_FIELDS = frozenset(
    {
        b"from",
        b"to",
        b"cc",
        b"subject",
        b"date",
        b"message-id",
        b"mime-version",
        b"received",
        b"return-path",
        b"delivered-to",
        b"reply-to",
        b"sender",
        b"content-type",
    }
)
EntryLister = Callable[[Path], list[os.DirEntry[str]]]
_NOFOLLOW = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOFOLLOW", 0) | os.O_CLOEXEC


@dataclass
class Inputs:
    """A batch's inputs by kind, what is refused unread, and what is not an input at all."""

    pdfs: list[Path] = field(default_factory=list)
    emails: list[Path] = field(default_factory=list)
    refused: list[Entry] = field(default_factory=list)
    """Rejected without being read (a symbolic link): each gets a result."""
    skipped: list[Entry] = field(default_factory=list)
    """Not a PDF or an email: listed in the summary, never read."""

    def sort(self) -> Inputs:
        """Each once (a file named twice is one input), in path order."""
        self.pdfs = sorted(set(self.pdfs))
        self.emails = sorted(set(self.emails))
        self.refused = sorted(set(self.refused))
        self.skipped = sorted(set(self.skipped))
        return self


def _describe(mode: int) -> str:
    """What a file that is not a regular one is, for a person."""
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISLNK(mode):
        return "a symbolic link"
    return "not a regular file"


def _open_regular(path: Path) -> int:
    """A descriptor for the regular file at ``path``; never follows a link, never blocks.

    Callers look at the entry first and open only regular files; the flags and the
    ``fstat`` hold even if the entry is swapped for a pipe or a link meanwhile.
    """
    where = str(path)
    try:
        fd = os.open(path, _NOFOLLOW)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            why = "is a symbolic link; supforms does not follow links"
            raise ExtractionError(why, path=where) from exc
        raise ExtractionError(f"cannot be read: {exc.strerror}", path=where) from exc
    mode = os.fstat(fd).st_mode
    if not stat.S_ISREG(mode):
        os.close(fd)
        raise ExtractionError(f"is {_describe(mode)}, not a file", path=where)
    return fd


def open_input(path: Path) -> int:
    """A descriptor for the input file at ``path``, to read or stream it; the caller closes it.

    Raises:
        ExtractionError: it is gone, not permitted, a link or not a regular file.
    """
    return _open_regular(path)


def read_input(path: Path, limit: int = -1) -> bytes:
    """The bytes of the regular file at ``path`` (the first ``limit`` of them, if set).

    Raises:
        ExtractionError: it is gone, not permitted, a link or not a regular file.
    """
    fd = _open_regular(path)
    try:
        with os.fdopen(fd, "rb", closefd=False) as handle:
            return handle.read(limit)
    except OSError as exc:
        raise ExtractionError(f"cannot be read: {exc.strerror}", path=str(path)) from exc
    finally:
        os.close(fd)


def read_within(path: Path, limit: int) -> bytes | None:
    """The bytes of the input at ``path``, or None if it holds more than ``limit`` of them.

    Its size is asked first, so a larger file is never read; one that grows
    meanwhile is read no further than ``limit`` and one byte.

    Raises:
        ExtractionError: it is gone, not permitted, a link or not a regular file.
    """
    fd = _open_regular(path)
    try:
        if os.fstat(fd).st_size > limit:
            return None
        with os.fdopen(fd, "rb", closefd=False) as handle:
            data = handle.read(limit + 1)
    except OSError as exc:
        raise ExtractionError(f"cannot be read: {exc.strerror}", path=str(path)) from exc
    finally:
        os.close(fd)
    return data if len(data) <= limit else None


def hash_input(fd: int, chunk: int = 1 << 20) -> tuple[str, int]:
    """The SHA-256 and size of the open file ``fd`` from where it stands, read a chunk at a time."""
    digest, size = hashlib.sha256(), 0
    while block := os.read(fd, chunk):
        digest.update(block)
        size += len(block)
    return digest.hexdigest(), size


def looks_like_email(head: bytes) -> bool:
    """Whether ``head`` opens with mail headers (after an mbox ``From`` line, if any)."""
    lines = head.split(b"\n")
    if lines and lines[0].startswith(b"From "):
        lines = lines[1:]
    known = 0
    for number, raw in enumerate(lines):
        line = raw.rstrip(b"\r")
        if not line:
            break  # the headers end here
        if line[:1] in (b" ", b"\t"):
            if number == 0:
                return False
            continue  # a folded header goes on
        found = _FIELD.match(line)
        if found is None:
            # The last line may be a header cut off by the end of ``head``.
            if number == len(lines) - 1:
                break
            return False
        known += found.group(1).lower() in _MAIL_FIELDS
    return known >= 2


def _kind_by_name(path: Path) -> str | None:
    return _SUFFIXES.get(Path(path.name.strip()).suffix.lower())


class _Finder:
    def __init__(self) -> None:
        self.found = Inputs()

    def refuse_link(self, path: Path) -> None:
        self.found.refused.append(
            (path, "refused", "is a symbolic link; supforms does not follow links")
        )

    def add(self, path: Path, kind: str) -> None:
        (self.found.pdfs if kind == "pdf" else self.found.emails).append(path)

    def judge(self, path: Path, mode: int, named: bool) -> None:
        """A file that is not a folder: an input, refused or skipped.

        ``named``: the user named this very file, so it is read whatever it holds.
        """
        if stat.S_ISLNK(mode):
            self.refuse_link(path)
            return
        by_name = _kind_by_name(path) or ("pdf" if named else None)
        if not stat.S_ISREG(mode):
            why = "not_a_file", f"is {_describe(mode)}, not a file; nothing was read"
            self.found.skipped.append((path, *why))
            return
        try:
            head = read_input(path, MAIL_HEAD)
        except ExtractionError as exc:
            if by_name:
                self.add(path, by_name)  # its reader says why it cannot be read
            else:
                self.found.skipped.append((path, "unreadable", exc.message))
            return
        if b"%PDF-" in head[:PDF_HEAD]:
            self.add(path, "pdf")
        elif looks_like_email(head):
            self.add(path, "email")
        elif by_name:
            self.add(path, by_name)
        else:
            why = "not_a_pdf_or_email", "is neither a PDF nor an email (judged by its content)"
            self.found.skipped.append((path, *why))

    def folder(self, path: Path, searched: bool) -> None:
        """A folder met inside a search: not an input, but listed if named like one."""
        if _kind_by_name(path):
            what = "what is in it is read" if searched else "a glob's matches are not searched"
            self.found.skipped.append((path, "not_a_file", f"is a folder, not a file ({what})"))

    def walk(self, top: Path) -> None:
        """Every entry under ``top``, without following a link."""
        stack = [top]
        while stack:
            current = stack.pop()
            for entry in self.entries(current):
                path = Path(entry.path)
                if entry.is_dir(follow_symlinks=False):
                    self.folder(path, searched=True)
                    stack.append(path)
                else:
                    self.judge(path, _mode(entry), named=False)

    def entries(self, folder: Path) -> list[os.DirEntry[str]]:
        try:
            with os.scandir(folder) as found:
                return sorted(found, key=lambda entry: entry.name)
        except OSError as exc:
            self.found.skipped.append((folder, "unreadable", f"cannot be read: {exc.strerror}"))
            return []

    def glob(self, pattern: str) -> bool:
        """The matches of a user's glob, judged as a folder's entries are; any found?"""
        matched = False
        for path, entry in _matches(pattern, self.entries):
            matched = True
            if entry.is_dir(follow_symlinks=False):
                self.folder(path, searched=False)
            else:
                self.judge(path, _mode(entry), named=False)
        return matched


def _mode(entry: os.DirEntry[str]) -> int:
    try:
        return entry.stat(follow_symlinks=False).st_mode
    except OSError:
        return stat.S_IFREG  # gone meanwhile: reading it says so


def _hidden(name: str, part: str) -> bool:
    """A wildcard does not match a leading period, as in the shell and ``glob``."""
    return name.startswith(".") and not part.startswith(".")


def _matches(pattern: str, entries: EntryLister) -> Iterator[tuple[Path, os.DirEntry[str]]]:
    """What ``pattern`` matches; ``**`` is any depth of folders, never through a link.

    ``glob.glob`` would follow symbolic links to folders (and loop on a link to an
    ancestor), so the walk is done here: the literal start of the pattern is the
    user's own path; below it, each part is matched against real folder entries.
    """
    parts = Path(pattern).parts
    first = next((i for i, part in enumerate(parts) if _MAGIC.search(part)), len(parts))
    if first == len(parts):
        return  # nothing to match: the path itself does not exist
    rest = parts[first:] + (("*",) if parts[-1] == "**" else ())
    yielded: set[Path] = set()
    stack = [(Path(*parts[:first]) if first else Path(), 0)]
    while stack:
        folder, index = stack.pop()
        part, last = rest[index], index == len(rest) - 1
        if part == "**":
            stack.extend((found, index + 1) for found in _folders(folder, entries))
            continue
        for entry in entries(folder):
            if _hidden(entry.name, part) or not fnmatch(entry.name, part):
                continue
            path = Path(entry.path)
            if last and path not in yielded:
                yielded.add(path)
                yield path, entry
            elif not last and entry.is_dir(follow_symlinks=False):
                stack.append((path, index + 1))


def _folders(top: Path, entries: EntryLister) -> Iterator[Path]:
    """``top`` and every folder below it, but hidden ones, never through a link."""
    stack = [top]
    while stack:
        folder = stack.pop()
        yield folder
        stack.extend(
            Path(entry.path)
            for entry in entries(folder)
            if entry.is_dir(follow_symlinks=False) and not entry.name.startswith(".")
        )


def find_inputs(patterns: list[str]) -> Inputs:
    """The inputs that ``patterns`` (files, folders, globs) name, and what is not one.

    Raises:
        PipelineError: a pattern that is neither an existing path nor matches anything.
    """
    finder = _Finder()
    for pattern in patterns:
        path = Path(pattern)
        try:
            mode = path.lstat().st_mode
        except OSError:
            if not finder.glob(pattern):
                raise PipelineError(f"no such file or folder: {pattern}") from None
            continue
        if stat.S_ISDIR(mode):
            finder.walk(path)
        else:
            finder.judge(path, mode, named=True)
    return finder.found.sort()
