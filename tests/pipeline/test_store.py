"""The records store, on SQLite and on a real PostgreSQL server: archive, find, prove intact."""

from __future__ import annotations

import csv
import getpass
import hashlib
import io
import json
import stat
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pikepdf
import pytest
import sqlalchemy as sa
from supforms.forms.writing.compiled import compiled_form
from supforms.pipeline.delivery.generate import issue_copy
from supforms.pipeline.records.opening import open_store
from supforms.pipeline.result import IngestResult
from supforms.schemas.errors import StoreError

from tests.cli import run
from tests.conftest import ISSUED_AT, sample_record
from tests.pipeline.test_ingest import draw_on, edit


def lines(out: str) -> list[dict]:
    return [json.loads(line) for line in out.splitlines() if line.strip()]


@pytest.fixture
def inbox(tmp_path) -> Path:
    folder = tmp_path / "inbox"
    folder.mkdir()
    for form_id in ("contract", "agreement", "group-record"):
        data = issue_copy(compiled_form(form_id), sample_record(form_id), issued_at=ISSUED_AT)[1]
        (folder / f"{form_id}.pdf").write_bytes(data)
    (folder / "letter.pdf").write_bytes(b"Dear records officer")
    return folder


@pytest.mark.slow
def test_ingest_archives_each_file_once_with_its_original_bytes(inbox, tmp_path, store_url):
    out = tmp_path / "out"
    code, stdout, _ = run("ingest", str(inbox), "--out", str(out), "--store", store_url, "--json")
    first = {r["source"]["filename"]: r for r in lines(stdout)}
    assert code == 3
    code, stdout, _ = run(
        "ingest", str(inbox), "--out", str(tmp_path / "elsewhere"), "--store", store_url, "--json"
    )
    again = {r["source"]["filename"]: r for r in lines(stdout)}
    assert again.pop("letter.pdf")["status"] == "rejected"  # not a form: a person, every time
    assert {r["status"] for r in again.values()} == {"duplicate"}  # the store remembers
    code, stdout, _ = run("records", "--store", store_url, "list", "--json")
    listed = lines(stdout)
    assert len(listed) == 4
    assert {r["status"] for r in listed} == {"incomplete", "rejected"}
    letter = next(r for r in listed if r["source_name"] == "letter.pdf")
    copy = tmp_path / "copy.pdf"
    run("records", "--store", store_url, "show", str(letter["id"]), "--pdf", str(copy))
    assert copy.read_bytes() == b"Dear records officer"  # rejected inputs are kept too
    agreement = first["agreement.pdf"]
    code, stdout, _ = run(
        "records", "--store", store_url, "show", str(agreement["record_id"]), "--json"
    )
    assert json.loads(stdout)["data"]["supervisee"]["name"] == "Łukasz Wiśniewski"


def test_list_filters(inbox, tmp_path, store_url):
    run("ingest", str(inbox), "--out", str(tmp_path / "o"), "--store", store_url)

    def listed(*args: str) -> list[dict]:
        return lines(run("records", "--store", store_url, "list", "--json", *args)[1])

    assert [r["form"] for r in listed("--form", "agreement")] == ["agreement"]
    assert len(listed("--status", "rejected")) == 1
    assert [r["form"] for r in listed("--person", "wiśniewski")] == ["agreement"]
    # Letters outside ASCII in either case, on either store; % and _ are only themselves.
    assert [r["form"] for r in listed("--person", "ŁUKASZ WIŚNIEWSKI")] == ["agreement"]
    assert listed("--person", "%") == listed("--person", "_") == []
    # As people type on any keyboard: without the accents, and Ł as L (Łukasz Wiśniewski).
    assert [r["form"] for r in listed("--person", "lukasz wisniewski")] == ["agreement"]
    assert [r["form"] for r in listed("--person", "WISNIEWSKI")] == ["agreement"]
    assert [r["form"] for r in listed("--team", "east")] == ["group-record"]
    assert len(listed("--since", "2000-01-01")) == 4
    assert listed("--until", "2000-01-01") == []


def test_verify_finds_a_changed_pdf(inbox, tmp_path, store_url):
    run("ingest", str(inbox), "--out", str(tmp_path / "o"), "--store", store_url)
    code, stdout, _ = run("records", "--store", store_url, "verify")
    assert code == 0
    assert stdout.startswith("All 4 stored PDFs match their SHA-256 and their archive lines;")
    with open_store(store_url) as store, store.engine.begin() as connection:
        connection.execute(
            sa.text("UPDATE records SET pdf = :b WHERE source_name = 'letter.pdf'"),
            {"b": b"Dear records officer!"},
        )
    code, stdout, err = run("records", "--store", store_url, "verify")
    assert code == 1
    assert "its stored PDF hashes to" in stdout
    assert "1 finding(s)" in err


