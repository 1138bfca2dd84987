"""The audit chain: every way an insider edits a store is caught by `records verify`, and named.

Each tamper runs as the store's owner would (raw SQL on the SQLite file, or the
superuser on PostgreSQL), on SQLite and on a real PostgreSQL server.
"""

from __future__ import annotations

import hashlib
import itertools
import json

import pytest
import sqlalchemy as sa
from supforms.forms.writing.compiled import compiled_form
from supforms.pipeline.delivery.generate import issue_copy
from supforms.pipeline.records.chain import ROW_COLUMNS, line_hash, row_state
from supforms.pipeline.records.opening import open_store
from supforms.pipeline.records.tables import MIGRATIONS, records
from supforms.pipeline.result import IngestResult

from tests.cli import run
from tests.conftest import ISSUED_AT, sample_record


def verify(store_url: str, *args: str) -> tuple[int, dict]:
    code, stdout, _ = run("records", "--store", store_url, "verify", "--json", *args)
    return code, json.loads(stdout)


def problems(report: dict) -> set[tuple[str, int | None, str]]:
    return {(f["subject"], f["id"], f["problem"]) for f in report["findings"]}


@pytest.fixture
def filled(tmp_path, store_url) -> dict[str, int]:
    """Three returns archived by `ingest`: their record ids by form."""
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    for form_id in ("contract", "agreement", "group-record"):
        data = issue_copy(compiled_form(form_id), sample_record(form_id), issued_at=ISSUED_AT)[1]
        (inbox / f"{form_id}.pdf").write_bytes(data)
    code, stdout, _ = run(
        "ingest", str(inbox), "--out", str(tmp_path / "o"), "--store", store_url, "--json"
    )
    assert code == 3
    ids = {r["form"]: r["record_id"] for r in map(json.loads, stdout.splitlines())}
    code, report = verify(store_url)
    assert (code, report["findings"]) == (0, [])
    return ids


def owner_sql(store_url: str, *statements: str, **params: object) -> None:
    with open_store(store_url) as store, store.engine.begin() as connection:
        for statement in statements:
            connection.execute(sa.text(statement), params)


def test_an_untouched_store_verifies_and_says_so(filled, store_url):
    code, stdout, err = run("records", "--store", store_url, "verify")
    assert code == 0, err
    assert stdout.startswith("All 3 stored PDFs match their SHA-256 and their archive lines;")
    code, report = verify(store_url)
    assert report["ok"] is True
    assert report["pdfs"] == 3
    assert report["lines"] == 5  # three archives, and two verifications before this one
    with open_store(store_url) as store:
        log = store.audit_log()
    assert [line["action"] for line in log] == ["archive"] * 3 + ["verify"] * 3
    assert [line["id"] for line in log] == [1, 2, 3, 4, 5, 6]
    assert log[0]["prev_hash"] == "0" * 64
    assert all(b["prev_hash"] == a["hash"] for a, b in itertools.pairwise(log))
    archive = json.loads(log[0]["detail"])
    assert set(archive) == {"sha256", "result", "status", "row"}
    assert tuple(archive["row"]) == ROW_COLUMNS  # a digest per column, never a value


def test_a_pdf_and_its_hash_replaced_together(filled, store_url):
    forged = b"%PDF-1.7 a different return"
    owner_sql(
        store_url,
        "UPDATE records SET pdf = :pdf, sha256 = :sha WHERE id = :id",
        pdf=forged,
        sha=hashlib.sha256(forged).hexdigest(),
        id=filled["agreement"],
    )
    code, report = verify(store_url)
    assert code == 1
    assert problems(report) == {("record", filled["agreement"], "sha256_changed")}
    (finding,) = report["findings"]
    assert finding["message"].startswith(f"record {filled['agreement']}: its SHA-256")
    assert "archive line" in finding["message"]


def test_a_status_edited(filled, store_url):
    owner_sql(
        store_url, "UPDATE records SET status = 'complete' WHERE id = :id", id=filled["contract"]
    )
    code, stdout, _ = run("records", "--store", store_url, "verify")
    assert code == 1
    assert f"record {filled['contract']}: its status is 'complete'" in stdout
    assert "says 'incomplete'" in stdout


def test_the_result_json_edited(filled, store_url):
    owner_sql(
        store_url,
        "UPDATE records SET result = replace(result, 'Łukasz', 'Lukas') WHERE id = :id",
        id=filled["agreement"],
    )
    code, report = verify(store_url)
    assert code == 1
    assert problems(report) == {("record", filled["agreement"], "result_changed")}


