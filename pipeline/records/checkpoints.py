"""A SQLite store's WAL copied into the database file beside the archiving, not in its way.

SQLite writes each archived PDF twice: into the write-ahead log at the commit,
then into the database file at the next checkpoint. By default the connection
that commits runs the checkpoint once the log passes 1,000 pages (4 MB), so
every thirtieth or so return waits for four megabytes to be copied: on 300
group records, the checkpoints were half of the archive's commit time.

While a batch archives, its connection checkpoints only when the log passes
``WAL_LIMIT`` pages; a thread of its own, on its own connection, runs a passive
checkpoint after every ``EVERY_BYTES`` archived, copying what is committed while
the next returns are read. What a commit makes durable, and when, is unchanged
(WAL, ``synchronous=NORMAL``): a checkpoint copies only committed pages, a
passive one never waits for or blocks a writer or a reader, and a process killed
mid-copy leaves the log whole, for the next connection to copy again. When the
archiving connection's own checkpoint finds everything copied already, the next
commit starts the log over: it stays under ``WAL_LIMIT`` pages and one return.
"""

from __future__ import annotations

import contextlib
import sqlite3
import threading

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

__all__ = ["EVERY_BYTES", "WAL_LIMIT", "Checkpointer"]

DEFAULT_LIMIT = 1000
"""SQLite's own ``wal_autocheckpoint``: pages before the committing connection checkpoints."""

EVERY_BYTES = 4 * 1024 * 1024
"""Bytes archived between the thread's checkpoints (SQLite's own default is 4 MB of pages)."""

WAL_LIMIT = 16384
"""Pages the log may hold before the archiving connection checkpoints itself (64 MB)."""


class Checkpointer:
    """The thread that copies the archive's log into the database file, and its connection."""

    def __init__(self, engine: Engine, writer: Connection) -> None:
        writer.exec_driver_sql(f"PRAGMA wal_autocheckpoint={WAL_LIMIT}")
        self._writer = writer
        self._engine = engine
        self._wake = threading.Event()
        self._stopping = False
        self._pending = 0
        self._thread = threading.Thread(target=self._run, name="supforms-checkpoint", daemon=True)
        self._thread.start()

    def archived(self, size: int) -> None:
        """``size`` more bytes are committed: wake the thread once enough are."""
        self._pending += size
        if self._pending >= EVERY_BYTES:
            self._pending = 0
            self._wake.set()

    def close(self) -> None:
        """Stop the thread (after the checkpoint it is running, if any).

        The archiving connection, back in the pool, checkpoints as SQLite does by default.
        """
        self._stopping = True
        self._wake.set()
        self._thread.join()
        with contextlib.suppress(sa.exc.SQLAlchemyError):  # a connection that failed: closed
            self._writer.exec_driver_sql(f"PRAGMA wal_autocheckpoint={DEFAULT_LIMIT}")

    def _run(self) -> None:
        connection = self._engine.raw_connection()
        try:
            while True:
                self._wake.wait()
                self._wake.clear()
                if self._stopping:
                    return
                # A failed copy loses nothing (the log keeps every page): the next one,
                # or the archiving connection's own, or the last connection's at its
                # close, copies it again.
                with contextlib.suppress(sqlite3.Error):
                    connection.driver_connection.execute("PRAGMA wal_checkpoint(PASSIVE)")
        finally:
            connection.close()
