"""Every value the schema accepts is drawn whole, at 8 pt or more, inside its box.

Each form is prefilled with the longest value each field accepts — in W, in Ш
(the widest letter people type) and in words of Greek, Cyrillic and accented
Latin — and every widget's appearance stream is read back: its font size, where
each line starts and how wide it is (from the font's own glyph widths), and how
far down the last line goes. A long free-text answer that outgrows its box ends
with "… continued on page N", and page N holds the rest.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass

import pikepdf
import pypdfium2 as pdfium
import pytest
from supforms.forms.fonts import field_font
from supforms.forms.spec import spec_by_path
from supforms.forms.values import display_values
from supforms.forms.writing.appearance import MIN_SIZE, PAD
from supforms.forms.writing.compiled import compiled_form
from supforms.forms.writing.identity import qr_payload
from supforms.pipeline.delivery.generate import issue_copy
from supforms.schemas.registry import latest

from tests.conftest import ISSUED_AT
from tests.forms.longest import PATTERNS, longest_record


@dataclass(frozen=True)
class Drawn:
    """What one appearance stream draws: its size, and each line's text, start and width."""

    size: float
    lines: list[tuple[str, float, float, float]]  # text, x, baseline y, width


def _drawn(stream: pikepdf.Stream) -> Drawn:
    font = field_font()
    chars = {gid: chr(cp) for cp, gid in font.gids.items()}
    size = leading = x = y = 0.0
    lines = []
    for operands, operator in pikepdf.parse_content_stream(stream):
        op = str(operator)
        if op == "Tf":
            size = float(operands[1])
        elif op == "TL":
            leading = float(operands[0])
        elif op == "Td":
            x, y = x + float(operands[0]), y + float(operands[1])
        elif op == "T*":
            y -= leading
        elif op == "Tj":
            raw = bytes(operands[0])
            gids = [int.from_bytes(raw[i : i + 2], "big") for i in range(0, len(raw), 2)]
            width = sum(font.widths[g] for g in gids) * size / 1000
            lines.append(("".join(chars[g] for g in gids), x, y, width))
    return Drawn(size, lines)


def _appearances(data: bytes) -> dict[str, tuple[Drawn, float, float]]:
    """Each filled text widget's drawing, with its box's width and height."""
    found = {}
    with pikepdf.open(io.BytesIO(data)) as pdf:
        for page in pdf.pages:
            for annot in page.obj.get("/Annots", []):
                if annot.get("/FT", annot.get("/Parent", {}).get("/FT")) not in (
                    pikepdf.Name.Tx,
                    pikepdf.Name.Ch,
                ):
                    continue
                if "/V" not in annot:
                    continue
                x0, y0, x1, y1 = (float(v) for v in annot.Rect)
                names = [str(annot.T)]
                parent = annot.get("/Parent")
                while parent is not None:
                    names.insert(0, str(parent.T))
                    parent = parent.get("/Parent")
                found[".".join(names)] = (_drawn(annot.AP.N), x1 - x0, y1 - y0)
    return found


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _page_texts(data: bytes) -> list[str]:
    document = pdfium.PdfDocument(data)
    try:
        return [page.get_textpage().get_text_bounded() for page in document]
    finally:
        document.close()


@pytest.mark.parametrize("pattern", sorted(PATTERNS))
def test_the_longest_values_fit_their_boxes_at_8pt(form_id, pattern):
    record = longest_record(form_id, pattern)
    form = compiled_form(form_id)
    _, data, values = issue_copy(form, record, issued_at=ISSUED_AT)
    font = field_font()
    specs = spec_by_path(latest(form_id))
    drawn = _appearances(data)
    texts = [_squash(text) for text in _page_texts(data)]
    checked = 0
    for path, value in values.items():
        if specs[path].kind in ("checkbox", "scale"):
            continue
        appearance, width, height = drawn[path]
        assert appearance.size >= MIN_SIZE, f"{path}: drawn at {appearance.size} pt"
        ascent = appearance.size * font.ascent / 1000
        descent = appearance.size * font.descent / 1000
        for text, x, y, line_width in appearance.lines:
            assert x >= PAD - 0.01, f"{path}: {text!r} starts outside its box"
            assert x + line_width <= width - PAD + 0.01, f"{path}: {text!r} is cut at the right"
            assert y + ascent <= height + 0.01, f"{path}: {text!r} is cut at the top"
            assert y + descent >= -0.01, f"{path}: {text!r} is cut at the bottom"
        shown = "".join(text for text, *_ in appearance.lines)
        if _squash(shown) == _squash(str(value)):
            checked += 1
            continue
        # Too long for its box: the last line says where it goes on, and that page has the rest.
        *kept, last = [text for text, *_ in appearance.lines]
        match = re.fullmatch(r"… continued on page (\d+)", last)
        assert match, (
            f"{path}: shows {shown[:40]!r}… but not the whole value, nor where the rest is"
        )
        assert specs[path].kind == "multiline", f"{path}: only free text may continue elsewhere"
        rest = _squash(str(value))[len(_squash("".join(kept))) :]
        assert _squash(str(value)).startswith(_squash("".join(kept)))
        following = "".join(texts[int(match[1]) - 1 :])
        assert rest[:200] in following, f"{path}: page {match[1]} does not go on with the value"
        checked += 1
    assert checked == len([p for p in values if specs[p].kind not in ("checkbox", "scale")])


def test_a_long_description_continues_on_a_continuation_page():
    """A 4,000-character description: its box ends with where it goes on; nothing is lost."""
    form = compiled_form("group-record")
    sentence = "Maya told the school nurse that Ахмед shouted at Ελένη again on Friday. "
    description = (sentence * 60)[:4000].strip()
    record = latest("group-record").model_validate(
        {"description": description, "workers_goal": "Decide whether a conference is needed."}
    )
    identity, data, _ = issue_copy(form, record, issued_at=ISSUED_AT)
    texts = _page_texts(data)
    pages = len(texts)
    assert pages > form.pages
    box_page = next(w.page for w in form.widgets if w.path == "description") + 1
    appearance, _, _ = _appearances(data)["description"]
    assert appearance.lines[-1][0] == f"… continued on page {form.pages + 1}"
    continuation = " ".join(texts[form.pages :])
    heading = (
        f"continued from page {box_page}: Description of the child or young person’s situation"
    )
    assert _squash(heading) in _squash(continuation)
    kept = "".join(text for text, *_ in appearance.lines[:-1])
    following = _squash(continuation).split(_squash(heading), 1)[1]
    assert (_squash(kept) + following).startswith(_squash(description))
    # Every page, the continuation pages too, says "page x of y" and carries its QR code.
    for number, text in enumerate(texts, start=1):
        assert f"Page {number} of {pages}" in text
    assert "workers_goal" in display_values(record)
    assert (
        _appearances(data)["workers_goal"][0].lines[0][0]
        == "Decide whether a conference is needed."
    )
    with pikepdf.open(io.BytesIO(data)) as pdf:
        assert len(pdf.pages) == pages
    assert qr_payload(identity.document_id, pages, pages).endswith(f"{pages}/{pages}")
