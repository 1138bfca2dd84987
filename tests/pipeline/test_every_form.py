"""Every registered form, end to end, with values drawn from its own field specs.

Nothing here names a form: the forms come from the registry (a new one is
tested the day it is declared), the values from the spec-based strategies
(``tests.strategies``), and what the store, exports, ``records due`` and the
email must say from the form's declaration. Each drawn record is: issued by
``generate`` (registered in the store by the library), filled through PDFium and
through pdftk, signed digitally in every signature block, ingested and
archived (SQLite and PostgreSQL), found by whom it concerns, exported, listed
as due under its renewal rule, sent by email and printed.
"""

from __future__ import annotations

import email
import email.policy
import uuid
from datetime import date, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from supforms.forms.spec import field_specs
from supforms.forms.values import display_values, dotted, nest
from supforms.pipeline.delivery.data import Record
from supforms.pipeline.delivery.deliver import send
from supforms.pipeline.delivery.generate import generate
from supforms.pipeline.delivery.notify import EmlFolder
from supforms.pipeline.delivery.printing import write_pack
from supforms.pipeline.intake.batch import Batch
from supforms.pipeline.intake.workers import Limits
from supforms.pipeline.records.export import due_records, export_rows
from supforms.pipeline.records.opening import open_store
from supforms.schemas.declaration import value_at
from supforms.schemas.registry import latest

from tests import engines
from tests.conftest import _fresh_postgres as fresh
from tests.strategies import LETTERS, complete_records

pytestmark = pytest.mark.slow  # every form through every stage


def _without(flat: dict, prefixes: list[str]) -> dict:
    return {
        k: v for k, v in flat.items() if not any(k == p or k.startswith(f"{p}.") for p in prefixes)
    }


def _months_later(day: date, months: int) -> date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    while True:
        try:
            return day.replace(year=year, month=month)
        except ValueError:
            day = day.replace(day=day.day - 1)


@settings(
    max_examples=2,
    deadline=None,
    # Each example takes seconds (two engines, pyHanko, a batch): report, do not shrink.
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)
@given(data=st.data())
def test_every_form_end_to_end(form_id, store_url, tmp_path, data):
    engines.need_tool("pdftk")
    model = latest(form_id)
    declaration = model.declaration
    assert declaration is not None
    record = data.draw(complete_records(form_id, LETTERS), label="record")
    values = {path: v for path, v in display_values(record).items() if v is not False}
    signatures = [s.path for s in field_specs(model) if s.kind == "signature"]
    run = tmp_path / uuid.uuid4().hex
    # Each example its own store: Hypothesis draws the same names again as it shrinks.
    store_url = (
        f"sqlite:///{run}/records.db" if store_url.startswith("sqlite") else fresh(store_url)
    )

    # Issued: two copies for no one in particular, registered by the library.
    with open_store(store_url) as store:
        rows = [Record(1, {}, {"recipient": "first"}), Record(2, {}, {"recipient": "second"})]
        copies = list(generate(form_id, run / "issued", rows, store=store))
        outstanding = {row["document_id"] for row in store.outstanding()}
    assert {copy.document_id for copy in copies} <= outstanding

    # Filled through two engines, signed in every signature block, returned.
    inbox = run / "inbox"
    inbox.mkdir(parents=True)
    blank = [(run / "issued" / copy.file).read_bytes() for copy in copies]
    filled = {
        "pdfium": engines.fill_pdfium(blank[0], values),
        "pdftk": engines.fill_pdftk(blank[1], values, run),
    }
    for engine, pdf in filled.items():
        for path in signatures:
            pdf = engines.sign(pdf, path)
        (inbox / f"{engine}.pdf").write_bytes(pdf)

    with open_store(store_url) as store:
        batch = Batch(run / "out", 1, Limits(seconds=120), store=store)
        results = {r.filename: r for r in batch.run(sorted(inbox.iterdir()), [])}
    expected = _without(
        dotted(model.model_validate(nest(dict(values))).model_dump(mode="json")), signatures
    )
    for engine, result in results.items():
        assert (result.status, result.problems) == ("complete", []), engine
        assert result.form == form_id
        assert _without(dotted(result.data), signatures) == expected, engine
        assert {s.block for s in result.signatures if s.kind == "digital"} == set(signatures)
        assert result.record_id is not None
    ids = {r.document_id for r in results.values()}
    assert ids == {copy.document_id for copy in copies}

    # Archived, and found by whom and what it concerns, as the form declares.
    concerns = declaration.concerns
    data_json = results["pdfium.pdf"].data
    with open_store(store_url) as store:
        archived = [r for r in store.rows(store.select(form=form_id)) if r["document_id"] in ids]
        assert len(archived) == 2
        for row in archived:
            for column, path in (
                ("supervisee", concerns.supervisee),
                ("supervisor", concerns.supervisor),
                ("team", concerns.team),
                ("case_reference", concerns.case),
            ):
                assert row[column] == (value_at(data_json, path) if path else None), column
        assert not ids & {row["document_id"] for row in store.outstanding()}

        # Exported, with a value of the form's own data.
        path = next(iter(expected))
        fields = ("id", "supervisee", "case_reference", f"data.{path}")
        exported = list(export_rows(store, iter(archived), fields))
        assert [row[f"data.{path}"] for row in exported] == [expected[path]] * 2

        # Due again under its renewal rule, counted from its declared date.
        if declaration.renewal is not None and declaration.dated is not None:
            dated = date.fromisoformat(value_at(data_json, declaration.dated))
            due_on = _months_later(dated, declaration.renewal.months)
            whom = [row["supervisee"] or row["case_reference"] for row in archived]
            due = [
                row
                for row in due_records(store, timedelta(days=1), due_on)
                if row["document_id"] in ids
            ]
            if any(whom):
                # Both returns concern the same person: the newest of the two counts.
                assert [(r["action"], r["due"]) for r in due] == [
                    (declaration.renewal.action, due_on.isoformat())
                ]
            early = due_records(store, timedelta(days=0), due_on - timedelta(days=1))
            assert not ids & {row["document_id"] for row in early}

        # Sent by email, prefilled, with the subject it declares.
        roster = [Record(1, dict(values), {"to": "Zoë Ó Briain <zoe@example.org>"})]
        (run / "sent").mkdir()
        transport = EmlFolder(run / "eml")
        transport.open()
        sent = list(
            send(
                form_id,
                roster,
                run / "sent",
                transport,
                store,
                sender="Supervision records <records@example.org>",
            )
        )
        assert [d.status for d in sent] == ["sent"]
        message = email.message_from_bytes(
            Path(sent[0].detail).read_bytes(), policy=email.policy.default
        )
        assert message["Subject"] == f"{declaration.subject} ({sent[0].document_id})"
        assert sent[0].document_id in {row["document_id"] for row in store.outstanding()}

        # Printed: a pack of copies, each registered as issued.
        printed = write_pack(form_id, None, 2, target=run / "pack.pdf", store=store)
        assert (run / "pack.pdf").read_bytes().startswith(b"%PDF-")
        waiting = {row["document_id"] for row in store.outstanding()}
        assert {copy.document_id for copy in printed} <= waiting


@pytest.mark.parametrize("form_id", ["not-a-form"])
def test_the_registry_is_what_the_forms_come_from(form_id):
    from supforms.schemas.errors import UnknownFormError
    from supforms.schemas.registry import form_ids, form_problem

    with pytest.raises(UnknownFormError):
        latest(form_id)
    for registered in form_ids():
        assert form_problem(registered, latest(registered)) is None, registered
