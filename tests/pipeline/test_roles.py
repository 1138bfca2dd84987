"""Least privilege on a real PostgreSQL server: what `records roles` grants, and what it refuses.

The roles are cluster-wide, so each test run names its own and drops them after.
"""

from __future__ import annotations

import json
import os
import secrets
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
import sqlalchemy as sa
from supforms.forms.writing.compiled import compiled_form
from supforms.pipeline.delivery.generate import issue_copy
from supforms.pipeline.records.opening import open_store
from supforms.pipeline.records.stamps import STATE_ACTIONS
from supforms.pipeline.result import IngestResult
from supforms.schemas.errors import StoreError

from tests.cli import run
from tests.conftest import ISSUED_AT, _fresh_postgres, sample_record

pytestmark = [pytest.mark.postgres, pytest.mark.slow]


@dataclass(frozen=True)
class Roles:
    admin: str  # the superuser's URL
    owner: str
    ingest: str
    auditor: str

    def url(self, role: str) -> str:
        return sa.make_url(self.admin).set(username=role).render_as_string(hide_password=False)


def _admin(url: str) -> sa.Engine:
    return sa.create_engine(
        url.replace("postgresql://", "postgresql+psycopg://", 1), isolation_level="AUTOCOMMIT"
    )


@pytest.fixture
def roles(tmp_path) -> Iterator[Roles]:
    url = os.environ.get("SUPFORMS_TEST_PG_URL")
    if not url:
        if os.environ.get("CI") == "true":
            pytest.fail("SUPFORMS_TEST_PG_URL is not set: .ci/run must start PostgreSQL")
        pytest.skip("no PostgreSQL (set SUPFORMS_TEST_PG_URL, e.g. via .ci/postgres start)")
    _fresh_postgres(url)
    open_store(url).close()  # the store exists (made by the superuser) before the roles
    suffix = secrets.token_hex(4)
    names = Roles(url, f"sf_owner_{suffix}", f"sf_ingest_{suffix}", f"sf_auditor_{suffix}")
    code, sql, err = run(
        "records",
        "roles",
        "--owner",
        names.owner,
        "--ingest",
        names.ingest,
        "--auditor",
        names.auditor,
    )
    assert code == 0, err
    engine = _admin(url)
    try:
        with engine.connect() as connection:
            connection.exec_driver_sql(sql)
            connection.exec_driver_sql(sql)  # and again: it is idempotent
        yield names
    finally:
        with engine.connect() as connection:
            # One role at a time: the owner's default privileges name the other two.
            for role in (names.owner, names.ingest, names.auditor):
                connection.exec_driver_sql(f"DROP OWNED BY {role} CASCADE")
                connection.exec_driver_sql(f"DROP ROLE IF EXISTS {role}")
        engine.dispose()


def refused(url: str, statement: str) -> bool:
    """Whether PostgreSQL refuses ``statement`` to this role for want of a privilege."""
    engine = _admin(url)
    try:
        with engine.connect() as connection:
            connection.exec_driver_sql(statement)
    except sa.exc.DBAPIError as exc:
        return getattr(exc.orig, "sqlstate", None) == "42501"  # insufficient privilege
    finally:
        engine.dispose()
    return False


CHANGES = [
    "UPDATE records SET status = 'complete'",
    "UPDATE records SET pdf = 'x'::bytea, sha256 = 'x'",
    "DELETE FROM records",
    "UPDATE audit SET actor = 'someone else'",
    "DELETE FROM audit",
    "UPDATE issued SET recipient = 'x'",
    "DELETE FROM issued",
    "UPDATE deliveries SET recipient = 'someone@else.example'",
    "DELETE FROM deliveries",
    "UPDATE issued_pdfs SET pdf = 'x'::bytea",
    "DELETE FROM issued_pdfs",
    "TRUNCATE deliveries",
    "UPDATE store_meta SET value = '3'",
    "TRUNCATE records",
    "TRUNCATE audit",
    "TRUNCATE issued",
    "ALTER TABLE audit DISABLE TRIGGER ALL",
    "ALTER TABLE audit DISABLE TRIGGER audit_chain",
    "ALTER TABLE records DISABLE TRIGGER records_audit_archive",
    "DROP TRIGGER audit_append_only ON audit",
    "DROP TRIGGER records_audit_archive ON records",
    "ALTER TABLE records ADD COLUMN note text",
    "ALTER TABLE audit DROP COLUMN hash",
    "DROP TABLE audit",
    "CREATE TABLE elsewhere (id int)",
    "CREATE OR REPLACE FUNCTION supforms_audit_chain() RETURNS trigger "
    "LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$",
]
ADDITIONS = [
    "INSERT INTO records (sha256, pdf, result, status, source_name, received_at) "
    "VALUES ('ab', 'x'::bytea, '{}', 'rejected', 'x.pdf', now())",
    "INSERT INTO audit (at, actor, action, detail) VALUES (now(), 'me', 'export', '{}')",
    "INSERT INTO issued (document_id, form, version, file, issued_at, prefill) "
    "VALUES ('d', 'contract', '1', 'f.pdf', now(), '{}')",
    "INSERT INTO deliveries (document_id, recipient, status, at, reminder) "
    "VALUES ('d', 'a@example.org', 'sending', now(), 0)",
    "INSERT INTO issued_pdfs (document_id, sha256, pdf) VALUES ('d', 'ab', 'x'::bytea)",
]


