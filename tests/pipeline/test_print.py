"""Print packs: flattened copies, each page with its own document id, readable in poppler.

A pack is printed on both sides by default: no sheet may carry two people's pages.
"""

from __future__ import annotations

import json
import re
import subprocess

import pypdf
import pytest
import zxingcpp
from PIL import Image
from supforms.pipeline.delivery.printing import make_pack, save_pack

from tests.cli import run

DOCUMENT_ID = r"Document ([0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4})"


@pytest.mark.usefixtures("poppler")
@pytest.mark.slow
def test_prefilled_pack_renders_with_values_and_ids_and_no_fields(tmp_path):
    data = tmp_path / "pairs.jsonl"
    data.write_text(
        "\n".join(
            json.dumps(r, ensure_ascii=False)
            for r in [
                {"supervisee.name": "Zoë Ó Briain", "agreed_on": "03/04/2026"},
                {"supervisee.name": "Ахмед Иванов", "agreed_on": "04/04/2026"},
            ]
        ),
        encoding="utf-8",
    )
    pack = tmp_path / "pack.pdf"
    code, out, _ = run("print", "agreement", "--data", str(data), "-o", str(pack))
    assert code == 0
    assert out.strip() == f"Wrote 2 agreement copies to {pack}"
    reader = pypdf.PdfReader(pack)
    assert len(reader.pages) == 4
    assert not reader.get_fields()
    assert all(not page.get("/Annots") for page in reader.pages)
    text = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(pack), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "Zoë Ó Briain" in text
    assert "Ахмед Иванов" in text
    ids = re.findall(DOCUMENT_ID, text)
    assert len(ids) == 4
    assert len(set(ids)) == 2  # one id per copy, on each of its pages
    subprocess.run(
        ["pdftoppm", "-r", "150", "-gray", "-png", str(pack), str(tmp_path / "p")], check=True
    )
    pages = sorted(tmp_path.glob("p-*.png"))
    codes = [zxingcpp.read_barcodes(Image.open(p))[0].text for p in pages]
    assert codes == [
        f"SF1:{ids[0]}:1/2",
        f"SF1:{ids[1]}:2/2",
        f"SF1:{ids[2]}:1/2",
        f"SF1:{ids[3]}:2/2",
    ]


def test_blank_pack(tmp_path):
    pack = tmp_path / "blank.pdf"
    code, out, _ = run("print", "contract", "--count", "10", "-o", str(pack))
    assert code == 0
    reader = pypdf.PdfReader(pack)
    # The contract is one page, like its seed; a blank back follows each but the last.
    assert len(reader.pages) == 19
    fronts = reader.pages[::2]
    assert not any(page.extract_text().strip() for page in reader.pages[1::2])
    footers = {page.extract_text().split("Document ")[-1][:19] for page in fronts}
    assert len(footers) == 10


PEOPLE = {  # who each copy is for: the field that names them, and one row per copy
    "contract": (
        "supervisee.name",
        [
            {"supervisee.name": "Łukasz Wiśniewski", "supervisor.name": "Ann Archer"},
            {"supervisee.name": "Ελένη Παπαδοπούλου", "supervisor.name": "Ann Archer"},
            {"supervisee.name": "Ђорђе Јовановић", "supervisor.name": "Ann Archer"},
        ],
    ),
    "group-record": (
        "participants.0.name",
        [
            {"held_on": "21/11/2026", "case_reference": "CF-0042",
             "participants.0.name": "Ayşe Yılmaz", "participants.0.role": "Facilitator"},
            {"held_on": "22/11/2026", "case_reference": "CF-0077",
             "participants.0.name": "Gwenllïan ap Dafydd", "participants.0.role": "Facilitator"},
        ],
    ),
}  # fmt: skip


def _page_texts(pdf) -> list[str]:
    """The text poppler reads on each page of ``pdf``."""
    done = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", "-layout", str(pdf), "-"],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    return done.stdout.split("\f")[:-1]  # a form feed ends every page


def _owners(texts: list[str]) -> list[str | None]:
    """The one document id on each page; None for a page with no text at all."""
    owners = []
    for number, text in enumerate(texts, 1):
        ids = set(re.findall(DOCUMENT_ID, text))
        assert len(ids) <= 1, f"page {number} carries the ids of {sorted(ids)}"
        assert ids or not text.strip(), f"page {number} has text but no document id: {text!r}"
        owners.append(ids.pop() if ids else None)
    return owners


@pytest.mark.usefixtures("poppler")
@pytest.mark.parametrize("form", sorted(PEOPLE))
def test_a_duplex_pack_never_puts_two_people_on_one_sheet(form, tmp_path):
    """Each copy starts on a front, a blank back after an odd-length copy; --simplex: no blanks.

    Who a page is for is read back from the page (its footer's document id, the name
    on the copy's first page), not from how the pack was made.
    """
    field, rows = PEOPLE[form]
    data = tmp_path / f"{form}.jsonl"
    data.write_text("\n".join(json.dumps(row, ensure_ascii=False) for row in rows) + "\n")
    pack = make_pack(form, data=data, target=tmp_path / "duplex.pdf")
    save_pack(pack, None)
    person = {copy.document_id: rows[copy.row - 1][field] for copy in pack.issued}
    texts = _page_texts(pack.target)
    owners = _owners(texts)
    starts = [i for i, owner in enumerate(owners) if owner and owner not in owners[:i]]
    assert [person[owners[i]] for i in starts] == [row[field] for row in rows]
    for i in starts:
        assert person[owners[i]] in texts[i], f"page {i + 1} does not name {person[owners[i]]}"
        assert i % 2 == 0, f"{person[owners[i]]}'s copy starts on the back of page {i}"
    for first in range(0, len(owners), 2):
        sheet = {person[owner] for owner in owners[first : first + 2] if owner}
        assert len(sheet) == 1, f"sheet {first // 2 + 1} carries {sheet}"
    lengths = [owners.count(copy.document_id) for copy in pack.issued]
    blanks = [i for i, owner in enumerate(owners) if owner is None]
    assert len(blanks) == sum(n % 2 for n in lengths[:-1])  # one after each odd copy but the last
    assert len(owners) == len(blanks) + sum(lengths)
    for i in blanks:
        subprocess.run(
            ["pdftoppm", "-r", "40", "-gray", "-png", "-f", f"{i + 1}", "-l", f"{i + 1}",
             "-singlefile", str(pack.target), str(tmp_path / "blank")],
            check=True,
        )  # fmt: skip
        assert Image.open(tmp_path / "blank.png").convert("L").getextrema() == (255, 255), (
            f"page {i + 1}"
        )
    simplex = tmp_path / "simplex.pdf"
    store = f"sqlite:///{tmp_path}/records.db"
    code, _, err = run("print", form, "--data", str(data), "-o", str(simplex), "--simplex",
                       "--store", store)  # fmt: skip
    assert code == 0, err
    on_paper = _owners(_page_texts(simplex))
    assert None not in on_paper  # no blank page
    assert len(on_paper) == sum(lengths)
