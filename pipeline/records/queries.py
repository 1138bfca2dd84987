"""What the records store answers: records found, one record, the head, what is outstanding.

``RecordStore`` is made of this part (reading) and its own (opening, archiving,
writing, the transactions both use); SQL stays inside the records room.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from contextlib import AbstractContextManager
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine
from supforms.pipeline.records import deliveries
from supforms.pipeline.records.chain import GENESIS
from supforms.pipeline.records.deliveries import DeliveryRow, Unreturned
from supforms.pipeline.records.folding import fold, folded
from supforms.pipeline.records.proof import Head
from supforms.pipeline.records.tables import audit, imap_seen, meta, records
from supforms.schemas.errors import StoreError

__all__ = ["StoreQueries"]


class StoreQueries:
    """The reading half of ``RecordStore``: every query a command or report asks."""

    engine: Engine
    dialect: str

    if TYPE_CHECKING:

        def _reading(self, doing: str) -> AbstractContextManager[Connection]: ...

    # -- reading -------------------------------------------------------------
    def deliveries_of(self, document_ids: list[str]) -> list[DeliveryRow]:
        """Every state of every message of these copies, in the order they were kept."""
        with self._reading("reading deliveries") as connection:
            return deliveries.select_deliveries(connection, document_ids)

    def issued_pdf(self, document_id: str) -> bytes | None:
        """A delivered copy's bytes as issued (None: none kept); a changed one is refused."""
        with self._reading("reading an issued copy") as connection:
            return deliveries.issued_pdf(connection, document_id)

    def issued_copies(self, document_ids: list[str]) -> dict[str, dict[str, Any]]:
        """Issued copies not forgotten, by document id: file, form, version, prefill, issue."""
        with self._reading("reading issued copies") as connection:
            return deliveries.issued_copies(connection, document_ids)

    def forgotten_copies(self, document_ids: list[str]) -> set[str]:
        """Which of these issued copies a purge forgot."""
        with self._reading("reading issued copies") as connection:
            return deliveries.forgotten_copies(connection, document_ids)

    def unreturned(
        self, form: str | None = None, issued_before: datetime | None = None
    ) -> list[Unreturned]:
        """The outstanding copies (``deliveries.unreturned``: the one definition), oldest first."""
        with self._reading("finding the copies not returned") as connection:
            return deliveries.unreturned(connection, form, issued_before)

    def renewals_of(self, record_ids: list[int]) -> dict[int, str]:
        """The copy renewing each of ``record_ids`` (renewed more than once: the last)."""
        with self._reading("finding renewals") as connection:
            return deliveries.renewals_of(connection, record_ids)

    def renewal_links(
        self, record_id: int, document_id: str | None
    ) -> tuple[int | None, list[tuple[str, datetime]]]:
        """The record this one's copy renewed, and the copies renewing it."""
        with self._reading("reading renewals") as connection:
            return deliveries.renewal_links(connection, record_id, document_id)

    def select(
        self,
        *,
        form: str | None = None,
        status: str | None = None,
        person: str | None = None,
        team: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        ids: list[int] | None = None,
    ) -> sa.Select[Any]:
        query = sa.select(
            records.c.id,
            records.c.form,
            records.c.version,
            records.c.document_id,
            records.c.status,
            records.c.supervisee,
            records.c.supervisor,
            records.c.team,
            records.c.case_reference,
            records.c.source_name,
            records.c.received_at,
            records.c.sha256,
        )
        if ids is not None:
            query = query.where(records.c.id.in_(ids))
        if form:
            query = query.where(records.c.form == form)
        if status:
            query = query.where(records.c.status == status)
        if person:
            # Part of a name, in any case, with or without accents; a % or _ is only itself.
            pattern = "%" + re.sub(r"([\\%_])", r"\\\1", fold(person)) + "%"
            query = query.where(
                sa.or_(
                    folded(records.c.supervisee, self.dialect).like(pattern, escape="\\"),
                    folded(records.c.supervisor, self.dialect).like(pattern, escape="\\"),
                )
            )
        if team:
            query = query.where(self._lower(records.c.team) == team.lower())
        if since:
            query = query.where(records.c.received_at >= since)
        if until:
            query = query.where(records.c.received_at < until)
        return query.order_by(records.c.id)

    def _lower(self, column: sa.Column[Any]) -> sa.ColumnElement[Any]:
        """``column`` in lower case, every letter: SQLite's own ``lower()`` knows only ASCII."""
        if self.dialect == "postgresql":
            return sa.func.lower(column)
        return sa.func.supforms_lower(column)

    def rows(self, query: sa.Select[Any]) -> Iterator[dict[str, Any]]:
        with self._reading("reading records") as connection:
            for row in connection.execute(query).mappings():
                item = dict(row)
                if isinstance(item.get("received_at"), datetime):
                    item["received_at"] = item["received_at"].replace(tzinfo=UTC).isoformat()
                yield item

    def find(self, **filters: Any) -> list[dict[str, Any]]:
        """The records that match ``filters`` (form, status, person, team, since, until)."""
        return list(self.rows(self.select(**filters)))

    def record(self, record_id: int) -> tuple[dict[str, Any], bytes, str]:
        """One record's ingest JSON, original bytes and SHA-256."""
        with self._reading("reading a record") as connection:
            row = connection.execute(
                sa.select(records.c.result, records.c.pdf, records.c.sha256).where(
                    records.c.id == record_id
                )
            ).one_or_none()
        if row is None:
            raise StoreError(f"no record {record_id}")
        return json.loads(row.result), bytes(row.pdf), row.sha256

    def web_secret(self) -> bytes:
        """The store's secret for signing the web face's cookies and forms (made at v8)."""
        with self._reading("reading the store's secret") as connection:
            value = connection.execute(
                sa.select(meta.c.value).where(meta.c.key == "web_secret")
            ).scalar_one()
        return bytes.fromhex(value)

    def head(self) -> Head:
        """The audit chain's last line, to note down outside the store."""
        with self._reading("reading the audit log") as connection:
            last = connection.execute(
                sa.select(audit.c.id, audit.c.hash).order_by(audit.c.id.desc()).limit(1)
            ).one_or_none()
        return Head(last.id, last.hash) if last is not None else Head(0, GENESIS)

    def outstanding(self, form: str | None = None) -> list[dict[str, Any]]:
        """Issued copies not yet back complete, wherever made or sent from, oldest first.

        The same copies ``remind`` chases (``unreturned``): ``status`` says
        ``outstanding`` (nothing back) or what its latest return was (``incomplete``,
        ``invalid``); ``emailed`` whether it went by email. A copy a purge has
        forgotten is accounted for: its return, if any, is gone.
        """
        return [
            {
                "document_id": copy.document_id,
                "form": copy.form,
                "version": copy.version,
                "recipient": copy.recipient or None,
                "file": copy.file,
                "issued_at": copy.issued_at.isoformat(),
                "status": copy.status,
                "emailed": copy.emailed,
            }
            for copy in self.unreturned(form)
        ]

    # -- messages taken from a mailbox (intake.imap) ----------------------------------
    def messages_taken(self, mailbox: str, uidvalidity: int) -> set[int]:
        """The UIDs of the messages taken from ``mailbox`` while its UIDVALIDITY was this."""
        query = sa.select(imap_seen.c.uid).where(
            imap_seen.c.mailbox == mailbox, imap_seen.c.uidvalidity == uidvalidity
        )
        with self._reading("reading which messages were taken") as connection:
            return {int(uid) for uid in connection.execute(query).scalars()}

    def audit_log(self) -> list[dict[str, Any]]:
        return list(self.rows(sa.select(audit).order_by(audit.c.id)))

    def audit_lines(
        self, *, since: int = 0, record_ids: list[int] | None = None
    ) -> Iterator[dict[str, Any]]:
        """Audit lines in id order: from line ``since`` on, or those naming ``record_ids``."""
        query = sa.select(audit).where(audit.c.id >= since).order_by(audit.c.id)
        if record_ids is not None:
            query = query.where(audit.c.record_id.in_(record_ids))
        return self.rows(query)
