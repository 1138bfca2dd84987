"""Each form's structure tree, read back, is its wording in reading order (PDF/UA-1).

The tree is read two ways: by pikepdf with PDFium's text (``tests.structure.walk``)
and by poppler (``pdfinfo -struct-text``), so a pass does not rest on one program.
What it must be is built here from the wording's blocks, independently of
``forms.writing.compose``: the title an H1, headings H2 (steps within a section H3),
clauses P, bullets and numbered items L/LI/Lbl/LBody, the question grid a Table of TH
and TD, and in each row of fields every label a P followed at once by its field's Form
element (a radio button after its option's name, a table cell under its column's
header).
"""

from __future__ import annotations

import subprocess
from collections import Counter
from typing import Any

import pytest
from supforms.forms.spec import DATE_HINT, FieldSpec, field_specs
from supforms.forms.writing.compiled import compiled_form
from supforms.forms.writing.wording import (
    Block,
    FieldRef,
    inline_parts,
    load_wording,
    parse_blocks,
    render_wording,
)
from supforms.pipeline.delivery.generate import issue_copy
from supforms.schemas.registry import latest, model_for

from tests.conftest import ISSUED_AT, sample_record
from tests.forms.longest import longest_record, print_copy
from tests.structure import Field, Item, Text, poppler_walk, walk, widget_names

Tree = tuple[str, list[Any]]  # (tag, kids): a kid is a Tree, a text, or ("field", name)


def _words(text: str) -> str:
    return " ".join(text.split())


def _add_text(kids: list[Any], text: str) -> None:
    """Text read in a row: consecutive runs in one element read as one string."""
    text = _words(text)
    if not text:
        return
    if kids and isinstance(kids[-1], str):
        kids[-1] = f"{kids[-1]} {text}"
    else:
        kids.append(text)


def read_tree(items: list[Item], names: dict[int, str]) -> Tree:
    """Nest a walk's items back into elements."""
    root: Tree = ("Document", [])
    nodes: dict[int, Tree] = {}
    for item in items:
        node = root
        for tag, ident in zip(item.tags[1:], item.ids[1:], strict=True):
            if ident not in nodes:
                nodes[ident] = (tag, [])
                node[1].append(nodes[ident])
            node = nodes[ident]
        if isinstance(item, Text):
            _add_text(node[1], item.text)
        else:
            node[1].append(("field", names[item.objnum]))
    return root


# -- what the tree must be, from the wording ---------------------------------------
def _label(spec: FieldSpec) -> str:
    return spec.title if spec.title.endswith(("?", ":")) else f"{spec.title}:"


def _p(text: str) -> Tree:
    return ("P", [_words(text)])


def _expand(ref: FieldRef, specs: dict[str, FieldSpec]) -> list[FieldSpec]:
    return [s for p, s in specs.items() if p == ref.path or p.startswith(ref.path + ".")]


def _inline(text: str) -> list[Any]:
    kids: list[Any] = []
    for part in inline_parts(text):
        if isinstance(part, FieldRef):
            kids.append(_form(part.path))
        else:
            _add_text(kids, part)
    return kids


def _form(path: str) -> Tree:
    return ("Form", [("field", path)])


def _field_row(spec: FieldSpec, label: str) -> list[Tree]:
    """A field's label, then its Form (a radio group: each option's name, then its button)."""
    row = [_p(label)] if label else []
    if spec.kind in ("scale", "yesno"):
        for option in spec.options:
            row += [_p(option), _form(spec.path)]
        return row
    row.append(_form(spec.path))
    if spec.kind == "date":
        row.append(_p("dd/mm/yyyy"))
    return row


def _list_table(found: list[FieldSpec]) -> list[Tree]:
    rows = sorted({s.row for s in found if s.row is not None})
    columns = [s for s in found if s.row == rows[0]]
    header = ("TR", [("TD", []), *(("TH", [c.title]) for c in columns)])
    body = [
        ("TR", [("TH", [str(row + 1)]), *(("TD", [_form(s.path)]) for s in found if s.row == row)])
        for row in rows
    ]
    hints = [_p(f"{c.title}: " + " · ".join(c.options)) for c in columns if c.kind == "choice"]
    hints += [_p(f"{c.title}: {DATE_HINT}") for c in columns if c.kind == "date"]
    return [("Table", [header, *body]), *hints]


