"""veraPDF, the reference PDF/UA validator, finds no failed rule in any PDF supforms makes.

Every form of the registry is checked blank, prefilled with non-ASCII values,
prefilled with the longest values, flattened for print, and in print packs; a
print copy of free text given under an older version's longer limit (so with
continuation pages); the contract also with a configured logo; and every form once
a name in each script the forms accept is typed into it in PDFium (Chrome's
viewer), which writes its own appearance. One
veraPDF run (one JVM start) judges every file. Tiny PDFs made here, one rule
broken at a time, show first that the validator runs, that it names each broken
rule with its clause, test number and count, and that a file it cannot read is
an error, never a pass.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pikepdf
import pytest
from pikepdf import Array, Dictionary, Name, String
from PIL import Image
from supforms.forms.writing.compiled import compiled_form
from supforms.forms.writing.wording import load_wording
from supforms.pipeline.delivery.data import Record
from supforms.pipeline.delivery.generate import issue_copy
from supforms.pipeline.delivery.printing import print_pack
from supforms.schemas.registry import form_ids, latest

from tests.conftest import ISSUED_AT, sample_record
from tests.engines import fill_pdfium
from tests.forms.longest import longest_record
from tests.forms.scripts import DRAWN, NOT_DRAWN, name_field
from tests.verapdf import FailedRule, VeraPDFError, failed_rules, need_verapdf

pytestmark = pytest.mark.slow  # veraPDF

XMP = b"""<?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
<rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/"
  xmlns:pdfuaid="http://www.aiim.org/pdfua/ns/id/">
