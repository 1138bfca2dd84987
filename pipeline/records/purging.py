"""Forgetting by date: a retention schedule carried out, and the SQLite file rewritten."""

from __future__ import annotations

from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine
from supforms.pipeline.records import deliveries
from supforms.pipeline.records.chain import row_state
from supforms.pipeline.records.deliveries import FORGOTTEN
from supforms.pipeline.records.tables import issued, records
from supforms.schemas.errors import StoreError

__all__ = ["Purged", "StorePurging"]


@dataclass(frozen=True)
class Purged:
    """What a purge removed: records, forgotten copies, and the SHA-256 of each record."""

    records: int
    copies: int
    sha256: tuple[str, ...]
    compacted: bool = True  # False: a reader kept SQLite's write-ahead log from being emptied


class StorePurging:
    """The part of ``RecordStore`` that forgets what a retention schedule says to."""

    engine: Engine
    dialect: str

    if TYPE_CHECKING:

        def _begin(self, doing: str = ...) -> AbstractContextManager[Connection]: ...

        def _audit(
            self, connection: Connection, action: str, record_id: int | None, detail: Any
        ) -> None: ...

        def close(self) -> None: ...

    def purge(self, before: datetime) -> Purged:
        """Forget the records received before ``before``, and the copies of that period.

        A retention schedule: each record goes with its PDF and JSON, and leaves one
        audit line with its id, SHA-256 and what it was (records.chain.row_state:
        digests, never a name), so ``verify`` tells this purge from a bare deletion.
        An issued copy of the period (issued before ``before``, or returned by a
        record purged now) keeps its document id, form, version and date, but loses
        its prefilled values, recipient and file name, and is no longer outstanding;
        a copy whose return is kept stays as it is. SQLite then rewrites its file
        (``VACUUM``), so the deleted bytes are not left in free pages or in the
        write-ahead log.
        """
        with self._begin("purging") as connection:
            gone = connection.execute(
                sa.select(records.c.id, records.c.sha256, records.c.document_id)
                .where(records.c.received_at < before)
                .order_by(records.c.id)
            ).all()
            ids = [row.id for row in gone]
            for start in range(0, len(ids), 50):  # each state needs its PDF: a few at a time
                chunk = ids[start : start + 50]
                for row in connection.execute(
                    sa.select(records).where(records.c.id.in_(chunk)).order_by(records.c.id)
                ).all():
                    self._audit(connection, "purge", row.id, row_state(row._mapping))
            for start in range(0, len(ids), 500):
                connection.execute(
                    records.delete().where(records.c.id.in_(ids[start : start + 500]))
                )
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
