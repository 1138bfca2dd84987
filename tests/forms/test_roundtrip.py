"""Model → PDF → fields gives back every prefilled value, for any values the font can show.

Strategies are built from the field specs, drawing text only from the alphabet
the form font covers.
"""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from supforms.forms.reading.fields import read_fields
from supforms.forms.values import display_values
from supforms.forms.writing.compiled import compiled_form
from supforms.pipeline.delivery.generate import issue_copy
from supforms.schemas.registry import form_ids

from tests.strategies import records


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
