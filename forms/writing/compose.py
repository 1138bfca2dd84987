"""Draw each block of a form's wording, and each row of fields, onto the flow.

Every schema field must be placed by the wording exactly once: a field placed
twice, or not at all, is a ``LayoutError`` before any PDF exists.

Each block is drawn inside its structure element (PDF/UA-1): the title an H1, headings
H2 (a step within a section, H3), clauses and notes P, bullets and numbered items one
L per run, the question grid and the repeated rows a Table with header cells, and each
run of field rows a Div in which every label is a P read just before its field's Form.
The reading order is the order of the structure tree, not the drawing order.
"""

from __future__ import annotations

from typing import Any

from supforms.forms.fonts import field_font
from supforms.forms.spec import DATE_HINT, FieldSpec
from supforms.forms.writing.appearance import PAD, VALUE_SIZE, box_height, wide_lines
from supforms.forms.writing.layout import (
    BOTTOM,
    BOX_HEIGHT,
    GREY,
    INLINE_BASELINE,
    INLINE_LEADING,
    LEADING,
    MARGIN,
    TOP,
    WIDTH,
    Flow,
    Node,
    StaticPages,
)
from supforms.forms.writing.wording import Block, FieldRef
from supforms.schemas.errors import LayoutError

__all__ = ["compose"]

LABEL_COLUMN = 128.0
SIGNATURE_HEIGHT = 36.0
DATE_WIDTH = 104.0
CHECK = 11.0
DOT = 14.0
TABLE_NUMBER = 18.0  # the column of row numbers
MULTILINE_LINE = 15.0  # points of box per line of handwriting
FIRST_BASELINE = PAD + 7.9  # from a box's top: its first line of values (DejaVu at 8.5 pt)
GROWTH_SLACK = 6.0  # of a page's unused height, what stays unused


def compose(
    title: str, blocks: list[Block], specs: tuple[FieldSpec, ...], logo: str
) -> StaticPages:
    """The static pages of a form and its widget rectangles, in reading order.

    Laid out twice: what a page leaves unused above its footer then goes to the
    free-text boxes on that page, shared alike, so people have room to write. If
    the taller boxes would move anything to another page, they get half as much.
    """
    first = _compose(title, blocks, specs, logo, {})
    kinds = {spec.path: spec.kind for spec in specs}
    extra: dict[str, float] = {}
    for page, free in enumerate(first.free):
        boxes = [w.path for w in first.widgets if w.page == page and kinds[w.path] == "multiline"]
        for path in boxes:
            extra[path] = max(0.0, free - GROWTH_SLACK) / len(boxes)
    for _ in range(3):
        if not any(extra.values()):
            break
        grown = _compose(title, blocks, specs, logo, extra)
        if [w.page for w in grown.widgets] == [w.page for w in first.widgets]:
            return grown
        extra = {path: height / 2 for path, height in extra.items()}
    return first


def _compose(
    title: str,
    blocks: list[Block],
    specs: tuple[FieldSpec, ...],
    logo: str,
    extra: dict[str, float],
) -> StaticPages:
    flow = Flow(title, logo)
    flow.extra = extra
    by_path = {spec.path: spec for spec in specs}
    for index, block in enumerate(blocks):
        if block.kind == "fields" and (index == 0 or blocks[index - 1].kind != "fields"):
            # A run of field rows with a signature (the signature lines with their date)
            # stays on one page.
            run = _run_height(blocks, index, by_path)
            if _signs(blocks, index, by_path) and run < TOP - BOTTOM:
                flow.ensure(run)
        elif block.kind == "heading":
            # A heading stays with the first thing under it (a box with its label, a clause).
            after = next(
                (i for i in range(index + 1, len(blocks)) if blocks[i].kind != "gap"), None
            )
            if after is not None:
                first = blocks[after]
                need = (
                    _estimate(first, by_path, rows=3)
                    if first.kind == "fields"
                    else _text_height(flow, first)
                    if first.kind in ("paragraph", "bullet", "numbered", "note")
                    else 60.0
                )
                lines = len(flow.wrap(block.text, WIDTH, 10.5, bold=True))
                flow.ensure(min(14 * lines + 10 + need, TOP - BOTTOM))
        elif block.kind in ("paragraph", "bullet", "numbered"):
            # The clause before a signature block goes with it: signatures never stand alone.
            after = next(
                (i for i in range(index + 1, len(blocks)) if blocks[i].kind != "gap"), None
            )
            if after is not None and _signs(blocks, after, by_path):
                flow.ensure(_text_height(flow, block) + 10 + _run_height(blocks, after, by_path))
        _BLOCKS[block.kind](flow, block, by_path)
    pages = flow.finish()
    placed = [w.path for w in pages.widgets if w.option in (None, _first_option(by_path, w.path))]
    twice = sorted({p for p in placed if placed.count(p) > 1})
    missing = [s.path for s in specs if s.path not in set(placed)]
    if twice:
        raise LayoutError(f"fields placed more than once: {', '.join(twice)}")
    if missing:
        raise LayoutError(f"fields the wording does not place: {', '.join(missing)}")
    return pages