def _fields(block: Block, specs: dict[str, FieldSpec]) -> Tree:
    kids: list[Any] = []
    if len(block.refs) > 1:
        for ref in block.refs:
            (spec,) = _expand(ref, specs)
            kids += _field_row(spec, ref.label if ref.label is not None else _label(spec))
        return ("Div", kids)
    ref = block.refs[0]
    found = _expand(ref, specs)
    if found[0].list_path == ref.path:
        return ("Div", _list_table(found))
    for spec in found:
        label = ref.label if ref.label is not None and len(found) == 1 else _label(spec)
        kids += _field_row(spec, label)
    return ("Div", kids)


def _grid(block: Block) -> Tree:
    rows = []
    for index, row in enumerate(block.cells):
        cells = []
        for column, text in enumerate(row):
            items = [item.strip() for item in text.split("//") if item.strip()]
            tag = "TH" if index == 0 or column == 0 else "TD"
            words: list[Any] = []
            _add_text(words, " ".join(items))
            cells.append((tag, words))
        rows.append(("TR", cells))
    return ("Table", rows)


def expected_tree(form_id: str, version: str | None = None) -> Tree:
    """The structure the wording asks for, block by block."""
    model = model_for(form_id, version) if version else latest(form_id)
    version = str(model.model_fields["schema_version"].default)
    blocks = parse_blocks(render_wording(form_id, load_wording(), version))
    specs = {spec.path: spec for spec in field_specs(model)}
    kids: list[Any] = []
    numbering = ""  # the kind of list the last element is, if it is one
    for block in blocks:
        if block.kind in ("bullet", "numbered"):
            marker = "•" if block.kind == "bullet" else f"{block.number}."
            item = ("LI", [("Lbl", [marker]), ("LBody", _inline(block.text))])
            if numbering != block.kind:
                kids.append(("L", []))
            kids[-1][1].append(item)
            numbering = block.kind
            continue
        if block.kind in ("gap", "pagebreak"):
            continue  # nothing is drawn, so a list goes on across it
        numbering = ""
        if block.kind == "title":
            kids.append(("H1", [block.text]))
        elif block.kind == "heading":
            kids.append((f"H{block.level}", [_words(block.text)]))
        elif block.kind in ("subtitle", "paragraph", "note"):
            kids.append(("P", _inline(block.text)))
        elif block.kind == "table":
            kids.append(_grid(block))
        elif block.kind == "fields":
            kids.append(_fields(block, specs))
    return ("Document", kids)


# -- the tests -----------------------------------------------------------------------
@pytest.fixture
def prefilled(form_id: str, tmp_path) -> tuple[Any, bytes, dict[int, str]]:
    """The form's prefilled copy (non-ASCII values): its path, bytes and widget names."""
    _, data, _ = issue_copy(compiled_form(form_id), sample_record(form_id), issued_at=ISSUED_AT)
    path = tmp_path / f"{form_id}.pdf"
    path.write_bytes(data)
    return path, data, widget_names(data)


def test_every_widget_is_in_a_form_element_once_and_alone(prefilled):
    _, data, names = prefilled
    fields = [item for item in walk(data) if isinstance(item, Field)]
    assert Counter(f.objnum for f in fields) == Counter(list(names))  # every widget, once
    assert all(f.tags[-1] == "Form" for f in fields)
    # The Form's /K is the OBJR itself (nothing else in it; pyHanko needs that shape).
    assert all(f.alone for f in fields)


def test_the_tree_reads_as_the_wording_with_each_field_after_its_label(form_id, prefilled):
    _, data, names = prefilled
    assert read_tree(walk(data), names) == expected_tree(form_id)


