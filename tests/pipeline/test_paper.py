"""The paper path: print a pack, "scan" it (rasterise, rotate, add noise), ingest, transcribe."""

from __future__ import annotations

import io
import json
import random
import subprocess
from pathlib import Path

import pytest
from PIL import Image, ImageFilter

from tests.cli import run

pytestmark = pytest.mark.slow  # rasterised scans


def scan(pdf: Path, dpi: int, tmp_path: Path, seed: int) -> list[Image.Image]:
    """Pages as a scanner gives them: greyscale, slightly rotated, with speckle noise."""
    stem = tmp_path / f"scan{dpi}"
    subprocess.run(["pdftoppm", "-r", str(dpi), "-gray", "-png", str(pdf), str(stem)], check=True)
    chance = random.Random(seed)
    pages = []
    for path in sorted(tmp_path.glob(f"scan{dpi}-*.png")):
        image = Image.open(path).convert("L")
        image = image.rotate(chance.uniform(-1.5, 1.5), expand=True, fillcolor=255)
        pixels = image.load()
        width, height = image.size
        for _ in range(width * height // 400):  # dust
            pixels[chance.randrange(width), chance.randrange(height)] = chance.choice((0, 255))
        pages.append(image.filter(ImageFilter.GaussianBlur(0.4)))
    return pages


def image_pdf(pages: list[Image.Image], dpi: int) -> bytes:
    out = io.BytesIO()
    pages[0].save(out, "PDF", resolution=dpi, save_all=True, append_images=pages[1:])
    return out.getvalue()


@pytest.fixture
def pack(tmp_path) -> Path:
    data = tmp_path / "pairs.jsonl"
    data.write_text(
        json.dumps({"supervisee.name": "Zoë Ó Briain"}, ensure_ascii=False), encoding="utf-8"
    )
    target = tmp_path / "pack.pdf"
    code, _, _ = run("print", "contract", "--data", str(data), "-o", str(target))
    assert code == 0
    return target


@pytest.mark.usefixtures("poppler")
@pytest.mark.parametrize("dpi", [150, 300])
def test_a_scanned_return_is_matched_page_by_page(pack, tmp_path, dpi):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "scan.pdf").write_bytes(image_pdf(scan(pack, dpi, tmp_path, dpi), dpi))
    code, stdout, _ = run("ingest", str(inbox), "--out", str(tmp_path / "out"), "--json")
    (result,) = [json.loads(line) for line in stdout.splitlines()]
    assert code == 0
    assert result["status"] == "scanned"
    assert result["identified_by"] == "qr"
    assert (result["form"], result["version"]) == ("contract", "1.1.0")  # from the registry
    assert result["problems"] == []
    code, stdout, _ = run("records", "transcribe", "--json")
    (queued,) = [json.loads(line) for line in stdout.splitlines()]
    assert queued["document_id"] == result["document_id"]


@pytest.fixture
def agreement_pack(tmp_path) -> Path:
    """A two-page form (the contract is one page, like its seed)."""
    target = tmp_path / "agreement-pack.pdf"
    code, _, _ = run("print", "agreement", "--count", "1", "-o", str(target))
    assert code == 0
    return target


@pytest.mark.usefixtures("poppler")
def test_a_missing_page_is_reported(agreement_pack, tmp_path):
    pages = scan(agreement_pack, 150, tmp_path, 7)
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "half.pdf").write_bytes(image_pdf(pages[:1], 150))
    code, stdout, _ = run("ingest", str(inbox), "--out", str(tmp_path / "out"), "--json")
    (result,) = [json.loads(line) for line in stdout.splitlines()]
    assert code == 3
    assert result["status"] == "scanned"
    assert result["problems"] == [
        {"field": "(file)", "code": "missing_page", "message": "page 2 of 2 is not in the scan"}
    ]


@pytest.mark.usefixtures("poppler")
def test_transcribing_a_scan(pack, tmp_path):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "scan.pdf").write_bytes(image_pdf(scan(pack, 150, tmp_path, 3), 150))
    code, stdout, _ = run("ingest", str(inbox), "--out", str(tmp_path / "out"), "--json")
    record_id = json.loads(stdout)["record_id"]
    keyed = tmp_path / "keyed.json"
    keyed.write_text(
        json.dumps(
            {
                "supervisee.name": "Zoë Ó Briain",
                "supervisee.department": "East",
                "supervisor.name": "Ayşe Yılmaz",
                "signatures.date": "03/04/2026",
                "signatures.supervisee": {"kind": "drawn"},
                "signatures.supervisor": {"kind": "drawn"},
            },
            ensure_ascii=False,
        ),
        encoding="utf-8",
    )
    code, stdout, _ = run("records", "transcribe", str(record_id), "--data", str(keyed), "--json")
    result = json.loads(stdout)
    assert code == 0
    assert result["status"] == "complete"
    assert result["data"]["signatures"]["date"] == "2026-04-03"
    assert result["transcribed"]["by"]
    assert run("records", "transcribe", "--json")[1] == ""  # the queue is empty
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"signatures.date": "31/02/2026"}), encoding="utf-8")
    code, _, err = run("records", "transcribe", str(record_id), "--data", str(bad))
    assert code == 1  # no longer a scan
    assert "not a scan to transcribe" in err