def _run_height(blocks: list[Block], start: int, specs: dict[str, FieldSpec]) -> float:
    """Roughly how tall the run of field rows starting at ``start`` draws."""
    run = 0.0
    for following in blocks[start:]:
        if following.kind != "fields":
            break
        run += _estimate(following, specs)
    return run


def _signs(blocks: list[Block], start: int, specs: dict[str, FieldSpec]) -> bool:
    """Whether the run of field rows starting at ``start`` holds a signature."""
    for following in blocks[start:]:
        if following.kind != "fields":
            return False
        for ref in following.refs:
            if any(spec.kind == "signature" for spec in _expand(ref, specs)):
                return True
    return False


def _text_height(flow: Flow, block: Block) -> float:
    indent = 0.0 if block.kind == "paragraph" else 16.0
    return len(flow.wrap(block.text, WIDTH - indent)) * LEADING + 1.5


def _estimate(block: Block, specs: dict[str, FieldSpec], rows: int | None = None) -> float:
    """Roughly how tall a row of fields draws, to keep runs of rows together."""
    if len(block.refs) > 1:
        tall = any(_expand(ref, specs)[0].kind == "signature" for ref in block.refs)
        return (SIGNATURE_HEIGHT if tall else BOX_HEIGHT + 8) + 30
    found = _expand(block.refs[0], specs)
    if found[0].list_path == block.refs[0].path:
        numbers = sorted({s.row for s in found if s.row is not None})
        return 30.0 + _table_row_height([s for s in found if s.row == numbers[0]]) * min(
            len(numbers), rows or len(numbers)
        )
    return sum(_row_height(spec) for spec in found)


def _row_height(spec: FieldSpec) -> float:
    fixed = {
        "signature": SIGNATURE_HEIGHT + 8,
        "scale": DOT + 46,
        "checkbox": CHECK + 6,
        "yesno": DOT + 10,
    }
    if spec.kind == "multiline":
        return spec.lines * MULTILINE_LINE + 24
    return fixed.get(spec.kind, BOX_HEIGHT + 4)


def _first_option(by_path: dict[str, FieldSpec], path: str) -> str | None:
    options = by_path[path].options
    return options[0] if by_path[path].kind in ("scale", "yesno") else None


# -- text blocks ---------------------------------------------------------------
def _title(flow: Flow, block: Block, _: dict[str, FieldSpec]) -> None:
    flow.y -= 22
    with flow.element("H1"):
        flow.text(MARGIN, flow.y, block.text, size=17, bold=True)
    flow.y -= 8
    flow.rule(flow.y)
    flow.y -= 4


def _subtitle(flow: Flow, block: Block, _: dict[str, FieldSpec]) -> None:
    flow.y -= 12
    with flow.element("P"):
        flow.text(MARGIN, flow.y, block.text, size=10, color=GREY)


def _heading(flow: Flow, block: Block, _: dict[str, FieldSpec]) -> None:
    lines = flow.wrap(block.text, WIDTH, 10.5, bold=True)
    flow.ensure(14 * len(lines) + 8 + 60)  # keep a heading with what follows it
    flow.y -= 8
    with flow.element(f"H{block.level}"):
        for line in lines:
            flow.y -= 14
            flow.text(MARGIN, flow.y + 3, line, size=10.5, bold=True)
    flow.y -= 2


