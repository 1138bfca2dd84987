"""A retention schedule reaches the send folder: names and addresses of the period go.

``records purge`` forgets the issued copies of a period in the store
(``records.retention``). A send folder holds them too: each copy's PDF (prefilled
with names), its emails in ``eml/``, and ``manifest.jsonl`` and ``delivery.jsonl``,
whose lines name the person and their address. For each copy of the period that
the store does not keep (issued before the date, and no return of it kept), its
files are removed and its lines rewritten without personal data: the document id,
form, version, row, times, states and the copy's SHA-256 stay, so the folder still
says how many copies went and when; the names, addresses, prefilled values, file
names, message ids and the row's key (a hash of names and addresses) do not.

Files go first, then the delivery log, then the manifest (each rewritten whole,
``files.write_private``): a purge stopped half way finds the same copies again
when run again, since the manifest still names them until its own rewrite.
A purge holds the folder's lock (``batches.folder_lock``): no send runs into it meanwhile.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from supforms.pipeline.delivery.batches import folder_lock
from supforms.pipeline.delivery.delivery_log import REPORT, read_lines
from supforms.pipeline.delivery.generate import MANIFEST
from supforms.pipeline.files import write_private
from supforms.pipeline.records.preflight import store_errors
from supforms.pipeline.records.retention import Retention, purge
from supforms.pipeline.records.store import RecordStore
from supforms.schemas.errors import PipelineError

__all__ = ["SentForgotten", "forget_sent", "purge_records"]

_COPY_KEPT = ("document_id", "form", "version", "issued_at", "sha256", "bytes", "row", "renews")
_DELIVERY_KEPT = ("row", "document_id", "status", "at", "reminder")


@dataclass(frozen=True)
class SentForgotten:
    """What a purge did to one send folder."""

    copies: int  # copies of the period forgotten
    lines: int  # manifest and delivery log lines rewritten without personal data
    files: int  # copies' PDFs and emails removed


def _of_period(entry: dict[str, Any], before: datetime) -> bool:
    if entry.get("forgotten") or entry.get("row") is None or not entry.get("document_id"):
        return False  # already forgotten, or a blank form (no one's)
    try:
        issued = datetime.fromisoformat(str(entry.get("issued_at")))
    except ValueError:
        return False
    if issued.tzinfo is None:
        issued = issued.replace(tzinfo=UTC)
    return issued < before


def _remove(path: Path) -> int:
    if not path.is_file() or path.is_symlink():
        return 0
    try:
        path.unlink()
    except OSError as exc:
        raise PipelineError(f"cannot delete: {exc.strerror}", path=str(path)) from exc
    return 1


def _rewrite(path: Path, entries: list[dict[str, Any]], scrub: Callable[..., Any]) -> int:
    """Rewrite ``path`` with each entry ``scrub`` changes; how many it changed."""
    changed = 0
    lines = []
    for entry in entries:
        scrubbed = scrub(entry)
        changed += scrubbed is not entry
        lines.append(json.dumps(scrubbed, ensure_ascii=False) + "\n")
    if changed:
        write_private(path, "".join(lines))
    return changed


def forget_sent(store: RecordStore, out: Path, before: datetime) -> SentForgotten:
    """Forget, in the send folder ``out``, the copies of the period: as the store forgot them.

    Of the period: forgotten by the store (whenever issued: a purged return takes its
    copy), or issued before ``before`` and not kept by it (one it never knew is judged
    by its date alone). A copy the store still keeps (its return is kept) stays.
    """
    before = before if before.tzinfo else before.replace(tzinfo=UTC)
    manifest = read_lines(out / MANIFEST)
    period = {str(e["document_id"]) for e in manifest if _of_period(e, before)}
    listed = sorted(
        str(e["document_id"]) for e in manifest if e.get("document_id") and not e.get("forgotten")
    )
    with store_errors("reading the issued copies"):
        period -= set(store.issued_copies(sorted(period))) if period else set()
        period |= store.forgotten_copies(listed) if listed else set()
    files = 0
    for entry in manifest:
        if entry.get("document_id") in period and not entry.get("forgotten"):
            name = str(entry.get("file") or "")
            files += _remove(out / name) if name and "/" not in name else 0
            for email in sorted((out / "eml").glob(f"{entry['document_id']}-*.eml")):
                files += _remove(email)
    purged = period | {str(e["document_id"]) for e in manifest if e.get("forgotten")}

    def delivery(entry: dict[str, Any]) -> dict[str, Any]:
        if entry.get("document_id") not in purged or entry.get("forgotten"):
            return entry
        return {**{key: entry.get(key) for key in _DELIVERY_KEPT}, "forgotten": True}

    def copy(entry: dict[str, Any]) -> dict[str, Any]:
        if entry.get("document_id") not in period or entry.get("forgotten"):
            return entry
        kept = {key: entry.get(key) for key in _COPY_KEPT}
        return {**kept, "file": "", "prefill": None, "forgotten": True}

    lines = _rewrite(out / REPORT, read_lines(out / REPORT), delivery)
    lines += _rewrite(out / MANIFEST, manifest, copy)
    return SentForgotten(len(period), lines, files)


def purge_records(
    store: RecordStore, before: datetime, ingest_out: Path | None, sent_out: Path | None
) -> tuple[Retention, SentForgotten | None]:
    """``records purge``: the store, the ingest folder, and the send folder (if it exists)."""
    done: list[SentForgotten] = []

    def forget() -> int:
        assert sent_out is not None
        done.append(forget_sent(store, sent_out, before))
        return done[-1].files

    if sent_out is None or not sent_out.is_dir():
        return purge(store, before, ingest_out), None
    with folder_lock(sent_out, "purge"):  # no send appends to the logs being rewritten
        retention = purge(store, before, ingest_out, also=forget)
    return retention, done[0]
