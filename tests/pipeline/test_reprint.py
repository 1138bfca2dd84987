"""``records show ID --print``: a stored return printed with every value whole.

A copy issued under the group record's version 1.1.0 took 4,000 characters of
free text, more than its box shows. Such an answer typed in a viewer (PDFium, as
in Chrome) is kept whole in the record, and the print copy made from the store,
in that version's form, carries every word of it, on continuation pages, read back
from the printed pages by PDFium's own text extraction.
"""

from __future__ import annotations

import json
import re

import pypdfium2 as pdfium
import pytest
from supforms.forms.writing.compiled import compiled_form
from supforms.pipeline.delivery.generate import issue_copy

from tests.cli import run
from tests.conftest import ISSUED_AT
from tests.engines import fill_pdfium

pytestmark = pytest.mark.slow  # PDFium fills and reads


def _long_description(characters: int) -> str:
    """Numbered words (w0001 w0002 …), so that each one is found in its place."""
    words = [f"w{number:04d}" for number in range(1, characters // 6 + 1)]
    return " ".join(words)[:characters].rsplit(" ", 1)[0]


def _printed_text(pdf: bytes) -> str:
    document = pdfium.PdfDocument(pdf)
    try:
        return " ".join(page.get_textpage().get_text_range() for page in document)
    finally:
        document.close()


def test_a_long_answer_typed_in_a_viewer_prints_whole_from_the_store(tmp_path):
    description = _long_description(2436)
    blank = issue_copy(compiled_form("group-record", "1.1.0"), None, issued_at=ISSUED_AT)[1]
    typed = fill_pdfium(blank, {"description": description})
    (tmp_path / "return.pdf").write_bytes(typed)
    store = f"sqlite:///{tmp_path}/records.db"
    code, stdout, err = run("ingest", str(tmp_path / "return.pdf"), "--out", str(tmp_path / "o"),
                            "--store", store, "--json", "--workers", "1")  # fmt: skip
    (result,) = [json.loads(line) for line in stdout.splitlines()]
    assert (result["version"], result["data"]["description"]) == ("1.1.0", description)
    record = str(result["record_id"])

    code, _, err = run("records", "--store", store, "show", record, "--print",
                       str(tmp_path / "print.pdf"))  # fmt: skip
    assert code == 0, err
    printed = _printed_text((tmp_path / "print.pdf").read_bytes())
    # Every word once, in order: in its box, then on the continuation page.
    assert re.findall(r"w\d{4}", printed) == description.split()
    pages = len(pdfium.PdfDocument(tmp_path / "print.pdf"))
    assert pages > len(pdfium.PdfDocument(typed))  # it went on to a continuation page

    code, stdout, _ = run("records", "--store", store, "verify", "--json")
    assert code == 0
    log = run("records", "--store", store, "export", "--format", "jsonl")[1]
    assert log  # the store still reads


def test_a_rejected_record_has_nothing_to_print(tmp_path):
    (tmp_path / "letter.pdf").write_bytes(b"%PDF-1.4\nnot a form\n%%EOF\n")
    store = f"sqlite:///{tmp_path}/records.db"
    run("ingest", str(tmp_path / "letter.pdf"), "--out", str(tmp_path / "o"), "--store", store,
        "--workers", "1")  # fmt: skip
    code, _, err = run("records", "--store", store, "show", "1", "--print",
                       str(tmp_path / "print.pdf"))  # fmt: skip
    assert code == 1
    assert err.strip() == "supforms: the record holds no form's values to print (it was rejected)"
    assert not (tmp_path / "print.pdf").exists()
