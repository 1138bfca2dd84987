"""The records store's tables, and the migrations that bring an older store up to them.

A store at schema version n runs migrations n+1.. when it is opened, inside one
transaction (PostgreSQL: under an advisory lock, so one process upgrades at a
time). Only constructs SQLite and PostgreSQL both accept, except where a
migration says otherwise.
"""

from __future__ import annotations

import getpass
import json
import os
import secrets
import time
from collections.abc import Callable
from datetime import UTC, datetime
from functools import cache
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine
from supforms.pipeline.records.chain import GENESIS, line_hash, state_detail
from supforms.schemas.errors import StoreError

__all__ = [
    "CHAIN_LOCK",
    "MIGRATIONS",
    "PG_LINE_HASH",
    "actor",
    "append_line",
    "audit",
    "deliveries",
    "imap_seen",
    "issued",
    "issued_pdfs",
    "metadata",
    "migrate",
    "records",
    "return_links",
    "web_users",
]

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
    # The date the form's declaration names as ``dated`` (an agreement's, a session's).
    sa.Column("dated_on", sa.Date),
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
    # The record this copy renews (``supforms renew``); NULL for a first issue.
    sa.Column("renews", sa.Integer),
)
imap_seen = sa.Table(
    "imap_seen",
    metadata,
    # One row per message taken from a mailbox folder: a UID means the same message
    # only while the folder's UIDVALIDITY stays the same (RFC 3501, 2.3.1.1).
    sa.Column("mailbox", sa.String(500), primary_key=True),
    sa.Column("uidvalidity", sa.BigInteger, primary_key=True),
    sa.Column("uid", sa.BigInteger, primary_key=True),
    sa.Column("outcome", sa.String(32), nullable=False),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False),
)
deliveries = sa.Table(
    "deliveries",
    metadata,
    # One row per state of one message, as the send folder's delivery.jsonl has one
    # line (sending, then sent or failed): rows are only ever added, never changed.
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("document_id", sa.String(32), nullable=False, index=True),
    sa.Column("recipient", sa.String(320), nullable=False),
    sa.Column("name", sa.String(200)),
    sa.Column("message_id", sa.String(300)),
    sa.Column("status", sa.String(16), nullable=False),
    # 0: the copy itself; n: its n-th reminder (``supforms remind``).
    sa.Column("reminder", sa.Integer, nullable=False),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("detail", sa.String(500)),
)
issued_pdfs = sa.Table(
    "issued_pdfs",
    metadata,
    # The bytes of each copy delivered, as issued: a reminder attaches them from here.
    sa.Column("document_id", sa.String(32), primary_key=True),
    sa.Column("sha256", sa.String(64), nullable=False),
    sa.Column("pdf", sa.LargeBinary, nullable=False),
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
    # The hash chain (records.chain): the hash of the line before, and of this line.
    sa.Column("prev_hash", sa.String(64)),
    sa.Column("hash", sa.String(64)),
)

return_links = sa.Table(
    "return_links",
    metadata,
    # A copy's personal return link (``supforms serve``: /r/TOKEN), one per copy and
    # recipient. Only the SHA-256 of the token is kept: the store never holds a link.
    sa.Column("token_hash", sa.String(64), primary_key=True),
    sa.Column("document_id", sa.String(32), nullable=False, index=True),
    sa.Column("recipient", sa.String(320), nullable=False),
    sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
)
web_users = sa.Table(
    "web_users",
    metadata,
    # Accounts of the web face (``supforms users``): an argon2 hash, never a password.
    sa.Column("name", sa.String(100), primary_key=True),
    sa.Column("password_hash", sa.String(200), nullable=False),
    sa.Column("role", sa.String(16), nullable=False),  # officer, manager or auditor
    sa.Column("teams", sa.Text, nullable=False),  # a JSON list: the teams a manager sees
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
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
_SQLITE_APPEND_ONLY = [
    f"CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit "
    f"BEGIN SELECT RAISE(ABORT, '{_APPEND_ONLY}'); END",
    f"CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit "
    f"BEGIN SELECT RAISE(ABORT, '{_APPEND_ONLY}'); END",
]


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
            *_SQLITE_APPEND_ONLY,
        ]
    for statement in statements:
        connection.execute(sa.text(statement))


CHAIN_LOCK = 0x5F10
"""PostgreSQL advisory lock: one transaction at a time appends to the audit chain."""

# What a state line says about a record (supforms.pipeline.records.chain.state_detail), in SQL.
_PG_STATE = (
    "json_build_object('sha256', {row}.sha256, "
    "'result', encode(sha256(convert_to({row}.result, 'UTF8')), 'hex'), "
    "'status', {row}.status)::text"
)
# supforms.pipeline.records.chain.line_hash, in SQL: the same canonical JSON, byte for byte.
PG_LINE_HASH = """encode(sha256(convert_to('{"action":' || to_json(NEW.action)::text
        || ',"actor":' || to_json(NEW.actor)::text
        || ',"at":"' || to_char(NEW.at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')
        || '","detail":' || to_json(NEW.detail)::text
        || ',"id":' || NEW.id
        || ',"prev":"' || NEW.prev_hash
        || '","record_id":' || COALESCE(NEW.record_id::text, 'null') || '}', 'UTF8')), 'hex')"""
