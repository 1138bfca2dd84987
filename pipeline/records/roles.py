"""Least privilege on PostgreSQL: the SQL that gives a records store three roles.

- The **owner** owns the tables, their sequences and the trigger functions: it
  runs migrations (any supforms command run as the owner upgrades the store),
  and it alone may change or delete records (``records transcribe``, ``records
  purge``) or touch the triggers. It alone manages the web face's accounts
  (``supforms users``); the other two read them, so that ``supforms serve``
  may run as either and sign people in.
- The **ingest** role adds records, audit lines, issued copies, the mailbox
  messages it has taken (``imap_seen``), and deliveries with the bytes of the
  copies delivered (``deliveries``, ``issued_pdfs``), and reads them. Its
  records' archive lines are written by the archive trigger's function, run as
  the owner: the ingest role itself may not write a line that states a record
  (``archive``, ``baseline``, ``transcribe``, ``purge``). It cannot
  update or delete any, alter a table, or drop or disable a trigger (only a
  table's owner may). ``ingest``, ``generate --store``, ``records register``,
  ``send``, ``remind`` and ``renew`` run as this role.
- The **auditor** reads (``records verify``, ``head``, ``list``, ``show``,
  ``export``) and changes nothing. Reading is audited, so it may add audit lines
  of its own reads and verifications, and no others: a row-level security
  policy holds its inserts to those actions, and the chain trigger, not the
  auditor, gives each line its place and hash, and stamps it with the
  session's role and the server's clock, whatever the INSERT said.

The SQL is idempotent: run it again after an upgrade that adds a table. It is
run by a superuser in the store's database, after the store exists.
"""

from __future__ import annotations

import re

from supforms.pipeline.records.stamps import STATE_ACTIONS
from supforms.pipeline.records.tables import MIGRATIONS
from supforms.schemas.errors import PipelineError

__all__ = ["roles_sql"]

_NAME = re.compile(r"[a-z_][a-z0-9_]{0,62}")
_TABLES = (
    "store_meta", "records", "issued", "audit", "imap_seen", "deliveries", "issued_pdfs",
    "return_links", "web_users",
)  # fmt: skip
_ADDS = ("records", "issued", "audit", "imap_seen", "deliveries", "issued_pdfs", "return_links")
_SEQUENCES = ("records_id_seq", "audit_id_seq", "deliveries_id_seq")
_FUNCTIONS = (
    "supforms_audit_archive()",
    "supforms_audit_append_only()",
    "supforms_audit_chain()",
    "supforms_column(text, text, text)",
    "supforms_row_state(records)",
    "supforms_record_stamp()",
)


def _check(name: str) -> str:
    if not _NAME.fullmatch(name):
        raise PipelineError(
            f"not a role name: {name!r} (lower-case letters, digits and _, at most 63)"
        )
    return name


def roles_sql(owner: str, ingest: str, auditor: str) -> str:
    """The statements, one transaction: create the roles (if new), then own, grant, revoke."""
    owner, ingest, auditor = (_check(n) for n in (owner, ingest, auditor))
    if len({owner, ingest, auditor}) != 3:
        raise PipelineError("the owner, ingest and auditor roles must be three different roles")
    tables, version = ", ".join(_TABLES), len(MIGRATIONS)
    adds, sequences = ", ".join(_ADDS), ", ".join(_SEQUENCES)
    states = ", ".join(f"'{action}'" for action in STATE_ACTIONS)
    create = "\n".join(
        f"    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{name}') THEN\n"
        f"        CREATE ROLE {name} LOGIN;\n    END IF;"
        for name in (owner, ingest, auditor)
    )
    owned = "\n".join(
        [f"ALTER TABLE {table} OWNER TO {owner};" for table in _TABLES]
        + [f"ALTER FUNCTION {function} OWNER TO {owner};" for function in _FUNCTIONS]
    )
    return f"""\
-- supforms records store: an owner, an ingest and an auditor role (pipeline/roles.py).
-- Run as a superuser in the store's database, once the store exists; safe to run again.
-- The roles log in without a password until you give them one (\\password, or certificates).
BEGIN;
DO $$ BEGIN
    IF to_regclass('store_meta') IS NULL THEN
        RAISE EXCEPTION 'no supforms store in this database: open it once first';
    END IF;
    IF (SELECT value FROM store_meta WHERE key = 'schema_version') <> '{version}' THEN
        RAISE EXCEPTION 'the store is not at schema version {version}: open it once first';
    END IF;
{create}
    EXECUTE 'GRANT CONNECT ON DATABASE ' || quote_ident(current_database())
        || ' TO {owner}, {ingest}, {auditor}';
END $$;

-- Only the owner creates tables: it runs the migrations.
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
GRANT USAGE, CREATE ON SCHEMA public TO {owner};
GRANT USAGE ON SCHEMA public TO {ingest}, {auditor};

-- The owner owns the tables (their sequences follow) and the trigger functions:
-- only an owner may alter a table, or drop or disable its triggers.
{owned}

-- Everyone else: read; the ingest role also adds (records, audit lines, issued copies,
-- mailbox messages taken, deliveries and the copies delivered). A line that states a
-- record (archive, baseline, transcribe, purge) only the store's functions write, as
-- the owner; every line is stamped with the session's role and the server's clock.
REVOKE ALL ON {tables} FROM PUBLIC, {ingest}, {auditor};
GRANT SELECT ON {tables} TO {ingest}, {auditor};
GRANT INSERT ON {adds} TO {ingest};
REVOKE ALL ON SEQUENCE {sequences} FROM PUBLIC, {ingest}, {auditor};
GRANT USAGE ON SEQUENCE {sequences} TO {ingest};

-- Reading is audited: the auditor adds lines of its own reads and verifications, no others.
GRANT INSERT ON audit TO {auditor};
GRANT USAGE ON SEQUENCE audit_id_seq TO {auditor};
ALTER TABLE audit ENABLE ROW LEVEL SECURITY;
DROP POLICY IF EXISTS supforms_{ingest}_adds ON audit;
CREATE POLICY supforms_{ingest}_adds ON audit TO {ingest} USING (true)
    WITH CHECK (action NOT IN ({states}));
DROP POLICY IF EXISTS supforms_{auditor}_reads ON audit;
CREATE POLICY supforms_{auditor}_reads ON audit FOR SELECT TO {auditor} USING (true);
DROP POLICY IF EXISTS supforms_{auditor}_notes ON audit;
CREATE POLICY supforms_{auditor}_notes ON audit FOR INSERT TO {auditor}
    WITH CHECK (action IN ('read', 'verify'));

-- Tables a later schema version adds are readable by both; run this again to grant more.
ALTER DEFAULT PRIVILEGES FOR ROLE {owner} IN SCHEMA public
    GRANT SELECT ON TABLES TO {ingest}, {auditor};
COMMIT;
"""
