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
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine
from supforms.pipeline.records import deliveries
from supforms.pipeline.records.chain import row_state
from supforms.pipeline.records.checkpoints import Checkpointer
from supforms.pipeline.records.deliveries import FORGOTTEN, DeliveryRow, Unreturned
from supforms.pipeline.records.faults import (
    failed,
    refused,
)
from supforms.pipeline.records.proof import Verification, expected_head, verify_store
from supforms.pipeline.records.purging import Purged, StorePurging
from supforms.pipeline.records.queries import StoreQueries
from supforms.pipeline.records.return_links import StoreReturnLinks
from supforms.pipeline.records.tables import (
    actor,
    append_line,
    imap_seen,
    issued,
    records,
)
from supforms.pipeline.records.web_store import StoreWeb
from supforms.pipeline.result import IngestResult
from supforms.schemas.errors import StoreError

__all__ = [
    "FORGOTTEN",
    "DeliveryRow",
    "Purged",
    "RecordStore",
    "Stored",
    "Unreturned",
]


def _now() -> datetime:
    return datetime.now(UTC)


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


class RecordStore(StoreQueries, StorePurging, StoreWeb, StoreReturnLinks):
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
        # Threads (the web face's) share one store: the archiving connection is one
        # thread's at a time. The engine's pool is thread-safe; connections are not.
        self._writer_lock = threading.RLock()
        self._checkpointer: Checkpointer | None = None  # SQLite: the archive's WAL copied aside

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
        with self._writer_lock:
            self._close_writer()
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
                    append_line(connection, "archive", new_id, row_state(row), row["received_at"])
            if new_id is not None:
                if self._checkpointer is not None:
                    self._checkpointer.archived(len(pdf))
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

        The audit line states the record anew (PDF hash, result hash, status and
        every other column, records.chain.row_state): ``verify`` holds the record
        to its latest such line.
        """
        text = json.dumps(result.as_json(), ensure_ascii=False)
        with self._begin("updating a record") as connection:
            stored = connection.execute(
                records.update()
                .where(records.c.id == record_id)
                .values(
                    result=text,
                    status=result.status,
                    form=result.form,
                    version=result.version,
                    **_facts(result),
                )
                .returning(*records.c)
            ).one()
            self._audit(connection, action, record_id, row_state(stored._mapping))

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

    def verify(self, expect_head: str | None = None) -> Verification:
        """Hold the store to its audit chain (records.chain); every finding, named.

        Re-hashes every stored PDF, checks every record against the state its
        lines give it (records.story: every column), the chain from its first
        line to its last, and (with ``expect_head``, as ``proof.expected_head``
        reads it: a ``SettingError`` if it is no head) that the chain still leads
        through that hash. Reads one
        snapshot, so an ingest running meanwhile is no finding. Leaves an audit
        line saying what it found, when the role may write one (an auditor may not).
        """
        expect_head = expected_head(expect_head)  # a usage error before anything is read
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

    # -- plumbing ------------------------------------------------------------
    @contextlib.contextmanager
    def _reading(self, doing: str) -> Iterator[Connection]:
        """A connection to read with; a database failure is a ``StoreError`` saying ``doing``."""
        try:
            with self.engine.connect() as connection:
                yield connection
        except sa.exc.SQLAlchemyError as exc:
            raise failed(doing, exc, self.url) from exc

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
        with self._writer_lock:
            try:
                if self._writer is None:
                    self._writer = self.engine.connect().execution_options(
                        isolation_level="AUTOCOMMIT"
                    )
                    database = self.engine.url.database
                    if self.dialect == "sqlite" and database not in (None, ":memory:"):
                        self._checkpointer = Checkpointer(self.engine, self._writer)
                with _refusals():
                    yield self._writer
            except sa.exc.SQLAlchemyError as exc:
                invalid = isinstance(exc, sa.exc.DBAPIError) and exc.connection_invalidated
                if self._writer is not None and (
                    invalid or isinstance(exc, sa.exc.OperationalError)
                ):
                    self._close_writer()  # the next archive starts on a fresh connection
                raise failed("archiving", exc, self.url) from exc

    def _close_writer(self) -> None:
        """Stop the checkpoint thread, then close the archiving connection."""
        if self._checkpointer is not None:
            self._checkpointer.close()
            self._checkpointer = None
        if self._writer is not None:
            self._writer.close()
            self._writer = None

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
            raise failed(doing, exc, self.url) from exc


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
