"""Print packs: flattened copies, each page with its own document id, readable in poppler."""

from __future__ import annotations

import json
import re
import subprocess

import pypdf
import pytest
import zxingcpp
from PIL import Image

from tests.cli import run


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
    ids = re.findall(r"Document ([0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4})", text)
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