@pytest.mark.usefixtures("poppler")
def test_poppler_reads_the_same_tree(form_id, prefilled):
    path, data, names = prefilled
    assert read_tree(poppler_walk(path), names) == expected_tree(form_id)


@pytest.mark.usefixtures("poppler")
def test_every_header_cell_has_a_scope(prefilled):
    path, _, _ = prefilled
    out = subprocess.run(
        ["pdfinfo", "-struct-text", str(path)], capture_output=True, text=True, check=True
    ).stdout
    headers = sum(1 for line in out.splitlines() if line.strip().startswith("TH"))
    scopes = sum(
        1 for line in out.splitlines() if line.strip() in ("/Scope /Column", "/Scope /Row")
    )
    assert scopes == headers


def test_the_question_grid_is_a_table_of_header_and_data_cells():
    """The appendix 3 grid: a header row of TH, then rows led by a TH, with the seed's words."""
    version = str(latest("group-record").model_fields["schema_version"].default)
    blocks = parse_blocks(render_wording("group-record", load_wording(), version))
    (grid,) = [block for block in blocks if block.kind == "table"]
    _, data, _ = issue_copy(compiled_form("group-record"), None, issued_at=ISSUED_AT)
    tree = read_tree(walk(data), widget_names(data))
    tables = [kid for kid in tree[1] if kid[0] == "Table"]
    assert _grid(grid) in tables  # every cell in place, with the seed's words
    header, *rows = tables[tables.index(_grid(grid))][1]
    assert [cell[0] for cell in header[1]] == ["TH"] * 4
    assert all([cell[0] for cell in row[1]] == ["TH", "TD", "TD", "TD"] for row in rows)
    assert header[1][1] == ("TH", ["Worries"])


def test_continuation_pages_read_after_the_form_as_headed_answers():
    """An answer too long for its box goes on after the form: an H2, then H3 and P per answer.

    Only in a print copy, and only of answers given under version 1.1.0's longer limit.
    """
    record = longest_record("group-record", "words", version="1.1.0")
    data = print_copy(record, ISSUED_AT)
    tree = read_tree(walk(data), widget_names(data))
    form = expected_tree("group-record", "1.1.0")[1]
    assert tree[1][: len(form)] == form  # the form itself reads as before
    rest = tree[1][len(form) :]
    assert rest[0] == ("H2", ["Group Supervision Record (Signs of Safety): continuation"])
    tags = [kid[0] for kid in rest[1:]]
    assert tags
    assert tags == ["H3", "P"] * (len(tags) // 2)
    headings = [kid[1][0] for kid in rest[1:] if kid[0] == "H3"]
    assert all(h.startswith("continued from page ") for h in headings)


def _forms(tree: Tree) -> list[list[Any]]:
    """The kids of every Form element, in reading order."""
    found = []
    for kid in tree[1]:
        if isinstance(kid, tuple) and kid[0] == "Form":
            found.append(kid[1])
        elif isinstance(kid, tuple) and kid[0] != "field":
            found += _forms(kid)
    return found


def _emptied(tree: Tree) -> Tree:
    tag, kids = tree
    if tag == "Form":
        return (tag, [])
    return (tag, [_emptied(k) if isinstance(k, tuple) and k[0] != "field" else k for k in kids])


def test_a_flattened_copy_reads_the_same_with_each_value_in_its_form_element(form_id):
    """Printed, each field's value is its Form element's text, still right after its label."""
    record = sample_record(form_id)
    _, data, values = issue_copy(compiled_form(form_id), record, flatten=True)
    tree = read_tree(walk(data), {})
    expected = expected_tree(form_id)
    assert _emptied(tree) == _emptied(expected)
    paths = [kids[0][1] for kids in _forms(expected)]
    shown = dict(zip(paths, _forms(tree), strict=True))
    kinds = {spec.path: spec.kind for spec in field_specs(latest(form_id))}
    typed = {p: v for p, v in values.items() if kinds[p] not in ("scale", "yesno", "checkbox")}
    assert typed
    for path, value in typed.items():  # a button's mark is a drawing, not text
        assert shown[path] == [_words(str(value))], path
