"""What the store knows of the loop after an issue: where copies went, what is not back.

The SQL behind ``RecordStore``'s delivery, reminder and renewal methods. A
delivery is a copy's document id and one recipient address (DESIGN.md, contract
11); each state of its message (``sending``, then ``sent`` or ``failed``) is one
row, added as the send folder's ``delivery.jsonl`` gets its line, and never
changed: the ingest role may add rows, not edit them. The first delivery of a
copy also keeps the copy's bytes (``issued_pdfs``), so a reminder from any folder,
on any machine, attaches the very copy issued.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection
from supforms.pipeline.records.tables import deliveries, issued, issued_pdfs, records
from supforms.schemas.errors import PipelineError

__all__ = [
    "DONE",
    "FORGOTTEN",
    "TO_FIX",
    "DeliveryRow",
    "Unreturned",
    "add_delivery",
    "forget_deliveries",
    "forgotten_copies",
    "issued_copies",
    "issued_pdf",
    "renewal_links",
    "renewals_of",
    "select_deliveries",
    "unreturned",
]

DONE = ("complete", "scanned")
"""A copy is back once a return of it is complete, or a scan of it awaits a person's typing:
either way nobody need be asked for it again. Any other return (incomplete, invalid)
leaves it outstanding; rejected and duplicate ones are not returns of it at all."""

TO_FIX = ("incomplete", "invalid")
"""Returns that leave their copy outstanding and say what to put right."""

FORGOTTEN = "null"
"""An issued copy's prefill once a purge has forgotten it: JSON ``null``, "not known".

