"""One idea of outstanding: records outstanding, remind, records due and renew agree (issue 26).

A copy is outstanding from its issue until a complete return of it is archived,
wherever it was made (send, renew, generate, print); an incomplete return leaves
it outstanding; a renewed record leaves ``records due``, its renewal copy joins
the outstanding ones, and ``remind`` chases it like any copy sent.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from tests.cli import run
from tests.deliveries import manifest, write_roster
from tests.pipeline.test_ingest import edit
from tests.pipeline.test_renew import _archive_complete_contract, _renew


def _json(*args: str) -> list[dict]:
    code, stdout, err = run(*args, "--json")
    assert code == 0, err
    return [json.loads(line) for line in stdout.splitlines()]


def _due(store: str) -> list[int]:
    return [row["id"] for row in _json("records", "due", "--within", "5000d", "--store", store)]


def _outstanding(store: str) -> dict[str, dict]:
    return {row["document_id"]: row for row in _json("records", "outstanding", "--store", store)}


def _awaiting(store: str) -> dict[str, int]:
    rows = _json("records", "compliance", "--store", store)
    return {r["supervisee"]: r["awaiting"] for r in rows if r["kind"] == "supervisee"}


def _remind(tmp_path, url: str, store: str, days: int, *extra: str):
    now = (datetime.now(UTC) + timedelta(days=days)).isoformat()
    return run(
        "remind", "--all", "--out", str(tmp_path / "reminders"), "--smtp", url,
        "--store", store, "--now", now, *extra,
    )  # fmt: skip


def test_the_commands_agree_and_a_renewal_is_reminded_by_name_in_its_thread(
    tmp_path, starttls_smtp
):
    mailbox, url = starttls_smtp
    store = f"sqlite:///{tmp_path}/records.db"
    record_id, first = _archive_complete_contract(tmp_path, store, url)
    roster = write_roster(tmp_path / "bob.jsonl", [("Bob Brown", "bob@example.org")])
    assert run("generate", "contract", "--data", str(roster), "--out", str(tmp_path / "gen"),
               "--store", store)[0] == 0  # fmt: skip
    assert run("print", "contract", "--count", "1", "-o", str(tmp_path / "pack.pdf"),
               "--store", store)[0] == 0  # fmt: skip
    made = _outstanding(store)
    assert first["document_id"] not in made, "back complete: not outstanding"
    assert len(made) == 2
    assert not any(row["emailed"] for row in made.values())
    assert _due(store) == [record_id]
    assert _awaiting(store) == {"Alice Adams": 0}

    code, stdout, err = _renew(tmp_path, store, "--smtp", url)
    assert code == 0, err
    (renewal,) = manifest(tmp_path / "renewals")
    assert _due(store) == [], "renewed: it left records due"
    code, shown, _ = run("records", "due", "--within", "5000d", "--store", store)
    assert (code, shown.strip()) == (0, "Nothing is due within 5000 days.")
    now_out = _outstanding(store)
    assert set(now_out) == set(made) | {renewal["document_id"]}
    assert now_out[renewal["document_id"]]["emailed"] is True
    assert _awaiting(store) == {"Alice Adams": 1}, "compliance counts the same copies"

    # remind sees exactly the copies records outstanding lists: the renewal is reminded,
    # the two never emailed are said to be so, and that is no fault (exit 0).
    first_email = mailbox.messages[-1]
    sent = len(mailbox.messages)
    code, stdout, err = _remind(tmp_path, url, store, 15, "--json")
    assert code == 0, err
    lines = [json.loads(line) for line in stdout.splitlines()]
    assert {line["document_id"] for line in lines} == set(now_out)
    assert sorted((line["document_id"], line["status"]) for line in lines) == sorted(
        [(renewal["document_id"], "sent")] + [(d, "not-sent") for d in made]
    )
    (reminder,) = mailbox.messages[sent:]
    assert str(reminder["X-Supforms-Document-Id"]) == renewal["document_id"]
    assert str(reminder["In-Reply-To"]) == str(first_email["Message-ID"])
    assert str(reminder["References"]) == str(first_email["Message-ID"])
    assert str(reminder["To"]) == "Alice Adams <alice@example.org>"
    assert "Dear Alice Adams," in reminder.get_body(("plain",)).get_content()

    # An incomplete return of the renewal: still outstanding in both, with what it lacks.
    back = edit((tmp_path / "renewals" / renewal["file"]).read_bytes(), {})
    (tmp_path / "back.pdf").write_bytes(back)
    code, stdout, err = run("ingest", str(tmp_path / "back.pdf"), "--out",
                            str(tmp_path / "ingest2"), "--store", store, "--json")  # fmt: skip
    assert json.loads(stdout)["status"] == "incomplete", stdout
    assert _outstanding(store)[renewal["document_id"]]["status"] == "incomplete"
    code, stdout, err = _remind(tmp_path, url, store, 30, "--json", "--dry-run")
    assert code == 0, err
    chased = {json.loads(line)["document_id"] for line in stdout.splitlines()}
    assert chased == set(_outstanding(store))


def test_remind_all_on_a_quiet_day_says_so_and_exits_0(tmp_path, starttls_smtp):
    _, url = starttls_smtp
    store = f"sqlite:///{tmp_path}/records.db"
    roster = write_roster(tmp_path / "bob.jsonl", [("Bob Brown", "bob@example.org")])
    assert run("generate", "contract", "--data", str(roster), "--out", str(tmp_path / "gen"),
               "--store", store)[0] == 0  # fmt: skip
    for extra in ((), ("--dry-run",)):
        code, stdout, err = _remind(tmp_path, url, store, 15, *extra)
        assert code == 0, err
        assert stdout.splitlines() == [
            "1 copy not back but not sent by email (made by generate, print or renew without "
            "--smtp): nothing to remind; see supforms records outstanding.",
            "Nothing to remind.",
        ]
        assert err == ""
    code, stdout, err = _remind(tmp_path, url, store, 1)  # nothing issued long enough ago
    assert (code, stdout) == (0, "Nothing to remind.\n")