@pytest.mark.slow
def test_the_ingest_role_adds_and_changes_nothing(roles, tmp_path):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    for form_id in ("contract", "agreement"):
        data = issue_copy(compiled_form(form_id), sample_record(form_id), issued_at=ISSUED_AT)[1]
        (inbox / f"{form_id}.pdf").write_bytes(data)
    ingest = roles.url(roles.ingest)
    code, stdout, err = run(
        "ingest", str(inbox), "--out", str(tmp_path / "o"), "--store", ingest, "--json"
    )
    assert code == 3, err  # archived (the returns are unsigned)
    assert {json.loads(line)["record_id"] for line in stdout.splitlines()} == {1, 2}
    code, stdout, err = run(  # registering issued copies is an ingest role's job too
        "generate",
        "agreement",
        "--data",
        str(_pairs(tmp_path)),
        "-o",
        str(tmp_path / "issued"),
        "--store",
        ingest,
    )
    assert code == 0, err
    with open_store(ingest) as store:
        store.log("export", {"records": 2})
        with pytest.raises(StoreError, match="permission denied for table records"):
            store.update_result(1, IngestResult.from_json(store.record(1)[0]), "transcribe")
    for statement in CHANGES:
        assert refused(ingest, statement), statement
    for statement in ADDITIONS:
        assert not refused(ingest, statement), statement
    code, stdout, err = run("records", "--store", roles.url(roles.auditor), "verify", "--json")
    report = json.loads(stdout)
    # The raw record added above has no PDF of its hash; all else is as recorded.
    assert {f["problem"] for f in report["findings"]} == {"pdf_changed"}


def _pairs(tmp_path):
    data = tmp_path / "pairs.jsonl"
    data.write_text('{"supervisee.name": "Zoë Ó Briain"}\n', encoding="utf-8")
    return data


def test_the_auditor_reads_and_notes_only_its_reads(roles, tmp_path):
    with open_store(roles.url(roles.ingest)) as store:
        data = b"%PDF-1.7 kept"
        sha = __import__("hashlib").sha256(data).hexdigest()
        store.archive(
            IngestResult.from_json(
                {"source": {"sha256": sha, "filename": "k.pdf", "bytes": 13}, "status": "rejected"}
            ),
            data,
        )
    auditor = roles.url(roles.auditor)
    for statement in [*ADDITIONS, *CHANGES]:
        assert refused(auditor, statement), statement
    code, stdout, err = run("records", "--store", auditor, "head", "--json")
    assert code == 0, err
    head = json.loads(stdout)
    assert head["id"] == 1
    code, stdout, err = run("records", "--store", auditor, "verify", "--expect-head", head["hash"])
    assert code == 0, err
    assert "chain to head" in stdout
    code, stdout, err = run("records", "show", "1", "--json", "--store", auditor)
    assert code == 0, err
    for statement in (
        "INSERT INTO audit (at, actor, action, detail) VALUES (now(), 'me', 'archive', '{}')",
        "INSERT INTO audit (at, actor, action, detail) VALUES (now(), 'me', 'purge', '{}')",
    ):
        assert refused(auditor, statement), statement
    with open_store(roles.admin) as store:
        assert [line["action"] for line in store.audit_log()] == ["archive", "verify", "read"]
    code, stdout, err = run("records", "verify", "--store", auditor)
    assert code == 0, err