_PG_CHAIN = f"""
CREATE OR REPLACE FUNCTION supforms_audit_chain() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    last_id integer;
    last_hash varchar(64);
BEGIN
    -- Held to the end of the transaction; each statement below sees what the last
    -- holder committed (a volatile function takes a new snapshot per statement).
    PERFORM pg_advisory_xact_lock({CHAIN_LOCK});
    SELECT id, hash INTO last_id, last_hash FROM audit ORDER BY id DESC LIMIT 1;
    NEW.id := COALESCE(last_id, 0) + 1;
    NEW.prev_hash := COALESCE(last_hash, repeat('0', 64));
    NEW.hash := {PG_LINE_HASH};
    RETURN NEW;
END $$
"""
_PG_ARCHIVE = f"""
CREATE OR REPLACE FUNCTION supforms_audit_archive() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO audit (at, actor, action, record_id, detail) VALUES (NEW.received_at,
        COALESCE(NEW.archived_by, 'unknown'), 'archive', NEW.id, {_PG_STATE.format(row="NEW")});
    RETURN NULL;
END $$
"""


def _chain_existing(connection: Connection) -> None:
    """Hash the lines written before the chain, in order (the append-only triggers paused)."""
    postgres = connection.dialect.name == "postgresql"
    if postgres:
        connection.execute(sa.text("ALTER TABLE audit DISABLE TRIGGER audit_append_only"))
    else:
        connection.execute(sa.text("DROP TRIGGER IF EXISTS audit_no_update"))
    previous, last_id = GENESIS, 0
    while True:
        batch = connection.execute(
            sa.select(audit).where(audit.c.id > last_id).order_by(audit.c.id).limit(2000)
        ).all()
        if not batch:
            break
        updates = []
        for line in batch:
            digest = line_hash(
                line.id, line.at, line.actor, line.action, line.record_id, line.detail, previous
            )
            updates.append({"line": line.id, "prev": previous, "digest": digest})
            previous, last_id = digest, line.id
        connection.execute(
            audit.update()
            .where(audit.c.id == sa.bindparam("line"))
            .values(prev_hash=sa.bindparam("prev"), hash=sa.bindparam("digest")),
            updates,
        )
    if postgres:
        connection.execute(sa.text("ALTER TABLE audit ENABLE TRIGGER audit_append_only"))
    else:
        connection.execute(sa.text(_SQLITE_APPEND_ONLY[0]))


def _v4(connection: Connection) -> None:
    """The audit log becomes a hash chain (records.chain), and archive lines say more.

    Lines already written are chained in order, and each record already stored
    gets a ``baseline`` line stating its PDF hash, result hash and status, so a
    store verifies clean right after its upgrade (what changed before cannot be
    told). PostgreSQL chains every line in a trigger, whoever inserts it; SQLite
    has no SHA-256 in SQL, so the store writes archive lines and their hashes
    from Python, in the record's transaction (supforms.pipeline.records.tables.append_line).
    """
    columns = {column["name"] for column in sa.inspect(connection).get_columns("audit")}
    for name in ("prev_hash", "hash"):
        if name not in columns:
            connection.execute(sa.text(f"ALTER TABLE audit ADD COLUMN {name} VARCHAR(64)"))
    _chain_existing(connection)
    if connection.dialect.name == "postgresql":
        for statement in (
            _PG_CHAIN,
            "CREATE TRIGGER audit_chain BEFORE INSERT ON audit "
            "FOR EACH ROW EXECUTE FUNCTION supforms_audit_chain()",
            _PG_ARCHIVE,
        ):
            # Not sa.text: the time format's colons are not bind parameters.
            connection.exec_driver_sql(statement)
        connection.execute(
            sa.text(
                "INSERT INTO audit (at, actor, action, record_id, detail) "
                f"SELECT now(), :actor, 'baseline', r.id, {_PG_STATE.format(row='r')} "
                "FROM records r ORDER BY r.id"
            ),
            {"actor": actor()},
        )
        return
    connection.execute(sa.text("DROP TRIGGER IF EXISTS records_audit_archive"))
    last_id = 0
    while True:
        batch = connection.execute(
            sa.select(records.c.id, records.c.sha256, records.c.result, records.c.status)
            .where(records.c.id > last_id)
            .order_by(records.c.id)
            .limit(2000)
        ).all()
        if not batch:
            break
        for record in batch:
            detail = state_detail(record.sha256, record.result, record.status)
            append_line(connection, "baseline", record.id, detail)
            last_id = record.id


