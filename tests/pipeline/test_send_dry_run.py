"""``send --dry-run`` means everything but sending: the real send's problems, its exit code."""

from __future__ import annotations

import csv
import json

import pytest

from tests.cli import run


def _roster(path, rows):
    with path.open("w", encoding="utf-8", newline="") as handle:
        names = list(dict.fromkeys(name for row in rows for name in row))
        writer = csv.DictWriter(handle, fieldnames=names)
        writer.writeheader()
        writer.writerows(rows)
    return path


def _both(tmp_path, form, roster):
    """The dry run's and then the real send's exit code and stderr."""
    out = tmp_path / "sent"
    dry = run("send", form, "--roster", str(roster), "--out", str(out), "--dry-run")
    real = run("send", form, "--roster", str(roster), "--out", str(out))
    return dry, real, out


def _pair(**values):
    return {"supervisee.name": "Zoë Ó Briain", "supervisor.name": "Ayşe Yılmaz",
            "_to": "zoe@example.org", **values}  # fmt: skip


@pytest.mark.parametrize(
    ("form", "row", "expected"),
    [
        # a roster of agreements sent as the contract
        (
            "contract",
            _pair(**{"supervisee.job_title": "Social worker"}),
            "row 1: supervisee.job_title: is not a field of this form",
        ),
        # a misspelt column, with the name it was meant to be
        (
            "agreement",
            _pair(**{"supervisee.jobtitle": "Social worker"}),
            "row 1: supervisee.jobtitle: is not a field of this form — did you mean "
            "supervisee.job_title?",
        ),
        # a date that is no date
        ("agreement", _pair(agreed_on="31/02/2026"), "row 1: agreed_on: "),
    ],
    ids=["wrong-form", "misspelt-column", "no-such-date"],
)
def test_dry_run_refuses_what_the_send_refuses(tmp_path, form, row, expected):
    roster = _roster(tmp_path / "pairs.csv", [row])
    (dry_code, dry_out, dry_err), (code, _, err), out = _both(tmp_path, form, roster)
    assert code == 2
    assert expected in err, err
    assert (dry_code, dry_err) == (code, err)  # the same lines, the same exit code
    assert "would send" not in dry_out
    assert not out.exists()


def test_a_problem_in_every_row_is_one_line(tmp_path):
    rows = [_pair(**{"supervisee.jobtitle": f"Worker {n}"}) for n in range(300)]
    rows[7]["agreed_on"] = "31/02/2026"
    roster = _roster(tmp_path / "pairs.csv", rows)
    (dry_code, _, dry_err), (code, _, err), _ = _both(tmp_path, "agreement", roster)
    assert (dry_code, dry_err) == (code, err)
    assert code == 2
    lines = err.splitlines()
    assert len(lines) == 3, lines  # the summary, the grouped problem, the one date
    assert lines[1] == (
        "  300 rows (1–300): supervisee.jobtitle: is not a field of this form — did you mean "
        "supervisee.job_title?"
    )
    assert lines[2].startswith("  row 8: agreed_on: ")


def test_dry_run_refuses_a_folder_holding_a_send(tmp_path):
    roster = tmp_path / "pairs.jsonl"
    roster.write_text(json.dumps(_pair(), ensure_ascii=False), encoding="utf-8")
    out = tmp_path / "sent"
    assert run("send", "agreement", "--roster", str(roster), "--out", str(out))[0] == 0
    dry = run("send", "agreement", "--roster", str(roster), "--out", str(out), "--dry-run")
    real = run("send", "agreement", "--roster", str(roster), "--out", str(out))
    assert dry[0] == real[0] == 2
    assert dry[2] == real[2]
    assert "holds a finished send of agreement" in dry[2]
    code, stdout, _ = run(
        "send", "agreement", "--roster", str(roster), "--out", str(out), "--dry-run", "--resume"
    )
    assert code == 0


def test_dry_run_of_a_good_roster_makes_nothing(tmp_path):
    roster = _roster(tmp_path / "pairs.csv", [_pair(agreed_on="28/02/2026")])
    code, stdout, _ = run(
        "send", "agreement", "--roster", str(roster), "--out", str(tmp_path / "o"), "--dry-run"
    )
    assert code == 0
    assert "would send row 1's copy to zoe@example.org" in stdout or "dry-run" in stdout
    assert not (tmp_path / "o").exists()
    assert not (tmp_path / "default-store.db").exists()
