"""veraPDF, fetched by Maven and run through tests/verapdf.py, judges PDF/UA-1 both ways.

Tiny PDFs made here, one rule broken at a time, show that the validator runs, that a
tagged file passes with zero failed rules, and that each broken rule is named with
its clause, test number and count. The forms themselves are not checked here yet:
today they are untagged (issue 15).
"""

from __future__ import annotations

from pathlib import Path

import pikepdf
import pytest
from pikepdf import Array, Dictionary, Name, String

from tests.verapdf import FailedRule, VeraPDFError, failed_rules, need_verapdf

XMP = b"""<?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
<rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/"
  xmlns:pdfuaid="http://www.aiim.org/pdfua/ns/id/">
<dc:title><rdf:Alt><rdf:li xml:lang="x-default">A rule</rdf:li></rdf:Alt></dc:title>
<pdfuaid:part>1</pdfuaid:part>
</rdf:Description></rdf:RDF></x:xmpmeta><?xpacket end="w"?>"""

LINE = b"0.5 w 48 700 m 547 700 l S"


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


@pytest.fixture(scope="module")
def verdicts(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[FailedRule]]:
    """One veraPDF run over every sample file (the JVM starts once)."""
    need_verapdf()
    folder = tmp_path_factory.mktemp("pdfua")
    files = {
        "artifact": _tagged_pdf(folder / "artifact.pdf", b"/Artifact BMC " + LINE + b" EMC"),
        "untagged line": _tagged_pdf(folder / "untagged.pdf", LINE),
        "not marked": _tagged_pdf(folder / "unmarked.pdf", b"", marked=False),
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