def _paragraph(flow: Flow, block: Block, specs: dict[str, FieldSpec]) -> None:
    with flow.element("P"):
        if "[[" in block.text:
            flow.inline_paragraph(block.text, specs)
        else:
            flow.paragraph(block.text, leading=LEADING)


def _item(flow: Flow, block: Block, specs: dict[str, FieldSpec], marker: str) -> None:
    numbering = "Disc" if block.kind == "bullet" else "Decimal"
    last = flow.current.kids[-1] if flow.current.kids else None
    if (
        isinstance(last, Node)
        and last.tag == "L"
        and last.attributes == {"ListNumbering": numbering}
    ):
        items = last  # the next item of the list before
    else:
        items = flow.current.add("L", ListNumbering=numbering)
    item = items.add("LI")
    label, body = item.add("Lbl"), item.add("LBody")  # read in this order, drawn the other
    indent = 16.0
    top = flow.y
    with flow.inside(body):
        if "[[" in block.text:
            flow.inline_paragraph(block.text, specs, x=MARGIN + indent, width=WIDTH - indent)
            first_baseline = top - INLINE_LEADING + INLINE_BASELINE
        else:
            flow.paragraph(block.text, x=MARGIN + indent, width=WIDTH - indent, leading=LEADING)
            first_baseline = top - LEADING + LEADING * 0.25
    if flow.y > top:  # the item moved to a new page
        first_baseline = TOP - (top - first_baseline)
    with flow.inside(label):
        flow.text(MARGIN + 4, first_baseline, marker)
    flow.y -= 1.5


def _bullet(flow: Flow, block: Block, specs: dict[str, FieldSpec]) -> None:
    _item(flow, block, specs, "•")


def _numbered(flow: Flow, block: Block, specs: dict[str, FieldSpec]) -> None:
    _item(flow, block, specs, f"{block.number}.")


def _note(flow: Flow, block: Block, _: dict[str, FieldSpec]) -> None:
    with flow.element("P"):
        flow.paragraph(block.text, size=8.5, color=GREY, leading=11.5)
    flow.y -= 3


def _gap(flow: Flow, _block: Block, _specs: dict[str, FieldSpec]) -> None:
    flow.y -= 5


def _pagebreak(flow: Flow, _block: Block, _specs: dict[str, FieldSpec]) -> None:
    flow.new_page()


def _table(flow: Flow, block: Block, _: dict[str, FieldSpec]) -> None:
    """A question grid: a header row, then rows of cells whose ``//`` items are bullets.

    Tagged as a table: the header row's cells are column headers, each row's first
    cell its row header; a cell's bullets are artifacts, its items one line each.
    """
    size, leading, pad = 8.0, 10.0, 4.0
    first = WIDTH * 0.16
    rest = (WIDTH - first) / (len(block.cells[0]) - 1)
    widths = [first] + [rest] * (len(block.cells[0]) - 1)

    def cell_lines(text: str, width: float, bold: bool) -> list[tuple[str, bool, bool]]:
        lines: list[tuple[str, bool, bool]] = []
        items = [item.strip() for item in text.split("//") if item.strip()]
        for item in items:
            wrapped = flow.wrap(item, width - 2 * pad - (0 if bold else 7), size, bold)
            lines += [(line, bold, n == 0 and not bold) for n, line in enumerate(wrapped)]
        return lines

    table = flow.current.add("Table")
    for row_index, row in enumerate(block.cells):
        header = row_index == 0
        cells = [cell_lines(text, widths[i], bold=header or i == 0) for i, text in enumerate(row)]
        height = max(len(lines) for lines in cells) * leading + 2 * pad
        flow.ensure(height)
        x = MARGIN
        tr = table.add("TR")
        for i, lines in enumerate(cells):
            scope = "Column" if header else "Row" if i == 0 else ""
            cell = tr.add("TH", Scope=scope) if scope else tr.add("TD")
            flow.box((x, flow.y - height, x + widths[i], flow.y))
            y = flow.y - pad
            with flow.inside(cell):
                for text, bold, starts_item in lines:
                    y -= leading
                    indent = 0.0 if bold else 7.0
                    if starts_item:
                        flow.text(x + pad, y + 2, "•", size=size, artifact=True)
                    flow.text(x + pad + indent, y + 2, text, size=size, bold=bold)
            x += widths[i]
        flow.y -= height