def test_registry_outstanding_and_changed_prefill(tmp_path, store_url):
    data = tmp_path / "pairs.jsonl"
    data.write_text(
        '{"supervisee.name": "Zoë Ó Briain", "supervisor.name": "Ayşe Yılmaz",'
        ' "_recipient": "z@x"}\n'
        '{"supervisee.name": "Ахмед Иванов", "supervisor.name": "Ayşe Yılmaz"}\n',
        encoding="utf-8",
    )
    out = tmp_path / "issued"
    code, stdout, _ = run(
        "generate", "agreement", "--data", str(data), "-o", str(out), "--store", store_url, "--json"
    )
    copies = lines(stdout)
    code, stdout, _ = run("records", "--store", store_url, "outstanding", "--json")
    assert {r["document_id"] for r in lines(stdout)} == {c["document_id"] for c in copies}
    returned = edit((out / copies[0]["file"]).read_bytes(), {"supervisee.name": "Zoe O'Brien"})
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "back.pdf").write_bytes(returned)
    code, stdout, _ = run(
        "ingest", str(tmp_path / "in"), "--out", str(tmp_path / "o"), "--store", store_url, "--json"
    )
    (result,) = lines(stdout)
    assert {
        "field": "supervisee.name",
        "code": "prefill_changed",
        "message": "differs from the value it was issued with",
    } in result["problems"]
    assert not [p for p in result["problems"] if p["field"] == "supervisor.name"]
    _code, stdout, _ = run("records", "--store", store_url, "outstanding", "--json")
    # Back, but not complete: still outstanding (issue 26), saying how it came back.
    assert result["status"] in ("incomplete", "invalid")
    assert {r["document_id"]: r["status"] for r in lines(stdout)} == {
        copies[0]["document_id"]: result["status"],
        copies[1]["document_id"]: "outstanding",
    }


@pytest.mark.slow
def test_export_neutralises_formulas_and_picks_fields(tmp_path, store_url):
    record = sample_record("contract").model_copy(
        update={
            "supervisee": sample_record("contract").supervisee.model_copy(
                update={"name": '=HYPERLINK("http://x")'}
            )
        }
    )
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "c.pdf").write_bytes(issue_copy(compiled_form("contract"), record)[1])
    run("ingest", str(tmp_path / "in"), "--out", str(tmp_path / "o"), "--store", store_url)
    code, stdout, _ = run(
        "records",
        "--store",
        store_url,
        "export",
        "--format",
        "csv",
        "--fields",
        "id,supervisee,data.supervisee.department,status",
    )
    rows = list(csv.reader(io.StringIO(stdout)))
    assert rows[0] == ["id", "supervisee", "data.supervisee.department", "status"]
    assert rows[1][1] == '\'=HYPERLINK("http://x")'
    assert rows[1][2] == "Children’s Services — Łódź liaison"
    _code, stdout, _ = run("records", "--store", store_url, "export", "--fields", "id,status")
    assert list(lines(stdout)[0]) == ["id", "status"]  # no more than asked


@pytest.mark.slow
def test_due_purge_and_audit(tmp_path, store_url):
    signed_on = date.today() - timedelta(days=350)
    copy = issue_copy(
        compiled_form("agreement"),
        sample_record("agreement").model_copy(update={"agreed_on": signed_on}),
    )[1]
    copy = edit(copy, {"signatures.supervisor.date": "01/01/2026"})
    copy = draw_on(
        draw_on(copy, "signatures.supervisee.signature"), "signatures.supervisor.signature"
    )
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "a.pdf").write_bytes(copy)
    code, stdout, _ = run(
        "ingest", str(tmp_path / "in"), "--out", str(tmp_path / "o"), "--store", store_url, "--json"
    )
    assert lines(stdout)[0]["status"] == "complete"
    code, stdout, _ = run("records", "--store", store_url, "due", "--within", "30d", "--json")
    (due,) = lines(stdout)
    assert due["action"] == "review the agreement"
    assert due["due"] == signed_on.replace(year=signed_on.year + 1).isoformat()
    assert lines(run("records", "--store", store_url, "due", "--within", "1d", "--json")[1]) == []
    _code, stdout, _ = run(
        "records",
        "--store",
        store_url,
        "purge",
        "--before",
        "2999-01-01",
        "--yes",
        "--ingest-out",
        str(tmp_path / "o"),
    )
    assert stdout.strip() == (
        "Purged 1 record(s) received before 01/01/2999; forgot 0 issued copy(ies)"
        " and 3 ingest file(s)."  # its result, and the batch summary (json, csv)
    )
    with open_store(store_url) as store:
        log = store.audit_log()
    assert [e["action"] for e in log] == ["archive", "purge", "purge-summary"]
    assert all(e["actor"] for e in log)


