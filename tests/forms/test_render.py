"""Our PDFs open and render in PDFium (as Chrome) and poppler, values and identity visible."""

from __future__ import annotations

import io
import subprocess
from pathlib import Path

import pypdfium2 as pdfium
import pytest
import zxingcpp
from PIL import Image
from supforms.forms.values import display_values
from supforms.forms.writing.compiled import compiled_form
from supforms.forms.writing.identity import qr_payload
from supforms.pipeline.delivery.generate import flatten_pdf, issue_copy

from tests.conftest import ISSUED_AT, sample_record

pytestmark = pytest.mark.visual
DPI = 100


def pdfium_pages(data: bytes) -> list[Image.Image]:
    document = pdfium.PdfDocument(data)
    document.init_forms()  # as Chrome does: widgets are drawn by the form-fill layer
    try:
        return [
            page.render(scale=DPI / 72, may_draw_forms=True).to_pil().convert("L")
            for page in document
        ]
    finally:
        document.close()


def poppler_pages(data: bytes, tmp_path: Path, dpi: int = DPI) -> list[Image.Image]:
    tmp_path.mkdir(parents=True, exist_ok=True)
    source = tmp_path / "in.pdf"
    source.write_bytes(data)
    subprocess.run(
        ["pdftoppm", "-r", str(dpi), "-gray", "-png", str(source), str(tmp_path / "p")], check=True
    )
    return [Image.open(p).convert("L") for p in sorted(tmp_path.glob("p-*.png"))]


def ink(image: Image.Image, box: tuple[float, float, float, float] | None = None) -> int:
    """How many dark pixels an image (or a region of it) has."""
    region = image.crop(tuple(round(v) for v in box)) if box else image
    return sum(region.point(lambda v: 255 if v < 128 else 0).histogram()[255:])


def pixel_box(
    rect: tuple[float, float, float, float], height_px: int, round_: bool = False
) -> tuple[float, ...]:
    """The inside of a widget's box in pixels, clear of its printed border."""
    x0, y0, x1, y1 = (v * DPI / 72 for v in rect)
    inset = (x1 - x0) * 0.3 if round_ else 3
    return (x0 + inset, height_px - y1 + inset, x1 - inset, height_px - y0 - inset)


@pytest.mark.usefixtures("poppler")
@pytest.mark.slow
def test_blank_forms_render_in_both_engines(form_id, blank_pdfs, tmp_path):
    pages = compiled_form(form_id).pages
    for renderer in (
        pdfium_pages(blank_pdfs[form_id]),
        poppler_pages(blank_pdfs[form_id], tmp_path),
    ):
        assert len(renderer) == pages
        for image in renderer:
            width, height = image.size
            assert abs(width - 595.28 * DPI / 72) <= 1
            assert abs(height - 841.89 * DPI / 72) <= 1
            body = (0, 0, width, height - 72 * DPI / 72)  # above the footer and its QR code
            assert ink(image, body) > 800, "page body renders blank"
            assert ink(image) - ink(image, body) > 500, "footer renders blank"


@pytest.mark.usefixtures("poppler")
@pytest.mark.slow
def test_prefilled_values_are_visible_in_both_engines(form_id, blank_pdfs, filled_pdfs, tmp_path):
    """Every prefilled field has ink in its box in PDFium and poppler; the blank one has none."""
    form = compiled_form(form_id)
    values = display_values(sample_record(form_id))
    renders = {
        "pdfium": (pdfium_pages(blank_pdfs[form_id]), pdfium_pages(filled_pdfs[form_id])),
        "poppler": (
            poppler_pages(blank_pdfs[form_id], tmp_path / "b"),
            poppler_pages(filled_pdfs[form_id], tmp_path / "f"),
        ),
    }
    checked = set()
    for engine, (blank, filled) in renders.items():
        for widget in form.widgets:
            value = values.get(widget.path)
            if value is None or (widget.option is not None and widget.option != value):
                continue
            box = pixel_box(widget.rect, filled[widget.page].height, widget.option is not None)
            assert ink(blank[widget.page], box) == 0, f"{engine}: {widget.path} not blank"
            assert ink(filled[widget.page], box) > 15, f"{engine}: {widget.path} shows nothing"
            checked.add(widget.path)
    assert checked == set(values)


@pytest.fixture(params=["poppler", "pdfium"])
def text_of(request, tmp_path):
    def extract(data: bytes) -> str:
        if request.param == "pdfium":
            document = pdfium.PdfDocument(data)
            return "\n".join(page.get_textpage().get_text_bounded() for page in document)
        source = tmp_path / "t.pdf"
        source.write_bytes(data)
        return subprocess.run(
            ["pdftotext", "-enc", "UTF-8", str(source), "-"],
            capture_output=True,
            check=True,
            text=True,
        ).stdout

    if request.param == "poppler":
        request.getfixturevalue("poppler")
    return extract


def test_non_ascii_values_print_as_written(form_id, filled_pdfs, text_of):
    """Flattened into the page, the appearance text extracts as the very characters typed."""
    text = " ".join(text_of(flatten_pdf(filled_pdfs[form_id])).split())
    for path, value in display_values(sample_record(form_id)).items():
        if isinstance(value, str) and len(value) > 2 and "\n" not in value:
            assert value in text, f"{path}: {value!r} not found after flattening"


def test_footer_identity_on_every_page(form_id, text_of):
    form = compiled_form(form_id)
    identity, data, _ = issue_copy(form, None, issued_at=ISSUED_AT)
    text = text_of(data)
    for page in range(1, form.pages + 1):
        assert f"Page {page} of {form.pages}" in text
    assert text.count(f"Document {identity.document_id}") == form.pages
    assert f"form {form_id} · version {form.version}" in text


@pytest.mark.usefixtures("poppler")
@pytest.mark.slow
def test_qr_codes_carry_document_id_and_page_at_scan_resolution(form_id, tmp_path):
    form = compiled_form(form_id)
    identity, data, _ = issue_copy(form, None, issued_at=ISSUED_AT)
    pages = poppler_pages(data, tmp_path, dpi=150)
    for number, image in enumerate(pages, start=1):
        found = [
            r.text
            for r in zxingcpp.read_barcodes(image)
            if r.format == zxingcpp.BarcodeFormat.QRCode
        ]
        assert found == [qr_payload(identity.document_id, number, form.pages)]


def test_flattened_copy_has_no_fields_but_keeps_values(filled_pdfs):
    import pypdf

    flat = flatten_pdf(filled_pdfs["agreement"])
    reader = pypdf.PdfReader(io.BytesIO(flat))
    assert not reader.get_fields()
    assert all(not page.get("/Annots") for page in reader.pages)
    assert "Łukasz Wiśniewski" in reader.pages[0].extract_text()
