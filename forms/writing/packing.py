"""Object streams and a cross-reference stream: a form's hundreds of small objects, compressed.

A form is mostly small dictionaries (structure elements, widgets, fields): written
one by one, each with its line in a classic cross-reference table, they are half
of a copy's bytes. Packed into object streams (PDF 1.5) and indexed by a
compressed cross-reference stream, they are a tenth of that. Viewers that save a
filled form incrementally keep what they were given, so the size we write is the
size every return carries through mail, hashing, parsing and the archive.

A template's objects that no copy changes are packed and compressed once, when
the form is compiled (``pack``); each copy packs its own changed objects.
"""

from __future__ import annotations

import re
import struct
import zlib
from dataclasses import dataclass

__all__ = ["Packed", "is_stream", "object_body", "object_stream", "pack", "xref_stream"]

_HEAD = re.compile(rb"^\s*\d+\s+0\s+obj\s*")
_TAIL = re.compile(rb"\s*endobj\s*$")


def is_stream(data: bytes) -> bool:
    """Whether an object's bytes (``N 0 obj … endobj``) are a stream, which cannot be packed."""
    return data.rstrip().endswith(b"endstream\nendobj") or data.rstrip().endswith(
        b"endstream\r\nendobj"
    )


def object_body(data: bytes) -> bytes:
    """An object's bytes without ``N 0 obj`` and ``endobj``: what an object stream holds."""
    return _TAIL.sub(b"", _HEAD.sub(b"", data, count=1), count=1)


def object_stream(num: int, objects: list[tuple[int, bytes]]) -> bytes:
    """Object ``num``: an object stream holding ``objects`` (number, body), compressed."""
    offsets, bodies, position = [], [], 0
    for objnum, body in objects:
        offsets.append(b"%d %d" % (objnum, position))
        bodies.append(body)
        position += len(body) + 1
    index = b" ".join(offsets) + b"\n"
    data = zlib.compress(index + b"\n".join(bodies) + b"\n", 6)
    return (
        b"%d 0 obj\n<< /Type /ObjStm /N %d /First %d /Filter /FlateDecode /Length %d >>\nstream\n"
        % (num, len(objects), len(index), len(data))
        + data
        + b"\nendstream\nendobj\n"
    )


def xref_stream(num: int, entries: list[tuple[int, int, int]], trailer: bytes) -> bytes:
    """Object ``num``: the cross-reference stream of ``entries``.

    ``entries``: (type, field 2, field 3) for each object number from 0, this stream's
    own included; ``trailer``: the trailer's other keys.
    """
    rows = b"".join(struct.pack(">BIH", kind, second, third) for kind, second, third in entries)
    data = zlib.compress(rows, 6)
    return (
        b"%d 0 obj\n<< /Type /XRef /Size %d /W [ 1 4 2 ] %s /Filter /FlateDecode /Length %d >>\n"
        b"stream\n" % (num, len(entries), trailer, len(data)) + data + b"\nendstream\nendobj\n"
    )


@dataclass(frozen=True)
class Packed:
    """A template's objects that copies keep as they are, packed once into object streams."""

    streams: tuple[tuple[int, bytes], ...]  # each object stream's number and bytes
    index: dict[int, tuple[int, int]]  # object number -> (its object stream, its index there)
    fields: frozenset[int]  # what a copy packs that is read first (fields, the page tree)

    @property
    def after(self) -> int:
        """The first object number after the template's objects and these streams."""
        return self.streams[-1][0] + 1


def pack(objects: tuple[bytes, ...], mutable: set[int], first: set[int]) -> Packed:
    """Pack every object of ``objects`` that is no stream and not in ``mutable``.

    ``first`` (the catalog, the pages, the field tree) get an object stream of their own:
    qpdf parses a whole object stream to read one object in it, and a reader of the
    fields then parses these, not the structure tree and every widget too.
    """
    packable = [
        num
        for num, data in enumerate(objects)
        if num and data and num not in mutable and not is_stream(data)
    ]
    groups = [[n for n in packable if n in first], [n for n in packable if n not in first]]
    streams, index = [], {}
    for number, group in enumerate((g for g in groups if g), start=len(objects)):
        bodies = [(n, object_body(objects[n])) for n in group]
        streams.append((number, object_stream(number, bodies)))
        index.update({n: (number, position) for position, n in enumerate(group)})
    return Packed(tuple(streams), index, frozenset(mutable & first))