def _v5(connection: Connection) -> None:
    """The loop closes: a renewal names the record it renews; mailbox messages taken are kept.

    ``issued.renews`` links a copy made by ``supforms renew`` to the record it renews,
    so running it again issues nothing new; ``imap_seen`` holds each message taken
    from an IMAP folder (its UIDVALIDITY and UID), so none is ingested twice.
    """
    columns = {column["name"] for column in sa.inspect(connection).get_columns("issued")}
    if "renews" not in columns:
        connection.execute(sa.text("ALTER TABLE issued ADD COLUMN renews INTEGER"))
    connection.execute(sa.text("CREATE INDEX IF NOT EXISTS ix_issued_renews ON issued (renews)"))
    imap_seen.create(connection, checkfirst=True)


def _v6(connection: Connection) -> None:
    """Columns named for what they hold; deliveries belong to the store.

    ``records.agreed_on`` held any form's date (its declaration's ``dated``): it is
    ``dated_on``. No trigger, function or audit line names it, so the chain and
    ``verify`` are untouched. ``deliveries`` keeps every state of every message
    sent (a copy's document id and one address, as contract 11 says), and
    ``issued_pdfs`` the bytes of each copy delivered, so any folder and any machine
    on the same store can remind or renew.
    """
    columns = {column["name"] for column in sa.inspect(connection).get_columns("records")}
    if "agreed_on" in columns:  # a new store made its table with ``dated_on`` already
        connection.execute(sa.text("ALTER TABLE records RENAME COLUMN agreed_on TO dated_on"))
    metadata.create_all(connection, tables=[deliveries, issued_pdfs])
    if connection.dialect.name == "postgresql":  # compressed already, as records.pdf (_v2)
        connection.execute(sa.text("ALTER TABLE issued_pdfs ALTER COLUMN pdf SET STORAGE EXTERNAL"))


def _v7(connection: Connection) -> None:
    """State lines state the whole row; PostgreSQL stamps every line (records.stamps)."""
    from supforms.pipeline.records.stamps import upgrade  # it builds on this module

    upgrade(connection)


def _v8(connection: Connection) -> None:
    """The web face: personal return links (hashed), the accounts that sign in, and a secret.

    ``web_secret`` (32 random bytes, hex) signs the web face's cookies and form
    tokens: every worker and every host serving one store shares it, and only
    those who may read the store can read it.
    """
    metadata.create_all(connection, tables=[return_links, web_users])
    connection.execute(meta.insert().values(key="web_secret", value=secrets.token_hex(32)))


def append_line(
    connection: Connection,
    action: str,
    record_id: int | None,
    detail: dict[str, Any],
    at: datetime | None = None,
    who: str | None = None,
) -> None:
    """Append one line to the audit chain, in ``connection``'s transaction.

    PostgreSQL's trigger numbers and hashes the line. On SQLite the transaction
    must already hold the write lock (``BEGIN IMMEDIATE``, or a write before
    this), so the last line it reads stays the last until it commits.
    """
    moment = (at or datetime.now(UTC)).astimezone(UTC)  # SQLite keeps the wall clock only
    text = json.dumps(detail, ensure_ascii=False)
    row: dict[str, Any] = {
        "at": moment,
        "actor": who or actor(),
        "action": action,
        "record_id": record_id,
        "detail": text,
    }
    if connection.dialect.name != "postgresql":
        last = connection.execute(_LAST_LINE).one_or_none()
        line_id, prev = (last.id + 1, last.hash) if last else (1, GENESIS)
        row["id"], row["prev_hash"] = line_id, prev
        row["hash"] = line_hash(line_id, moment, row["actor"], action, record_id, text, prev)
    connection.execute(_INSERT_LINE, row)


_LAST_LINE = sa.select(audit.c.id, audit.c.hash).order_by(audit.c.id.desc()).limit(1)
_INSERT_LINE = audit.insert()


@cache
def actor() -> str:
    """Who writes: the operating-system user."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return f"uid:{os.getuid()}"


MIGRATIONS: list[Callable[[Connection], None]] = [_v1, _v2, _v3, _v4, _v5, _v6, _v7, _v8]
"""Schema versions in order; a store at version n runs migrations n+1.. when opened."""

MIGRATION_LOCK = 0x5F0F  # PostgreSQL advisory lock: one process upgrades the store at a time


def migrate(engine: Engine) -> None:
    """Bring the store to the newest schema; safe when several processes open it at once."""
    for attempt in range(10):
        try:
            _migrate_once(engine)
            return
        except sa.exc.ProgrammingError as exc:
            if getattr(exc.orig, "sqlstate", None) == "42501":  # insufficient privilege
                raise StoreError(
                    f"the records store needs its tables at schema version {len(MIGRATIONS)}, "
                    "which only the role that owns them may create or upgrade: run any "
                    "supforms records command (e.g. records head) as the owner role once"
                ) from exc
            if engine.dialect.name != "sqlite" or attempt == 9:
                raise
            time.sleep(0.05 * (attempt + 1))
        except (sa.exc.IntegrityError, sa.exc.OperationalError):
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