def test_a_record_deleted(filled, store_url):
    owner_sql(store_url, "DELETE FROM records WHERE id = :id", id=filled["group-record"])
    code, report = verify(store_url)
    assert code == 1
    assert problems(report) == {("record", filled["group-record"], "record_missing")}
    assert "no purge line accounts for it" in report["findings"][0]["message"]


def _untriggered(store_url: str) -> str:
    """How the owner removes the append-only triggers."""
    if store_url.startswith("sqlite"):
        return "DROP TRIGGER audit_no_delete"
    return "ALTER TABLE audit DISABLE TRIGGER ALL"


def test_audit_lines_deleted_after_the_triggers_were_removed(filled, store_url):
    with pytest.raises(sa.exc.DBAPIError, match="append-only"):
        owner_sql(store_url, "DELETE FROM audit WHERE id = 2")
    with open_store(store_url) as store:
        record = next(line["record_id"] for line in store.audit_log() if line["id"] == 2)
    owner_sql(store_url, _untriggered(store_url), "DELETE FROM audit WHERE id = 2")
    code, report = verify(store_url)
    assert code == 1
    assert problems(report) == {
        ("line", 3, "chain_broken"),  # line 3 was chained to the deleted line 2
        ("record", record, "no_archive_line"),
    }
    assert "audit line 3 does not follow line 1" in report["findings"][0]["message"]


def test_the_last_line_deleted_is_caught_by_its_record(filled, store_url):
    owner_sql(store_url, _untriggered(store_url), "DELETE FROM audit WHERE id >= 3")
    code, report = verify(store_url)
    assert code == 1
    assert ("record", 3, "no_archive_line") in problems(report)


def test_a_line_edited_in_place(filled, store_url):
    untrigger = (
        "DROP TRIGGER audit_no_update"
        if store_url.startswith("sqlite")
        else "ALTER TABLE audit DISABLE TRIGGER ALL"
    )
    owner_sql(store_url, untrigger, "UPDATE audit SET actor = 'someone else' WHERE id = 2")
    code, report = verify(store_url)
    assert code == 1
    assert problems(report) == {("line", 2, "line_changed")}


def test_the_whole_log_rewritten_after_its_head_was_noted(filled, store_url):
    code, stdout, _ = run("records", "--store", store_url, "head", "--json")
    noted = json.loads(stdout)
    code, stdout, _ = run("records", "--store", store_url, "head")
    assert stdout.split()[0] == noted["hash"]
    # The insider changes a status, then rewrites every line to agree with it.
    target = filled["contract"]
    owner_sql(store_url, "UPDATE records SET status = 'complete' WHERE id = :id", id=target)
    untrigger = (
        ("DROP TRIGGER audit_no_update",)
        if store_url.startswith("sqlite")
        else ("ALTER TABLE audit DISABLE TRIGGER ALL",)
    )
    with open_store(store_url) as store, store.engine.begin() as connection:
        for statement in untrigger:
            connection.execute(sa.text(statement))
        previous = "0" * 64
        for line in connection.execute(sa.text("SELECT * FROM audit ORDER BY id")).all():
            detail = line.detail
            if line.record_id == target and line.action == "archive":
                detail = json.dumps({**json.loads(detail), "status": "complete"})
            digest = line_hash(
                line.id, line.at, line.actor, line.action, line.record_id, detail, previous
            )
            connection.execute(
                sa.text("UPDATE audit SET detail = :d, prev_hash = :p, hash = :h WHERE id = :i"),
                {"d": detail, "p": previous, "h": digest, "i": line.id},
            )
            previous = digest
        if not store_url.startswith("sqlite"):
            connection.execute(sa.text("ALTER TABLE audit ENABLE TRIGGER ALL"))
    code, report = verify(store_url)
    assert code == 0  # consistent within itself: only the noted head tells
    code, report = verify(store_url, "--expect-head", noted["hash"])
    assert code == 1
    assert problems(report) == {("head", None, "head_missing")}
    assert noted["hash"] in report["findings"][0]["message"]


def test_a_noted_head_still_proves_the_log_as_it_grows(filled, store_url, tmp_path):
    noted = json.loads(run("records", "--store", store_url, "head", "--json")[1])
    with open_store(store_url) as store:
        store.archive(IngestResult.from_json(rejected(b"abc")), b"abc")
    code, report = verify(store_url, "--expect-head", noted["hash"].upper())
    assert (code, report["findings"]) == (0, [])
    code, report = verify(store_url, "--expect-head", "ab" * 32)
    assert problems(report) == {("head", None, "head_missing")}


