"""After a send, faulty or not: do the store, the delivery log and the mail server agree?

Who got which document id, and nobody got anyone else's: every message's
attachment is the copy its header names, prefilled for the person it went to;
the log says ``sent`` for exactly what arrived (one message may have been in
flight when a process was killed); and the registry holds every copy that went,
issued to that person.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

from tests.cli import run
from tests.smtp import Mailbox, Received


def send_command(roster: Path, out: Path, url: str, store: str, *extra: str) -> list[str]:
    """The ``supforms send`` arguments of these tests: an agreement, by loopback SMTP, JSON out."""
    return [
        "send",
        "agreement",
        "--roster",
        str(roster),
        "--out",
        str(out),
        "--smtp",
        url,
        "--smtp-insecure",
        "--store",
        store,
        "--json",
        *extra,
    ]


def write_roster(path: Path, people: list[tuple[str, str]], **extra: str) -> Path:
    """A JSON Lines roster: one row per (name, address), the name prefilled as supervisee."""
    rows = [
        {"supervisee.name": name, "supervisor.name": "Sam Okafor", "_to": f"{name} <{address}>"}
        | extra
        for name, address in people
    ]
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows), encoding="utf-8")
    return path


def log_lines(out: Path) -> list[dict]:
    path = out / "delivery.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def manifest(out: Path) -> list[dict]:
    path = out / "manifest.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def outstanding(store: str) -> dict[str, str]:
    """``records outstanding``: document id -> the person it was issued to."""
    code, stdout, err = run("records", "--store", store, "outstanding", "--json")
    assert code == 0, err
    return {row["document_id"]: row["recipient"] for row in map(json.loads, stdout.splitlines())}


def last_states(out: Path) -> dict[tuple[str, str], dict]:
    states: dict[tuple[str, str], dict] = {}
    for line in log_lines(out):
        states[(line["document_id"], line["recipient"])] = line
    return states


def check_agreement(
    out: Path,
    store: str,
    mailbox: Mailbox,
    people: dict[str, str],
    *,
    finished: bool = True,
    resent: int = 0,
) -> list[Received]:
    """Assert the three agree; ``people`` maps each address to the name its copy is for.

    ``finished``: no delivery is left in flight. ``resent``: how many messages may
    have arrived twice (the one in flight at a kill), always with one Message-ID.
    """
    received = mailbox.received()
    registry = outstanding(store)
    states = last_states(out)
    for message in received:
        assert message.pdf_document_id == message.document_id, message
        assert message.supervisee == people[message.to], f"{message.to} got someone else's copy"
        assert registry.get(message.document_id) == people[message.to], message
        assert message.date, "every message has a Date"
        state = states[(message.document_id, message.to)]
        assert state["message_id"] == message.message_id
        assert state["status"] in (("sent",) if finished else ("sent", "sending")), state
    arrived = Counter((m.document_id, m.to) for m in received)
    twice = [pair for pair, count in arrived.items() if count > 1]
    assert len(twice) <= resent, arrived
    assert max(arrived.values(), default=1) <= 2, arrived
    for pair in twice:
        assert len({m.message_id for m in received if (m.document_id, m.to) == pair}) == 1
    sent = {pair for pair, state in states.items() if state["status"] == "sent"}
    in_flight = {pair for pair, state in states.items() if state["status"] == "sending"}
    assert sent <= set(arrived), "the log says sent, the server never got it"
    if finished:
        assert not in_flight
        assert sent == set(arrived)
    else:
        assert len(in_flight) <= 1
        assert set(arrived) <= sent | in_flight
    for document_id, _ in sent | in_flight:  # may have gone: registered
        assert document_id in registry
    return received


ALICE = ("Alice Adams", "alice@example.org")
BOB = ("Bob Brown", "bob@example.org")
CARA = ("Cara Cole", "cara@example.org")


def send(roster: Path, out: Path, url: str, store: str, *extra: str):
    """``supforms send --json`` through the server at ``url``: code, deliveries, stderr."""
    code, stdout, err = run(*send_command(roster, out, url, store, *extra))
    return code, [json.loads(line) for line in stdout.splitlines()], err
