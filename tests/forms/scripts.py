"""Names in each script people type, and where each form takes a person's name.

``DRAWN``: a name in each script the forms accept, with the letters that script
adds; the field font draws every one. ``NOT_DRAWN``: names the field font has no
glyphs for, kept at ingest and flagged as not printable.
"""

from __future__ import annotations

from supforms.forms.spec import FieldSpec, field_specs
from supforms.schemas.registry import latest

DRAWN = {
    "latin1": "Zoë Ó Briain",
    "polish": "Łukasz Wiśniewski",
    "welsh": "Gwenllïan ap Dafydd, Ŵyr Ŷnys",
    "turkish": "Ayşe Yılmaz, İpek Doğan",
    "greek": "Ελένη Παπαδοπούλου",
    "cyrillic": "Ахмед Иванов",
    "serbian": "Ђорђе Ћук, Љиља Њежић-Џајић",
}

NOT_DRAWN = {
    "arabic": "محمد عبد الرحمن",
    "emoji": "Zoë 😀",
}


def name_field(form_id: str) -> FieldSpec | None:
    """The first field of ``form_id`` that holds a person's name, as its schema declares it."""
    specs = field_specs(latest(form_id))
    return next((s for s in specs if s.kind == "text" and s.path.split(".")[-1] == "name"), None)
