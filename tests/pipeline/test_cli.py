"""The supforms command, through click's runner: exit codes, files, and --json lines."""

from __future__ import annotations

import csv
import hashlib
import json
from pathlib import Path

import pypdf
import pytest
from supforms.pipeline.records.opening import open_store
from supforms.schemas.registry import form_ids, latest, versions

from tests.cli import run


def test_forms_lists_every_form_and_version():
    code, out, _ = run("forms", "--json")
    rows = [json.loads(line) for line in out.splitlines()]
    assert code == 0
    assert {(r["form"], r["version"]) for r in rows} == {(f, v) for f, v, _ in versions()}
    assert {(r["form"], r["version"]) for r in rows if r["latest"]} == {
        (form_id, latest(form_id).model_fields["schema_version"].default) for form_id in form_ids()
    }
    assert not all(r["latest"] for r in rows)  # older versions kept, to read what they issued


def test_schema_prints_json_schema():
    code, out, _ = run("schema", "agreement")
    schema = json.loads(out)
    assert code == 0
    assert schema["properties"]["regularity"]["$ref"].endswith("Regularity")
    assert "sessions_per_year" in json.dumps(schema)


def test_unknown_form_is_a_usage_error():
    code, _, err = run("generate", "timesheet")
    assert code == 2
    known = ", ".join(repr(form_id) for form_id in form_ids())
    assert f"'timesheet' is not one of {known}" in err


def test_generate_blank(tmp_path, form_id):
    code, out, _ = run("generate", form_id, "--out", str(tmp_path), "--json")
    (issued,) = [json.loads(line) for line in out.splitlines()]
    assert code == 0
    pdf = tmp_path / f"{form_id}-blank.pdf"
    assert issued["file"] == pdf.name
    assert issued["form"] == form_id
    reader = pypdf.PdfReader(pdf)
    assert reader.metadata["/SupformsDocumentId"] == issued["document_id"]
    manifest = [json.loads(line) for line in (tmp_path / "manifest.jsonl").read_text().splitlines()]
    assert manifest == [issued]


ROWS = [
    {
        "supervisee.name": "Zoë Ó Briain",
        "supervisee.job_title": "Social Worker",
        "supervisor.name": "Ахмед Иванов",
        "agreed_on": "03/04/2026",
        "regularity.sessions_per_year": "10",
        "_recipient": "zoe@example.org",
    },
    {"supervisee.name": "Ayşe Yılmaz", "agreed_on": "2026-05-01"},
]


def _write(path: Path, fmt: str) -> Path:
    if fmt == "csv":
        with path.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=list(ROWS[0]))
            writer.writeheader()
            writer.writerows(ROWS)
    elif fmt == "json":  # nested objects, as scripts write them
        nested = [
            {
                "supervisee": {"name": r["supervisee.name"]},
                "agreed_on": r["agreed_on"],
                **({"_recipient": r["_recipient"]} if "_recipient" in r else {}),
            }
            for r in ROWS
        ]
        path.write_text(json.dumps(nested), encoding="utf-8")
    else:
        path.write_text("\n".join(json.dumps(r) for r in ROWS), encoding="utf-8")
    return path


@pytest.mark.parametrize("fmt", ["csv", "json", "jsonl"])
def test_generate_prefilled_from_data(tmp_path, fmt):
    data = _write(tmp_path / f"pairs.{fmt}", fmt)
    out = tmp_path / "out"
    code, stdout, _ = run("generate", "agreement", "--data", str(data), "-o", str(out), "--json")
    issued = [json.loads(line) for line in stdout.splitlines()]
    assert code == 0
    tags = [i["document_id"].replace("-", "")[:8].lower() for i in issued]
    assert [i["file"] for i in issued] == [
        f"agreement-0001-zoe-o-briain-{tags[0]}.pdf",
        f"agreement-0002-ayse-yilmaz-{tags[1]}.pdf",
    ]
    assert issued[0]["recipient"] == "zoe@example.org"
    assert issued[1]["recipient"] == "Ayşe Yılmaz"
    assert len({i["document_id"] for i in issued}) == 2
    fields = pypdf.PdfReader(out / issued[0]["file"]).get_fields()
    assert fields["supervisee.name"]["/V"] == "Zoë Ó Briain"
    assert fields["agreed_on"]["/V"] == "03/04/2026"
    assert issued[0]["prefill"]["supervisee.name"] == "Zoë Ó Briain"