def test_a_purge_line_accounts_for_its_record(filled, store_url):
    target = filled["agreement"]
    with open_store(store_url) as store:
        with store._begin() as connection:  # as a purge does: the line, and the deletion
            row = connection.execute(sa.select(records).where(records.c.id == target)).one()
            store._audit(connection, "purge", target, row_state(row._mapping))
            connection.execute(sa.text("DELETE FROM records WHERE id = :id"), {"id": target})
        with store._begin() as connection:  # a purge line naming another PDF accounts for none
            connection.execute(
                sa.text("DELETE FROM records WHERE id = :id"), {"id": filled["contract"]}
            )
            store._audit(connection, "purge", filled["contract"], {"sha256": "ab" * 32})
    code, report = verify(store_url)
    assert problems(report) == {("record", filled["contract"], "record_missing")}


def scanned(data: bytes) -> IngestResult:
    """A scan awaiting transcription, as ingest archives one."""
    return IngestResult.from_json({**rejected(data), "status": "scanned", "form": "contract"})


def test_a_transcription_restates_its_record(filled, store_url):
    with open_store(store_url) as store:
        target = store.archive(scanned(b"%PDF a scan"), b"%PDF a scan").id
        result = store.record(target)[0]
        store.update_result(
            target, IngestResult.from_json({**result, "status": "complete"}), "transcribe"
        )
        line = store.audit_log()[-1]
    assert (line["action"], line["record_id"]) == ("transcribe", target)
    assert json.loads(line["detail"])["status"] == "complete"
    code, report = verify(store_url)
    assert (code, report["findings"]) == (0, [])
    owner_sql(store_url, "UPDATE records SET status = 'incomplete' WHERE id = :id", id=target)
    code, report = verify(store_url)
    assert problems(report) == {("record", target, "status_changed")}
    assert f"its transcribe line {line['id']}" in report["findings"][0]["message"]


def test_any_text_hashes_alike_in_python_and_in_the_database(tmp_path, store_url):
    """PostgreSQL's trigger and Python hash the same canonical JSON, whatever the text."""
    awkward = 'quote" back\\slash \x01\x1f\x7f tab\t nl\n Łódź Ахмед 😀 \u2028 \u202e </script>'
    with open_store(store_url) as store:
        store.log(awkward[:30], {"text": awkward, "n": 1.5, "none": None})
        store.log("export", {awkward: [awkward]}, record_id=None)
    code, report = verify(store_url)
    assert (code, report["findings"]) == (0, [])


def test_an_older_store_is_chained_when_it_upgrades(store_url, monkeypatch):
    from supforms.pipeline.records import tables

    monkeypatch.setattr(tables, "MIGRATIONS", MIGRATIONS[:3])
    # Version 3 as it was: its trigger wrote each archive line, unchained.
    owner_sql(
        store_url,
        "INSERT INTO records (sha256, pdf, result, status, source_name, received_at) "
        "VALUES (:sha, :pdf, '{}', 'rejected', 'a.pdf', :at)",
        "INSERT INTO audit (at, actor, action, detail) VALUES (:at, 'me', 'export', '{}')",
        sha=hashlib.sha256(b"abc").hexdigest(),
        pdf=b"abc",
        at=ISSUED_AT,
    )
    monkeypatch.setattr(tables, "MIGRATIONS", MIGRATIONS)
    with open_store(store_url) as upgraded:
        log = upgraded.audit_log()
        assert [(line["action"], line["record_id"]) for line in log] == [
            ("archive", 1),
            ("export", None),
            ("baseline", 1),  # version 4: its PDF, result and status
            ("baseline", 1),  # version 7: every column
        ]
        upgraded.archive(IngestResult.from_json(rejected(b"def")), b"def")
    code, report = verify(store_url)
    assert (code, report["findings"]) == (0, [])
    assert report["lines"] == 5
    owner_sql(store_url, "UPDATE records SET status = 'complete' WHERE id = 1")
    code, report = verify(store_url)
    assert problems(report) == {("record", 1, "status_changed")}


def rejected(data: bytes) -> dict:
    sha = hashlib.sha256(data).hexdigest()
    source = {"sha256": sha, "filename": "x.pdf", "bytes": len(data)}
    return {"source": source, "status": "rejected"}
