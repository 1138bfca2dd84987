"""`records verify --expect-head` proves something or refuses: it never passes on no head."""

from __future__ import annotations

import json

import pytest
from supforms.pipeline.records.opening import open_store
from supforms.pipeline.records.proof import expected_head
from supforms.pipeline.result import IngestResult
from supforms.schemas.errors import SettingError

from tests.cli import run
from tests.pipeline.test_chain import rejected


@pytest.fixture
def noted(store_url) -> dict:
    """A store of three lines and its head, as `records head --json` prints it."""
    with open_store(store_url) as store:
        for data in (b"abc", b"def", b"ghi"):
            store.archive(IngestResult.from_json(rejected(data)), data)
    code, stdout, _ = run("records", "--store", store_url, "head", "--json")
    assert code == 0
    return json.loads(stdout)


@pytest.mark.parametrize(
    ("given", "says"),
    [
        ("", "is empty"),
        ("   ", "is empty"),
        ("\t\n", "is empty"),
        ("not-a-hash", "is not a head hash"),
        ("3f5a\u2026", "is not a head hash"),
        ("abc1234", "too short"),
        ("a" * 65, "a head hash has 64"),
    ],
)
def test_a_head_that_is_no_head_is_a_usage_error(noted, store_url, given, says):
    code, stdout, err = run("records", "--store", store_url, "verify", "--expect-head", given)
    assert code == 2, (stdout, err)
    assert says in err
    assert "rewritten" not in stdout + err  # never reported as a rewrite
    assert "Traceback" not in err
    assert stdout == ""


def test_what_records_head_prints_is_accepted_whole(noted, store_url):
    code, printed, _ = run("records", "--store", store_url, "head")
    assert printed.strip() == f"{noted['hash']}  (audit line {noted['id']})"
    code, stdout, err = run(
        "records", "--store", store_url, "verify", "--expect-head", printed.strip()
    )
    assert code == 0, (stdout, err)
    assert "chain to head" in stdout


def test_a_prefix_of_a_head_is_accepted_and_held_to(noted, store_url):
    prefix = noted["hash"][:8].upper()
    code, stdout, err = run("records", "--store", store_url, "verify", "--expect-head", prefix)
    assert code == 0, (stdout, err)
    other = "0123abcd" if not noted["hash"].startswith("0123abcd") else "4567abcd"
    code, stdout, err = run(
        "records", "--store", store_url, "verify", "--json", "--expect-head", other
    )
    assert code == 1  # a head that matches no line: the log was rewritten since
    assert {f["problem"] for f in json.loads(stdout)["findings"]} == {"head_missing"}


def test_a_prefix_several_lines_share_is_refused():
    """A prefix two lines' hashes start with proves nothing: say so, never pass."""
    from supforms.pipeline.records.chain import GENESIS, line_hash
    from supforms.pipeline.records.proof import Verification, check_chain

    class Line:
        def __init__(self, number, prev):
            self.id, self.at, self.actor, self.action = number, "2026-01-01", "me", "x"
            self.record_id, self.detail, self.prev_hash = None, "{}", prev
            self.hash = line_hash(number, self.at, "me", "x", None, "{}", prev)

    lines, previous = [], GENESIS
    for number in range(1, 600):  # enough lines that two hashes share a first hex digit
        lines.append(Line(number, previous))
        previous = lines[-1].hash
    shared = next(a.hash[:8] for a in lines for b in lines if a is not b and a.hash[0] == b.hash[0])
    with pytest.raises(SettingError, match="is the start of"):
        check_chain(lines, Verification(), shared[:1])
    check_chain(lines, Verification(), shared)  # eight digits: one line


def test_the_library_reads_a_head_as_the_command_line_does():
    assert expected_head(None) is None
    assert expected_head(" ABCDEF12  (audit line 4)") == "abcdef12"
    for given in ("", " ", "xyz12345", "1234567"):
        with pytest.raises(SettingError):
            expected_head(given)