def test_sqlite_store_is_private(tmp_path):
    fresh = tmp_path / "new" / "records.db"
    open_store(f"sqlite:///{fresh}").close()
    assert stat.S_IMODE(fresh.stat().st_mode) == 0o600
    # An existing file others can read is refused, its mode never changed behind anyone's back.
    existing = tmp_path / "old.db"
    existing.write_bytes(b"")
    existing.chmod(0o644)
    with pytest.raises(StoreError, match=r"can be read by other users \(mode 0644\).*chmod 600"):
        open_store(f"sqlite:///{existing}").close()
    assert stat.S_IMODE(existing.stat().st_mode) == 0o644
    assert existing.read_bytes() == b""


def test_an_older_store_upgrades_in_place(store_url, monkeypatch):
    from supforms.pipeline.records import tables as store_module

    def version(url: str) -> str:
        with open_store(url) as store, store.engine.connect() as connection:
            return connection.execute(
                sa.text("SELECT value FROM store_meta WHERE key = 'schema_version'")
            ).scalar()

    all_migrations = list(store_module.MIGRATIONS)
    monkeypatch.setattr(store_module, "MIGRATIONS", all_migrations[:1])
    assert version(store_url) == "1"
    data = b"%PDF-1.7 kept across the upgrade"
    with open_store(store_url) as old, old.engine.begin() as connection:
        # Version 1 as it was: records did not say who archived them.
        connection.execute(sa.text("ALTER TABLE records DROP COLUMN archived_by"))
        connection.execute(
            sa.text(
                "INSERT INTO records (sha256, pdf, result, status, source_name, received_at) "
                "VALUES (:sha, :pdf, '{}', 'rejected', 'kept.pdf', :at)"
            ),
            {"sha": "ab" * 32, "pdf": data, "at": datetime.now(UTC)},
        )
    monkeypatch.setattr(store_module, "MIGRATIONS", all_migrations)
    assert version(store_url) == str(len(all_migrations))
    with open_store(store_url) as upgraded:
        assert upgraded.record(1)[1] == data
        result = {"source": {"sha256": "cd" * 32, "filename": "new.pdf", "bytes": 3}}
        upgraded.archive(IngestResult.from_json({**result, "status": "rejected"}), b"new")
        # The record kept across the upgrade is stated as it was then (records.chain).
        assert [(line["action"], line["record_id"]) for line in upgraded.audit_log()] == [
            ("baseline", 1),  # version 4: its PDF, result and status
            ("baseline", 1),  # version 7: every column
            ("archive", 2),
        ]


def test_a_version_5_store_keeps_its_dates_as_dated_on_and_verifies(
    tmp_path, store_url, monkeypatch
):
    """``records.agreed_on`` held every form's date: it is ``dated_on`` now, values kept."""
    from supforms.pipeline.records import tables
    from supforms.pipeline.records.chain import state_detail

    all_migrations = list(tables.MIGRATIONS)
    monkeypatch.setattr(tables, "MIGRATIONS", all_migrations[:5])
    data = b"%PDF-1.7 an agreement archived at version 5"
    sha = hashlib.sha256(data).hexdigest()
    with open_store(store_url) as old, old.engine.begin() as connection:
        # Version 5 as it was: the form's date in a column named after the first form.
        connection.execute(sa.text("ALTER TABLE records RENAME COLUMN dated_on TO agreed_on"))
        record_id = connection.execute(
            sa.text(
                "INSERT INTO records (sha256, pdf, result, form, status, source_name,"
                " received_at, agreed_on) VALUES (:sha, :pdf, '{}', 'agreement', 'complete',"
                " 'a.pdf', :at, :on) RETURNING id"
            ),
            {"sha": sha, "pdf": data, "at": datetime.now(UTC), "on": date(2026, 4, 5)},
        ).scalar_one()
        if old.dialect != "postgresql":  # as the store wrote its line at version 5
            tables.append_line(
                connection, "archive", record_id, state_detail(sha, "{}", "complete")
            )
    monkeypatch.setattr(tables, "MIGRATIONS", all_migrations)
    with open_store(store_url) as store, store.engine.connect() as connection:
        names = {column["name"] for column in sa.inspect(connection).get_columns("records")}
        assert "dated_on" in names
        assert "agreed_on" not in names
        query = sa.select(tables.records.c.dated_on).where(tables.records.c.id == record_id)
        assert connection.execute(query).scalar_one() == date(2026, 4, 5)
    code, stdout, err = run("records", "--store", store_url, "verify", "--json")
    assert (code, json.loads(stdout)["findings"]) == (0, []), err
    # A return archived after the upgrade keeps its form's date in the renamed column.
    copy = issue_copy(compiled_form("group-record"), sample_record("group-record"))[1]
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "g.pdf").write_bytes(copy)
    code, stdout, err = run(
        "ingest", str(tmp_path / "in"), "--out", str(tmp_path / "o"), "--store", store_url,
        "--json",
    )  # fmt: skip
    (result,) = lines(stdout)
    with open_store(store_url) as store, store.engine.connect() as connection:
        dated = connection.execute(
            sa.select(tables.records.c.dated_on).where(tables.records.c.id == result["record_id"])
        ).scalar_one()
    assert dated.isoformat() == result["data"]["held_on"]
    code, stdout, err = run("records", "--store", store_url, "verify", "--json")
    assert (code, json.loads(stdout)["findings"]) == (0, []), err


