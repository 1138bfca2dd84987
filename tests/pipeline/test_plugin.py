"""A form from another package: installed through the ``supforms.forms`` entry point.

A throwaway package, made here, declares a form of another shape than the
built-in ones (no supervisee object, a list of actions, one signature) and its
wording template beside its module; a ``.dist-info`` with ``entry_points.txt``
makes it an installed distribution for ``importlib.metadata``. The supforms
command, run in a subprocess with the package on ``PYTHONPATH``, then takes the
form through the whole pipeline: list, generate (registered in the store),
fill through PDFium and pdftk, sign, ingest and archive (SQLite and
PostgreSQL), list, export, due, send and print. A broken plugin and one that
claims a built-in form's id are named with their package, and the built-in
forms keep working.
"""

from __future__ import annotations

import email
import email.policy
import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from supforms.pipeline.intake.ingest import ingest_bytes

from tests import engines
from tests.conftest import BUILT_IN_IDS

pytestmark = pytest.mark.slow  # the supforms command in subprocesses

MODEL = '''
"""A home visit note: a form of another shape, from a council's own package."""

from typing import Annotated, ClassVar, Literal

from pydantic import Field

from supforms.schemas import Concerns, Declaration, FormModel, Renewal
from supforms.schemas.common import LongText, PersonName, ShortText, SignatureInfo, UKDate
from supforms.schemas.hints import Multiline, Required


class Step(FormModel):
    what: Annotated[ShortText | None, Field(title="Action")] = None
    owner: Annotated[PersonName | None, Field(title="Who")] = None
    due: Annotated[UKDate | None, Field(title="By when")] = None


class VisitNote(FormModel):
    declaration: ClassVar[Declaration] = Declaration(
        title="Home Visit Note",
        concerns=Concerns(supervisee="worker", case="family_ref"),
        dated="visited_on",
        renewal=Renewal(months=6, action="visit again"),
        email_subject="A home visit note to complete",
        wording={"council": "Anytown Borough Council"},
        sample={"visited_on": "02/03/2026", "worker": "Zoë Ó Briain", "family_ref": "AB-12"},
    )

    form_id: Literal["visit-note"] = "visit-note"
    schema_version: Literal["1.0.0"] = "1.0.0"

    visited_on: Annotated[UKDate | None, Field(title="Date of visit"), Required()] = None
    worker: Annotated[PersonName | None, Field(title="Worker"), Required()] = None
    family_ref: Annotated[ShortText | None, Field(title="Family reference"), Required()] = None
    notes: Annotated[LongText | None, Field(title="What we saw"), Multiline(4)] = None
    actions: Annotated[list[Step], Field(title="Action", max_length=3, default_factory=list)]
    signed: Annotated[SignatureInfo | None, Field(title="Worker's signature"), Required()] = None
'''

TEMPLATE = """\
= Home Visit Note
=~ {{ council }}
[[visited_on|Date of visit:]] [[family_ref|Family reference:]]
[[worker|Worker:]]

== What we saw
[[notes]]

== Actions agreed
[[actions]]

[[signed|Worker's signature:]]
"""


def _package(site: Path, name: str, dist: str, entries: dict[str, str], files: dict[str, str]):
    """An installed distribution in ``site``: its modules and a dist-info naming its entries."""
    (site / name).mkdir(parents=True)
    (site / name / "__init__.py").write_text("", encoding="utf-8")
    for file, text in files.items():
        (site / name / file).write_text(text, encoding="utf-8")
    info = site / f"{dist.replace('-', '_')}-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(
        f"Metadata-Version: 2.1\nName: {dist}\nVersion: 0.1\n", encoding="utf-8"
    )
    lines = "".join(f"{key} = {value}\n" for key, value in entries.items())
    (info / "entry_points.txt").write_text(f"[supforms.forms]\n{lines}", encoding="utf-8")


@pytest.fixture
def site(tmp_path) -> Path:
    site = tmp_path / "site"
    _package(
        site,
        "council_forms",
        "council-forms",
        {"visit-note": "council_forms.visit:VisitNote"},
        {"visit.py": MODEL, "visit-note.j2": TEMPLATE},
    )
    return site


