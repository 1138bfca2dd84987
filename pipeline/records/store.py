"""The records store: every return's original bytes and JSON, the issued copies, the audit log.

SQLAlchemy Core, and only constructs SQLite and PostgreSQL both accept. A record
is keyed by the SHA-256 of its original PDF, so archiving the same bytes twice
(from a re-run, or from two processes at once) keeps one record: the database's
unique constraint decides, inside each file's own transaction. The schema is
versioned: ``supforms.pipeline.records.tables.MIGRATIONS`` upgrades an older store in place when it
is opened.
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine
from supforms.pipeline.records import deliveries
from supforms.pipeline.records.chain import GENESIS, state_detail
from supforms.pipeline.records.deliveries import FORGOTTEN, DeliveryRow, Unreturned
from supforms.pipeline.records.faults import (
    failed,
    missing,
    opening_failed,
    refused,
    sqlite_file,
)
from supforms.pipeline.records.proof import Head, Verification, verify_store
from supforms.pipeline.records.tables import (
    actor,
    append_line,
    audit,
    imap_seen,
    issued,
    meta,
    migrate,
    records,
)
from supforms.pipeline.records.urls import check_store_url
from supforms.pipeline.result import IngestResult
from supforms.schemas.errors import StoreError

__all__ = [
    "DEFAULT_STORE",
    "FORGOTTEN",
    "DeliveryRow",
    "Purged",
    "RecordStore",
    "Stored",
    "Unreturned",
    "open_store",
    "store_url",
]

DEFAULT_STORE = "sqlite:///output/records.db"


def store_url(option: str | None) -> str:
    """``--store``, else ``SUPFORMS_STORE``, else the SQLite file under ``output/``."""
    return option or os.environ.get("SUPFORMS_STORE") or DEFAULT_STORE


def _now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Purged:
    """What a purge removed: records, forgotten copies, and the SHA-256 of each record."""

    records: int
    copies: int
    sha256: tuple[str, ...]
    compacted: bool = True  # False: a reader kept SQLite's write-ahead log from being emptied


@dataclass(frozen=True)
class Stored:
    id: int
    inserted: bool
    result: IngestResult


def _facts(result: IngestResult) -> dict[str, Any]:
    """Who and what a return concerns, for finding it later: as its form declares it."""
    # Only archiving needs the forms: a command that reads the store starts without them.
    from supforms.schemas.declaration import value_at
    from supforms.schemas.registry import declaration_of

    declaration = declaration_of(result.form)
    data = result.data or {}
    if declaration is None:
        return dict.fromkeys(("supervisee", "supervisor", "team", "case_reference", "dated_on"))

    def text(path: str | None) -> str | None:
        value = value_at(data, path) if path else None
        return str(value)[:200] if value not in (None, "") else None

    concerns = declaration.concerns
    dated = value_at(data, declaration.dated) if declaration.dated else None
    return {
        "supervisee": text(concerns.supervisee),
        "supervisor": text(concerns.supervisor),
        "team": text(concerns.team),
        "case_reference": text(concerns.case),
        "dated_on": date.fromisoformat(dated) if isinstance(dated, str) else None,
    }


class RecordStore:
    """One records store, SQLite or PostgreSQL, opened (and upgraded) by URL."""

    def __init__(self, engine: Engine, url: str) -> None:
        self.engine = engine
        self.url = url
        self.dialect = engine.dialect.name

        # One round trip for what archiving asks about a document id: how it was issued,
        # and how many other returns of it are kept.
        def issued_column(column: sa.Column[Any]) -> sa.ScalarSelect[Any]:
            return (
                sa.select(column)
                .where(issued.c.document_id == sa.bindparam("document_id"))
                .scalar_subquery()
            )

        self._issue_facts = sa.select(
            issued_column(issued.c.prefill).label("prefill"),
            issued_column(issued.c.form).label("form"),
            issued_column(issued.c.version).label("version"),
            sa.select(sa.func.count())
            .where(
                records.c.document_id == sa.bindparam("document_id"),
                records.c.sha256 != sa.bindparam("sha256"),
                records.c.status.notin_(["rejected", "duplicate"]),
            )
            .scalar_subquery()
            .label("earlier"),
        )
        self._writer: Connection | None = None

    @functools.cached_property
    def _insert_record(self) -> sa.Insert:
        """The archive's INSERT … ON CONFLICT DO NOTHING, built once per store.

        Constructing statements costs more than running them on SQLite; the dialects'
        own INSERT is imported here, as only archiving needs it.
        """
        from sqlalchemy.dialects import postgresql, sqlite

        insert = (postgresql.insert if self.dialect == "postgresql" else sqlite.insert)(records)
        return insert.on_conflict_do_nothing(index_elements=["sha256"]).returning(records.c.id)

    def close(self) -> None:
        """Close the store's connections (it opens new ones if used again).

        Call it before forking: a child must not share its parent's connections.
        """
        if self._writer is not None:
            self._writer.close()
            self._writer = None
        self.engine.dispose()

    def __enter__(self) -> RecordStore:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    # -- writing -------------------------------------------------------------
    def archive(
        self,
        result: IngestResult,
        pdf: bytes,
        check_issue: Callable[[IngestResult, dict[str, Any] | None, int], None] | None = None,
    ) -> Stored:
        """Keep one return, atomically; the same bytes again keep the first.

        ``check_issue(result, prefill, earlier)`` runs first, for a return with a
        document id: ``prefill`` is what that copy was issued with (None if it was
        not issued from this store), ``earlier`` how many other returns of it are
        kept. It may add problems to ``result``.

        The record and its archive line (records.chain) are one transaction, or
        nothing: on PostgreSQL one statement, whose trigger writes the line; on
        SQLite the store writes it, holding the write lock from the start. (Reading
        the facts in the same transaction would not make them any fresher: each
        statement of a READ COMMITTED transaction sees what was committed when it
        began.)
        """
        sha = result.sha256
        with self._archiving() as connection:
            if check_issue is not None and result.document_id:
                document = {"document_id": result.document_id, "sha256": sha}
                facts = connection.execute(self._issue_facts, document).one()
                if facts.form is not None and not result.form:
                    # A scan says only its document id: the registry says what it is.
                    result.form, result.version = facts.form, facts.version
                prefill = json.loads(facts.prefill) if facts.prefill is not None else None
                check_issue(result, prefill, int(facts.earlier or 0))
            row = {
                "sha256": sha,
                "pdf": pdf,
                "result": json.dumps(result.as_json(), ensure_ascii=False),
                "form": result.form,
                "version": result.version,
                "document_id": result.document_id,
                "status": result.status,
                "source_name": result.filename[:500],
                "received_at": _now(),
                "archived_by": actor(),
                **_facts(result),
            }
            with self._chained(connection):
                new_id = connection.execute(self._insert_record, row).scalar()
                if new_id is not None and self.dialect != "postgresql":
                    detail = state_detail(sha, row["result"], row["status"])
                    append_line(connection, "archive", new_id, detail, row["received_at"])
            if new_id is not None:
                return Stored(int(new_id), True, result)
            found = connection.execute(
                sa.select(records.c.id, records.c.result).where(records.c.sha256 == sha)
            ).one()
        return Stored(int(found.id), False, IngestResult.from_json(json.loads(found.result)))

    def register(self, copies: list[dict[str, Any]]) -> int:
        """Record issued copies (from ``generate`` or its manifest); returns how many were new."""
        new = 0
        with self._begin("registering issued copies") as connection:
            known = set(
                connection.execute(
                    sa.select(issued.c.document_id).where(
                        issued.c.document_id.in_([c["document_id"] for c in copies])
                    )
                ).scalars()
            )
            for copy in copies:
                if copy["document_id"] in known:
                    continue
                known.add(copy["document_id"])  # listed twice (a manifest appended to twice)
                connection.execute(
                    issued.insert().values(
                        document_id=copy["document_id"],
                        form=copy["form"],
                        version=copy["version"],
                        file=copy["file"],
                        recipient=copy.get("recipient"),
                        renews=copy.get("renews"),
                        issued_at=datetime.fromisoformat(copy["issued_at"]),
                        prefill=json.dumps(copy.get("prefill") or {}, ensure_ascii=False),
                    )
                )
                new += 1
            if new:
                self._audit(connection, "issue", None, {"copies": new})
        return new

    def _audit(
        self, connection: Connection, action: str, record_id: int | None, detail: dict[str, Any]
    ) -> None:
        """Append one line to the hash-chained audit log, in ``connection``'s transaction."""
        append_line(connection, action, record_id, detail)

    def update_result(self, record_id: int, result: IngestResult, action: str) -> None:
        """Replace a record's JSON and status (a transcription of a scan); audited.

        The audit line states the record anew (PDF hash, result hash, status):
        ``verify`` holds the record to its latest such line.
        """
        text = json.dumps(result.as_json(), ensure_ascii=False)
        with self._begin("updating a record") as connection:
            sha = connection.execute(
                records.update()
                .where(records.c.id == record_id)
                .values(
                    result=text,
                    status=result.status,
                    form=result.form,
                    version=result.version,
                    **_facts(result),
                )
                .returning(records.c.sha256)
            ).scalar_one()
            self._audit(connection, action, record_id, state_detail(sha, text, result.status))

    def log(self, action: str, detail: dict[str, Any], record_id: int | None = None) -> None:
        """Append one line to the audit log (exports, verifications, purges)."""
        with self._begin("writing an audit line") as connection:
            self._audit(connection, action, record_id, detail)

    def audit_read(self, how: str, ids: list[int], **detail: Any) -> None:
        """Note who read which records (ids, never values); the actor is on the line.

        Called before anything is shown: a read the log cannot record is refused.
        """
        try:
            self.log("read", {"how": how, "records": ids, **detail})
        except StoreError as exc:
            raise StoreError(f"this read could not be audited, so nothing is shown: {exc}") from exc

    def record_delivery(self, delivery: DeliveryRow, pdf: bytes | None = None) -> None:
        """Keep one state of one message (as ``delivery.jsonl`` gets its line).

        ``pdf``: the copy's bytes, kept once per copy, for reminders sent from elsewhere.
        """
        with self._begin("keeping a delivery") as connection:
            deliveries.add_delivery(connection, delivery, pdf)

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

    def unreturned(
        self,
        form: str | None,
        issued_before: datetime,
        done: tuple[str, ...],
        to_fix: tuple[str, ...],
    ) -> list[Unreturned]:
        """Copies issued before then with no return in ``done``; their latest in ``to_fix``."""
        with self._reading("finding the copies not returned") as connection:
            return deliveries.unreturned(connection, form, issued_before, done, to_fix)

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
        if form:
            query = query.where(records.c.form == form)
        if status:
            query = query.where(records.c.status == status)
        if person:
            # Part of a name, in any case; a % or _ in it is only itself.
            pattern = "%" + re.sub(r"([\\%_])", r"\\\1", person.lower()) + "%"
            query = query.where(
                sa.or_(
                    self._lower(records.c.supervisee).like(pattern, escape="\\"),
                    self._lower(records.c.supervisor).like(pattern, escape="\\"),
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

    def verify(self, expect_head: str | None = None) -> Verification:
        """Hold the store to its audit chain (records.chain); every finding, named.

        Re-hashes every stored PDF, checks every record against its latest state
        line, the chain from its first line to its last, and (with
        ``expect_head``) that the chain still leads through that hash. Reads one
        snapshot, so an ingest running meanwhile is no finding. Leaves an audit
        line saying what it found, when the role may write one (an auditor may not).
        """
        with self._snapshot() as connection:
            report = verify_store(connection, expect_head)
        detail = {
            "checked": report.pdfs,
            "lines": report.lines,
            "head": report.head.hash,
            "findings": len(report.findings),
        }
        try:
            self.log("verify", detail)
        except StoreError as exc:
            cause = exc.__cause__
            if not (isinstance(cause, sa.exc.DBAPIError) and is_refusal(cause)):
                raise  # a read-only role may not write the line; anything else is a failure
        return report

    def head(self) -> Head:
        """The audit chain's last line, to note down outside the store."""
        with self._reading("reading the audit log") as connection:
            last = connection.execute(
                sa.select(audit.c.id, audit.c.hash).order_by(audit.c.id.desc()).limit(1)
            ).one_or_none()
        return Head(last.id, last.hash) if last is not None else Head(0, GENESIS)

    def outstanding(self) -> list[dict[str, Any]]:
        """Issued copies with no return (rejected and duplicate returns do not count).

        A copy a purge has forgotten is accounted for: its return, if any, is gone.
        """
        returned = sa.select(records.c.document_id).where(
            records.c.status.notin_(["rejected", "duplicate"]),
            records.c.document_id.is_not(None),
        )
        query = (
            sa.select(
                issued.c.document_id,
                issued.c.form,
                issued.c.version,
                issued.c.recipient,
                issued.c.file,
                issued.c.issued_at,
            )
            .where(issued.c.document_id.notin_(returned), issued.c.prefill != FORGOTTEN)
            .order_by(issued.c.issued_at)
        )
        return list(self.rows(query))

    def purge(self, before: datetime) -> Purged:
        """Forget the records received before ``before``, and the copies of that period.

        A retention schedule: each record goes with its PDF and JSON, and leaves one
        audit line with its id and SHA-256 (never a name). An issued copy of the
        period (issued before ``before``, or returned by a record purged now) keeps
        its document id, form, version and date, but loses its prefilled values,
        recipient and file name, and is no longer outstanding; a copy whose return
        is kept stays as it is. SQLite then rewrites its file (``VACUUM``), so the
        deleted bytes are not left in free pages or in the write-ahead log.
        """
        with self._begin("purging") as connection:
            gone = connection.execute(
                sa.select(records.c.id, records.c.sha256, records.c.document_id)
                .where(records.c.received_at < before)
                .order_by(records.c.id)
            ).all()
            ids = [row.id for row in gone]
            for start in range(0, len(ids), 500):
                connection.execute(
                    records.delete().where(records.c.id.in_(ids[start : start + 500]))
                )
            for row in gone:
                self._audit(connection, "purge", row.id, {"sha256": row.sha256})
            kept = sa.select(records.c.document_id).where(records.c.document_id.is_not(None))
            forget = (
                issued.update()
                .where(issued.c.prefill != FORGOTTEN, issued.c.document_id.notin_(kept))
                .values(prefill=FORGOTTEN, recipient=None, file="")
            )
            copies = connection.execute(forget.where(issued.c.issued_at < before)).rowcount
            returned = sorted({row.document_id for row in gone if row.document_id})
            for start in range(0, len(returned), 500):  # a statement's parameters are limited
                chunk = returned[start : start + 500]
                copies += connection.execute(forget.where(issued.c.document_id.in_(chunk))).rowcount
            deliveries.forget_deliveries(connection)
        compacted = self._compact() if self.dialect == "sqlite" else True
        return Purged(len(gone), int(copies), tuple(row.sha256 for row in gone), compacted)

    def _compact(self) -> bool:
        """Rewrite the SQLite file without its free pages, and empty the write-ahead log.

        False if another process, reading, kept the log from being emptied.
        """
        self.close()  # no connection of ours may hold a read open on the old pages
        try:
            with self.engine.connect().execution_options(
                isolation_level="AUTOCOMMIT"
            ) as connection:
                connection.exec_driver_sql("VACUUM")
                # A reader that has not finished in a few seconds is not waited for: the
                # caller hears of it, and purges again later.
                connection.exec_driver_sql("PRAGMA busy_timeout=5000")
                busy = connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)").one()[0]
        except sa.exc.OperationalError as exc:
            raise StoreError(
                f"records purged, but the file could not be rewritten: {exc.orig}"
            ) from exc
        finally:
            self.engine.dispose()
        return not busy

    # -- messages taken from a mailbox (intake.imap) ----------------------------------
    def messages_taken(self, mailbox: str, uidvalidity: int) -> set[int]:
        """The UIDs of the messages taken from ``mailbox`` while its UIDVALIDITY was this."""
        query = sa.select(imap_seen.c.uid).where(
            imap_seen.c.mailbox == mailbox, imap_seen.c.uidvalidity == uidvalidity
        )
        with self._reading("reading which messages were taken") as connection:
            return {int(uid) for uid in connection.execute(query).scalars()}

    def message_taken(self, mailbox: str, uidvalidity: int, uid: int, outcome: str) -> None:
        """Remember one message taken, so no later run reads it again."""
        row = {
            "mailbox": mailbox,
            "uidvalidity": uidvalidity,
            "uid": uid,
            "outcome": outcome[:32],
            "at": _now(),
        }
        with self._begin("remembering a message taken") as connection:
            connection.execute(imap_seen.insert().values(**row))

    def audit_log(self) -> list[dict[str, Any]]:
        return list(self.rows(sa.select(audit).order_by(audit.c.id)))

    # -- plumbing ------------------------------------------------------------
    @contextlib.contextmanager
    def _reading(self, doing: str) -> Iterator[Connection]:
        """A connection to read with; a database failure is a ``StoreError`` saying ``doing``."""
        try:
            with self.engine.connect() as connection:
                yield connection
        except sa.exc.SQLAlchemyError as exc:
            raise failed(doing, exc) from exc

    @contextlib.contextmanager
    def _snapshot(self) -> Iterator[Connection]:
        """One read-only view of the whole store, however long the reading takes."""
        with self._reading("verifying") as connection:
            if self.dialect == "postgresql":
                connection = connection.execution_options(
                    isolation_level="REPEATABLE READ", stream_results=True
                )
            else:
                connection.exec_driver_sql("BEGIN")  # WAL: one snapshot from the first read
            yield connection

    @contextlib.contextmanager
    def _chained(self, connection: Connection) -> Iterator[None]:
        """On SQLite, an explicit transaction holding the write lock from its start.

        The audit line's hash needs the last line, which must stay the last until
        the commit. PostgreSQL's trigger takes its own lock (supforms.pipeline.records.tables).
        """
        if self.dialect == "postgresql":
            yield
            return
        connection.exec_driver_sql("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            if connection.connection.dbapi_connection.in_transaction:  # type: ignore[union-attr]
                connection.exec_driver_sql("ROLLBACK")
            raise
        connection.exec_driver_sql("COMMIT")

    @contextlib.contextmanager
    def _archiving(self) -> Iterator[Connection]:
        """The connection kept for archiving (one per process), each statement committed.

        A batch archives thousands of files: taking a pooled connection for each,
        and a BEGIN and COMMIT round trip around each, cost more than the work.
        """
        try:
            if self._writer is None:
                self._writer = self.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
            with _refusals():
                yield self._writer
        except sa.exc.SQLAlchemyError as exc:
            invalid = isinstance(exc, sa.exc.DBAPIError) and exc.connection_invalidated
            if self._writer is not None and (invalid or isinstance(exc, sa.exc.OperationalError)):
                self._writer.close()  # the next archive starts on a fresh connection
                self._writer = None
            raise failed("archiving", exc) from exc

    @contextlib.contextmanager
    def _begin(self, doing: str = "writing") -> Iterator[Connection]:
        """A write transaction; on SQLite it holds the write lock from the start.

        Every write ends with an audit line, whose hash needs the last line: that
        line must stay the last until the commit (supforms.pipeline.records.tables.append_line).
        A database failure is a ``StoreError`` saying ``doing``; a refusal says so.
        """
        try:
            with self.engine.connect() as connection, _refusals(), connection.begin():
                if self.dialect != "postgresql":
                    connection.exec_driver_sql("BEGIN IMMEDIATE")
                yield connection
        except sa.exc.SQLAlchemyError as exc:
            raise failed(doing, exc) from exc


@contextlib.contextmanager
def _refusals() -> Iterator[None]:
    """A write the connected role may not make is a StoreError, saying so."""
    try:
        yield
    except sa.exc.DBAPIError as exc:
        if not is_refusal(exc):
            raise
        raise refused(exc) from exc


def is_refusal(exc: sa.exc.DBAPIError) -> bool:
    """Whether the database refused for want of a privilege (PostgreSQL SQLSTATE 42501)."""
    return getattr(exc.orig, "sqlstate", None) == "42501"


def _sqlite_pragmas(connection: Any, _record: Any) -> None:
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    # What is deleted (a purge) is overwritten with zeros, not left in free pages.
    cursor.execute("PRAGMA secure_delete=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()
    # Python's lower(), as PostgreSQL's lower() does for every letter (Ł, Ä, Ω, Ж).
    connection.create_function(
        "supforms_lower",
        1,
        lambda text: text.lower() if isinstance(text, str) else text,
        deterministic=True,
    )


def _reading_url(url: sa.URL) -> sa.URL:
    """``url`` opened read-write but never created (SQLite's ``mode=rw``), whatever happens.

    The file is checked first (``faults.sqlite_file``); this keeps a file deleted
    meanwhile, or a connection made again later, from making an empty one.
    """
    if not url.database or url.database == ":memory:" or "uri" in url.query:
        return url
    where = quote(str(Path(url.database).absolute()))
    return url.set(database=f"file:{where}").update_query_dict({"mode": "rw", "uri": "true"})


def _holds_store(url: sa.URL) -> bool:
    """Whether the database at ``url`` has the store's tables, asked without writing to it.

    (The store's own connections turn a SQLite file to WAL: a write, even to a file
    that is no store.)
    """
    probe = sa.create_engine(url, poolclass=sa.pool.NullPool)
    try:
        return sa.inspect(probe).has_table(meta.name)
    finally:
        probe.dispose()


def open_store(url: str, *, create: bool = True) -> RecordStore:
    """The store at ``url`` (``sqlite:///…`` or ``postgresql://…``), upgraded to this version.

    With ``create`` (a command that writes: ingest, generate, register) a missing
    store is made. Without it (a command that reads) a missing one is a
    ``StoreError`` and nothing is made: no file, folder or table.
    """
    given = parsed = check_store_url(url)
    if parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    sqlite_store = parsed.drivername.startswith("sqlite")
    if sqlite_store and parsed.database and parsed.database != ":memory:":
        sqlite_file(parsed.database, create=create)
    target = _reading_url(parsed) if sqlite_store and not create else parsed
    try:
        if not create and not _holds_store(target):
            raise missing(given)
        if sqlite_store:
            # Several processes may archive at once: wait for the lock, and let readers
            # read while one writes (WAL).
            engine = sa.create_engine(target, connect_args={"timeout": 60})
            sa.event.listen(engine, "connect", _sqlite_pragmas)
        else:
            engine = sa.create_engine(target)
        try:
            migrate(engine)
        except BaseException:
            engine.dispose()
            raise
    except sa.exc.NoSuchModuleError as exc:
        raise StoreError(f"no database driver for {parsed.drivername}") from exc
    except sa.exc.SQLAlchemyError as exc:
        raise opening_failed(given, exc) from exc
    return RecordStore(engine, url)