<dc:title><rdf:Alt><rdf:li xml:lang="x-default">A rule</rdf:li></rdf:Alt></dc:title>
<pdfuaid:part>1</pdfuaid:part>
</rdf:Description></rdf:RDF></x:xmpmeta><?xpacket end="w"?>"""

LINE = b"0.5 w 48 700 m 547 700 l S"
VARIANTS = (
    "blank",
    "prefilled",
    "longest",
    "flattened",
    "flattened blank",
    "print pack",
    "print pack of the longest",
)


def _tagged_pdf(path: Path, content: bytes, *, marked: bool = True) -> Path:
    """One page drawing ``content``, with everything PDF/UA-1 asks of the catalog."""
    pdf = pikepdf.new()
    pdf.add_blank_page()
    pdf.pages[0].obj.Contents = pdf.make_stream(content)
    root = pdf.make_indirect(Dictionary(Type=Name.StructTreeRoot))
    root.K = pdf.make_indirect(Dictionary(Type=Name.StructElem, S=Name.Document, P=root, K=Array()))
    pdf.Root.StructTreeRoot = root
    if marked:
        pdf.Root.MarkInfo = Dictionary(Marked=True)
    pdf.Root.Lang = String("en-GB")
    pdf.Root.ViewerPreferences = Dictionary(DisplayDocTitle=True)
    pdf.Root.Metadata = pdf.make_stream(XMP, Type=Name.Metadata, Subtype=Name.XML)
    pdf.save(path)
    return path


def _form_files(folder: Path) -> dict[str, Path]:
    """Every kind of PDF supforms makes, for every form: name → file."""
    files: dict[str, bytes] = {}
    for form_id in form_ids():
        form = compiled_form(form_id)
        record = sample_record(form_id)
        files[f"{form_id} blank"] = issue_copy(form, None, issued_at=ISSUED_AT)[1]
        files[f"{form_id} prefilled"] = issue_copy(form, record, issued_at=ISSUED_AT)[1]
        longest = longest_record(form_id, "words")
        files[f"{form_id} longest"] = issue_copy(form, longest, issued_at=ISSUED_AT)[1]
        files[f"{form_id} flattened"] = issue_copy(form, record, flatten=True)[1]
        files[f"{form_id} flattened blank"] = issue_copy(form, None, flatten=True)[1]
        sample = dict(latest(form_id).declaration.sample)
        rows = [Record(1, sample, {}), Record(2, sample, {})]
        files[f"{form_id} print pack"] = print_pack(form_id, rows, 0)[0]
        longest_row = Record(1, longest.model_dump(mode="json", exclude_none=True), {})
        files[f"{form_id} print pack of the longest"] = print_pack(form_id, [longest_row], 0)[0]
    for form_id, version in (("group-record", "1.1.0"), ("session-record", "1.0.0")):
        older = longest_record(form_id, "words", version=version)
        printed = issue_copy(compiled_form(form_id, version), older, flatten=True)[1]
        files[f"{form_id} {version} longest printed"] = printed
    logo = folder / "logo.png"
    Image.new("RGB", (90, 40), (20, 90, 160)).save(logo)
    wording = dataclasses.replace(load_wording(), logo=str(logo))
    with_logo = compiled_form("contract", wording=wording)
    files["contract with a logo"] = issue_copy(with_logo, None, issued_at=ISSUED_AT)[1]
    paths = {}
    for name, data in files.items():
        paths[name] = folder / (name.replace(" ", "-") + ".pdf")
        paths[name].write_bytes(data)
    return paths


def _typed_files(folder: Path) -> dict[str, Path]:
    """Each form with a name typed in PDFium in each script: ``FORM typed SCRIPT`` → file.

    The names the field font cannot draw are typed into the contract only.
    """
    paths = {}
    for form_id in form_ids():
        spec = name_field(form_id)
        if spec is None:
            continue
        blank = issue_copy(compiled_form(form_id), None, issued_at=ISSUED_AT)[1]
        names = {**DRAWN, **(NOT_DRAWN if form_id == "contract" else {})}
        for script, name in names.items():
            path = folder / f"{form_id}-typed-{script}.pdf"
            path.write_bytes(fill_pdfium(blank, {spec.path: name}))
            paths[f"{form_id} typed {script}"] = path
    return paths


@pytest.fixture(scope="module")
def verdicts(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[FailedRule]]:
    """One veraPDF run over every form file and every sample file (the JVM starts once)."""
    need_verapdf()
    folder = tmp_path_factory.mktemp("pdfua")
    files = {
        "artifact": _tagged_pdf(folder / "artifact.pdf", b"/Artifact BMC " + LINE + b" EMC"),
        "untagged line": _tagged_pdf(folder / "untagged.pdf", LINE),
        "not marked": _tagged_pdf(folder / "unmarked.pdf", b"", marked=False),
        **_form_files(folder),
        **_typed_files(folder),
    }
    found = failed_rules(*files.values())
    return {name: found[path.resolve()] for name, path in files.items()}


def test_a_tagged_pdf_whose_rule_is_an_artifact_passes(verdicts):
    assert verdicts["artifact"] == []


def test_each_broken_rule_is_named_with_its_clause_test_and_count(verdicts):
    assert [(r.clause, r.test, r.count) for r in verdicts["untagged line"]] == [("7.1", 3, 1)]
    assert "Artifact" in verdicts["untagged line"][0].description
    assert [(r.clause, r.test, r.count) for r in verdicts["not marked"]] == [("6.2", 1, 1)]


def test_a_file_that_is_not_a_pdf_is_an_error_not_a_pass(tmp_path):
    need_verapdf()
    junk = tmp_path / "junk.pdf"
    junk.write_bytes(b"%PDF-1.7\nnot really\n")
    with pytest.raises(VeraPDFError, match=r"junk\.pdf"):
        failed_rules(junk)


@pytest.mark.parametrize("variant", VARIANTS)
def test_every_form_conforms_to_pdf_ua_1(verdicts, form_id, variant):
    failed = verdicts[f"{form_id} {variant}"]
    assert not failed, "\n".join(map(str, failed))


def test_a_form_with_a_logo_conforms_to_pdf_ua_1(verdicts):
    failed = verdicts["contract with a logo"]
    assert not failed, "\n".join(map(str, failed))


@pytest.mark.parametrize("script", sorted(DRAWN))
def test_a_name_typed_in_pdfium_conforms_to_pdf_ua_1(verdicts, form_id, script):
    """PDFium's own appearance, its unused /Helvetica_00 resource too, breaks no rule."""
    if name_field(form_id) is None:
        pytest.skip(f"{form_id} has no name field")
    failed = verdicts[f"{form_id} typed {script}"]
    assert not failed, "\n".join(map(str, failed))


@pytest.mark.parametrize(("script", "letters"), [("arabic", 9), ("emoji", 1)])
def test_a_name_the_font_cannot_draw_breaks_the_font_rules(verdicts, script, letters):
    """What ingest flags as not printable is what veraPDF finds: each such letter a .notdef.

    PDFium writes each letter's code point as its glyph id, which the field font
    does not have: no glyph, no width, no Unicode mapping, so .notdef, once per letter.
    """
    failed = verdicts[f"contract typed {script}"]
    assert [(r.clause, r.test, r.count) for r in failed] == [
        ("7.21.4.1", 2, letters),
        ("7.21.5", 1, letters),
        ("7.21.7", 1, letters),
        ("7.21.8", 1, letters),
    ], "\n".join(map(str, failed))