def test_unreachable_store_exits_1(tmp_path):
    code, _, err = run("records", "--store", "postgresql://nobody@127.0.0.1:1/none", "list")
    assert code == 1
    (line,) = err.strip().splitlines()
    assert "is unreachable: connection failed" in line
    assert "check that the server runs" in line  # the next step
    assert "\\n" not in line
    assert "psycopg" not in line
    code, _, err = run("records", "--store", "nonsense", "list")
    assert code == 2  # a usage error, found before anything is done
    assert "not a store URL" in err


def test_pdf_bytes_survive_byte_for_byte(tmp_path, store_url):
    data = issue_copy(compiled_form("group-record"), sample_record("group-record"))[1]
    with pikepdf.open(io.BytesIO(data)):
        pass
    store = open_store(store_url)
    request_close = store.close
    result = {
        "source": {
            "sha256": __import__("hashlib").sha256(data).hexdigest(),
            "filename": "g.pdf",
            "bytes": len(data),
        },
        "status": "incomplete",
    }
    stored = store.archive(IngestResult.from_json(result), data)
    assert store.record(stored.id)[1] == data
    assert store.archive(IngestResult.from_json(result), data).inserted is False
    request_close()


@pytest.mark.slow
def test_a_document_returned_twice_is_noted(tmp_path, store_url):
    identity, data, _ = issue_copy(compiled_form("agreement"), sample_record("agreement"))
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "first.pdf").write_bytes(data)
    (tmp_path / "in" / "second.pdf").write_bytes(edit(data, {"agreed_on": "05/04/2026"}))
    code, stdout, _ = run(
        "ingest",
        str(tmp_path / "in"),
        "--out",
        str(tmp_path / "o"),
        "--store",
        store_url,
        "--json",
        "--workers",
        "1",
    )
    first, second = sorted(lines(stdout), key=lambda r: r["source"]["filename"])
    assert first["document_id"] == second["document_id"] == identity.document_id
    assert "returned_again" not in {p["code"] for p in first["problems"]}
    assert {
        "field": "(file)",
        "code": "returned_again",
        "message": "this document was returned 1 time(s) before",
    } in second["problems"]
    assert second["status"] == "incomplete"  # a note, not a verdict


def test_the_database_keeps_the_audit_log(tmp_path, store_url):
    """Archiving writes its audit line itself, and no client can change or delete one."""
    with open_store(store_url) as store:
        result = {"source": {"sha256": "cd" * 32, "filename": "a.pdf", "bytes": 3}}
        stored = store.archive(IngestResult.from_json({**result, "status": "rejected"}), b"abc")
        (line,) = store.audit_log()
        assert (line["action"], line["record_id"]) == ("archive", stored.id)
        detail = json.loads(line["detail"])  # and the hash of the result (records.chain)
        assert (detail["status"], detail["sha256"]) == ("rejected", "cd" * 32)
        assert set(detail) == {"sha256", "result", "status", "row"}
        assert line["actor"] == who_writes(store)
        for statement in ("UPDATE audit SET actor = 'someone else'", "DELETE FROM audit"):
            with (
                pytest.raises(sa.exc.DBAPIError, match="append-only"),
                store.engine.begin() as connection,
            ):
                connection.execute(sa.text(statement))
        assert store.audit_log() == [line]


def who_writes(store) -> str:
    """Who a line names: PostgreSQL stamps the session's role, SQLite the user's name."""
    if store.dialect != "postgresql":
        return getpass.getuser()
    with store.engine.connect() as connection:
        return connection.execute(sa.text("SELECT session_user")).scalar_one()
