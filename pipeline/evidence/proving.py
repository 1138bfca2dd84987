"""``records verify --evidence``: a pack held against the store, one sentence per mismatch.

A pack proves itself when every original attached hashes to its record's SHA-256
(and the JSON attached is the record's as stored), every audit line its pages
print (read back from the pages' own text, as a reader sees it) is a line of this
store's chain with that hash, the manifest quotes the same lines and head as the
pages, and the head quoted is a line from which the chain runs unbroken to
today's head. A changed byte in an attachment, a line edited on a certificate or
a pack from another store each give at least one mismatch.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pikepdf
import pypdfium2
from supforms.pipeline.evidence.pack import MANIFEST
from supforms.pipeline.records.chain import canonical_time, line_hash
from supforms.pipeline.records.store import RecordStore
from supforms.schemas.errors import ExtractionError, StoreError

__all__ = ["Quoted", "printed_lines", "verify_pack"]

_AUDIT = re.compile(r"audit line (\d+) · (\S+) · (\S+)")
_HEAD = re.compile(r"chain head at export: line (\d+)")
_HASH = re.compile(r"hash: ([0-9a-f]{64})")

Quoted = tuple[int, str, str, str]
"""An audit line as printed: id, action, time, hash (action and time empty for the head)."""


def printed_lines(pdf: bytes) -> tuple[list[Quoted], list[tuple[int, str]], list[str]]:
    """The audit lines and heads the pack's pages print, and the lines that do not read."""
    document = pypdfium2.PdfDocument(pdf)
    lines: list[Quoted] = []
    heads: list[tuple[int, str]] = []
    illegible: list[str] = []
    try:
        for index in range(len(document)):
            page = document[index]
            text = page.get_textpage().get_text_range()
            waiting: tuple[str, ...] | None = None
            for raw in text.splitlines():
                said = raw.strip()
                if waiting is not None:
                    found = _HASH.fullmatch(said)
                    if found is None:
                        illegible.append(f"page {index + 1}: {' '.join(waiting[1:])!r} has no hash")
                    elif waiting[0] == "line":
                        lines.append((int(waiting[1]), waiting[2], waiting[3], found[1]))
                    else:
                        heads.append((int(waiting[1]), found[1]))
                    waiting = None
                    continue
                if (audit := _AUDIT.fullmatch(said)) is not None:
                    waiting = ("line", *audit.groups())
                elif (head := _HEAD.fullmatch(said)) is not None:
                    waiting = ("head", head[1])
                elif said.startswith(("audit line", "chain head", "hash:")):
                    illegible.append(f"page {index + 1}: {said!r} is not a line the pack prints")
            page.close()
    finally:
        document.close()
    return lines, heads, illegible


def _open(path: Path) -> tuple[bytes, pikepdf.Pdf]:
    try:
        data = path.read_bytes()
        return data, pikepdf.open(io.BytesIO(data))
    except OSError as exc:
        raise ExtractionError(f"cannot be read: {exc.strerror or exc}", path=str(path)) from exc
    except pikepdf.PdfError as exc:
        raise ExtractionError("is not a PDF (or is damaged)", path=str(path)) from exc


def _attachments(pdf: pikepdf.Pdf) -> dict[str, tuple[bytes | None, str]]:
    """Each embedded file: its bytes (None: unreadable) and its relationship."""
    found: dict[str, tuple[bytes | None, str]] = {}
    for name, spec in pdf.attachments.items():
        relationship = str(spec.obj.get("/AFRelationship", "/Unspecified"))[1:]
        try:
            data: bytes | None = spec.get_file().read_bytes()
        except pikepdf.PdfError:
            data = None
        found[name] = (data, relationship)
    return found