(A registered copy's prefill is always a JSON object, ``{}`` at least.)
"""

_CHUNK = 500  # a statement's parameters are limited


@dataclass(frozen=True)
class DeliveryRow:
    """One state of one message: a copy (document id) to one address, or its n-th reminder."""

    document_id: str
    recipient: str
    status: str  # sending | sent | failed
    at: datetime
    reminder: int = 0
    message_id: str = ""
    name: str = ""
    detail: str = ""


@dataclass(frozen=True)
class Unreturned:
    """An issued copy with no complete return, and its latest return to put right, if any."""

    document_id: str
    form: str
    issued_at: datetime
    status: str  # outstanding | incomplete | invalid
    result: dict[str, Any] | None = None  # that return's ingest JSON
    version: str = ""
    recipient: str = ""  # whom the copy is for, as issued (not an address)
    file: str = ""
    emailed: bool = False  # a message of it (or a reminder) was sent or begun, says the store
    renews: int | None = None  # the record a renewal copy renews


def _utc(moment: datetime) -> datetime:
    """SQLite gives back the wall clock only: every time the store keeps is UTC."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _chunks(items: list[Any]) -> Iterable[list[Any]]:
    for start in range(0, len(items), _CHUNK):
        yield items[start : start + _CHUNK]


def add_delivery(connection: Connection, row: DeliveryRow, pdf: bytes | None) -> None:
    """Add one state of one message; with ``pdf``, keep the copy's bytes if not kept yet."""
    connection.execute(
        deliveries.insert().values(
            document_id=row.document_id,
            recipient=row.recipient[:320],
            name=row.name[:200] or None,
            message_id=row.message_id[:300] or None,
            status=row.status,
            reminder=row.reminder,
            at=_utc(row.at),
            detail=row.detail[:500] or None,
        )
    )
    if pdf is None:
        return
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    connection.execute(
        dialect.insert(issued_pdfs)
        .values(document_id=row.document_id, sha256=hashlib.sha256(pdf).hexdigest(), pdf=pdf)
        .on_conflict_do_nothing(index_elements=["document_id"])
    )


def select_deliveries(connection: Connection, document_ids: list[str]) -> list[DeliveryRow]:
    """Every state of every message of these copies, in the order they were added."""
    found: list[tuple[int, DeliveryRow]] = []
    for chunk in _chunks(sorted(set(document_ids))):
        for row in connection.execute(
            sa.select(deliveries).where(deliveries.c.document_id.in_(chunk))
        ):
            delivery = DeliveryRow(
                row.document_id,
                row.recipient,
                row.status,
                _utc(row.at),
                row.reminder,
                row.message_id or "",
                row.name or "",
                row.detail or "",
            )
            found.append((row.id, delivery))
    return [delivery for _, delivery in sorted(found, key=lambda item: item[0])]


def issued_pdf(connection: Connection, document_id: str) -> bytes | None:
    """The bytes of a copy delivered, as issued; None if the store keeps none of it.

    Raises PipelineError if they are not what was kept (changed since): a changed
    copy is never sent.
    """
    row = connection.execute(
        sa.select(issued_pdfs.c.sha256, issued_pdfs.c.pdf).where(
            issued_pdfs.c.document_id == document_id
        )
    ).one_or_none()
    if row is None:
        return None
    data = bytes(row.pdf)
    if hashlib.sha256(data).hexdigest() != row.sha256:
        raise PipelineError(
            f"the copy {document_id} kept in the records store is not what was issued "
            "(its SHA-256 differs): it was not sent"
        )
    return data


def issued_copies(connection: Connection, document_ids: list[str]) -> dict[str, dict[str, Any]]:
    """Issued copies by document id, as a manifest entry says them (file, form, prefill)."""
    copies = {}
    for chunk in _chunks(sorted(set(document_ids))):
        for row in connection.execute(
            sa.select(issued).where(issued.c.document_id.in_(chunk), issued.c.prefill != FORGOTTEN)
        ):
            copies[row.document_id] = {
                "document_id": row.document_id,
                "form": row.form,
                "version": row.version,
                "file": row.file,
                "recipient": row.recipient,
                "issued_at": _utc(row.issued_at).isoformat(timespec="seconds"),
                "prefill": json.loads(row.prefill),
                "renews": row.renews,
            }
    return copies


def forgotten_copies(connection: Connection, document_ids: list[str]) -> set[str]:
    """Which of these copies a purge forgot (their prefill and recipient are gone)."""
    found: set[str] = set()
    for chunk in _chunks(sorted(set(document_ids))):
        found.update(
            connection.execute(
                sa.select(issued.c.document_id).where(
                    issued.c.document_id.in_(chunk), issued.c.prefill == FORGOTTEN
                )
            ).scalars()
        )
    return found


def unreturned(
    connection: Connection, form: str | None = None, issued_before: datetime | None = None
) -> list[Unreturned]:
    """THE outstanding copies (contract 15): issued, not forgotten, no return in ``DONE``.

    Oldest first, whatever made them (send, renew, generate, print). Each says the
    status of its latest return to put right (``TO_FIX``), with that return's JSON,
    and whether any email of it was ever delivered. ``records outstanding``,
    ``records compliance``, ``remind`` and ``renew`` all ask this one question.
    """
    returned = sa.select(records.c.document_id).where(
        records.c.status.in_(DONE), records.c.document_id.is_not(None)
    )
    query = sa.select(issued).where(
        issued.c.document_id.notin_(returned), issued.c.prefill != FORGOTTEN
    )
    if form:
        query = query.where(issued.c.form == form)
    copies = [
        row
        for row in connection.execute(query.order_by(issued.c.issued_at, issued.c.document_id))
        if issued_before is None or _utc(row.issued_at) <= issued_before
    ]
    latest: dict[str, Any] = {}
    emailed: set[str] = set()
    for chunk in _chunks([row.document_id for row in copies]):
        latest.update(
            (row.document_id, row)
            for row in connection.execute(
                sa.select(records.c.document_id, records.c.status, records.c.result)
                .where(records.c.document_id.in_(chunk), records.c.status.in_(TO_FIX))
                .order_by(records.c.id)
            )
        )
        emailed.update(
            connection.execute(
                sa.select(deliveries.c.document_id).where(deliveries.c.document_id.in_(chunk))
            ).scalars()
        )
    found = []
    for row in copies:
        back = latest.get(row.document_id)
        status, result = (back.status, json.loads(back.result)) if back else ("outstanding", None)
        found.append(
            Unreturned(
                row.document_id,
                row.form,
                _utc(row.issued_at),
                status,
                result,
                version=row.version,
                recipient=row.recipient or "",
                file=row.file,
                emailed=row.document_id in emailed,
                renews=row.renews,
            )
        )
    return found


def renewals_of(connection: Connection, record_ids: list[int]) -> dict[int, str]:
    """The copy that renews each record (a record renewed more than once: the last)."""
    found: dict[int, tuple[datetime, str]] = {}
    for chunk in _chunks(sorted(set(record_ids))):
        for row in connection.execute(
            sa.select(issued.c.renews, issued.c.document_id, issued.c.issued_at).where(
                issued.c.renews.in_(chunk)
            )
        ):
            moment = _utc(row.issued_at)
            if int(row.renews) not in found or found[int(row.renews)][0] <= moment:
                found[int(row.renews)] = (moment, row.document_id)
    return {record_id: document_id for record_id, (_, document_id) in found.items()}


def renewal_links(
    connection: Connection, record_id: int, document_id: str | None
) -> tuple[int | None, list[tuple[str, datetime]]]:
    """The record this one's copy renewed, and the copies renewing this record (oldest first)."""
    renews = (
        connection.execute(
            sa.select(issued.c.renews).where(issued.c.document_id == document_id)
        ).scalar()
        if document_id
        else None
    )
    renewals = connection.execute(
        sa.select(issued.c.document_id, issued.c.issued_at)
        .where(issued.c.renews == record_id)
        .order_by(issued.c.issued_at)
    ).all()
    return renews, [(row.document_id, _utc(row.issued_at)) for row in renewals]


def forget_deliveries(connection: Connection) -> None:
    """Where the copies a purge forgot went, and their bytes: gone with them."""
    forgotten = sa.select(issued.c.document_id).where(issued.c.prefill == FORGOTTEN)
    connection.execute(deliveries.delete().where(deliveries.c.document_id.in_(forgotten)))
    connection.execute(issued_pdfs.delete().where(issued_pdfs.c.document_id.in_(forgotten)))
