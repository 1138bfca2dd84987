"""Hypothesis strategies for any registered form, built from its field specs.

Text is drawn only from the alphabet the form font can show (``ALPHABET``), or
from a narrower one for engines that are fussier about what they are sent.
"""

from __future__ import annotations

import unicodedata
from datetime import date

from hypothesis import strategies as st
from supforms.forms.fonts import field_font
from supforms.forms.spec import FieldSpec, field_specs
from supforms.forms.values import nest
from supforms.schemas.common import FormModel
from supforms.schemas.registry import latest

__all__ = ["ALPHABET", "LETTERS", "complete_records", "records", "value_of"]

ALPHABET = "".join(
    chr(cp)
    for cp in sorted(field_font().gids)
    if unicodedata.category(chr(cp))[0] in "LNPS" and not unicodedata.combining(chr(cp))
)
LETTERS = "".join(ch for ch in ALPHABET if unicodedata.category(ch)[0] in "LN")
"""Letters and digits only: what any filler (PDFium, pdftk) takes without a second thought."""


def _text(spec: FieldSpec, alphabet: str) -> st.SearchStrategy[str]:
    size = min(spec.max_length or 60, 60)
    words = st.text(alphabet, min_size=1, max_size=12)
    sep = st.sampled_from([" ", "\n"]) if spec.kind == "multiline" else st.just(" ")
    return (
        st.lists(st.tuples(words, sep), min_size=1, max_size=5)
        .map(lambda parts: "".join(w + s for w, s in parts).strip()[:size].strip())
        .filter(bool)
    )


def value_of(spec: FieldSpec, alphabet: str = ALPHABET) -> st.SearchStrategy[object]:
    """A value a person could give the field ``spec``."""
    if spec.kind in ("text", "multiline"):
        return _text(spec, alphabet)
    if spec.kind == "date":
        return st.dates(date(1990, 1, 1), date(2100, 12, 31))
    if spec.kind == "integer":
        return st.integers(1, 52)
    if spec.kind in ("scale",):
        return st.integers(0, 10)
    if spec.kind == "choice":
        return st.sampled_from(spec.options)
    if spec.kind in ("checkbox", "yesno"):
        return st.booleans()
    return st.none()


@st.composite
def records(draw: st.DrawFn, form_id: str, alphabet: str = ALPHABET) -> FormModel:
    """A record of ``form_id`` with any of its fields filled."""
    specs = [s for s in field_specs(latest(form_id)) if s.kind != "signature"]
    chosen = draw(st.lists(st.sampled_from(specs), unique=True, max_size=len(specs)))
    flat = {spec.path: draw(value_of(spec, alphabet)) for spec in chosen}
    return latest(form_id).model_validate(nest(flat))


@st.composite
def complete_records(draw: st.DrawFn, form_id: str, alphabet: str = ALPHABET) -> FormModel:
    """A record of ``form_id`` with every required value (signatures aside) and any others."""
    specs = [s for s in field_specs(latest(form_id)) if s.kind != "signature"]
    required = [s for s in specs if s.required and not s.row]
    others = [s for s in specs if s not in required]
    chosen = required + (
        draw(st.lists(st.sampled_from(others), unique=True, max_size=len(others))) if others else []
    )
    flat = {spec.path: draw(value_of(spec, alphabet)) for spec in chosen}
    if any(s.kind == "checkbox" for s in required):
        flat.update({s.path: True for s in required if s.kind == "checkbox"})
    return latest(form_id).model_validate(nest(flat))
