"""Opening a records store by URL: made when a command writes, only opened when it reads.

``--store``, else ``SUPFORMS_STORE``, else the SQLite file under ``output/``
(contract 8). A store is upgraded to this version's tables as it is opened.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any
from urllib.parse import quote

import sqlalchemy as sa
from supforms.pipeline.records.faults import missing, opening_failed
from supforms.pipeline.records.folding import fold
from supforms.pipeline.records.store import RecordStore
from supforms.pipeline.records.store_file import sqlite_file
from supforms.pipeline.records.tables import meta, migrate
from supforms.pipeline.records.urls import check_store_url
from supforms.schemas.errors import SettingError, StoreError

__all__ = ["BUSY_SECONDS", "DEFAULT_STORE", "busy_seconds", "open_store", "store_url"]

DEFAULT_STORE = "sqlite:///output/records.db"
"""The store when neither ``--store`` nor ``SUPFORMS_STORE`` names one."""


BUSY_SECONDS = 15.0
"""How long a SQLite store waits for another process's write lock (``SUPFORMS_STORE_TIMEOUT``)."""


def busy_seconds() -> float:
    """``SUPFORMS_STORE_TIMEOUT`` (seconds), else ``BUSY_SECONDS``.

    Several processes archive into one file by turns, each holding the lock for
    a moment; a lock held longer (a backup, an open ``sqlite3`` shell) is named
    after this wait, rather than waited on for ever.
    """
    given = os.environ.get("SUPFORMS_STORE_TIMEOUT", "").strip()
    if not given:
        return BUSY_SECONDS
    try:
        seconds = float(given)
    except ValueError:
        seconds = -1.0
    if not 0 < seconds <= 3600:
        raise SettingError(
            f"SUPFORMS_STORE_TIMEOUT is {given!r}: give the seconds to wait for a locked store "
            "(more than 0, at most 3600)"
        )
    return seconds


def store_url(option: str | None) -> str:
    """``--store``, else ``SUPFORMS_STORE``, else the SQLite file under ``output/``."""
    return option or os.environ.get("SUPFORMS_STORE") or DEFAULT_STORE


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
    # A name without its accents (Zoë is found as zoe), as queries.folded does on PostgreSQL.
    connection.create_function(
        "supforms_fold",
        1,
        lambda text: fold(text) if isinstance(text, str) else text,
        deterministic=True,
    )


def _reading_url(url: sa.URL) -> sa.URL:
    """``url`` opened read-write but never created (SQLite's ``mode=rw``), whatever happens.

    The file is checked first (``store_file.sqlite_file``); this keeps a file deleted
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
            # Several processes may archive at once: wait for the lock (a while, not for
            # ever), and let readers read while one writes (WAL).
            engine = sa.create_engine(target, connect_args={"timeout": busy_seconds()})
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
