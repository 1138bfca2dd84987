"""One date parser (schemas.dates) for every date supforms reads: the same text, the same day."""

from __future__ import annotations

import json
from datetime import date

import pytest
from supforms.forms.reading.normalise import normalise_value
from supforms.forms.spec import spec_by_path
from supforms.pipeline.records.opening import open_store
from supforms.schemas.dates import DateProblemError, parse_date
from supforms.schemas.registry import latest

from tests.cli import run

TYPED = ["3/4/26", "03.04.2026", "3 April 2026", "2026-04-03", "03/04/2026"]


@pytest.mark.parametrize("typed", TYPED)
def test_data_ingest_and_options_read_a_date_alike(typed, tmp_path):
    assert parse_date(typed) == date(2026, 4, 3)
    # --data and transcription: the schema's date type
    assert latest("agreement").model_validate({"agreed_on": typed}).agreed_on == date(2026, 4, 3)
    # ingest: what a filler wrote in the field
    spec = spec_by_path(latest("agreement"))["agreed_on"]
    assert normalise_value(spec, typed) == (date(2026, 4, 3), None)
    # every date option
    store = f"sqlite:///{tmp_path}/r.db"
    open_store(store).close()  # records list opens a store, never makes one
    assert run("records", "list", "--since", typed, "--store", store)[0] == 0
    data = tmp_path / "pairs.json"
    data.write_text(json.dumps([{"agreed_on": typed, "_recipient": "x"}]), encoding="utf-8")
    code, out, err = run(
        "generate", "agreement", "--data", str(data), "-o", str(tmp_path / "o"), "--json"
    )
    assert code == 0, err
    assert json.loads(out)["prefill"]["agreed_on"] == "03/04/2026"


@pytest.mark.parametrize(
    ("typed", "code"), [("31/02/2026", "invalid_date"), ("next Tuesday", "unreadable_date")]
)
def test_a_date_that_is_not_one_is_refused_everywhere_with_its_reason(typed, code, tmp_path):
    with pytest.raises(DateProblemError) as refused:
        parse_date(typed)
    assert refused.value.code == code
    exit_code, _, err = run("records", "list", "--since", typed)
    assert exit_code == 2
    assert refused.value.message in err
