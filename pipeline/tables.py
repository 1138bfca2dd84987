"""The records store's tables, and the migrations that bring an older store up to them.

A store at schema version n runs migrations n+1.. when it is opened, inside one
transaction (PostgreSQL: under an advisory lock, so one process upgrades at a
time). Only constructs SQLite and PostgreSQL both accept, except where a
migration says otherwise.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

__all__ = ["MIGRATIONS", "audit", "issued", "metadata", "migrate", "records"]

metadata = sa.MetaData()

meta = sa.Table(
    "store_meta",
    metadata,
    sa.Column("key", sa.String(64), primary_key=True),
    sa.Column("value", sa.String(256), nullable=False),
)
records = sa.Table(
    "records",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("sha256", sa.String(64), nullable=False, unique=True),
    sa.Column("pdf", sa.LargeBinary, nullable=False),
    sa.Column("result", sa.Text, nullable=False),
    sa.Column("form", sa.String(32)),
    sa.Column("version", sa.String(16)),
    sa.Column("document_id", sa.String(32), index=True),
    sa.Column("status", sa.String(16), nullable=False, index=True),
    # Searched by part of a name, case-insensitively: no index would serve that.
    sa.Column("supervisee", sa.String(200)),
    sa.Column("supervisor", sa.String(200)),
    sa.Column("team", sa.String(200)),
    sa.Column("case_reference", sa.String(200)),
    sa.Column("agreed_on", sa.Date),
    sa.Column("source_name", sa.String(500), nullable=False),
    sa.Column("received_at", sa.DateTime(timezone=True), nullable=False, index=True),
    sa.Column("archived_by", sa.String(100)),
)
issued = sa.Table(
    "issued",
    metadata,
    sa.Column("document_id", sa.String(32), primary_key=True),
    sa.Column("form", sa.String(32), nullable=False),
    sa.Column("version", sa.String(16), nullable=False),
    sa.Column("file", sa.String(500), nullable=False),
    sa.Column("recipient", sa.String(300)),
    sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("prefill", sa.Text, nullable=False),
)
audit = sa.Table(
    "audit",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("actor", sa.String(100), nullable=False),
    sa.Column("action", sa.String(32), nullable=False),
    sa.Column("record_id", sa.Integer),
    sa.Column("detail", sa.Text, nullable=False),
)


def _v1(connection: Connection) -> None:
    metadata.create_all(connection, tables=[records, issued, audit])


def _v2(connection: Connection) -> None:
    # PDFs are compressed already: PostgreSQL's attempt to compress them again (TOAST)
    # costs a millisecond a record and saves nothing.
    if connection.dialect.name == "postgresql":
        connection.execute(sa.text("ALTER TABLE records ALTER COLUMN pdf SET STORAGE EXTERNAL"))


# The audit line of an archive, as the store wrote it before v3 (same JSON, byte for byte).
_ARCHIVE_DETAIL = """'{"status": "' || NEW.status || '", "sha256": "' || NEW.sha256 || '"}'"""
_ARCHIVE_AUDIT = (
    "INSERT INTO audit (at, actor, action, record_id, detail) VALUES "
    f"(NEW.received_at, COALESCE(NEW.archived_by, 'unknown'), 'archive', NEW.id, "
    f"{_ARCHIVE_DETAIL})"
)
_APPEND_ONLY = "the audit log is append-only"


def _v3(connection: Connection) -> None:
    """The database itself keeps the audit log.

    Each archived record writes its own audit line (a trigger, in the same
    statement: one round trip less per file, and no way to archive without it),
    and no line of the log can be changed or deleted, whatever the client.
    Records say who archived them. Indexes no query could use are dropped.
    """
    columns = {column["name"] for column in sa.inspect(connection).get_columns("records")}
    if "archived_by" not in columns:
        connection.execute(sa.text("ALTER TABLE records ADD COLUMN archived_by VARCHAR(100)"))
    for name in ("ix_records_supervisee", "ix_records_supervisor", "ix_records_team"):
        connection.execute(sa.text(f"DROP INDEX IF EXISTS {name}"))
    if connection.dialect.name == "postgresql":
        statements = [
            "CREATE OR REPLACE FUNCTION supforms_audit_archive() RETURNS trigger "
            f"LANGUAGE plpgsql AS $$ BEGIN {_ARCHIVE_AUDIT}; RETURN NULL; END $$",
            "CREATE TRIGGER records_audit_archive AFTER INSERT ON records "
            "FOR EACH ROW EXECUTE FUNCTION supforms_audit_archive()",
            "CREATE OR REPLACE FUNCTION supforms_audit_append_only() RETURNS trigger "
            f"LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION '{_APPEND_ONLY}'; END $$",
            "CREATE TRIGGER audit_append_only BEFORE UPDATE OR DELETE ON audit "
            "FOR EACH ROW EXECUTE FUNCTION supforms_audit_append_only()",
            "CREATE TRIGGER audit_no_truncate BEFORE TRUNCATE ON audit "
            "FOR EACH STATEMENT EXECUTE FUNCTION supforms_audit_append_only()",
        ]
    else:
        statements = [
            f"CREATE TRIGGER records_audit_archive AFTER INSERT ON records "
            f"BEGIN {_ARCHIVE_AUDIT}; END",
            f"CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit "
            f"BEGIN SELECT RAISE(ABORT, '{_APPEND_ONLY}'); END",
            f"CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit "
            f"BEGIN SELECT RAISE(ABORT, '{_APPEND_ONLY}'); END",
        ]
    for statement in statements:
        connection.execute(sa.text(statement))


MIGRATIONS: list[Callable[[Connection], None]] = [_v1, _v2, _v3]
"""Schema versions in order; a store at version n runs migrations n+1.. when opened."""

MIGRATION_LOCK = 0x5F0F  # PostgreSQL advisory lock: one process upgrades the store at a time


def migrate(engine: Engine) -> None:
    """Bring the store to the newest schema; safe when several processes open it at once."""
    for attempt in range(10):
        try:
            _migrate_once(engine)
            return
        except (sa.exc.IntegrityError, sa.exc.OperationalError, sa.exc.ProgrammingError):
            # SQLite has no advisory locks: two processes creating a new store at the
            # same moment collide on CREATE TABLE; the loser tries again after the winner.
            if engine.dialect.name != "sqlite" or attempt == 9:
                raise
            time.sleep(0.05 * (attempt + 1))


def _migrate_once(engine: Engine) -> None:
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            connection.execute(
                sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK}
            )
        meta.create(connection, checkfirst=True)
        row = connection.execute(
            sa.select(meta.c.value).where(meta.c.key == "schema_version")
        ).scalar()
        current = int(row or 0)
        for number, migration in enumerate(MIGRATIONS[current:], start=current + 1):
            migration(connection)
            if current == 0 and number == 1:
                connection.execute(meta.insert().values(key="schema_version", value="1"))
            else:
                connection.execute(
                    meta.update().where(meta.c.key == "schema_version").values(value=str(number))
                )
