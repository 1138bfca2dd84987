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


def test_fields_match_golden(form_id, blank_pdfs, update_golden):
    path = GOLDEN / f"{form_id}.fields.json"
    current = describe(form_id, blank_pdfs[form_id])
    if update_golden:
        GOLDEN.mkdir(exist_ok=True)
        path.write_text(json.dumps(current, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    assert path.exists(), f"no golden file: run pytest --update-golden and review {path}"
    assert current == json.loads(path.read_text(encoding="utf-8"))
