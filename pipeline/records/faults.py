"""What goes wrong with a records store, worded once: each failure a ``StoreError``.

Every message says what is wrong and what to do, in one line, and never shows a
password (``urls``). The store (``store``), the preflight (``preflight``), the
retention schedule and the intake all raise these words; the command line only
prints them, with exit 1.

A command that reads the store opens it and never makes it: a SQLite file that
is not there is named, not created (nor its folder, nor its ``-wal`` and
``-shm``), and a PostgreSQL database without the store's tables is named, not
given them. A command that writes makes the store when it is missing.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa
from supforms.schemas.errors import StoreError

__all__ = [
    "CHECK",
    "failed",
    "missing",
    "opening_failed",
    "reason",
    "refused",
    "store_errors",
]

CHECK = "check --store or SUPFORMS_STORE"

# SQLite's words for a file it cannot read as a database, and what they mean to a person.
_SQLITE_SAYS = {
    "database is locked": (
        "another process holds it locked (database is locked): run again once it is done, "
        "or wait longer with SUPFORMS_STORE_TIMEOUT=SECONDS"
    ),
    "database or disk is full": (
        "the disk is full (database or disk is full): make room, then run again"
    ),
    "disk I/O error": (
        "it could not be written (disk I/O error: a full disk or a file-size limit?): "
        "make room, then run again"
    ),
    "file is not a database": f"it is not a SQLite database: {CHECK}",
    "database disk image is malformed": (
        "it is damaged (database disk image is malformed): restore it from a backup"
    ),
}


def reason(exc: BaseException) -> str:
    """The database's own words for ``exc``: its first line, at most 200 characters."""
    original = getattr(exc, "orig", None) or exc
    lines = str(original).strip().splitlines()
    return lines[0][:200] if lines else type(original).__name__


def _sqlite_meaning(exc: BaseException) -> str | None:
    said = reason(exc)
    return next((meant for words, meant in _SQLITE_SAYS.items() if words in said), None)


def refused(exc: sa.exc.DBAPIError) -> StoreError:
    """A write the connected role may not make (PostgreSQL SQLSTATE 42501)."""
    return StoreError(
        f"the records store refused: {reason(exc)} "
        "(changing or deleting records is for the store's owner role)"
    )


def failed(doing: str, exc: sa.exc.SQLAlchemyError, url: str | None = None) -> StoreError:
    """A database failure while ``doing`` something: what the database said, or what it means.

    With ``url`` the message names the store (never its password).
    """
    where = ""
    if url is not None:
        try:
            where = f" {shown(sa.make_url(url))}"
        except sa.exc.ArgumentError:
            where = ""
    said = _sqlite_meaning(exc) or reason(exc)
    return StoreError(f"records store{where} failed while {doing}: {said}")


@contextmanager
def store_errors(doing: str) -> Iterator[None]:
    """A database failure while ``doing`` something, as one ``StoreError`` line."""
    try:
        yield
    except sa.exc.SQLAlchemyError as exc:
        raise failed(doing, exc) from exc
    except StoreError as exc:  # a refusal the store has put in words already
        raise StoreError(f"records store failed while {doing}: {exc}") from exc


def shown(url: sa.URL) -> str:
    """The store as a person knows it: a SQLite file's path, else the URL without password."""
    if url.drivername.startswith("sqlite"):
        return url.database or ":memory:"
    return url.render_as_string(hide_password=True)


def missing(url: sa.URL) -> StoreError:
    """A reading open found no store at ``url`` (no file, or no tables)."""
    if url.drivername.startswith("sqlite"):
        return StoreError(
            f"{shown(url)} is not a records store (it has none of its tables): {CHECK}"
        )
    return StoreError(
        f"no records store in {shown(url)} (the database has none of its tables): {CHECK}, "
        "or make it with a writing command (ingest, generate, records register)"
    )


def opening_failed(url: sa.URL, exc: sa.exc.SQLAlchemyError) -> StoreError:
    """The store at ``url`` could not be opened or upgraded: why, and what to do."""
    sqlite = url.drivername.startswith("sqlite")
    if sqlite:
        meaning = _sqlite_meaning(exc)
        if meaning is not None:
            return StoreError(f"cannot open the records store {shown(url)}: {meaning}")
    if isinstance(exc, sa.exc.OperationalError | sa.exc.InterfaceError) and not sqlite:
        return StoreError(
            f"records store {shown(url)} is unreachable: {reason(exc)}; check that the "
            "server runs and that the URL's host, port, database and user are right "
            "(a password goes in ~/.pgpass or PGPASSWORD, never in the URL)"
        )
    return StoreError(f"cannot open the records store {shown(url)}: {reason(exc)}")