def test_the_owner_runs_upgrades_and_nobody_else(roles):
    admin = _admin(roles.admin)
    with admin.connect() as connection:
        connection.exec_driver_sql("UPDATE store_meta SET value = '3'")  # as if a version behind
    admin.dispose()
    with pytest.raises(StoreError, match="only the role that owns them may create or upgrade"):
        open_store(roles.url(roles.ingest))
    code, _, err = run("records", "--store", roles.url(roles.auditor), "head")
    assert code == 1
    assert "owner role" in err
    assert "Traceback" not in err
    assert not refused(roles.url(roles.owner), "ALTER TABLE records ADD COLUMN note text")


def test_role_names_are_checked():
    code, _, err = run("records", "roles", "--owner", "a; DROP", "--ingest", "b", "--auditor", "c")
    assert code == 2
    assert "not a role name" in err


def test_the_roles_need_the_store_first():
    url = os.environ.get("SUPFORMS_TEST_PG_URL")
    if not url:
        pytest.skip("no PostgreSQL (set SUPFORMS_TEST_PG_URL)")
    _fresh_postgres(url)
    suffix = secrets.token_hex(4)
    sql = run(
        "records",
        "roles",
        "--owner",
        f"o_{suffix}",
        "--ingest",
        f"i_{suffix}",
        "--auditor",
        f"a_{suffix}",
    )[1]
    engine = _admin(url)
    try:
        with (
            pytest.raises(sa.exc.DBAPIError, match="no supforms store in this database"),
            engine.connect() as connection,
        ):
            connection.exec_driver_sql(sql)
        with engine.connect() as connection:
            created = connection.execute(
                sa.text("SELECT count(*) FROM pg_roles WHERE rolname = ANY(:names)"),
                {"names": [f"o_{suffix}", f"i_{suffix}", f"a_{suffix}"]},
            ).scalar()
        assert created == 0  # nothing was created
    finally:
        engine.dispose()


def test_no_role_chooses_a_lines_actor_or_time(roles):
    """The server stamps who and when; only the store's functions write a record's state."""
    data = b"%PDF-1.7 stamped"
    sha = __import__("hashlib").sha256(data).hexdigest()
    with open_store(roles.url(roles.ingest)) as store:
        source = {"sha256": sha, "filename": "s.pdf", "bytes": len(data)}
        store.archive(IngestResult.from_json({"source": source, "status": "rejected"}), data)
    forged = "VALUES ('2001-01-01T00:00:00Z', '{owner}', '{action}', {record}, '{{}}')"
    insert = "INSERT INTO audit (at, actor, action, record_id, detail) " + forged
    for role, own in ((roles.ingest, "export"), (roles.auditor, "read")):
        for action in STATE_ACTIONS:  # an archive, baseline, transcription or purge of record 1
            statement = insert.format(owner=roles.owner, action=action, record=1)
            assert refused(roles.url(role), statement), (role, action)
        engine = _admin(roles.url(role))
        with engine.connect() as connection:
            connection.exec_driver_sql(insert.format(owner=roles.owner, action=own, record="NULL"))
        engine.dispose()
    with open_store(roles.admin) as store:
        log = store.audit_log()
    assert [(line["action"], line["actor"]) for line in log] == [
        ("archive", roles.ingest),
        ("export", roles.ingest),
        ("read", roles.auditor),
    ]
    assert all(line["at"].year > 2001 for line in log)  # the server's clock, not the client's
    engine = _admin(roles.url(roles.ingest))
    with engine.connect() as connection:  # a record dated past every purge, archived by another
        connection.exec_driver_sql(
            "INSERT INTO records (sha256, pdf, result, status, source_name, received_at, "
            f"archived_by) VALUES ('ef', 'x'::bytea, '{{}}', 'rejected', 'x.pdf', "
            f"'2099-01-01T00:00:00Z', '{roles.owner}')"
        )
    engine.dispose()
    with open_store(roles.admin) as store, store.engine.connect() as connection:
        stamped = connection.execute(
            sa.text("SELECT received_at, archived_by FROM records WHERE sha256 = 'ef'")
        ).one()
    assert stamped.received_at.year < 2099
    assert stamped.archived_by == roles.ingest
    code, stdout, err = run("records", "--store", roles.url(roles.auditor), "verify", "--json")
    report = json.loads(stdout)  # the raw record has no PDF of its hash; all else as recorded
    assert {(f["id"], f["problem"]) for f in report["findings"]} == {(2, "pdf_changed")}
