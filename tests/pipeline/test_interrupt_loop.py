"""Ctrl-C (SIGINT) during remind, renew and print: the one in hand ends, the rest waits.

As in test_interrupt: the signal goes once the test has read a chosen number of
result lines (or, for print, seen the store made), never after a delay. The run
says how far it got and exits 130 with no traceback; the same command again does
the rest, and over both runs each copy is reminded, and each record renewed, once.
"""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
from contextlib import suppress
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.cli import run
from tests.deliveries import manifest, send_command, write_roster
from tests.pipeline.test_ingest import edit
from tests.pipeline.test_interrupt import ROOT, _interrupt
from tests.pipeline.test_renew import SIGNED, TODAY, _signed
from tests.smtp import Mailbox, smtp_server

pytestmark = pytest.mark.slow  # processes interrupted and run again

PEOPLE = [(f"Person {n:02d}", f"person.{n:02d}@example.org") for n in range(8)]


def _rows(store: str, sql: str) -> list[tuple]:
    engine = sa.create_engine(store)
    try:
        with engine.connect() as connection:
            return [tuple(row) for row in connection.execute(sa.text(sql))]
    finally:
        engine.dispose()


def test_an_interrupted_remind_sends_each_reminder_once_over_two_runs(tmp_path):
    store, out = f"sqlite:///{tmp_path}/records.db", tmp_path / "out"
    roster = write_roster(tmp_path / "roster.jsonl", PEOPLE)
    mailbox = Mailbox()
    with smtp_server(mailbox) as url:
        code, _, err = run(*send_command(roster, out, url, store))
        assert code == 0, err
        later = (datetime.now(UTC) + timedelta(days=30)).isoformat()
        command = ["remind", "agreement", "--out", str(out), "--smtp", url, "--smtp-insecure",
                   "--store", store, "--now", later, "--json"]  # fmt: skip
        returncode, first, stderr = _interrupt(command, 2, signal.SIGINT, tmp_path)
        assert returncode == 130, stderr
        assert "Traceback" not in stderr
        match = re.search(r"interrupted \(SIGINT\): (\d+) reminders done; run the same", stderr)
        assert match, stderr
        assert int(match[1]) == len(first) >= 2
        assert len(first) < len(PEOPLE)  # stopped before the end
        assert {d["status"] for d in first} == {"sent"}

        code, stdout, err = run(*command)
        assert code == 0, err
        second = [json.loads(line) for line in stdout.splitlines()]
        sent = [d["recipient"] for d in [*first, *second] if d["status"] == "sent"]
        assert sorted(sent) == sorted(address for _, address in PEOPLE)  # each once
        reminders = [m for m in mailbox.received() if m.to in sent]
        assert len(reminders) == 2 * len(PEOPLE)  # the copy, then one reminder each
    logged = _rows(store, "SELECT recipient FROM deliveries WHERE reminder = 1 AND status = 'sent'")
    assert sorted(r for (r,) in logged) == sorted(sent)


def _due_contracts(tmp_path: Path, store: str, people: list[tuple[str, str]]) -> None:
    """A contract per person, signed 13 months before TODAY and archived complete."""
    roster = write_roster(tmp_path / "roster.jsonl", people)
    made = tmp_path / "made"
    code, _, err = run("generate", "contract", "--data", str(roster), "--out", str(made),
                       "--store", store)  # fmt: skip
    assert code == 0, err
    returns = tmp_path / "returns"
    returns.mkdir()
    for copy in manifest(made):
        filled = edit((made / copy["file"]).read_bytes(),
                      {"supervisee.department": "East", "signatures.date": SIGNED})  # fmt: skip
        (returns / copy["file"]).write_bytes(_signed(filled, "contract"))
    code, _, err = run("ingest", str(returns), "--out", str(tmp_path / "ingest"),
                       "--store", store, "--workers", "1")  # fmt: skip
    assert code == 0, err


def test_an_interrupted_renew_renews_each_record_once_over_two_runs(tmp_path):
    store = f"sqlite:///{tmp_path}/records.db"
    _due_contracts(tmp_path, store, PEOPLE)
    command = ["renew", "--no-send", "--today", TODAY, "--store", store, "--json",
               "--out", str(tmp_path / "renewals")]  # fmt: skip
    returncode, first, stderr = _interrupt(command, 2, signal.SIGINT, tmp_path)
    assert returncode == 130, stderr
    assert "Traceback" not in stderr
    match = re.search(r"interrupted \(SIGINT\): (\d+) records done; run the same", stderr)
    assert match, stderr
    assert int(match[1]) == len(first) >= 2
    assert len(first) < len(PEOPLE)
    # Each renewal reported is issued and linked; nothing else was.
    linked = _rows(store, "SELECT renews FROM issued WHERE renews IS NOT NULL")
    assert sorted(r for (r,) in linked) == sorted(line["record_id"] for line in first)

    code, stdout, err = run(*command)
    assert code == 0, err
    second = [json.loads(line) for line in stdout.splitlines()]
    renewed = [line["record_id"] for line in [*first, *second] if line["status"] == "issued"]
    assert len(renewed) == len(set(renewed)) == len(PEOPLE)  # each once, over both runs
    already = {line["record_id"] for line in second if line["status"] == "renewed-already"}
    assert already == {line["record_id"] for line in first}
    linked = _rows(store, "SELECT renews FROM issued WHERE renews IS NOT NULL")
    assert sorted(r for (r,) in linked) == sorted(renewed)


def test_an_interrupted_print_writes_a_whole_pack_and_registers_it_or_neither(tmp_path):
    """SIGINT once the store is made (the pack is being made): all or nothing, said so."""
    store_file = tmp_path / "records.db"
    target = tmp_path / "pack.pdf"
    child = subprocess.Popen(
        [sys.executable, "-m", "supforms", "print", "contract", "--count", "120",
         "--store", f"sqlite:///{store_file}", "-o", str(target)],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    while not store_file.exists() and child.poll() is None:
        with suppress(subprocess.TimeoutExpired):
            child.wait(0.05)  # poll for the store, the first thing the command makes
    child.send_signal(signal.SIGINT)
    stdout, stderr = child.communicate()
    assert "Traceback" not in stderr
    # The signal may come while the new store is still being made: then it has no
    # tables yet (its making rolled back), and nothing is registered either.
    engine = sa.create_engine(f"sqlite:///{store_file}")
    made = sa.inspect(engine).has_table("issued")
    engine.dispose()
    registered = _rows(f"sqlite:///{store_file}", "SELECT document_id FROM issued") if made else []
    if target.exists():  # the signal came after the pack was made: it is whole, registered
        assert len(registered) == 120
        assert child.returncode in (0, 130)
    else:
        assert registered == []
        assert child.returncode == 130
        assert "interrupted before anything was done" in stderr
    assert not list(tmp_path.glob("*.tmp*")), "a partial file was left"
