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
from supforms.forms.writing.appearance import LEADING, MIN_SIZE, PAD, VALUE_SIZE, WIDE
from supforms.forms.writing.compiled import compiled_form
from supforms.forms.writing.identity import qr_payload
from supforms.pipeline.delivery.generate import issue_copy
from supforms.schemas.common import FormModel
from supforms.schemas.errors import LayoutError
from supforms.schemas.registry import latest, model_for

from tests.conftest import ISSUED_AT
from tests.forms.longest import PATTERNS, longest_record, print_copy


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
        assert _squash(shown) == _squash(str(value)), f"{path}: not shown whole"
        checked += 1
    assert checked == len([p for p in values if specs[p].kind not in ("checkbox", "scale")])


def _long_answer() -> FormModel:
    """A 4,000-character description, as version 1.1.0 of the group record accepted."""
    sentence = "Maya told the school nurse that Ахмед shouted at Ελένη again on Friday. "
    description = (sentence * 60)[:4000].strip()
    return model_for("group-record", "1.1.0").model_validate(
        {"description": description, "workers_goal": "Decide whether a conference is needed."}
    )


def test_a_copy_to_fill_refuses_an_answer_its_box_cannot_show():
    """Continuation text would not follow an edit in a viewer: a copy to fill has none."""
    with pytest.raises(LayoutError, match="description: 4000 characters do not fit its box"):
        issue_copy(compiled_form("group-record", "1.1.0"), _long_answer(), issued_at=ISSUED_AT)


def test_a_long_description_continues_on_a_continuation_page():
    """A 4,000-character description printed: its box ends with where it goes on."""
    form = compiled_form("group-record", "1.1.0")
    record = _long_answer()
    description = str(record.description)  # type: ignore[attr-defined]
    data = print_copy(record, ISSUED_AT)
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
    # An answer going on over a page break is headed again with what it continues.
    for text in texts[form.pages + 1 :]:
        assert "continued: Description of the child or young person’s situation" in text
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
    assert qr_payload("TEST-PRNT-0000-0000", pages, pages).endswith(f"{pages}/{pages}")


def test_every_free_text_box_shows_its_limit_at_the_size_people_type_in(form_id):
    """The schema's limit in the widest letter, broken anywhere, fits its box at 8.5 pt.

    That is what a viewer draws as people type (``/DA``), so the limit is also ``/MaxLen``.
    """
    font = field_font()
    form = compiled_form(form_id)
    specs = spec_by_path(latest(form_id))
    boxes = [w for w in form.widgets if specs[w.path].kind == "multiline"]
    for widget in boxes:
        x0, y0, x1, y1 = widget.rect
        lines = int((y1 - y0 - 2 * PAD) // (VALUE_SIZE * LEADING))
        per_line = int((x1 - x0 - 2 * PAD) // font.width(WIDE, VALUE_SIZE))
        limit = specs[widget.path].max_length
        assert limit, f"{widget.path}: free text without a limit"
        assert lines * per_line >= limit, f"{widget.path}: shows {lines * per_line} of {limit}"


@pytest.mark.parametrize("form_id", ["group-record", "session-record"])
def test_the_values_of_a_table_row_sit_on_one_baseline(form_id):
    """A next step, its person and its date read along one line, as written on paper."""
    from tests.conftest import sample_record

    form = compiled_form(form_id)
    _, data, values = issue_copy(form, sample_record(form_id), issued_at=ISSUED_AT)
    drawn = _appearances(data)
    bottoms = {w.path: w.rect[1] for w in form.widgets}
    rows: dict[str, list[float]] = {}
    for path in values:
        match = re.fullmatch(r"(actions\.\d+)\.\w+", path)
        if match:
            appearance = drawn[path][0]
            rows.setdefault(match[1], []).append(bottoms[path] + appearance.lines[0][2])
    assert rows
    for row, baselines in rows.items():
        assert len(baselines) >= 3, row
        assert max(baselines) - min(baselines) < 0.75, f"{row}: baselines {baselines}"