def supforms(site: Path, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(site)}
    return subprocess.run(
        [sys.executable, "-m", "supforms", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd,
        check=False,
    )


def lines(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def test_a_form_from_another_package_goes_through_the_whole_pipeline(
    site, tmp_path, store_url, poppler
):
    engines.need_tool("pdftk")
    store = ["--store", store_url]

    listed = supforms(site, "forms", "--json", cwd=tmp_path)
    assert listed.returncode == 0, listed.stderr
    (visit,) = [row for row in lines(listed.stdout) if row["form"] == "visit-note"]
    assert visit["package"] == "council-forms"
    assert visit["title"] == "Home Visit Note"
    assert {row["form"] for row in lines(listed.stdout)} >= set(BUILT_IN_IDS)

    # Generate: one copy per row, registered in the store by the library.
    roster = tmp_path / "visits.json"
    roster.write_text(
        json.dumps(
            [
                {"worker": "Łukasz Wiśniewski", "family_ref": "AB-12", "_to": "l@example.org"},
                {"worker": "Ahmed Ivanov", "family_ref": "CD-34", "_to": "a@example.org"},
            ]
        ),
        encoding="utf-8",
    )
    made = supforms(
        site, "generate", "visit-note", "--data", str(roster), "--json", *store, cwd=tmp_path
    )
    assert made.returncode == 0, made.stderr
    copies = lines(made.stdout)
    assert [c["recipient"] for c in copies] == ["Łukasz Wiśniewski", "Ahmed Ivanov"]
    out = tmp_path / "output"

    # Filled through two real engines; the first also signed digitally.
    values = {
        "visited_on": "3/4/26",
        "notes": "Kitchen tidy.\nChildren at school.",
        "actions.0.what": "Call the school",
        "actions.0.owner": "Łukasz Wiśniewski",
        "actions.0.due": "10/04/2026",
        "actions.1.what": "Visit again",
    }
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    first = engines.fill_pdfium((out / copies[0]["file"]).read_bytes(), values)
    (inbox / "pdfium.pdf").write_bytes(engines.sign(first, "signed"))
    (inbox / "pdftk.pdf").write_bytes(
        engines.fill_pdftk((out / copies[1]["file"]).read_bytes(), values, tmp_path)
    )

    ingested = supforms(
        site,
        "ingest",
        str(inbox),
        "--out",
        str(tmp_path / "ingest"),
        "--json",
        *store,
        cwd=tmp_path,
    )
    assert ingested.returncode == 3, ingested.stderr  # the pdftk one is not signed
    results = {r["source"]["filename"]: r for r in lines(ingested.stdout)}
    signed, unsigned = results["pdfium.pdf"], results["pdftk.pdf"]
    assert signed["status"] == "complete", signed["problems"]
    assert signed["form"] == "visit-note"
    assert signed["data"]["visited_on"] == "2026-04-03"
    assert signed["data"]["worker"] == "Łukasz Wiśniewski"
    assert signed["data"]["actions"][0] == {
        "what": "Call the school",
        "owner": "Łukasz Wiśniewski",
        "due": "2026-04-10",
    }
    assert signed["data"]["actions"][1]["what"] == "Visit again"
    assert signed["data"]["signed"]["kind"] == "digital"
    assert [(p["field"], p["code"]) for p in unsigned["problems"]] == [("signed", "unsigned")]
    assert unsigned["status"] == "incomplete"

    # The store found each return by the parties the form declares.
    listed = supforms(
        site, "records", "list", "--json", "--form", "visit-note", *store, cwd=tmp_path
    )
    assert listed.returncode == 0, listed.stderr
    rows = {r["supervisee"]: r for r in lines(listed.stdout)}
    assert rows["Łukasz Wiśniewski"]["case_reference"] == "AB-12"
    assert rows["Ahmed Ivanov"]["case_reference"] == "CD-34"
    found = supforms(
        site, "records", "list", "--json", "--person", "wiśniewski", *store, cwd=tmp_path
    )
    assert [r["form"] for r in lines(found.stdout)] == ["visit-note"]

    exported = supforms(
        site,
        "records",
        "export",
        "--format",
        "csv",
        "--form",
        "visit-note",
        "--fields",
        "supervisee,case_reference,data.actions.0.what,data.signed.kind",
        *store,
        cwd=tmp_path,
    )
    assert exported.returncode == 0, exported.stderr
    assert "Łukasz Wiśniewski,AB-12,Call the school,digital" in exported.stdout.splitlines()

    # Due again by its own rule: six months after the visit.
    due = supforms(site, "records", "due", "--within", "5000d", "--json", *store, cwd=tmp_path)
    assert due.returncode == 0, due.stderr
    (renewal,) = [r for r in lines(due.stdout) if r["form"] == "visit-note"]
    assert (renewal["action"], renewal["due"]) == ("visit again", "2026-10-03")
    assert renewal["supervisee"] == "Łukasz Wiśniewski"

    # Sent by email (as .eml files), with the subject the form declares.
    sent = supforms(
        site,
        "send",
        "visit-note",
        "--roster",
        str(roster),
        "--out",
        str(tmp_path / "sent"),
        "--json",
        *store,
        cwd=tmp_path,
    )
    assert sent.returncode == 0, sent.stderr
    (message_file, *_) = sorted((tmp_path / "sent" / "eml").glob("*.eml"))
    message = email.message_from_bytes(message_file.read_bytes(), policy=email.policy.default)
    assert message["Subject"].startswith("A home visit note to complete (")
    body = message.get_body(("plain",)).get_content()
    assert "Home Visit Note for Łukasz Wiśniewski" in body or "for Ahmed Ivanov" in body

    printed = supforms(
        site,
        "print",
        "visit-note",
        "--count",
        "2",
        "-o",
        str(tmp_path / "pack.pdf"),
        *store,
        cwd=tmp_path,
    )
    assert printed.returncode == 0, printed.stderr
    outstanding = supforms(site, "records", "outstanding", "--json", *store, cwd=tmp_path)
    forms = [r["form"] for r in lines(outstanding.stdout)]
    # the two printed, the two sent rows' copies, and the one returned unsigned (incomplete)
    assert forms.count("visit-note") == 2 + 2 + 1


def test_a_broken_plugin_or_a_taken_form_id_is_named_and_the_others_keep_working(tmp_path):
    site = tmp_path / "site"
    taken = BUILT_IN_IDS[0]
    _package(
        site,
        "broken_forms",
        "broken-forms",
        {"broken-form": "broken_forms.model:Nothing", taken: "broken_forms.model:Nothing"},
        {"model.py": "raise ImportError('no module named council_utils')\n"},
    )
    listed = supforms(site, "forms", "--ids", cwd=tmp_path)
    assert listed.returncode == 0
    assert listed.stdout.split() == BUILT_IN_IDS
    assert "form 'broken-form' from package 'broken-forms' is not available" in listed.stderr
    assert "no module named council_utils" in listed.stderr
    assert (
        f"form '{taken}' from package 'broken-forms' is not available: the form id is "
        "already taken by 'supforms'" in listed.stderr
    )
    made = supforms(site, "generate", taken, "--out", str(tmp_path / "out"), cwd=tmp_path)
    assert made.returncode == 0, made.stderr
    refused = supforms(site, "generate", "broken-form", cwd=tmp_path)
    assert refused.returncode == 2
    assert "broken-form" in refused.stderr
    assert "Traceback" not in refused.stderr


def test_a_plugin_without_its_template_is_refused_naming_the_package(tmp_path):
    site = tmp_path / "site"
    _package(
        site,
        "council_forms",
        "council-forms",
        {"visit-note": "council_forms.visit:VisitNote"},
        {"visit.py": MODEL},
    )
    listed = supforms(site, "forms", "--ids", cwd=tmp_path)
    assert "visit-note" not in listed.stdout.split()
    assert textwrap.shorten(listed.stderr, 400).count("council-forms") == 1
    assert "no wording template visit-note.j2" in listed.stderr


UNSUPPORTED = MODEL.replace(
    "    notes: Annotated[LongText | None",
    "    weight: Annotated[float | None, Field(title='Weight (kg)')] = None\n"
    "    notes: Annotated[LongText | None",
)


def test_a_plugin_form_that_cannot_be_laid_out_is_named_and_the_others_keep_working(
    tmp_path, filled_pdfs
):
    site = tmp_path / "site"
    _package(
        site,
        "council_forms",
        "council-forms",
        {"visit-note": "council_forms.visit:VisitNote"},
        {"visit.py": UNSUPPORTED, "visit-note.j2": TEMPLATE},
    )
    refused = supforms(site, "generate", "visit-note", cwd=tmp_path)
    assert refused.returncode == 1
    assert "form 'visit-note' from package 'council-forms' cannot be laid out" in refused.stderr
    assert "Traceback" not in refused.stderr
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    for form_id, data in filled_pdfs.items():
        (inbox / f"{form_id}.pdf").write_bytes(data)
    read = supforms(site, "ingest", str(inbox), "--json", "--no-archive", cwd=tmp_path)
    assert read.returncode in (0, 3), read.stderr
    results = {result["form"]: result for result in lines(read.stdout)}
    assert set(results) == set(filled_pdfs)
    for form_id, data in filled_pdfs.items():  # read as without the plugin
        alone = ingest_bytes(data, f"{form_id}.pdf").as_json()
        assert (results[form_id]["status"], results[form_id]["data"]) == (
            alone["status"],
            alone["data"],
        )
        assert alone["status"] != "rejected"


def _source_of(source: Path, installed: Path) -> Path:
    """Where a file of the installed layout (supforms/…) lives in the repository."""
    inside = installed.parts[0] in ("schemas", "forms", "pipeline")
    return source / installed if inside else source / "supforms" / installed


def test_a_new_built_in_form_is_its_module_and_its_template(tmp_path):
    """A copy of supforms with the visit note added as a built-in form: two new files."""
    source = Path(__file__).resolve().parents[2]
    copy = tmp_path / "supforms"  # laid out as installed: supforms/ with the three inside
    shutil.copytree(source / "supforms", copy, ignore=shutil.ignore_patterns("__pycache__"))
    for package in ("schemas", "forms", "pipeline"):
        shutil.copytree(
            source / package, copy / package, ignore=shutil.ignore_patterns("__pycache__")
        )
    added = [
        copy / "schemas" / "forms" / "visit_note.py",
        copy / "forms" / "templates" / "visit-note.j2",
    ]
    added[0].write_text(MODEL, encoding="utf-8")
    added[1].write_text(TEMPLATE, encoding="utf-8")
    changed = [
        path.relative_to(copy)
        for path in sorted(copy.rglob("*"))
        if path.is_file()
        and (
            not _source_of(source, path.relative_to(copy)).is_file()
            or _source_of(source, path.relative_to(copy)).read_bytes() != path.read_bytes()
        )
    ]
    assert changed == [path.relative_to(copy) for path in sorted(added)]

    listed = supforms(copy, "forms", "--json", cwd=tmp_path)
    assert listed.returncode == 0, listed.stderr
    (visit,) = [row for row in lines(listed.stdout) if row["form"] == "visit-note"]
    assert visit["package"] == "supforms"
    made = supforms(copy, "generate", "visit-note", "--out", str(tmp_path / "out"), cwd=tmp_path)
    assert made.returncode == 0, made.stderr
    (blank,) = (tmp_path / "out").glob("visit-note*.pdf")
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    filled = engines.fill_pdfium(
        blank.read_bytes(),
        {"visited_on": "3/4/26", "worker": "Zoë Ó Briain", "family_ref": "AB-12"},
    )
    (inbox / "visit.pdf").write_bytes(filled)
    ingested = supforms(
        copy,
        "ingest",
        str(inbox),
        "--out",
        str(tmp_path / "in"),
        "--no-archive",
        "--json",
        cwd=tmp_path,
    )
    (result,) = lines(ingested.stdout)
    assert (result["form"], result["data"]["worker"]) == ("visit-note", "Zoë Ó Briain")
    assert [(p["field"], p["code"]) for p in result["problems"]] == [("signed", "unsigned")]
