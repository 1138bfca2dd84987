"""The audit log as a hash chain: how a line is hashed, and what a state line says.

Each audit line carries the hash of the line before it (``prev_hash``) and its
own ``hash``: the SHA-256 of the canonical JSON of its id, time, actor, action,
record id, detail (the stored text) and ``prev_hash``. Removing, changing or
reordering a line breaks the chain at the next line; rewriting the whole log
consistently changes the head, which ``records head`` lets a person write down
elsewhere.

A *state line* says what a record was when it was written: its PDF's SHA-256,
the hash of its stored result JSON and its status (``archive``, a transcription,
and the ``baseline`` of each record already stored when the chain began).
``supforms.pipeline.records.proof`` holds a store to its chain.

PostgreSQL computes the same hash in a trigger (``supforms.pipeline.records.tables``): the two
must agree byte for byte, and the tests hold them to it.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime

__all__ = ["GENESIS", "canonical_time", "line_hash", "result_hash", "state_detail"]

GENESIS = "0" * 64
"""The ``prev_hash`` of the first line."""


def canonical_time(moment: datetime | str) -> str:
    """A line's time as hashed: UTC, microseconds, ``Z`` (SQLite stores it naive, in UTC)."""
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def line_hash(
    line_id: int,
    at: datetime | str,
    actor: str,
    action: str,
    record_id: int | None,
    detail: str,
    prev_hash: str,
) -> str:
    """The hash of one audit line: keys sorted, no spaces, UTF-8 (as the PostgreSQL trigger)."""
    content = {
        "action": action,
        "actor": actor,
        "at": canonical_time(at),
        "detail": detail,
        "id": line_id,
        "prev": prev_hash,
        "record_id": record_id,
    }
    text = json.dumps(content, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def result_hash(result_text: str) -> str:
    """The hash of a record's stored result JSON, exactly as stored."""
    return hashlib.sha256(result_text.encode("utf-8")).hexdigest()


def state_detail(sha256: str, result_text: str, status: str) -> dict[str, str]:
    """What a state line says about its record."""
    return {"sha256": sha256, "result": result_hash(result_text), "status": status}