def test_generating_twice_into_one_folder_keeps_every_copy(tmp_path):
    """The same roster again into the same folder: new copies beside the old, none replaced.

    A copy replaced under its name would be lost to reminders (whose hash check then
    refuses it) and to whoever keeps the folder.
    """
    data = _write(tmp_path / "pairs.json", "json")
    out = tmp_path / "out"
    runs = []
    for _ in range(2):
        code, stdout, _ = run(
            "generate", "agreement", "--data", str(data), "-o", str(out), "--json"
        )
        assert code == 0
        runs.append([json.loads(line) for line in stdout.splitlines()])
    files = {i["file"] for issued in runs for i in issued}
    assert len(files) == 4
    assert {p.name for p in out.glob("agreement-0*.pdf")} == files
    manifest = [json.loads(line) for line in (out / "manifest.jsonl").read_text().splitlines()]
    for entry in manifest:
        assert hashlib.sha256((out / entry["file"]).read_bytes()).hexdigest() == entry["sha256"]


def test_bad_records_name_row_and_field_and_write_nothing(tmp_path):
    data = tmp_path / "bad.jsonl"
    data.write_text(
        '{"supervisee.name": "Fine"}\n'
        '{"agreed_on": "31/02/2026", "regularity.sessions_per_year": "often"}\n'
        '{"supervisee.nickname": "Zo"}\n',
        encoding="utf-8",
    )
    out = tmp_path / "out"
    code, _, err = run("generate", "agreement", "--data", str(data), "-o", str(out))
    assert code == 2
    assert "bad.jsonl: 3 problem(s) in the data; nothing was generated" in err
    assert "row 2: agreed_on: Value error, 31/02/2026 is not a calendar date" in err
    assert "row 2: regularity.sessions_per_year: Input should be a valid integer" in err
    assert "row 3: supervisee.nickname: is not a field of this form" in err
    assert not out.exists()


def test_characters_the_font_cannot_show_are_refused(tmp_path):
    data = tmp_path / "cjk.json"
    data.write_text(json.dumps({"supervisee": {"name": "李小龍"}}), encoding="utf-8")
    code, _, err = run("generate", "contract", "--data", str(data), "-o", str(tmp_path / "o"))
    assert code == 2
    # Each letter once, by its Unicode name: letters run together read as a garbled word.
    assert (
        "row 1: supervisee.name: the form cannot print '李' (CJK UNIFIED IDEOGRAPH-674E), "
        "'小' (CJK UNIFIED IDEOGRAPH-5C0F), '龍' (CJK UNIFIED IDEOGRAPH-9F8D) (its font has "
        "Latin, Greek and Cyrillic letters)"
    ) in err


def test_an_arabic_name_is_refused_letter_by_letter_each_once(tmp_path):
    data = tmp_path / "arabic.json"
    name = "محمد عبد الرحمن"
    data.write_text(json.dumps({"supervisee": {"name": name}}), encoding="utf-8")
    code, _, err = run("generate", "contract", "--data", str(data), "-o", str(tmp_path / "o"))
    assert code == 2
    assert "'م' (ARABIC LETTER MEEM), 'ح' (ARABIC LETTER HAH), 'د' (ARABIC LETTER DAL)" in err
    assert err.count("ARABIC LETTER MEEM") == 1
    assert " and 3 more " in err  # 9 letters: 6 named, the count of the rest


def test_unreadable_data_file_is_one_clear_line(tmp_path):
    """Data to fix before anything is made: exit 2 (contract 7)."""
    data = tmp_path / "broken.json"
    data.write_text("{not json", encoding="utf-8")
    code, _, err = run("generate", "contract", "--data", str(data), "-o", str(tmp_path))
    assert code == 2
    assert err.strip().splitlines() == [
        f"supforms: {data}: not valid JSON (line 1: "
        "Expecting property name enclosed in double quotes)"
    ]


