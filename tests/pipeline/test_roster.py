"""Rosters as people save them: Excel's semicolons, other encodings, a column named twice."""

from __future__ import annotations

import json

import pytest
from supforms.pipeline.delivery.data import load_records

from tests.cli import run


def _generate(tmp_path, data):
    return run(
        "generate",
        "agreement",
        "--data",
        str(data),
        "-o",
        str(tmp_path / "o"),
        "--store",
        f"sqlite:///{tmp_path}/r.db",
        "--json",
    )


def test_semicolon_csv_in_utf8_is_read_as_such(tmp_path):
    data = tmp_path / "excel.csv"
    data.write_bytes(
        "\ufeffsupervisee.name;supervisor.name;_to\n"
        "Zoë Ó Briain;Ayşe Yılmaz, Lead;Zoë <zoe@example.org>\n".encode()
    )
    (record,) = load_records(data)
    assert record.values == {
        "supervisee.name": "Zoë Ó Briain",
        "supervisor.name": "Ayşe Yılmaz, Lead",
    }
    assert record.meta == {"to": "Zoë <zoe@example.org>"}
    code, stdout, err = _generate(tmp_path, data)
    assert code == 0, err
    assert json.loads(stdout)["prefill"]["supervisor.name"] == "Ayşe Yılmaz, Lead"


def test_comma_csv_with_semicolons_in_a_value_stays_comma(tmp_path):
    data = tmp_path / "plain.csv"
    data.write_text('supervisee.name,supervisor.name\n"Zoë; Ó Briain",Ayşe\n', encoding="utf-8")
    (record,) = load_records(data)
    assert record.values == {"supervisee.name": "Zoë; Ó Briain", "supervisor.name": "Ayşe"}


def test_cp1252_csv_is_refused_with_a_hint(tmp_path):
    data = tmp_path / "excel.csv"
    data.write_bytes("supervisee.name;supervisor.name\nZoë Ó Briain;Renée\n".encode("cp1252"))
    code, _, err = _generate(tmp_path, data)
    assert code == 2
    assert err.strip().splitlines() == [
        f"supforms: {data}: the data file is not UTF-8 text: save it as UTF-8 "
        '(in Excel: Save As, "CSV UTF-8 (Comma delimited)"; '
        "in LibreOffice: character set Unicode (UTF-8))"
    ]
    assert not (tmp_path / "o").exists()


@pytest.mark.parametrize(
    ("name", "start", "said"),
    [
        ("roster.pdf", b"%PDF-1.7\n", "this is a PDF, not a data file"),
        ("roster.csv", b"%PDF-1.7\n\xff\xfe", "this is a PDF, not a data file"),
        (
            "roster.xlsx",
            b"PK\x03\x04\x14\x00",
            "this is a workbook or other zip file, not a data file",
        ),
        ("roster.txt", b"supervisee.name\nZo\xc3\xab\n", "unknown data format"),
    ],
)
def test_a_file_that_is_no_roster_is_named_for_what_it_is(tmp_path, name, start, said):
    data = tmp_path / name
    data.write_bytes(start + b"\x00" * 64)
    code, _, err = _generate(tmp_path, data)
    assert code == 2
    assert err.strip().splitlines() == [
        f"supforms: {data}: {said}: use .csv, .json or "
        '.jsonl (from a spreadsheet: Save As "CSV UTF-8")'
    ]


@pytest.mark.parametrize(
    ("name", "text", "expected"),
    [
        (
            "dup.csv",
            "supervisee.name,_to,supervisee.name\nZoë,z@example.org,Ayşe\n",
            "the column 'supervisee.name' appears twice: keep one",
        ),
        (
            "dup.jsonl",
            '{"supervisee.name": "Zoë", "supervisee.name": "Ayşe"}\n',
            "the key 'supervisee.name' appears twice in one record: keep one",
        ),
    ],
)
def test_a_column_named_twice_is_refused(tmp_path, name, text, expected):
    data = tmp_path / name
    data.write_text(text, encoding="utf-8")
    code, _, err = _generate(tmp_path, data)
    assert code == 2
    assert err.strip().splitlines() == [f"supforms: {data}: {expected}"]
    code, _, err = run(
        "send", "agreement", "--roster", str(data), "--out", str(tmp_path / "s"), "--dry-run"
    )
    assert code == 2
    assert expected in err


def test_a_row_longer_than_the_header_is_refused(tmp_path):
    data = tmp_path / "long.csv"
    data.write_text("supervisee.name\nZoë,extra\n", encoding="utf-8")
    code, _, err = _generate(tmp_path, data)
    assert code == 2
    assert "row 1 has more cells than the header has columns" in err


def test_an_answer_longer_than_its_box_is_refused_with_its_length_and_limit(tmp_path):
    """Free text is limited to what its box shows on paper; the refusal says both numbers."""
    data = tmp_path / "long.jsonl"
    long = "Maya has missed school. " * 40
    data.write_text(json.dumps({"case_reference": "CF-1", "description": long}) + "\n")
    code, _, err = run("generate", "group-record", "--data", str(data), "-o", str(tmp_path / "o"))
    assert code == 2
    assert (
        f"row 1: description: is {len(long.strip())} characters; the form takes at most 600, "
        "what its box shows on paper"
    ) in err
    assert not (tmp_path / "o").exists()
