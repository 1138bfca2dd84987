"""supforms ingest imaps://…: returns straight from a real Dovecot, each message read once."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from email.message import EmailMessage
from pathlib import Path

import pytest
import sqlalchemy as sa
from supforms.pipeline.records.opening import open_store

from tests.cli import run
from tests.conftest import _fresh_postgres
from tests.dovecot import PASSWORD, Dovecot, dovecot
from tests.pipeline.test_roles import roles  # noqa: F401 (the fixture, for one test here)
from tests.smtp import HOLD_WAIT

pytestmark = pytest.mark.slow  # a real IMAP server

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def server(tmp_path, monkeypatch):
    monkeypatch.setenv("SUPFORMS_IMAP_PASSWORD", PASSWORD)
    with dovecot(tmp_path / "dovecot") as made:
        monkeypatch.setenv("SSL_CERT_FILE", str(made.ca_file))
        yield made


def _message(subject: str, pdf: bytes | None, name: str = "return.pdf") -> bytes:
    message = EmailMessage()
    message["From"] = "Alice Adams <alice@example.org>"
    message["To"] = "returns@example.org"
    message["Subject"] = subject
    message.set_content("Here it is.")
    if pdf is not None:
        message.add_attachment(pdf, maintype="application", subtype="pdf", filename=name)
    return bytes(message)


@pytest.fixture
def three(server: Dovecot, filled_pdfs):
    """Two messages with a return attached, one with none."""
    server.append(_message("contract", filled_pdfs["contract"]))
    server.append(_message("just a note", None))
    server.append(_message("agreement", filled_pdfs["agreement"]))
    return server


def _ingest(server: Dovecot, tmp_path, store: str, *extra: str):
    code, stdout, err = run(
        "ingest", server.url, "--out", str(tmp_path / "ingest"), "--store", store,
        "--workers", "1", "--json", *extra,
    )  # fmt: skip
    return code, [json.loads(line) for line in stdout.splitlines()], err


def _records(store: str) -> list[tuple[str, str]]:
    engine = sa.create_engine(store.replace("postgresql://", "postgresql+psycopg://", 1))
    with engine.connect() as connection:
        rows = connection.execute(sa.text("SELECT status, source_name FROM records")).all()
        # One statement, one snapshot: an ingest still running archives between two.
        kept, archived = connection.execute(
            sa.text(
                "SELECT (SELECT count(*) FROM records), "
                "(SELECT count(*) FROM audit WHERE action = 'archive')"
            )
        ).one()
    engine.dispose()
    assert archived == kept, "one archive line per record"
    return sorted((row.status, row.source_name) for row in rows)


def _returns(records: list[tuple[str, str]]) -> list[tuple[str, str]]:
    return [r for r in records if r[0] != "rejected"]


def test_two_returns_archived_one_reported_each_moved_then_nothing_new(tmp_path, three):
    store = f"sqlite:///{tmp_path}/records.db"
    code, results, err = _ingest(three, tmp_path, store, "--move-to", "Filed")
    assert code == 3, err  # the note without a PDF needs a person
    statuses = sorted(r["status"] for r in results)
    assert len(results) == 3
    assert statuses.count("rejected") == 1
    (note,) = [r for r in results if r["status"] == "rejected"]
    assert note["problems"][0]["code"] == "no_pdf_attached"
    assert {r["form"] for r in results if r["status"] != "rejected"} == {"contract", "agreement"}
    assert len(_returns(_records(store))) == 2
    assert three.uids("INBOX") == []
    assert len(three.uids("Filed")) == 3
    summary = json.loads((tmp_path / "ingest" / "summary.json").read_text())
    assert len(summary["files"]) == 3

    code, results, err = _ingest(three, tmp_path, store, "--move-to", "Filed")
    assert (code, results) == (0, []), err
    assert len(_records(store)) == 3
    assert len(three.uids("Filed")) == 3


def test_without_move_to_each_message_is_flagged_and_stays(tmp_path, three):
    store = f"sqlite:///{tmp_path}/records.db"
    code, results, _ = _ingest(three, tmp_path, store)
    assert len(results) == 3
    flags = three.flags("INBOX")
    assert len(flags) == 3
    assert all("$SupformsIngested" in text for text in flags.values()), flags
    assert all("\\Seen" not in text for text in flags.values()), "left unread for people"
    code, results, _ = _ingest(three, tmp_path, store)
    assert (code, results) == (0, [])
    assert len(_records(store)) == 3


def test_a_new_message_after_a_run_is_the_only_one_read(tmp_path, three, filled_pdfs):
    store = f"sqlite:///{tmp_path}/records.db"
    _ingest(three, tmp_path, store, "--move-to", "Filed")
    three.append(_message("group record", filled_pdfs["group-record"]))
    code, results, _ = _ingest(three, tmp_path, store, "--move-to", "Filed")
    assert [r["form"] for r in results] == ["group-record"]


@pytest.mark.parametrize(
    "url", ["imap://returns@127.0.0.1/INBOX", "imaps://returns:pw@127.0.0.1/INBOX"]
)
def test_no_tls_or_a_password_in_the_url_is_refused(tmp_path, url, monkeypatch):
    monkeypatch.setenv("SUPFORMS_IMAP_PASSWORD", PASSWORD)
    code, _, err = run("ingest", url, "--out", str(tmp_path / "ingest"))
    assert code == 2
    assert "pw" not in err.replace("password", "")


def test_a_certificate_not_trusted_stops_before_login(tmp_path, three, monkeypatch):
    monkeypatch.delenv("SSL_CERT_FILE")
    store = f"sqlite:///{tmp_path}/records.db"
    code, _, err = _ingest(three, tmp_path, store)
    assert code == 1
    (line,) = err.strip().splitlines()
    assert "did not prove who it is (unable to get local issuer certificate)" in line
    assert line.endswith("give its certificate with --imap-ca FILE.pem")  # the next step
    code, results, err = _ingest(three, tmp_path, store, "--imap-ca", str(three.ca_file))
    assert len(results) == 3, err


# -- killed mid-run ------------------------------------------------------------


def _wait_for(condition, process: subprocess.Popen) -> None:
    """Poll until ``condition()`` (progress), or the process ends; never a fixed delay."""
    deadline = time.monotonic() + HOLD_WAIT  # a guard against a hung test only
    while not condition() and process.poll() is None:
        assert time.monotonic() < deadline, "no progress"
        time.sleep(0.005)


@contextmanager
def _running(server: Dovecot, tmp_path, store: str) -> Iterator[subprocess.Popen]:
    """``supforms ingest`` from the mailbox in a process of its own, killed by the test."""
    command = [
        sys.executable, "-m", "supforms", "ingest", server.url, "--out",
        str(tmp_path / "ingest"), "--store", store, "--workers", "1", "--move-to", "Filed",
    ]  # fmt: skip
    with (tmp_path / "stderr").open("wb") as errors:
        process = subprocess.Popen(
            command, cwd=ROOT, env={**os.environ}, stdout=subprocess.DEVNULL, stderr=errors
        )
        try:
            yield process
        finally:
            if process.poll() is None:
                os.kill(process.pid, signal.SIGKILL)
            process.wait()


def _rerun_finds_all_once(server: Dovecot, tmp_path, store: str) -> None:
    code, _, err = _ingest(server, tmp_path, store, "--move-to", "Filed")
    assert code in (0, 3), err
    records = _records(store)
    assert len(records) == 3, "nothing lost, nothing twice"
    assert len(_returns(records)) == 2
    assert server.uids("INBOX") == []
    assert len(server.uids("Filed")) == 3, "each message moved once"
    code, results, _ = _ingest(server, tmp_path, store, "--move-to", "Filed")
    assert (code, results) == (0, [])


def test_killed_after_the_fetch_nothing_archived_then_rerun(tmp_path, three):
    """The store is locked (SQLite): the run fetches everything, archives nothing, is killed."""
    store = f"sqlite:///{tmp_path}/records.db"
    open_store(store).close()  # the store exists, at this schema
    lock = sqlite3.connect(tmp_path / "records.db", isolation_level=None)
    lock.execute("BEGIN IMMEDIATE")
    saved = tmp_path / "ingest" / "mail" / "imap"
    try:
        with _running(three, tmp_path, store) as process:
            _wait_for(lambda: saved.exists() and len(list(saved.glob("*.eml"))) == 3, process)
            os.kill(process.pid, signal.SIGKILL)
    finally:
        lock.execute("ROLLBACK")
        lock.close()
    assert process.returncode == -signal.SIGKILL, (tmp_path / "stderr").read_text()
    assert _records(store) == []
    assert len(three.uids("INBOX")) == 3, "nothing moved before it was archived"
    _rerun_finds_all_once(three, tmp_path, store)


@pytest.fixture
def pg_store() -> str:
    url = os.environ.get("SUPFORMS_TEST_PG_URL")
    if not url:
        if os.environ.get("CI") == "true":
            pytest.fail("SUPFORMS_TEST_PG_URL is not set: .ci/run must start PostgreSQL")
        pytest.skip("no PostgreSQL (set SUPFORMS_TEST_PG_URL, e.g. via .ci/postgres start)")
    return _fresh_postgres(url)


@pytest.mark.postgres
def test_killed_after_the_first_message_archived_then_rerun(tmp_path, three, pg_store):
    """Killed once the first message is archived, before it is remembered (PostgreSQL)."""
    url = pg_store
    open_store(url).close()
    engine = sa.create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    holder = engine.connect()
    transaction = holder.begin()
    # Remembering a message (an INSERT) waits; archiving does not.
    holder.execute(sa.text("LOCK TABLE imap_seen IN SHARE MODE"))
    try:
        with _running(three, tmp_path, url) as process:
            _wait_for(lambda: len(_records(url)) >= 1, process)
            os.kill(process.pid, signal.SIGKILL)
    finally:
        transaction.rollback()
        holder.close()
        engine.dispose()
    assert process.returncode == -signal.SIGKILL, (tmp_path / "stderr").read_text()
    assert len(_records(url)) == 1, "killed with the first message archived, no more"
    assert len(three.uids("INBOX")) == 3
    _rerun_finds_all_once(three, tmp_path, url)


@pytest.mark.postgres
def test_the_ingest_role_reads_a_mailbox_and_cannot_forget_a_message(
    tmp_path,
    three,
    roles,  # noqa: F811 (the fixture imported above)
):
    """Least privilege: remembering messages is an insert; forgetting one is refused."""
    store = roles.url(roles.ingest)
    code, results, err = _ingest(three, tmp_path, store, "--move-to", "Filed")
    assert len(results) == 3, err
    assert len(three.uids("Filed")) == 3
    engine = sa.create_engine(store.replace("postgresql://", "postgresql+psycopg://", 1))
    try:
        with (
            pytest.raises(sa.exc.ProgrammingError, match="permission denied"),
            engine.begin() as connection,
        ):
            connection.execute(sa.text("DELETE FROM imap_seen"))
    finally:
        engine.dispose()
    code, results, _ = _ingest(three, tmp_path, store, "--move-to", "Filed")
    assert (code, results) == (0, [])


def test_a_message_that_cannot_be_fetched_is_left_with_the_reason(tmp_path, server, filled_pdfs):
    """The server cannot read one message (its file made unreadable): it stays, and is listed."""
    server.append(_message("contract", filled_pdfs["contract"]))
    server.append(_message("unreadable agreement", filled_pdfs["agreement"]))
    store = f"sqlite:///{tmp_path}/records.db"
    server.file_new_mail()  # where the server keeps it from now on
    (broken,) = [
        path
        for path in (server.folder / "mail").rglob("*")
        if path.is_file() and b"Subject: unreadable agreement" in path.read_bytes()
    ]
    broken.chmod(0)
    try:
        code, results, err = _ingest(server, tmp_path, store, "--move-to", "Filed")
    finally:
        broken.chmod(0o600)
    assert code == 3, err
    left = [r for r in results if r["status"] == "skipped"]
    assert [r["problems"][0]["code"] for r in left] == ["left_in_mailbox"]
    assert "left in the mailbox" in left[0]["problems"][0]["message"]
    summary = json.loads((tmp_path / "ingest" / "summary.json").read_text())
    assert [row["status"] for row in summary["files"]].count("skipped") == 1
    assert [r["form"] for r in results if r["status"] != "skipped"] == ["contract"]
    assert server.uids("INBOX") == [2], "left where it was"
    assert server.uids("Filed") == [1]

    code, results, err = _ingest(server, tmp_path, store, "--move-to", "Filed")
    assert [r["form"] for r in results] == ["agreement"], err
    assert server.uids("INBOX") == []