# -- fields --------------------------------------------------------------------
def _expand(ref: FieldRef, specs: dict[str, FieldSpec]) -> list[FieldSpec]:
    found = [s for p, s in specs.items() if p == ref.path or p.startswith(ref.path + ".")]
    if not found:
        raise LayoutError(f"the wording places [[{ref.path}]], which the schema lacks")
    return found


def _fields(flow: Flow, block: Block, specs: dict[str, FieldSpec]) -> None:
    with flow.element("Div"):
        if len(block.refs) > 1:
            _columns(flow, block.refs, specs)
            return
        ref = block.refs[0]
        found = _expand(ref, specs)
        if found[0].list_path == ref.path:
            _list_table(flow, ref.path, found)
            return
        for spec in found:
            label = ref.label if ref.label is not None and len(found) == 1 else _label(spec)
            _FIELD_ROWS[spec.kind](flow, spec, label)


def _label_text(flow: Flow, x: float, y: float, text: str, **style: Any) -> None:
    """A label (or a hint, an option's name): a paragraph of its own, read before its box."""
    with flow.element("P"):
        flow.text(x, y, text, **style)


def _label(spec: FieldSpec) -> str:
    return spec.title if spec.title.endswith(("?", ":")) else f"{spec.title}:"


def _value_lines(spec: FieldSpec, width: float) -> int:
    """Lines a box ``width`` wide needs to show the longest value the schema accepts."""
    if spec.kind != "text" or not spec.max_length:
        return 1
    return wide_lines(field_font(), spec.max_length, width)


def _label_and_box(
    flow: Flow, spec: FieldSpec, label: str, width: float, height: float | None = None
) -> None:
    """Label in the left column and the box beside it; a long label goes above its box."""
    above = bool(label) and flow.width_of(label) > LABEL_COLUMN - 6
    x = MARGIN if above else MARGIN + LABEL_COLUMN
    width = min(width, MARGIN + WIDTH - x)
    lines = _value_lines(spec, width)
    if height is None:
        height = max(BOX_HEIGHT, box_height(lines))
    if above:
        flow.ensure(height + 16)
        flow.y -= 12
        _label_text(flow, MARGIN, flow.y, label)
    else:
        flow.ensure(height + 6)
    flow.y -= height + 4
    rect = (x, flow.y, x + width, flow.y + height)
    if label and not above:
        _label_text(flow, MARGIN, flow.y + height - BOX_HEIGHT / 2 - 3.3, label)
    flow.box(rect)
    flow.place(spec, rect, lines=lines)
    if spec.kind == "date":
        _label_text(flow, x + width + 6, flow.y + height / 2 - 3, DATE_HINT, size=7.5, color=GREY)


def _text_row(flow: Flow, spec: FieldSpec, label: str) -> None:
    width = {"date": DATE_WIDTH, "integer": 60.0}.get(spec.kind, WIDTH)
    _label_and_box(flow, spec, label, width)


def _signature_row(flow: Flow, spec: FieldSpec, label: str) -> None:
    flow.y -= 4
    _label_and_box(flow, spec, label, WIDTH * 0.62, SIGNATURE_HEIGHT)


def _multiline_row(flow: Flow, spec: FieldSpec, label: str) -> None:
    """Free text: a box for ``spec.lines`` handwritten lines, and the page's spare room.

    The schema's limit is what the box then shows (``tests/forms/test_fit.py`` checks
    it); an older version's longer limit is not, so its box stays as it was.
    """
    height = spec.lines * MULTILINE_LINE + 8 + flow.extra.get(spec.path, 0.0)
    label_lines = flow.wrap(label, WIDTH) if label else []
    flow.ensure(height + 12 * len(label_lines) + 6)
    with flow.element("P"):
        for line in label_lines:
            flow.y -= 12
            flow.text(MARGIN, flow.y, line)
    flow.y -= height + 4
    rect = (MARGIN, flow.y, MARGIN + WIDTH, flow.y + height)
    flow.box(rect)
    flow.place(spec, rect, lines=max(2, spec.lines))


