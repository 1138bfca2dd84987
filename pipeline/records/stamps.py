"""Schema version 7: state lines that state the whole row; on PostgreSQL, stamped by the server.

``supforms_row_state(records)`` is ``supforms.pipeline.records.chain.row_state`` in
SQL, byte for byte where it is hashed (the detail's JSON text may be spaced
differently: ``verify`` parses it, and the line hash covers the text as stored).
The archive trigger writes it; the chain trigger now also stamps every line with
the role of the session that writes it and the server's clock, whatever the
client said, and only the store's own functions (run as the owner) may write the
lines that state a record (see ``supforms.pipeline.records.roles``).
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from supforms.pipeline.records.chain import ROW_COLUMNS, row_state
from supforms.pipeline.records.tables import CHAIN_LOCK, PG_LINE_HASH, append_line, records

__all__ = ["STATE_ACTIONS", "upgrade"]

STATE_ACTIONS = ("archive", "baseline", "transcribe", "purge")
"""The lines that state a record: only the store's own code writes them."""

_UTC_TIME = """to_char({} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')"""
_TEXT = {
    "dated_on": "to_char(r.dated_on, 'YYYY-MM-DD')",
    "received_at": _UTC_TIME.format("r.received_at"),
}
_COLUMNS = ",\n            ".join(
    f"'{column}', supforms_column(k, '{column}', {_TEXT.get(column, f'r.{column}')})"
    for column in ROW_COLUMNS
)

_COLUMN = """
CREATE OR REPLACE FUNCTION supforms_column(k text, name text, value text) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT left(encode(sha256(convert_to(k || name || COALESCE('=' || value, ''), 'UTF8')),
        'hex'), 32)
$$
"""
_ROW_STATE = f"""
CREATE OR REPLACE FUNCTION supforms_row_state(r records) RETURNS text
LANGUAGE plpgsql STABLE AS $$
DECLARE
    k text := encode(sha256(convert_to('supforms row' || chr(10), 'UTF8') || r.pdf), 'hex');
BEGIN
    RETURN json_build_object(
        'sha256', r.sha256,
        'result', encode(sha256(convert_to(r.result, 'UTF8')), 'hex'),
        'status', r.status,
        'row', json_build_object(
            {_COLUMNS}
        )
    )::text;
END $$
"""
# Run as the owner (SECURITY DEFINER), so that the ingest role, which may not write a
# state line itself, has its archive line written; the actor is still the session's.
_ARCHIVE = """
CREATE OR REPLACE FUNCTION supforms_audit_archive() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $$
BEGIN
    INSERT INTO audit (at, actor, action, record_id, detail)
        VALUES (now(), session_user, 'archive', NEW.id, supforms_row_state(NEW));
    RETURN NULL;
END $$
"""
# A record says when it was received and by whom as the server says, so no role can
# date a record past a purge; its archive line states both.
_RECORD_STAMP = """
CREATE OR REPLACE FUNCTION supforms_record_stamp() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.received_at := now();
    NEW.archived_by := session_user;
    RETURN NEW;
END $$
"""
_RECORD_STAMP_TRIGGER = (
    "CREATE TRIGGER records_stamp BEFORE INSERT ON records "
    "FOR EACH ROW EXECUTE FUNCTION supforms_record_stamp()"
)
# The chain trigger of v4, which also stamps: who (the session's role) and when (the
# server's clock), whatever the INSERT said.


def _chain(lock: int) -> str:
    return f"""
CREATE OR REPLACE FUNCTION supforms_audit_chain() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    last_id integer;
    last_hash varchar(64);
BEGIN
    PERFORM pg_advisory_xact_lock({lock});
    SELECT id, hash INTO last_id, last_hash FROM audit ORDER BY id DESC LIMIT 1;
    NEW.id := COALESCE(last_id, 0) + 1;
    NEW.prev_hash := COALESCE(last_hash, repeat('0', 64));
    NEW.at := clock_timestamp();
    NEW.actor := session_user;
    NEW.hash := {PG_LINE_HASH};
    RETURN NEW;
END $$
"""


def _statements(lock: int) -> list[str]:
    """The statements of schema version 7 on PostgreSQL, in order."""
    return [_COLUMN, _ROW_STATE, _ARCHIVE, _chain(lock), _RECORD_STAMP, _RECORD_STAMP_TRIGGER]


def upgrade(connection: Connection) -> None:
    """State lines state the whole row; on PostgreSQL the server stamps every line.

    Archive, transcription and purge lines now carry a digest of every column a
    query, a purge, compliance or an export reads (records.chain.row_state), so
    ``verify`` names any column changed. Each record already stored gets a
    ``baseline`` line stating it as it is now. On PostgreSQL the chain trigger
    stamps each line, and each new record's ``received_at`` and ``archived_by``,
    with the server's clock and the session's role, whatever the client said;
    the archive line is written by a function run as the owner.
    """
    if connection.dialect.name == "postgresql":
        for statement in _statements(CHAIN_LOCK):
            connection.exec_driver_sql(statement)
        connection.execute(
            sa.text(
                "INSERT INTO audit (at, actor, action, record_id, detail) "
                "SELECT now(), session_user, 'baseline', r.id, supforms_row_state(r) "
                "FROM records r ORDER BY r.id"
            )
        )
        return
    last_id = 0
    while True:  # a few at a time: each holds its PDF
        batch = connection.execute(
            sa.select(records).where(records.c.id > last_id).order_by(records.c.id).limit(100)
        ).all()
        if not batch:
            break
        for record in batch:
            append_line(connection, "baseline", record.id, row_state(record._mapping))
            last_id = record.id
