"""Insider edits the chain once missed: every column, appended lines, bare purges, forged stamps.

Each edit is made as the store's owner (raw SQL on the SQLite file, the owning
role on PostgreSQL), on SQLite and on a real PostgreSQL server; `records verify`
must name the record and what changed.
"""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa
from supforms.pipeline.records.chain import ROW_COLUMNS, row_state
from supforms.pipeline.records.opening import open_store
from supforms.pipeline.records.tables import records

from tests.cli import run
from tests.pipeline import test_chain
from tests.pipeline.test_chain import owner_sql, problems, verify

filled = test_chain.filled  # three returns archived by `ingest`, as the chain's tests use

# What an insider writes into each column: another person, a date that escapes a purge.
EDITS = {
    "supervisee": "Someone Else",
    "supervisor": "Someone Else",
    "team": "Another Team",
    "received_at": "2099-01-01 00:00:00",
    "document_id": "0123456789abcdef0123456789abcdef",
    "form": "session-record",
    "dated_on": "2099-01-01",
    "source_name": "innocent.pdf",
    "case_reference": "CASE-0000",
    "version": "9.9.9",
    "archived_by": "records_owner",
}


def set_column(store_url: str, column: str, value: str, record_id: int) -> None:
    """``UPDATE records SET column = value``, as the owner would type it."""
    cast = {"received_at": "TIMESTAMP WITH TIME ZONE", "dated_on": "DATE"}.get(column)
    typed = f"CAST(:v AS {cast})" if cast and not store_url.startswith("sqlite") else ":v"
    statement = f"UPDATE records SET {column} = {typed} WHERE id = :id"
    owner_sql(store_url, statement, v=value, id=record_id)


@pytest.mark.parametrize("column", list(EDITS))
def test_each_column_changed_in_the_table_is_named(filled, store_url, column):
    target = filled["agreement"]
    set_column(store_url, column, EDITS[column], target)
    code, report = verify(store_url)
    assert code == 1
    assert problems(report) == {("record", target, f"{column}_changed")}
    (finding,) = report["findings"]
    assert finding["message"].startswith(f"record {target}: its {column} is not the one")
    code, stdout, _ = run("records", "--store", store_url, "verify")
    assert f"record {target}: its {column}" in stdout


def test_a_column_emptied_is_named(filled, store_url):
    target = filled["contract"]
    owner_sql(store_url, "UPDATE records SET supervisee = NULL WHERE id = :id", id=target)
    code, report = verify(store_url)
    assert problems(report) == {("record", target, "supervisee_changed")}


def test_every_column_a_reader_reads_is_in_the_chain():
    """Only the PDF (re-hashed itself), the id (on the line) and the stated three are not."""
    stated = {"id", "pdf", "sha256", "result", "status", *ROW_COLUMNS}
    assert stated == set(records.c.keys())


def _append_state(store_url: str, action: str, record_id: int, **changes: object) -> int:
    """The insider's second step: a line, written as the store writes them, stating the edit."""
    with open_store(store_url) as store, store._begin() as connection:
        row = connection.execute(sa.select(records).where(records.c.id == record_id)).one()
        store._audit(connection, action, record_id, row_state({**row._mapping, **changes}))
    with open_store(store_url) as store:
        return store.audit_log()[-1]["id"]


@pytest.mark.parametrize("action", ["archive", "transcribe", "baseline"])
def test_a_status_changed_then_stated_by_an_appended_line(filled, store_url, action):
    target = filled["contract"]
    owner_sql(store_url, "UPDATE records SET status = 'complete' WHERE id = :id", id=target)
    forged = _append_state(store_url, action, target)
    code, report = verify(store_url)
    assert code == 1
    assert problems(report) == {
        ("line", forged, "line_forged"),
        ("record", target, "status_changed"),
    }
    messages = " ".join(f["message"] for f in report["findings"])
    assert f"audit line {forged} ({action} of record {target})" in messages
    code, report = verify(store_url, "--expect-head", report["head"]["hash"])
    assert code == 1  # a head noted after the forgery proves nothing about it


def test_a_record_deleted_with_a_bare_purge_line(filled, store_url):
    target = filled["group-record"]
    with open_store(store_url) as store:
        sha = store.record(target)[2]
    owner_sql(store_url, "DELETE FROM records WHERE id = :id", id=target)
    with open_store(store_url) as store:
        store.log("purge", {"sha256": sha}, record_id=target)
        purge = store.audit_log()[-1]["id"]
    code, report = verify(store_url)
    assert problems(report) == {("record", target, "record_missing")}
    message = report["findings"][0]["message"]
    assert f"purge line {purge} does not state the record it purged" in message


def test_the_product_purge_accounts_for_what_it_purged(filled, store_url):
    code, _, err = run("records", "purge", "--before", "01/01/2099", "--yes", "--store", store_url)
    assert code == 0, err
    with open_store(store_url) as store:
        purged = [
            json.loads(line["detail"]) for line in store.audit_log() if line["action"] == "purge"
        ]
    assert len(purged) == 3
    assert all(set(detail) == {"sha256", "result", "status", "row"} for detail in purged)
    code, report = verify(store_url)
    assert (code, report["findings"]) == (0, [])


def test_a_received_at_moved_past_a_purge_is_named(filled, store_url):
    """The record survives the purge it was meant to go in; verify says why."""
    target = filled["agreement"]
    set_column(store_url, "received_at", "2099-01-01 00:00:00", target)
    code, _, err = run("records", "purge", "--before", "01/01/2030", "--yes", "--store", store_url)
    assert code == 0, err
    code, report = verify(store_url)
    assert problems(report) == {("record", target, "received_at_changed")}


def test_a_malformed_line_is_named_and_the_proof_goes_on(filled, store_url):
    with open_store(store_url) as store, store._begin() as connection:
        store._audit(connection, "archive", filled["contract"], {"status": "complete"})
    owner_sql(
        store_url, "UPDATE records SET team = 'elsewhere' WHERE id = :id", id=filled["agreement"]
    )
    code, report = verify(store_url)
    (malformed,) = [f for f in report["findings"] if f["problem"] == "line_malformed"]
    assert (
        f"of record {filled['contract']}) is not a line the store writes" in (malformed["message"])
    )
    assert problems(report) == {  # the records after it are still checked
        ("line", malformed["id"], "line_malformed"),
        ("record", filled["agreement"], "team_changed"),
    }


@pytest.mark.parametrize(
    "store_url", [pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True
)
def test_postgresql_states_a_row_as_python_does(filled, store_url):
    """The archive trigger's SQL and records.chain.row_state agree, whatever the values.

    PostgreSQL only: on SQLite the lines are written by that same Python.
    """
    awkward = 'quote" back\\slash \x01 tab\t nl\n Łódź Ахмед 😀 \u2028 \u202e'
    owner_sql(
        store_url,
        "UPDATE records SET supervisee = :a, team = NULL, dated_on = '1999-12-31', "
        "received_at = '2026-03-29 01:30:00.000001+01' WHERE id = :id",
        a=awkward,
        id=filled["agreement"],
    )
    with open_store(store_url) as store, store.engine.connect() as connection:
        for row in connection.execute(sa.select(records)).all():
            said = connection.execute(
                sa.text("SELECT supforms_row_state(r) FROM records r WHERE id = :id"),
                {"id": row.id},
            ).scalar_one()
            assert json.loads(said) == row_state(row._mapping)
