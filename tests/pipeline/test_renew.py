"""supforms renew: a contract signed 13 months ago gets a new prefilled copy, linked, once."""

from __future__ import annotations

import io
import json

import pikepdf
import sqlalchemy as sa
from supforms.forms.writing.compiled import compiled_form

from tests.cli import run
from tests.deliveries import manifest, write_roster
from tests.pipeline.test_ingest import edit

TODAY = "2026-11-30"
SIGNED = "30/10/2025"  # thirteen months before TODAY


def _signed(data: bytes, form_id: str) -> bytes:
    """Ink over every signature box, as a reader's Sign tool adds it."""
    form = compiled_form(form_id)
    with pikepdf.open(io.BytesIO(data)) as pdf:
        for widget in form.widgets:
            if widget.kind != "signature":
                continue
            x0, y0, x1, y1 = widget.rect
            ink = pdf.make_indirect(
                pikepdf.Dictionary(
                    Type=pikepdf.Name.Annot,
                    Subtype=pikepdf.Name.Ink,
                    Rect=[x0 + 2, y0 + 2, x1 - 2, y1 - 2],
                    InkList=[[x0 + 4, y0 + 4, (x0 + x1) / 2, y1 - 4, x1 - 4, y0 + 4]],
                )
            )
            pdf.pages[widget.page].Annots.append(ink)
        out = io.BytesIO()
        pdf.save(out)
        return out.getvalue()


def _archive_complete_contract(tmp_path, store: str, url: str | None) -> tuple[int, dict]:
    """Send Alice a contract (or only generate it), she signs it 13 months ago, it is ingested."""
    roster = write_roster(tmp_path / "roster.jsonl", [("Alice Adams", "alice@example.org")])
    if url is not None:
        command = ["send", "contract", "--roster", str(roster), "--out", str(tmp_path / "sent"),
                   "--smtp", url]  # fmt: skip
    else:
        command = ["generate", "contract", "--data", str(roster), "--out", str(tmp_path / "sent")]
    code, _, err = run(*command, "--store", store)
    assert code == 0, err
    (copy,) = manifest(tmp_path / "sent")
    returned = edit(
        (tmp_path / "sent" / copy["file"]).read_bytes(),
        {"supervisee.department": "East Locality Team", "signatures.date": SIGNED},
    )
    (tmp_path / "return.pdf").write_bytes(_signed(returned, "contract"))
    code, stdout, err = run(
        "ingest", str(tmp_path / "return.pdf"), "--out", str(tmp_path / "ingest"),
        "--store", store, "--workers", "1", "--json",
    )  # fmt: skip
    (result,) = [json.loads(line) for line in stdout.splitlines()]
    assert result["status"] == "complete", result["problems"]
    code, stdout, _ = run("records", "--store", store, "list", "--json")
    (record,) = [json.loads(line) for line in stdout.splitlines()]
    return int(record["id"]), copy


def _renew(tmp_path, store: str, *extra: str):
    code, stdout, err = run(
        "renew", "--today", TODAY, "--within", "0d", "--out", str(tmp_path / "renewals"),
        "--sent", str(tmp_path / "sent"), "--store", store, "--json", *extra,
    )  # fmt: skip
    return code, [json.loads(line) for line in stdout.splitlines()], err


def _issued(store: str) -> list[tuple[str, int | None]]:
    engine = sa.create_engine(store)
    with engine.connect() as connection:
        rows = connection.execute(sa.text("SELECT document_id, renews FROM issued")).all()
    engine.dispose()
    return sorted((row.document_id, row.renews) for row in rows)


def test_a_contract_signed_13_months_ago_is_renewed_once(tmp_path, starttls_smtp):
    mailbox, url = starttls_smtp
    store = f"sqlite:///{tmp_path}/records.db"
    record_id, first = _archive_complete_contract(tmp_path, store, url)
    sent = len(mailbox.messages)

    code, lines, err = _renew(tmp_path, store, "--smtp", url)
    assert code == 0, err
    (line,) = lines
    assert (line["record_id"], line["status"], line["recipient"]) == (
        record_id, "sent", "alice@example.org"
    )  # fmt: skip
    (renewal,) = manifest(tmp_path / "renewals")
    assert renewal["document_id"] == line["document_id"] != first["document_id"]
    assert renewal["renews"] == record_id
    assert renewal["prefill"] == {
        "supervisee.name": "Alice Adams",
        "supervisee.department": "East Locality Team",
        "supervisor.name": "Sam Okafor",
    }, "the parties carried over; no date, no signature"
    assert (renewal["document_id"], record_id) in _issued(store)
    (message,) = mailbox.messages[sent:]
    assert str(message["X-Supforms-Document-Id"]) == renewal["document_id"]
    assert message["To"].addresses[0].addr_spec == "alice@example.org"
    code, shown, _ = run("records", "--store", store, "show", str(record_id))
    assert f"Renewed by: {renewal['document_id']}" in shown

    issued = _issued(store)
    code, lines, err = _renew(tmp_path, store, "--smtp", url)
    assert code == 0, err
    assert [(x["record_id"], x["status"]) for x in lines] == [(record_id, "renewed-already")]
    assert _issued(store) == issued, "nothing new issued"
    assert len(manifest(tmp_path / "renewals")) == 1
    assert len(mailbox.messages) == sent + 1, "nothing sent again"

    # Another output folder: the registry still knows the record is renewed.
    code, lines, _ = _renew(tmp_path, store, "--smtp", url, "--out", str(tmp_path / "other"))
    assert [(x["record_id"], x["status"]) for x in lines] == [(record_id, "renewed-already")]
    assert _issued(store) == issued
    assert len(mailbox.messages) == sent + 1


def test_no_send_only_issues_and_links_once(tmp_path):
    store = f"sqlite:///{tmp_path}/records.db"
    record_id, _ = _archive_complete_contract(tmp_path, store, None)
    code, lines, err = _renew(tmp_path, store, "--no-send")
    assert code == 0, err
    assert [(x["record_id"], x["status"]) for x in lines] == [(record_id, "issued")]
    assert sum(renews == record_id for _, renews in _issued(store)) == 1
    code, lines, _ = _renew(tmp_path, store, "--no-send")
    assert [x["status"] for x in lines] == ["renewed-already"]
    assert sum(renews == record_id for _, renews in _issued(store)) == 1


def test_a_record_whose_addresses_are_unknown_is_listed_not_renewed(tmp_path, starttls_smtp):
    _, url = starttls_smtp
    store = f"sqlite:///{tmp_path}/records.db"
    record_id, _ = _archive_complete_contract(tmp_path, store, None)  # generated, never sent
    code, lines, _ = _renew(tmp_path, store, "--smtp", url)
    assert code == 3
    assert [(x["record_id"], x["status"]) for x in lines] == [(record_id, "unknown")]
    assert all(renews is None for _, renews in _issued(store))


def test_renews_is_not_taken_from_a_data_file(tmp_path):
    data = tmp_path / "rows.jsonl"
    data.write_text(json.dumps({"supervisee.name": "Alice Adams", "_renews": 1}))
    code, _, err = run("generate", "contract", "--data", str(data), "--out", str(tmp_path / "o"))
    assert code == 2
    assert "_renews" in err
