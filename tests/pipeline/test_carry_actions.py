"""Actions carry forward: three sessions through the real pipeline, generate → PDFium → ingest.

Session 1 agrees three actions. Session 2's copy comes prefilled with all three;
one is marked done, one carried on, one left unmarked, and one new action is
agreed. Session 3's copy carries the new one and the two not done, each with the
date it was first agreed; the done one is gone.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from supforms.pipeline.intake.ingest import ingest_bytes

from tests import engines
from tests.cli import run

PAIR = {
    "supervisee.name": "Zoë Ó Briain",
    "supervisee.job_title": "Social Worker",
    "supervisor.name": "Ахмед Иванов",
    "supervisor.job_title": "Team Manager",
}
SIGNATURES = ("signatures.supervisee.signature", "signatures.supervisor.signature")


def _issue(tmp_path: Path, store_url: str, name: str, pair: dict | None = None) -> bytes:
    """One session record for the pair, generated with --carry-actions: its bytes."""
    data = tmp_path / f"{name}.json"
    data.write_text(json.dumps(pair or PAIR, ensure_ascii=False), encoding="utf-8")
    out = tmp_path / name
    code, _, err = run(
        "generate", "session-record", "--data", str(data), "--carry-actions",
        "--store", store_url, "-o", str(out),
    )  # fmt: skip
    assert code == 0, err
    (pdf,) = out.glob("session-record-*.pdf")
    return pdf.read_bytes()


def _carried(pdf: bytes) -> list[dict]:
    """The carried-over rows a copy was prefilled with, as ingest reads them."""
    return ingest_bytes(pdf, "copy.pdf").data["carried"]


def _return(tmp_path: Path, store_url: str, name: str, pdf: bytes, values: dict) -> int:
    """Filled through PDFium, signed by both, ingested into the store: the record id."""
    filled = engines.fill_pdfium(pdf, values)
    for field in SIGNATURES:
        filled = engines.sign(filled, field)
    inbox = tmp_path / f"{name}-inbox"
    inbox.mkdir()
    (inbox / f"{name}.pdf").write_bytes(filled)
    code, out, err = run(
        "ingest", str(inbox), "--store", store_url, "-o", str(tmp_path / f"{name}-out"), "--json"
    )
    (result,) = [json.loads(line) for line in out.splitlines()]
    assert (code, result["status"]) == (0, "complete"), (err, result["problems"])
    return int(result["record_id"])


def _session(held_on: str, **values: str) -> dict:
    dates = {"signatures.supervisee.date": held_on, "signatures.supervisor.date": held_on}
    return {"held_on": held_on, "duration_minutes": "90", "formal": "Yes", **dates, **values}


def test_three_sessions_carry_open_actions_and_drop_done_ones(tmp_path, store_url):
    first = _issue(tmp_path, store_url, "s1")
    assert _carried(first) == []  # nothing before the first session
    _return(tmp_path, store_url, "s1", first, _session(
        "10/03/2026",
        **{"actions.0.what": "Book the practice educator course", "actions.0.who": "Zoë Ó Briain",
           "actions.0.by_when": "20/03/2026",
           "actions.1.what": "Transfer CF-0107 to Long-Term", "actions.1.who": "Ахмед Иванов",
           "actions.1.by_when": "31/03/2026",
           "actions.2.what": "Read the neglect toolkit"},
    ))  # fmt: skip

    second = _issue(tmp_path, store_url, "s2")
    assert _carried(second) == [
        {"what": "Book the practice educator course", "who": "Zoë Ó Briain",
         "by_when": "2026-03-20", "agreed_on": "2026-03-10", "outcome": None},
        {"what": "Transfer CF-0107 to Long-Term", "who": "Ахмед Иванов",
         "by_when": "2026-03-31", "agreed_on": "2026-03-10", "outcome": None},
        {"what": "Read the neglect toolkit", "who": None,
         "by_when": None, "agreed_on": "2026-03-10", "outcome": None},
    ]  # fmt: skip
    record = _return(tmp_path, store_url, "s2", second, _session(
        "07/04/2026",
        **{"carried.0.outcome": "Done", "carried.1.outcome": "Carried on",
           "actions.0.what": "Plan the Hughes review", "actions.0.by_when": "21/04/2026"},
    ))  # fmt: skip

    third = _issue(tmp_path, store_url, "s3")
    assert _carried(third) == [
        {"what": "Plan the Hughes review", "who": None,
         "by_when": "2026-04-21", "agreed_on": "2026-04-07", "outcome": None},
        {"what": "Transfer CF-0107 to Long-Term", "who": "Ахмед Иванов",
         "by_when": "2026-03-31", "agreed_on": "2026-03-10", "outcome": None},
        {"what": "Read the neglect toolkit", "who": None,
         "by_when": None, "agreed_on": "2026-03-10", "outcome": None},
    ]  # fmt: skip

    # Another pair (the same supervisee, another supervisor) carries nothing of theirs.
    other = _issue(tmp_path, store_url, "other", {**PAIR, "supervisor.name": "Ayşe Yılmaz"})
    assert _carried(other) == []

    # records show lists session 2's actions and where each came from.
    code, shown, _ = run("records", "show", str(record), "--store", store_url)
    assert code == 0
    lines = shown[shown.index("Action points:") : shown.index("Signatures:")].splitlines()
    assert lines[1:] == [
        "  Plan the Hughes review (by 21/04/2026): agreed at this session",
        "  Book the practice educator course (Zoë Ó Briain, by 20/03/2026): "
        "carried over, agreed at the session of 10/03/2026; marked Done",
        "  Transfer CF-0107 to Long-Term (Ахмед Иванов, by 31/03/2026): "
        "carried over, agreed at the session of 10/03/2026; marked Carried on",
        "  Read the neglect toolkit: carried over, agreed at the session of 10/03/2026; not marked",
    ]


@pytest.mark.parametrize("store_url", ["sqlite"], indirect=True)
def test_carrying_is_refused_for_a_form_without_carried_actions(tmp_path, store_url):
    data = tmp_path / "pairs.json"
    data.write_text(json.dumps(PAIR), encoding="utf-8")
    code, _, err = run(
        "generate", "agreement", "--data", str(data), "--carry-actions",
        "--store", store_url, "-o", str(tmp_path / "out"),
    )  # fmt: skip
    assert code == 2
    assert "carries no actions" in err
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("store_url", ["sqlite"], indirect=True)
def test_carrying_needs_the_pair_and_does_not_overwrite_given_actions(tmp_path, store_url):
    data = tmp_path / "pairs.json"
    rows = [
        {"supervisee.name": "Zoë Ó Briain"},
        {**PAIR, "carried.0.what": "typed in the roster"},
    ]
    data.write_text(json.dumps(rows, ensure_ascii=False), encoding="utf-8")
    code, _, err = run(
        "generate", "session-record", "--data", str(data), "--carry-actions",
        "--store", store_url, "-o", str(tmp_path / "out"),
    )  # fmt: skip
    assert code == 2
    assert "row 1: names no supervisee and supervisor" in err
    assert "row 2: carried" in err
    assert not (tmp_path / "out").exists()
