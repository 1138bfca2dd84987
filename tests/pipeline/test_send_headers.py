"""Strict headers: a roster or an option cannot add a recipient or a header line."""

from __future__ import annotations

import json

import pytest

from tests.cli import run
from tests.smtp import Mailbox, smtp_server


@pytest.fixture
def smtp():
    mailbox = Mailbox()
    with smtp_server(mailbox) as url:
        yield mailbox, url


def _roster(tmp_path, rows):
    path = tmp_path / "roster.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in rows), encoding="utf-8")
    return path


def _send(tmp_path, roster, url, *extra):
    return run(
        "send",
        "agreement",
        "--roster",
        str(roster),
        "--out",
        str(tmp_path / "out"),
        "--smtp",
        url,
        "--smtp-insecure",
        "--store",
        f"sqlite:///{tmp_path}/records.db",
        *extra,
    )


GOOD = {"supervisee.name": "Zoë Ó Briain", "_to": "Zoë Ó Briain <zoe@example.org>"}


@pytest.mark.parametrize(
    ("to", "expected"),
    [
        ("Name\r\nBcc: evil@example.org <two@example.org>", "contains control characters (\\n\\r)"),
        ("Two <two@exam\nple.org>", "contains control characters (\\n)"),
        ("two@example.org\n", "contains control characters (\\n)"),
        ("one@example.org two@example.org", "invalid address in address-list"),
        ("Ó Briain, Zoë <zoe@example.org>", "'\"Ó Briain\"' is not an email address"),
        ("Team: a@example.org, b@example.org;", "a group"),
    ],
)
def test_a_bad_to_refuses_the_roster_before_anything(tmp_path, smtp, to, expected):
    mailbox, url = smtp
    roster = _roster(tmp_path, [GOOD, {"supervisee.name": "Two", "_to": to}])
    code, _, err = _send(tmp_path, roster, url)
    assert code == 2
    assert f"row 2: _to: {expected}" in err
    assert mailbox.messages == []
    assert mailbox.mails == 0
    assert not (tmp_path / "out").exists()  # nothing generated


@pytest.mark.parametrize(
    ("row", "field"),
    [
        ({**GOOD, "_recipient": "Zoë\x1b[2J"}, "row 1: _recipient: contains control characters"),
        ({**GOOD, "supervisee.name": "Zoë\rX"}, "row 1: supervisee.name: Value error, contains"),
        ({**GOOD, "supervisor.job_title": "Lead\x00"}, "row 1: supervisor.job_title: "),
    ],
)
def test_control_characters_in_values_refuse_the_row(tmp_path, smtp, row, field):
    mailbox, url = smtp
    code, _, err = _send(tmp_path, _roster(tmp_path, [row]), url)
    assert code == 2
    assert field in err
    assert mailbox.mails == 0
    assert not list((tmp_path / "out").glob("*.pdf"))


def test_generate_refuses_control_characters_in_recipient(tmp_path):
    data = tmp_path / "rows.jsonl"
    data.write_text(json.dumps({"supervisee.name": "Zoë", "_recipient": "Zoë\nX"}))
    code, _, err = run(
        "generate",
        "agreement",
        "--data",
        str(data),
        "-o",
        str(tmp_path / "o"),
        "--store",
        f"sqlite:///{tmp_path}/r.db",
    )
    assert code == 2
    assert "row 1: _recipient: contains control characters (\\n)" in err
    assert not list((tmp_path / "o").glob("*.pdf"))


def test_a_line_break_is_kept_where_a_form_has_room_for_lines(tmp_path):
    data = tmp_path / "rows.jsonl"
    data.write_text(
        json.dumps({"case_reference": "CF-1", "genogram": "Mother (34)\nFather (36)"}),
        encoding="utf-8",
    )
    code, _, err = run(
        "generate",
        "group-record",
        "--data",
        str(data),
        "-o",
        str(tmp_path / "o"),
        "--store",
        f"sqlite:///{tmp_path}/r.db",
    )
    assert code == 0, err


@pytest.mark.parametrize(
    "sender",
    [
        "Records <records@example.org>\r\nBcc: evil@example.org",
        "Records\n <records@example.org>",
        "records@example.org, evil@example.org",
        "not an address",
    ],
)
def test_a_bad_from_is_one_usage_line_before_anything(tmp_path, smtp, sender):
    mailbox, url = smtp
    roster = _roster(tmp_path, [GOOD])
    code, stdout, err = _send(tmp_path, roster, url, "--from", sender)
    assert code == 2
    assert len(err.strip().splitlines()) == 1
    assert err.startswith("supforms: --from ")
    assert mailbox.mails == 0
    assert not (tmp_path / "out").exists()
    assert not (tmp_path / "records.db").exists()


def test_every_message_has_date_and_message_id(tmp_path, smtp):
    mailbox, url = smtp
    code, _, err = _send(
        tmp_path, _roster(tmp_path, [GOOD]), url, "--from", "R <r@council.example>"
    )
    assert code == 0, err
    (message,) = mailbox.messages
    assert message["Date"].datetime is not None
    assert message["Message-ID"].endswith("@council.example>")
    assert message["To"].addresses[0].addr_spec == "zoe@example.org"
    assert message.get_all("Bcc") is None


def test_a_return_address_with_a_line_break_is_refused(tmp_path, smtp):
    mailbox, url = smtp
    roster = _roster(tmp_path, [GOOD])
    code, _, err = _send(tmp_path, roster, url, "--return-address", "returns@x.org\nBcc: e@x.org")
    assert code == 2
    assert err.strip().splitlines() == [
        "supforms: --return-address contains control characters (\\n): give one line"
    ]
    assert mailbox.mails == 0