def _records(
    store: RecordStore, manifest: dict[str, Any], files: dict[str, tuple[bytes | None, str]]
) -> Iterator[str]:
    listed = set()
    for item in manifest.get("records", []):
        record_id = int(item["id"])
        listed.add(item["original"])
        try:
            result, _, sha256 = store.record(record_id)
        except StoreError:
            yield f"record {record_id}: not in this store"
            continue
        if item["sha256"] != sha256:
            yield f"record {record_id}: the pack states another SHA-256 than the store's"
        original, _ = files.get(item["original"], (None, ""))
        if original is None:
            yield f"record {record_id}: its original {item['original']} is missing or unreadable"
        elif hashlib.sha256(original).hexdigest() != sha256:
            yield f"record {record_id}: the original attached does not hash to its SHA-256"
        data, _ = files.get(item["data"], (None, ""))
        try:
            same = data is not None and json.loads(data) == result
        except ValueError:
            same = False
        if not same:
            yield f"record {record_id}: the JSON attached ({item['data']}) is not the stored one"
    for name, (_, relationship) in files.items():
        if relationship == "Source" and name not in listed:
            yield f"attachment {name}: an original the manifest does not list"


def _chain(store: RecordStore, quoted: list[Quoted], head: tuple[int, str]) -> Iterator[str]:
    """Each quoted line is this chain's; the chain runs unbroken from the head to today's."""
    wanted = {line[0]: line for line in quoted}
    start = min([head[0], *wanted])
    previous: dict[str, Any] | None = None
    reached = False
    for line in store.audit_lines(since=start):
        line_id = int(line["id"])
        computed = line_hash(
            line_id,
            line["at"],
            line["actor"],
            line["action"],
            line["record_id"],
            line["detail"],
            line["prev_hash"],
        )
        if computed != line["hash"] or (previous and line["prev_hash"] != previous["hash"]):
            yield f"audit line {line_id}: the store's chain is broken here (records verify)"
        if line_id in wanted:
            _, action, at, hash_ = wanted.pop(line_id)
            said = (line["action"], canonical_time(line["at"]), line["hash"])
            if (action, at, hash_) != said:
                yield f"audit line {line_id}: the pack prints it otherwise than the chain has it"
        if line_id == head[0]:
            reached = line["hash"] == head[1]
        previous = line
    for line_id in sorted(wanted):
        yield f"audit line {line_id}: not in this store's chain"
    if not reached:
        yield f"head {head[1][:16]}… (line {head[0]}): not in this store's chain"


def verify_pack(store: RecordStore, path: str | Path) -> list[str]:
    """Every mismatch between the pack at ``path`` and the store, in words (none: it proves).

    Raises ``ExtractionError`` for a file that is not a PDF, ``StoreError`` when the
    store cannot be read.
    """
    data, pdf = _open(Path(path))
    with pdf:
        files = _attachments(pdf)
    raw, _ = files.get(MANIFEST, (None, ""))
    try:
        manifest = json.loads(raw) if raw is not None else None
    except ValueError:
        manifest = None
    if not isinstance(manifest, dict):
        return [f"{path}: no legible {MANIFEST}: not an evidence pack, or it was altered"]
    try:
        found = list(_records(store, manifest, files))
        stated = {(int(a["id"]), a["hash"]) for r in manifest["records"] for a in r["audit"]}
        head = (int(manifest["head"]["id"]), str(manifest["head"]["hash"]))
    except (KeyError, TypeError, ValueError):
        return [f"{path}: no legible {MANIFEST}: not an evidence pack, or it was altered"]
    lines, heads, illegible = printed_lines(data)
    found += illegible
    printed = {(line[0], line[3]) for line in lines}
    for line_id, hash_ in sorted(stated ^ printed):
        where = "the manifest" if (line_id, hash_) in stated else "the pages"
        found.append(f"audit line {line_id}: only {where} quote it with hash {hash_[:16]}…")
    if {*heads} != {head}:
        found.append(f"the pages quote another head than the manifest (line {head[0]})")
    found += _chain(store, lines, head)
    return found
