"""A retention schedule: forget what was received before a date, in the store and on disk.

The store forgets its records and the issued copies of the period
(``RecordStore.purge``). An ingest output folder holds copies too: the result
JSON of every input (names and all) and the original bytes of every rejected one
in ``quarantine/``. Those of the purged records, and any written before the date,
go as well, with their lines in ``index.jsonl`` (or a later batch would take the
same bytes for a duplicate of a result that is gone).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from supforms.pipeline.files import write_private
from supforms.pipeline.records.store import RecordStore
from supforms.schemas.errors import PipelineError

__all__ = ["Retention", "purge"]


@dataclass(frozen=True)
class Retention:
    """What one purge removed."""

    records: int
    copies: int
    files: int
    compacted: bool = True
    sent_files: int = 0
    """Files removed by ``also`` (a send folder's copies and emails)."""


def purge(
    store: RecordStore,
    before: datetime,
    ingest_out: Path | None,
    also: Callable[[], int] | None = None,
) -> Retention:
    """Forget every record received before ``before``, and its files under ``ingest_out``.

    ``also``, called once the store has forgotten, forgets what another folder holds
    of the period (a send folder: ``delivery.forgetting``, which this room does not
    import) and says how many files it removed.

    Audited: one line per record (by ``RecordStore.purge``), then one for the run,
    with counts and the date, never a name.
    """
    purged = store.purge(before)  # a refusal (the ingest role may not delete) is a StoreError
    files = 0
    if ingest_out is not None and ingest_out.is_dir():
        files = _forget_files(ingest_out, set(purged.sha256), before)
    sent_files = also() if also is not None else 0
    store.log(
        "purge-summary",
        {
            "before": before.isoformat(),
            "records": purged.records,
            "copies": purged.copies,
            "files": files,
            **({"sent_files": sent_files} if also is not None else {}),
        },
    )
    return Retention(purged.records, purged.copies, files, purged.compacted, sent_files)


def _older(path: Path, before: datetime) -> bool:
    try:
        return path.stat().st_mtime < before.timestamp()
    except FileNotFoundError:
        return True


def _forget_files(out: Path, shas: set[str], before: datetime) -> int:
    """Delete the ingest files of the period; keep the index true. How many went."""
    removed = 0

    def remove(path: Path) -> None:
        nonlocal removed
        if path.is_file() and not path.is_symlink():
            try:
                path.unlink()
            except OSError as exc:
                raise PipelineError(f"cannot delete: {exc.strerror}", path=str(path)) from exc
            removed += 1

    index = out / "index.jsonl"
    if index.is_file():
        kept: list[str] = []
        try:
            entries = [(line, json.loads(line)) for line in index.read_text("utf-8").splitlines()]
        except (OSError, ValueError) as exc:
            raise PipelineError(f"cannot read the ingest index: {exc}", path=str(index)) from exc
        for line, entry in entries:
            sha, result = entry.get("sha256") or "", entry.get("result") or ""
            if sha in shas or (result and _older(out / result, before)):
                if result:
                    remove(out / result)
                for quarantined in (out / "quarantine").glob(f"{sha}.*") if sha else ():
                    remove(quarantined)
            else:
                kept.append(line)
        write_private(index, "".join(f"{line}\n" for line in kept))
    # What the index does not name: inputs quarantined, or results written, by a batch
    # that stopped before its index line (results are named NAME-SHA[:12].json); PDFs
    # taken from emails (mail/); the summary of a batch that finished before the date.
    short = {sha[:12] for sha in shas}
    for folder in ("quarantine", "results", "mail"):
        for path in sorted((out / folder).glob("*")) if (out / folder).is_dir() else ():
            if folder == "mail" and path.is_file():
                ours = hashlib.sha256(path.read_bytes()).hexdigest() in shas
            else:
                ours = path.name.split(".")[0] in shas or path.stem.rsplit("-", 1)[-1] in short
            if ours or _older(path, before):
                remove(path)
    for summary in (out / "summary.json", out / "summary.csv"):
        if _older(summary, before):
            remove(summary)
    return removed
