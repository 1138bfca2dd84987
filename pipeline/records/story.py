"""A record's story: its state recomputed from the lines the store itself writes, in order.

The store writes a record's lines in one order only: one ``archive`` line
(schema versions before 4: without the result's hash), ``baseline`` lines
stating it as it already is (at an upgrade), a ``transcribe`` line only while
it is a ``scanned`` return, and at the end one ``purge`` line stating what was
purged. A line the store would not have written there (a second archive, a
transcription of a record that was no scan, a baseline stating something else,
anything after the purge, a detail that is no state) is a finding, and the
record is held to the lines before it: a status changed in the table and then
"confirmed" by an appended line is still named.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from supforms.pipeline.records.stamps import STATE_ACTIONS

__all__ = ["Finding", "Story", "purges", "stories"]

_STATE_KEYS = frozenset({"sha256", "result", "status"})


@dataclass(frozen=True)
class Finding:
    """One thing that does not add up, about one record or one audit line."""

    subject: str  # "record", "line" or "head"
    id: int | None
    problem: str  # a stable code, for scripts
    message: str

    def __str__(self) -> str:
        return self.message


@dataclass(frozen=True)
class Story:
    """What the lines say of one record: its latest accepted state line, and its purge."""

    record_id: int
    line: Any
    state: dict[str, Any]
    purge: Any


def _detail(line: Any) -> dict[str, Any] | None:
    try:
        detail = json.loads(line.detail)
    except (TypeError, ValueError):
        return None
    return detail if isinstance(detail, dict) else None


def _refusal(
    action: str, detail: dict[str, Any] | None, state: dict[str, Any] | None, purge: Any
) -> tuple[str, str] | None:
    """Why the store would not have written this line here (a code and words), or None."""
    needed = {"sha256"} if action == "purge" else _STATE_KEYS
    if detail is None or not needed <= detail.keys():
        return "line_malformed", "is not a line the store writes: its detail states no record"
    if purge is not None:
        return "line_forged", f"comes after the record's purge line {purge.id}"
    if action == "archive" and state is not None:
        return "line_forged", "is a second archive line: the store archives a record once"
    if action == "transcribe":
        if state is None:
            return "line_forged", "transcribes a record never archived"
        if state["status"] != "scanned":
            return "line_forged", (
                f"transcribes a record that was {state['status']!r}: only a scan is transcribed"
            )
        if detail["sha256"] != state["sha256"]:
            return "line_forged", "transcribes another PDF than the record's"
    if action == "baseline" and state is not None:
        same = all(detail[key] == state[key] for key in _STATE_KEYS)
        if not same or ("row" in state and detail.get("row") != state["row"]):
            return "line_forged", (
                "restates the record as something else: a baseline only states it as it is"
            )
    return None


def _before_v4(action: str, detail: dict[str, Any] | None, state: Any) -> bool:
    """An archive line as schema versions before 4 wrote it: status and PDF hash only."""
    if action != "archive" or state is not None or detail is None:
        return False
    return "result" not in detail and {"sha256", "status"} <= detail.keys()


def _told(record_id: int, lines: Iterable[Any], findings: list[Finding]) -> Story | None:
    """One record's lines (in order) told as the store would have written them."""
    line_at: Any = None
    state: dict[str, Any] | None = None
    purge: Any = None
    for line in lines:
        if line.action not in STATE_ACTIONS:
            continue
        detail = _detail(line)
        if _before_v4(line.action, detail, state):
            continue  # an archive line as written before version 4: a baseline follows
        refusal = _refusal(line.action, detail, state, purge)
        if refusal is not None:
            code, why = refusal
            findings.append(
                Finding(
                    "line",
                    line.id,
                    code,
                    f"audit line {line.id} ({line.action} of record {record_id}) {why}",
                )
            )
        elif line.action == "purge":
            purge = line
        else:
            line_at, state = line, detail
    if state is None:
        return None
    return Story(record_id, line_at, state, purge)


def stories(lines: Iterable[Any], findings: list[Finding]) -> Iterator[Story]:
    """Per record id (ascending), its story; ``lines`` ordered by record id, then id.

    A line the store would not have written is added to ``findings`` and skipped.
    """
    current: int | None = None
    mine: list[Any] = []
    for line in lines:
        if line.record_id != current:
            if current is not None and (story := _told(current, mine, findings)) is not None:
                yield story
            current, mine = line.record_id, []
        mine.append(line)
    if current is not None and (story := _told(current, mine, findings)) is not None:
        yield story


def purges(purge: Any, said: dict[str, Any]) -> bool:
    """Whether a purge line states the record it would account for, as its state line did.

    Since version 7 a purge states the whole record (records.chain.row_state); a
    record last stated before that is accounted for by its PDF's SHA-256.
    """
    detail = _detail(purge)
    if detail is None:
        return False
    if "row" in said:
        return all(detail.get(key) == said[key] for key in (*_STATE_KEYS, "row"))
    return bool(detail.get("sha256") == said["sha256"])