def test_unwritable_output_exits_1(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    code, _, err = run("generate", "contract", "-o", str(blocker / "sub"))
    assert code == 1
    assert "output folder is not writable" in err


def test_flatten_makes_print_only_copies(tmp_path):
    data = _write(tmp_path / "pairs.jsonl", "jsonl")
    code, stdout, _ = run(
        "generate", "agreement", "--data", str(data), "-o", str(tmp_path), "--flatten", "--json"
    )
    first = json.loads(stdout.splitlines()[0])
    assert code == 0
    assert first["file"].endswith("-print.pdf")
    reader = pypdf.PdfReader(tmp_path / first["file"])
    assert not reader.get_fields()
    assert "Zoë Ó Briain" in reader.pages[0].extract_text()


def test_fields_command(tmp_path, filled_pdfs):
    pdf = tmp_path / "c.pdf"
    pdf.write_bytes(filled_pdfs["group-record"])
    code, out, _ = run("fields", str(pdf), "--json")
    fields = {f["name"]: f for f in map(json.loads, out.splitlines())}
    assert code == 0
    assert fields["scales.safety"] == {
        "name": "scales.safety",
        "type": "radio",
        "value": "4",
        "flags": 49152,
        "tooltip": fields["scales.safety"]["tooltip"],
    }
    assert fields["review.enough_for_now"]["value"] == "Yes"
    assert fields["participants.1.name"]["value"] == "Ελένη Παπαδοπούλου"
    assert fields["signatures.facilitator.signature"]["type"] == "signature"
    code, human, _ = run("fields", str(pdf))
    assert "participants.0.role" in human
    assert "Facilitator" in human


def test_fields_of_a_non_pdf_is_one_clear_line(tmp_path):
    bogus = tmp_path / "letter.pdf"
    bogus.write_bytes(b"Dear supervisor,")
    code, _, err = run("fields", str(bogus))
    assert code == 1
    assert err.startswith(f"supforms: {bogus}: not a readable PDF")
    assert len(err.strip().splitlines()) == 1


def test_help_teaches():
    code, out, _ = run("generate", "--help")
    assert code == 0
    assert "supforms generate agreement --data pairs.csv" in out
    assert "manifest.jsonl" in out


def test_generated_copies_and_manifest_are_private(tmp_path):
    import stat

    data = _write(tmp_path / "pairs.jsonl", "jsonl")
    out = tmp_path / "out"
    run("generate", "agreement", "--data", str(data), "-o", str(out))
    files = list(out.iterdir())
    assert len(files) == 3
    assert {stat.S_IMODE(p.stat().st_mode) for p in files} == {0o600}


def _commands(group, prefix=()):
    """Every command, loaded as the shell loads it (lazily, by name)."""
    import click

    ctx = click.Context(group)
    names = group.list_commands(ctx)
    assert names, f"{' '.join(prefix) or 'supforms'} lists no commands"
    for name in names:
        command = group.get_command(ctx, name)
        yield (*prefix, name), command
        if isinstance(command, click.Group):
            yield from _commands(command, (*prefix, name))


def test_every_command_s_help_shows_examples():
    """The README promises examples in every --help: a command without them fails here."""
    from supforms.pipeline.cli import cli

    lacking = []
    for path, _command in _commands(cli):
        code, out, _ = run(*path, "--help")
        assert code == 0, path
        if "Example:" not in out and "Examples:" not in out:
            lacking.append(" ".join(path))
    assert lacking == []


def test_store_is_accepted_after_every_command_that_uses_it(tmp_path):
    """--store goes after the command's name, for each command that opens the store."""
    from supforms.pipeline.cli import cli

    uses_store = []
    for path, command in _commands(cli):
        if any(param.name == "store" for param in command.params):
            uses_store.append(" ".join(path))
    assert set(uses_store) >= {
        "generate",
        "ingest",
        "send",
        "print",
        "records",
        "records list",
        "records show",
        "records export",
        "records verify",
        "records head",
        "records outstanding",
        "records due",
        "records register",
        "records transcribe",
        "records purge",
        "remind",
        "renew",
    }
    url = f"sqlite:///{tmp_path}/r.db"
    assert run("records", "list", "--store", url)[0] == 1  # a reading command makes no store
    open_store(url).close()
    assert run("records", "list", "--store", url)[0] == 0
    assert run("records", "--store", url, "list")[0] == 0


LIBRARY_WARNS = """
import sys, warnings
import click
from supforms.pipeline.cli import cli

@cli.command("warns")
def warns():
    # As a library warns at import or in use (pyHanko: "DSA is deprecated"), from its file.
    warnings.warn_explicit(
        "DSA is deprecated", UserWarning, "/site-packages/somelib/crypto.py", 12
    )
    click.echo("verdicts")

cli(sys.argv[1:], prog_name="supforms")
"""


@pytest.mark.parametrize(("flags", "shown"), [((), False), (("-v",), True)])
def test_a_librarys_warning_reaches_the_terminal_only_with_verbose(flags, shown):
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-c", LIBRARY_WARNS, *flags, "warns"],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout == "verdicts\n"
    assert ("DSA is deprecated" in done.stderr) is shown
    if not shown:
        assert done.stderr == ""
