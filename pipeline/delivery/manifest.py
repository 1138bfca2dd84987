"""A generate manifest read back, to register its copies in a store (``records register``).

Every line is checked before anything is registered: a line that is not a JSON
object, lacks a key the registry needs, or holds a value of the wrong kind is
named with its line number (data to fix, exit 2), and nothing is registered:
read it before the store is opened, and a bad one makes no store either. The
copies are then registered in one transaction: all of them, or none.

An unfinished last line (no newline, not JSON) is one a killed ``generate`` left
half written; its copy was never handed on, so it is left out, as ``generate``
itself drops it when it appends again (``files.AppendLog``).
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

from supforms.pipeline.records.store import RecordStore
from supforms.schemas.errors import InvalidRecordError, PipelineError

__all__ = ["read_manifest", "register_manifest"]

# Key: (required, kinds, longest): what the registry keeps of each copy (records.tables.issued).
_TEXT = (str,)
_KEYS: dict[str, tuple[bool, tuple[type, ...], int | None]] = {
    "document_id": (True, _TEXT, 32),
    "form": (True, _TEXT, 32),
    "version": (True, _TEXT, 16),
    "file": (True, _TEXT, 500),
    "recipient": (False, _TEXT, 300),
    "row": (False, (int,), None),
    "renews": (False, (int,), None),
    "prefill": (False, (dict,), None),
}
_KIND = {str: "text", int: "a whole number", dict: "an object"}


def _refused(path: Path, number: int | None, reason: str) -> InvalidRecordError:
    where = f"line {number}: " if number is not None else ""
    return InvalidRecordError(f"{where}{reason}; nothing was registered", (), path=str(path))


def _problem(entry: Any) -> str | None:
    """What is wrong with one manifest entry, or None."""
    if not isinstance(entry, dict):
        return "not a JSON object (a manifest line describes one copy)"
    for key, (required, kinds, longest) in _KEYS.items():
        value = entry.get(key)
        if value is None:
            if required:
                return f"{key} is missing"
            continue
        if not isinstance(value, kinds) or isinstance(value, bool):
            return f"{key} must be {_KIND[kinds[0]]}"
        if longest is not None and len(value) > longest:
            return f"{key} must be at most {longest} characters"
    if not entry["document_id"].strip():
        return "document_id is empty"
    try:
        datetime.fromisoformat(entry["issued_at"])
    except KeyError:
        return "issued_at is missing"
    except (TypeError, ValueError):
        return "issued_at must be a date and time (ISO 8601, as generate writes it)"
    return None


def read_manifest(path: Path) -> list[dict[str, Any]]:
    """Every copy ``path`` lists, each checked; ``InvalidRecordError`` naming the first bad line."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise PipelineError(f"cannot read the manifest: {exc.strerror}", path=str(path)) from exc
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise _refused(path, None, "not UTF-8 text (is it a generate manifest?)") from exc
    lines = text.split("\n")
    copies = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            entry = json.loads(line)
        except ValueError as exc:
            if number == len(lines):  # no newline after it: unfinished, never acknowledged
                break
            raise _refused(path, number, f"not JSON ({exc.msg})") from exc
        problem = _problem(entry)
        if problem is not None:
            raise _refused(path, number, problem)
        copies.append(entry)
    return copies


def register_manifest(store: RecordStore, copies: list[dict[str, Any]]) -> int:
    """Register the prefilled copies of a manifest (``read_manifest``), all or none; how many new.

    (A blank copy is not listed against a row, and is not registered from a manifest; nor
    is a copy a purge forgot, ``delivery.forgetting``: registered anew, it would be
    outstanding again.)
    """
    return store.register(
        [copy for copy in copies if copy.get("row") is not None and not copy.get("forgotten")]
    )
