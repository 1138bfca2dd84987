"""Fuzzing the reading of PDFs and the normalising of values: nothing raises, ever.

Runs briefly by default; ``SUPFORMS_FUZZ_EXAMPLES=5000 pytest tests/pipeline/test_fuzz.py``
runs it for longer.
"""

from __future__ import annotations

import json
import os

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from supforms.forms.reading.normalise import normalise_value
from supforms.forms.spec import field_specs
from supforms.forms.writing.compiled import compiled_form
from supforms.pipeline.delivery.generate import issue_copy
from supforms.pipeline.intake.ingest import ingest_bytes
from supforms.schemas.registry import form_ids, latest

from tests.conftest import ISSUED_AT, sample_record

EXAMPLES = int(os.environ.get("SUPFORMS_FUZZ_EXAMPLES", "40"))
# The brief run (CI) draws the same examples every time, so it cannot fail by chance;
# a longer run on demand explores new ones.
FIXED = "SUPFORMS_FUZZ_EXAMPLES" not in os.environ
STATUSES = {"complete", "incomplete", "invalid", "rejected", "scanned"}
BASE = issue_copy(compiled_form("agreement"), sample_record("agreement"), issued_at=ISSUED_AT)[1]
SPECS = [spec for form_id in form_ids() for spec in field_specs(latest(form_id))]


@st.composite
def mutated(draw: st.DrawFn) -> bytes:
    data = bytearray(BASE)
    for _ in range(draw(st.integers(1, 12))):
        where = draw(st.integers(0, len(data) - 1))
        data[where] = draw(st.integers(0, 255))
    if draw(st.booleans()):
        data = data[: draw(st.integers(0, len(data)))]
    if draw(st.booleans()):
        start = draw(st.integers(0, len(data)))
        data[start:start] = draw(st.binary(max_size=64))
    return bytes(data)


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=FIXED,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(mutated())
def test_reading_a_damaged_pdf_never_raises(data):
    result = ingest_bytes(data, "fuzzed.pdf").as_json()
    assert result["status"] in STATUSES
    assert result["source"]["bytes"] == len(data)
    json.dumps(result)  # and what it says is JSON


@settings(max_examples=EXAMPLES * 10, deadline=None, derandomize=FIXED)
@given(st.sampled_from(SPECS), st.one_of(st.none(), st.text(max_size=200)))
@pytest.mark.slow
def test_normalising_any_value_never_raises(spec, raw):
    value, problem = normalise_value(spec, raw)
    assert value is None or problem is None
    if problem is not None:
        assert problem.field == spec.path
        assert problem.code