def _checkbox_row(flow: Flow, spec: FieldSpec, label: str) -> None:
    flow.ensure(CHECK + 10)
    flow.y -= CHECK + 6
    rect = (MARGIN, flow.y, MARGIN + CHECK, flow.y + CHECK)
    _label_text(flow, MARGIN + CHECK + 6, flow.y + 2, label)  # read before its box
    flow.box(rect)
    flow.place(spec, rect)
    flow.y -= 6


def _yesno_row(flow: Flow, spec: FieldSpec, label: str) -> None:
    """The question, then a circle to mark for each answer, each with its word beside it."""
    flow.ensure(DOT + 10)
    flow.y -= DOT + 6
    _label_text(flow, MARGIN, flow.y + 3.5, label)
    x = MARGIN + max(LABEL_COLUMN, flow.width_of(label) + 12)
    for option in spec.options:
        rect = (x, flow.y, x + DOT, flow.y + DOT)
        _label_text(flow, x + DOT + 4, flow.y + 3.5, option)  # read before its circle
        flow.box(rect, round_=True)
        flow.place(spec, rect, option)
        x += DOT + 4 + flow.width_of(option) + 18
    flow.y -= 4


def _scale_row(flow: Flow, spec: FieldSpec, label: str) -> None:
    lines = flow.wrap(label, WIDTH)
    flow.ensure(12 * len(lines) + DOT + 26)
    with flow.element("P"):
        for line in lines:
            flow.y -= 12
            flow.text(MARGIN, flow.y, line)
    flow.y -= DOT + 8
    step = min(34.0, (WIDTH - DOT) / max(1, len(spec.options) - 1))
    for index, option in enumerate(spec.options):
        x = MARGIN + 4 + index * step
        rect = (x, flow.y, x + DOT, flow.y + DOT)
        _label_text(flow, x + DOT / 2, flow.y - 9, option, size=8, align="center")
        flow.box(rect, round_=True)
        flow.place(spec, rect, option)
    flow.y -= 16


def _columns(flow: Flow, refs: tuple[FieldRef, ...], specs: dict[str, FieldSpec]) -> None:
    """Several fields side by side, each with its label above its box, tops aligned."""
    gap = 10.0
    weights = []
    fields = []
    for ref in refs:
        (spec,) = _expand(ref, specs)
        fields.append((spec, ref.label if ref.label is not None else _label(spec)))
        weights.append(0.6 if spec.kind == "date" else 1.0)
    unit = (WIDTH - gap * (len(refs) - 1)) / sum(weights)
    boxes = []
    for (spec, _), weight in zip(fields, weights, strict=True):
        lines = _value_lines(spec, unit * weight)
        height = SIGNATURE_HEIGHT if spec.kind == "signature" else box_height(lines)
        boxes.append((unit * weight, max(BOX_HEIGHT, height), lines))
    tallest = max(height for _, height, _ in boxes)
    flow.ensure(tallest + 18)
    flow.y -= 12
    label_y = flow.y
    top = flow.y - 3
    x = MARGIN
    for (spec, label), (width, height, lines) in zip(fields, boxes, strict=True):
        _label_text(flow, x, label_y, label, size=8.5)
        rect = (x, top - height, x + width, top)
        flow.box(rect)
        flow.place(spec, rect, lines=lines)
        if spec.kind == "date":
            _label_text(flow, x + 2, top - height - 9, DATE_HINT, size=7.5, color=GREY)
        x += width + gap
    flow.y = top - tallest - (12 if any(s.kind == "date" for s, _ in fields) else 0)


def _column_widths(columns: list[FieldSpec], width: float) -> list[float]:
    """Choices and dates as wide as their longest value; text columns share the rest."""
    font = field_font()
    fixed: dict[int, float] = {}
    for index, column in enumerate(columns):
        if column.kind == "choice":
            longest = max(font.width(option, VALUE_SIZE) for option in column.options)
            fixed[index] = longest + 2 * PAD + 4
        elif column.kind == "date":
            fixed[index] = font.width("00/00/0000", VALUE_SIZE) + 2 * PAD + 14
    rest = width - sum(fixed.values())
    weights = {i: float(c.max_length or 60) for i, c in enumerate(columns) if i not in fixed}
    total = sum(weights.values())
    return [fixed.get(i, rest * weights.get(i, 0.0) / total) for i in range(len(columns))]


