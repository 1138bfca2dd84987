"""Model → PDF → fields gives back every prefilled value, for any values the font can show.

Strategies are built from the field specs, drawing text only from the alphabet
the form font covers.
"""

from __future__ import annotations

import unicodedata
from datetime import date

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from forms.fonts import field_font
from forms.read import read_fields
from forms.spec import FieldSpec, field_specs
from forms.template import compiled_form
from forms.values import display_values, nest
from pipeline.generate import issue_copy
from schemas.registry import form_ids, latest

ALPHABET = "".join(
    chr(cp)
    for cp in sorted(field_font().gids)
    if unicodedata.category(chr(cp))[0] in "LNPS" and not unicodedata.combining(chr(cp))
)


def _text(spec: FieldSpec) -> st.SearchStrategy[str]:
    size = min(spec.max_length or 60, 60)
    words = st.text(ALPHABET, min_size=1, max_size=12)
    sep = st.sampled_from([" ", "\n"]) if spec.kind == "multiline" else st.just(" ")
    return (
        st.lists(st.tuples(words, sep), min_size=1, max_size=5)
        .map(lambda parts: "".join(w + s for w, s in parts).strip()[:size].strip())
        .filter(bool)
    )


def _value(spec: FieldSpec) -> st.SearchStrategy[object]:
    if spec.kind in ("text", "multiline"):
        return _text(spec)
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
def records(draw, form_id: str):
    specs = [s for s in field_specs(latest(form_id)) if s.kind != "signature"]
    chosen = draw(st.lists(st.sampled_from(specs), unique=True, max_size=len(specs)))
    flat = {spec.path: draw(_value(spec)) for spec in chosen}
    return latest(form_id).model_validate(nest(flat))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_prefilled_values_read_back_exactly(data):
    form_id = data.draw(st.sampled_from(form_ids()))
    record = data.draw(records(form_id))
    _, pdf, values = issue_copy(compiled_form(form_id), record)
    read = {f.name: f.value for f in read_fields(pdf) if f.value is not None}
    expected = {p: ("Yes" if v is True else v) for p, v in values.items() if v is not False}
    assert read == expected
    assert values == display_values(record)
