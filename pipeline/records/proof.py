"""Holding a store to its audit chain: every finding, about one record or one line.

A record must match the state its own lines give it (supforms.pipeline.records.story,
every column: supforms.pipeline.records.chain), every state line needs its record or a
later ``purge`` line stating what it purged, and each line must hash to itself
and follow the line before it. Both walks stream: the chain
in line order, then the records merged with the lines that name a record, both
ordered by record id, so memory stays flat however large the store.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from supforms.pipeline.records.chain import (
    GENESIS,
    ROW_COLUMNS,
    column_digest,
    line_hash,
    result_hash,
    row_key,
)
from supforms.pipeline.records.story import Finding, Story, purges, stories
from supforms.pipeline.records.tables import audit, records
from supforms.schemas.errors import SettingError

__all__ = [
    "Finding",
    "Head",
    "Verification",
    "check_chain",
    "check_records",
    "expected_head",
    "verify_store",
]

SHORTEST_HEAD = 8
"""The fewest hex digits of a head a person may give: fewer would match lines by chance."""
_HEX = re.compile(r"[0-9a-f]+")


@dataclass(frozen=True)
class Head:
    """The last line of the chain (line 0 and ``GENESIS`` for an empty log)."""

    id: int
    hash: str


@dataclass
class Verification:
    """What ``records verify`` found, and how much it looked at."""

    pdfs: int = 0
    lines: int = 0
    head: Head = field(default_factory=lambda: Head(0, GENESIS))
    findings: list[Finding] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "ok": not self.findings,
            "pdfs": self.pdfs,
            "lines": self.lines,
            "head": asdict(self.head),
            "findings": [asdict(f) for f in self.findings],
        }


def expected_head(given: str | None) -> str | None:
    """A head as a person gives it: the hash, or what ``records head`` printed, or a prefix.

    ``None`` (no head given) checks no head. Anything else must be a head: its first
    word, 8 to 64 hex digits (any case). Raises ``SettingError`` (a usage error)
    for an empty value, one that is not hex, or one too short or too long to be a
    head, so a script whose head variable is unset never passes for a proof.
    """
    if given is None:
        return None
    words = given.split()
    if not words:
        raise SettingError("--expect-head is empty: give the head hash noted (records head)")
    head = words[0].lower()
    if not _HEX.fullmatch(head):
        raise SettingError(f"--expect-head {words[0]!r} is not a head hash (hex digits)")
    if len(head) < SHORTEST_HEAD:
        raise SettingError(
            f"--expect-head {head} is too short: give at least {SHORTEST_HEAD} hex digits "
            "of the head noted (records head prints 64)"
        )
    if len(head) > len(GENESIS):
        raise SettingError(f"--expect-head is {len(head)} hex digits: a head hash has 64")
    return head


def check_chain(lines: Iterable[Any], report: Verification, expect_head: str | None = None) -> None:
    """Walk the log from its first line: each must follow the one before and hash to itself.

    ``lines`` are rows with the audit table's columns, in id order. With
    ``expect_head`` (a hash, or a prefix of one: ``expected_head``), one line must
    hash to it (so the chain from the start recomputes to it); a prefix that more
    than one line's hash starts with is a ``SettingError``, raised after the walk.
    """
    previous = Head(0, GENESIS)
    matches = 1 if expect_head is not None and GENESIS.startswith(expect_head) else 0
    for line in lines:
        report.lines += 1
        if line.prev_hash != previous.hash:
            after = f"line {previous.id}" if previous.id else "the start of the log"
            report.findings.append(
                Finding(
                    "line",
                    line.id,
                    "chain_broken",
                    f"audit line {line.id} does not follow {after}: a line between them "
                    "was removed, or one of them was changed",
                )
            )
        computed = line_hash(
            line.id, line.at, line.actor, line.action, line.record_id, line.detail, line.prev_hash
        )
        if computed != line.hash:
            report.findings.append(
                Finding(
                    "line",
                    line.id,
                    "line_changed",
                    f"audit line {line.id} ({line.action}) was changed after it was written: "
                    "its content no longer hashes to its hash",
                )
            )
        if expect_head is not None and computed.startswith(expect_head):
            matches += 1  # what the line hashes to, not what it claims
        previous = Head(line.id, line.hash)
    report.head = previous
    if matches > 1:
        raise SettingError(
            f"--expect-head {expect_head} is the start of {matches} lines' hashes: "
            "give more of the head noted"
        )
    if expect_head is not None and not matches:
        report.findings.append(
            Finding(
                "head",
                None,
                "head_missing",
                f"no audit line has the expected head {expect_head}: the log was rewritten "
                "since that head was noted (or this is another store)",
            )
        )


def _compare(record: Any, line: Any, said: dict[str, Any], pdf: bytes) -> Iterator[Finding]:
    name = f"record {record.id}"
    where = f"its {line.action} line {line.id}"
    pdf_sha = hashlib.sha256(pdf).hexdigest()
    if record.sha256 != said["sha256"]:
        yield Finding(
            "record",
            record.id,
            "sha256_changed",
            f"{name}: its SHA-256 {record.sha256} is not the {said['sha256']} of {where} "
            "(the PDF and its hash were replaced)",
        )
    if pdf_sha != record.sha256:
        yield Finding(
            "record",
            record.id,
            "pdf_changed",
            f"{name}: its stored PDF hashes to {pdf_sha}, not to its SHA-256 {record.sha256}",
        )
    if record.status != said["status"]:
        yield Finding(
            "record",
            record.id,
            "status_changed",
            f"{name}: its status is {record.status!r}, {where} says {said['status']!r}",
        )
    if result_hash(record.result) != said["result"]:
        yield Finding(
            "record",
            record.id,
            "result_changed",
            f"{name}: its result JSON is not the one {where} recorded",
        )
    digests = said.get("row")
    if isinstance(digests, dict) and pdf_sha == said["sha256"]:  # the key is the PDF itself
        key = row_key(pdf)
        for column in ROW_COLUMNS:
            if column_digest(key, column, getattr(record, column)) != digests.get(column):
                yield Finding(
                    "record",
                    record.id,
                    f"{column}_changed",
                    f"{name}: its {column} is not the one {where} recorded",
                )


def check_records(records: Iterable[Any], lines: Iterable[Any], report: Verification) -> None:
    """Merge the records (by id) with the audit lines that name a record (by record id, id).

    Each record is held to its story (records.story): the state its lines, as
    the store writes them, say it has.
    """
    told = stories(lines, report.findings)
    pending = next(told, None)

    def unaccounted(story: Story) -> None:
        line, said, purge = story.line, story.state, story.purge
        if purge is not None and purges(purge, said):
            return
        why = (
            f"purge line {purge.id} does not state the record it purged"
            if purge is not None
            else "no purge line accounts for it"
        )
        report.findings.append(
            Finding(
                "record",
                story.record_id,
                "record_missing",
                f"record {story.record_id} ({line.action} line {line.id}, status "
                f"{said['status']}) is missing from the store, and {why}",
            )
        )

    for record in records:
        report.pdfs += 1
        pdf = bytes(record.pdf)
        while pending is not None and pending.record_id < record.id:
            unaccounted(pending)
            pending = next(told, None)
        if pending is None or pending.record_id != record.id:
            report.findings.append(
                Finding(
                    "record",
                    record.id,
                    "no_archive_line",
                    f"record {record.id} has no archive line in the audit log",
                )
            )
            pdf_sha = hashlib.sha256(pdf).hexdigest()
            if pdf_sha != record.sha256:
                report.findings.append(
                    Finding(
                        "record",
                        record.id,
                        "pdf_changed",
                        f"record {record.id}: its stored PDF hashes to {pdf_sha}, "
                        f"not to its SHA-256 {record.sha256}",
                    )
                )
            continue
        story, pending = pending, next(told, None)
        if story.purge is not None:
            report.findings.append(
                Finding(
                    "record",
                    record.id,
                    "purged_but_kept",
                    f"record {record.id} is still stored after purge line {story.purge.id}",
                )
            )
        report.findings.extend(_compare(record, story.line, story.state, pdf))
    while pending is not None:
        unaccounted(pending)
        pending = next(told, None)


def verify_store(connection: Connection, expect_head: str | None = None) -> Verification:
    """Check the whole store as ``connection`` sees it (one snapshot, for consistency)."""
    report = Verification()
    expect_head = expected_head(expect_head)
    check_chain(connection.execute(sa.select(audit).order_by(audit.c.id)), report, expect_head)
    stored = connection.execute(
        sa.select(
            records.c.id,
            records.c.sha256,
            records.c.status,
            records.c.result,
            records.c.pdf,
            *(records.c[column] for column in ROW_COLUMNS),
        ).order_by(records.c.id),
        execution_options={"yield_per": 50},
    )
    named = connection.execute(
        sa.select(audit.c.id, audit.c.record_id, audit.c.action, audit.c.detail)
        .where(audit.c.record_id.is_not(None))
        .order_by(audit.c.record_id, audit.c.id)
    )
    check_records(stored, named, report)
    return report