def _table_row_height(columns: list[FieldSpec]) -> float:
    widths = _column_widths(columns, WIDTH - TABLE_NUMBER)
    lines = [_value_lines(c, w) for c, w in zip(columns, widths, strict=True)]
    return max(20.0, box_height(max(lines)))


def _list_table(flow: Flow, list_path: str, specs: list[FieldSpec]) -> None:
    """Repeated rows (participants, actions) as a table with numbered rows.

    Tagged as a table: the column titles are column headers (repeated on a new page
    as artifacts), each row's number its row header, each box a cell holding its Form.
    """
    rows = sorted({s.row for s in specs if s.row is not None})
    columns = [s for s in specs if s.row == rows[0]]
    number = TABLE_NUMBER
    widths = _column_widths(columns, WIDTH - number)
    lines = [_value_lines(c, w) for c, w in zip(columns, widths, strict=True)]
    row_height = _table_row_height(columns)
    flow.ensure(16 + row_height * min(len(rows), 3))

    table = flow.current.add("Table")

    def header(repeated: bool) -> None:
        flow.y -= 14
        x = MARGIN + number
        if not repeated:
            tr = table.add("TR")
            tr.add("TD")  # above the row numbers: nothing
        for column, width in zip(columns, widths, strict=True):
            if repeated:  # on a new page: the same titles again, read once
                flow.text(x + 2, flow.y + 2, column.title, size=8.5, bold=True, artifact=True)
            else:
                with flow.inside(tr.add("TH", Scope="Column")):
                    flow.text(x + 2, flow.y + 2, column.title, size=8.5, bold=True)
            x += width

    header(repeated=False)
    for row in rows:
        if flow.y - row_height < BOTTOM:
            flow.new_page()  # the table goes on, under its column titles again
            header(repeated=True)
        flow.y -= row_height
        top = flow.y + row_height
        tr = table.add("TR")
        with flow.inside(tr.add("TH", Scope="Row")):
            flow.text(
                MARGIN + number - 6,
                top - FIRST_BASELINE,
                str(row + 1),
                size=8,
                color=GREY,
                align="right",
            )
        x = MARGIN + number
        for column, width in zip(columns, widths, strict=True):
            spec = next(
                s for s in specs if s.row == row and s.path.endswith("." + column.parts[-1])
            )
            rect = (x, flow.y, x + width, top)
            # A one-line value (a date, a choice) sits in a one-line widget at the top
            # of its cell: viewers centre it there, on the baseline of the first line
            # of the wrapping boxes beside it, so a row reads along one line.
            wraps = column.kind == "text" and max(lines) > 1
            widget = rect if wraps else (x, top - box_height(1), x + width, top)
            with flow.inside(tr.add("TD")):
                flow.box(rect)
                flow.place(spec, widget, lines=max(lines) if wraps else 1)
            x += width
    hints = [f"{c.title}: " + " · ".join(c.options) for c in columns if c.kind == "choice"]
    hints += [f"{c.title}: {DATE_HINT}" for c in columns if c.kind == "date"]
    for hint in hints:
        flow.y -= 11
        _label_text(flow, MARGIN + number, flow.y, hint, size=7.5, color=GREY)
    flow.y -= 4


_BLOCKS = {
    "title": _title,
    "subtitle": _subtitle,
    "heading": _heading,
    "paragraph": _paragraph,
    "bullet": _bullet,
    "numbered": _numbered,
    "note": _note,
    "gap": _gap,
    "pagebreak": _pagebreak,
    "table": _table,
    "fields": _fields,
}

_FIELD_ROWS = {
    "text": _text_row,
    "integer": _text_row,
    "date": _text_row,
    "choice": _text_row,
    "multiline": _multiline_row,
    "signature": _signature_row,
    "checkbox": _checkbox_row,
    "yesno": _yesno_row,
    "scale": _scale_row,
}
