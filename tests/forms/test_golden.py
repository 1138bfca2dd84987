"""The structure of each form's fields, compared with a reviewed golden file.

``pytest --update-golden`` rewrites ``tests/golden/<form_id>.fields.json``; the
diff is then reviewed like code. Rectangles are rounded to whole points, so the
files describe structure (names, kinds, pages, places, flags), not bytes.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import pikepdf
import pytest
from supforms.forms.reading.fields import read_fields
from supforms.forms.writing.compiled import compiled_form

GOLDEN = Path(__file__).resolve().parents[1] / "golden"


def describe(form_id: str, data: bytes) -> dict:
    form = compiled_form(form_id)
    fields = {f.name: f for f in read_fields(data)}
    widgets = [
        {
            "name": w.path,
            "kind": w.kind,
            "page": w.page + 1,
            "rect": [round(v) for v in w.rect],
            **({"option": w.option} if w.option is not None else {}),
        }
        for w in form.widgets
    ]
    with pikepdf.open(io.BytesIO(data)) as pdf:
        pages = len(pdf.pages)
    return {
        "form": form_id,
        "version": form.version,
        "pages": pages,
        "fields": [
            {"name": f.name, "type": f.type, "flags": f.flags, "tooltip": f.tooltip}
            for f in fields.values()
        ],
        "widgets": widgets,
    }


def check_golden(path: Path, current: dict, update: bool) -> None:
    """``current`` must equal the golden file at ``path``; ``update`` (re)writes it first."""
    if update:
        path.parent.mkdir(exist_ok=True)
        path.write_text(json.dumps(current, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    if not path.exists():
        pytest.fail(
            f"no golden file {path.name} for form {current['form']!r}: run "
            f"`pytest tests/forms/test_golden.py --update-golden` and review {path}",
            pytrace=False,
        )
    golden = json.loads(path.read_text(encoding="utf-8"))
    assert current == golden, (
        f"{current['form']}'s fields differ from {path.name}; if the change is meant, "
        "run `pytest tests/forms/test_golden.py --update-golden` and review the diff"
    )


def test_fields_match_golden(form_id, blank_pdfs, update_golden):
    path = GOLDEN / f"{form_id}.fields.json"
    check_golden(path, describe(form_id, blank_pdfs[form_id]), update_golden)


def test_a_missing_golden_file_fails_saying_how_to_make_it(tmp_path):
    path = tmp_path / "golden" / "new-form.fields.json"
    current = {"form": "new-form", "fields": []}
    with pytest.raises(pytest.fail.Exception, match=r"--update-golden"):
        check_golden(path, current, update=False)
    check_golden(path, current, update=True)  # the option makes it
    check_golden(path, current, update=False)
    with pytest.raises(AssertionError, match=r"--update-golden"):
        check_golden(path, {**current, "fields": [{"name": "x"}]}, update=False)
