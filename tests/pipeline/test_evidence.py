"""Evidence packs: made from records ingested for real, checked by other people's software.

Returns go through ``supforms ingest`` (a form filled by supforms, one signed
with pyHanko, a printed copy "scanned" by rasterising it); packs come out of
``supforms records evidence``; veraPDF judges them (PDF/A-3b and PDF/UA-1),
qpdf and pikepdf take the originals back out, pyHanko validates the signature
in the original taken out, and ``records verify --evidence`` must pass a fresh
pack and fail one altered after export, or shown to another store.
"""

from __future__ import annotations

import hashlib
import io
import json
import shutil
import subprocess
from pathlib import Path

import pikepdf
import pytest
from supforms.forms.values import nest
from supforms.forms.writing.compiled import compiled_form
from supforms.pipeline.delivery.generate import issue_copy
from supforms.pipeline.records.opening import open_store
from supforms.schemas.registry import form_ids, latest

from tests import engines
from tests.cli import run
from tests.conftest import ISSUED_AT

PERSON = "Zoë Ó Briain"  # the contract's supervisee and the group record's facilitator
SUPERVISEE = "signatures.supervisee.signature"
HOSTILE = "王秀英 \u202eLiu"


def as_person(form_id: str) -> bytes:
    """A copy of ``form_id`` filled with its sample, about ``PERSON`` where it names one."""
    model = latest(form_id)
    data = nest(dict(model.declaration.sample if model.declaration else {}))
    if form_id in ("agreement", "session-record"):
        data["supervisee"]["name"] = PERSON
    return issue_copy(compiled_form(form_id), model.model_validate(data), issued_at=ISSUED_AT)[1]


def ingest(url: str, folder: Path, files: dict[str, bytes]) -> dict[str, int]:
    """Each file ingested into the store at ``url``: its record id, by file name."""
    inbox = folder / "inbox"
    inbox.mkdir(parents=True)
    for name, data in files.items():
        (inbox / name).write_bytes(data)
    code, out, err = run(
        "ingest", str(inbox), "--store", url, "--out", str(folder / "out"), "--json"
    )
    assert code in (0, 3), err
    results = [json.loads(line) for line in out.splitlines()]
    return {r["source"]["filename"]: r["record_id"] for r in results}


def evidence(url: str, out: Path, *args: str) -> Path:
    code, stdout, err = run("records", "evidence", *args, "-o", str(out), "--store", url)
    assert code == 0, err
    assert stdout.startswith(f"Wrote {out}")
    return out


def verify(url: str, pack: Path) -> tuple[int, list[str]]:
    code, stdout, err = run("records", "verify", "--evidence", str(pack), "--store", url)
    return code, stdout.splitlines()


def signed_agreement() -> bytes:
    filled = engines.fill_pdfium(
        as_person("agreement"), {"signatures.supervisee.date": "04/04/2026"}
    )
    return engines.sign(filled, SUPERVISEE)


def attachment(pack: Path, name: str) -> bytes:
    with pikepdf.open(pack) as pdf:
        return bytes(pdf.attachments[name].get_file().read_bytes())


@pytest.fixture
def store_with_forms(store_url, tmp_path) -> tuple[str, dict[str, int]]:
    ids = ingest(store_url, tmp_path / "first", {f"{f}.pdf": as_person(f) for f in form_ids()})
    return store_url, ids


# --- what a pack holds ----------------------------------------------------------------------


def test_a_pack_holds_each_original_unchanged_and_its_json(store_with_forms, tmp_path):
    url, ids = store_with_forms
    pack = evidence(url, tmp_path / "pack.pdf", *map(str, sorted(ids.values())))
    with open_store(url) as store, pikepdf.open(pack) as pdf:
        files = pdf.attachments
        for record_id in ids.values():
            result, original, sha256 = store.record(record_id)
            spec = files[f"record-{record_id}-original.pdf"]
            assert spec.obj.AFRelationship == pikepdf.Name.Source
            assert bytes(spec.get_file().read_bytes()) == original
            assert hashlib.sha256(original).hexdigest() == sha256
            data = files[f"record-{record_id}.json"]
            assert data.obj.AFRelationship == pikepdf.Name.Data
            assert json.loads(data.get_file().read_bytes()) == result
            report = json.loads(
                files[f"record-{record_id}-signatures.json"].get_file().read_bytes()
            )
            assert report == result["signatures"]
        listed = {str(spec.F) for spec in pdf.Root.AF}
        assert listed == set(files)  # every embedded file is an associated file
        assert pdf.Root.MarkInfo.Marked
        assert b"<pdfaid:part>3</pdfaid:part>" in pdf.Root.Metadata.read_bytes()
        assert pdf.Root.OutputIntents[0].S == pikepdf.Name.GTS_PDFA1


def test_the_certificate_says_what_a_person_needs(store_with_forms, tmp_path):
    import pypdfium2

    url, ids = store_with_forms
    record_id = ids["agreement.pdf"]
    pack = evidence(url, tmp_path / "pack.pdf", str(record_id))
    document = pypdfium2.PdfDocument(pack.read_bytes())
    text = document[0].get_textpage().get_text_range()
    with open_store(url) as store:
        result, _, sha256 = store.record(record_id)
        (line,) = [a for a in store.audit_log() if a["record_id"] == record_id]
        head = store.audit_log()[-2]  # the pack's own read line came after its head
    assert f"Record {record_id}: Supervision Agreement, version" in text
    assert f"Document id: {result['document_id']}" in text
    assert f"Supervisee: {PERSON}" in text
    assert "Verdict: incomplete." in text
    assert "Signature is not signed" in text
    assert "by file (a PDF put in an ingest folder)" in text
    assert f"SHA-256: {sha256}" in text
    assert f"audit line {line['id']} · archive ·" in text
    assert f"hash: {line['hash']}" in text
    assert f"chain head at export: line {head['id']}" in text
    assert len(document) == 1 + 2  # the certificate, then the two returned pages


def test_the_certificate_tells_the_copys_issue_messages_and_reminders(store_with_forms, tmp_path):
    import pypdfium2
    from supforms.pipeline.records.deliveries import DeliveryRow

    url, ids = store_with_forms
    record_id = ids["contract.pdf"]
    with open_store(url) as store:
        result, _, _ = store.record(record_id)
        document = result["document_id"]
        issued = {"document_id": document, "form": "contract", "version": result["version"]}
        store.register([{**issued, "file": "c.pdf", "recipient": PERSON,
                         "issued_at": ISSUED_AT.isoformat(), "prefill": {}}])  # fmt: skip
        for reminder, status in ((0, "sending"), (0, "sent"), (1, "sent"), (2, "failed")):
            when = ISSUED_AT.replace(day=22 + reminder)
            store.record_delivery(DeliveryRow(document, "zoe@example.org", status, when, reminder))
    pack = evidence(url, tmp_path / "pack.pdf", str(record_id))
    text = pypdfium2.PdfDocument(pack.read_bytes())[0].get_textpage().get_text_range()
    assert f"Copy issued 22/11/2026 09:30 UTC for {PERSON}." in text
    assert "22/11/2026 09:30 UTC: the copy to zoe@example.org: sent." in text
    assert "23/11/2026 09:30 UTC: reminder 1 to zoe@example.org: sent." in text
    assert "24/11/2026 09:30 UTC: reminder 2 to zoe@example.org: failed." in text
    assert "Reminders sent: 1." in text


def test_a_persons_pack_holds_their_records_of_all_four_forms(store_with_forms, tmp_path):
    url, ids = store_with_forms
    pack = evidence(url, tmp_path / "person.pdf", "--person", "zoë ó")
    with pikepdf.open(pack) as pdf:
        manifest = json.loads(pdf.attachments["evidence.json"].get_file().read_bytes())
    assert [r["id"] for r in manifest["records"]] == sorted(ids.values())  # the group too


def test_an_evidence_pack_is_an_audited_read_of_ids_only(store_with_forms, tmp_path):
    url, ids = store_with_forms
    evidence(url, tmp_path / "pack.pdf", "--team", "east")
    with open_store(url) as store:
        last = store.audit_log()[-1]
    assert last["action"] == "read"
    assert json.loads(last["detail"]) == {"how": "evidence", "records": [ids["group-record.pdf"]]}


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (("999",), "no record 999 in this store"),
        (("--person", "nobody at all"), "no record matches: the records of nobody at all"),
        ((), "choose the records"),
    ],
)
def test_a_pack_of_nothing_is_refused_and_nothing_written(store_with_forms, tmp_path, args, said):
    url, _ = store_with_forms
    out = tmp_path / "nothing.pdf"
    code, _, err = run("records", "evidence", *args, "-o", str(out), "--store", url)
    assert code == 2
    assert said in err
    assert not out.exists()


# --- verify --evidence ----------------------------------------------------------------------


def test_verify_passes_a_fresh_pack(store_with_forms, tmp_path):
    url, ids = store_with_forms
    pack = evidence(url, tmp_path / "pack.pdf", *map(str, ids.values()))
    run("ingest", str(tmp_path / "first" / "inbox"), "--store", url)  # the chain grows on
    code, lines = verify(url, pack)
    assert code == 0, lines
    assert lines == [f"{pack} matches the store: originals, audit lines and head."]


def test_verify_fails_a_pack_whose_attachment_changed(store_with_forms, tmp_path):
    url, ids = store_with_forms
    record_id = ids["contract.pdf"]
    pack = evidence(url, tmp_path / "pack.pdf", str(record_id))
    with pikepdf.open(pack, allow_overwriting_input=True) as pdf:
        stream = pdf.attachments[f"record-{record_id}-original.pdf"].obj.EF.F
        data = bytearray(stream.read_bytes())
        data[len(data) // 2] ^= 0x01  # one bit of one byte
        stream.write(bytes(data))
        pdf.save(pack)
    code, lines = verify(url, pack)
    assert code == 1
    assert lines == [f"record {record_id}: the original attached does not hash to its SHA-256"]


def edit_hash_text(pack: Path) -> None:
    """Swap two digits of the first audit line's hash, as printed on the first page."""
    with pikepdf.open(pack, allow_overwriting_input=True) as pdf:
        page = pdf.pages[0]
        ops = pikepdf.parse_content_stream(page)
        tj = pikepdf.Operator("Tj")
        # reportlab's subset gives ASCII its own codes: the first "hash: " is the first
        # audit line's (the head's comes last).
        at = next(
            n
            for n, op in enumerate(ops)
            if op.operator == tj and bytes(op.operands[0]).startswith(b"hash: ")
        )
        text = bytearray(bytes(ops[at].operands[0]))
        i = next(i for i in range(6, 69) if text[i] != text[i + 1])
        text[i], text[i + 1] = text[i + 1], text[i]
        ops[at] = pikepdf.ContentStreamInstruction([pikepdf.String(bytes(text))], tj)
        page.obj.Contents = pdf.make_stream(pikepdf.unparse_content_stream(ops))
        pdf.save(pack)


def test_verify_fails_a_pack_whose_audit_line_was_edited_on_its_certificate(
    store_with_forms, tmp_path
):
    url, ids = store_with_forms
    record_id = ids["agreement.pdf"]
    pack = evidence(url, tmp_path / "pack.pdf", str(record_id))
    edit_hash_text(pack)
    code, lines = verify(url, pack)
    assert code == 1
    with open_store(url) as store:
        (line,) = [a["id"] for a in store.audit_log() if a["record_id"] == record_id]
    assert f"audit line {line}: the pack prints it otherwise than the chain has it" in lines
    assert any(f"audit line {line}: only the manifest quote" in said for said in lines)


def test_verify_fails_a_pack_from_another_store(store_with_forms, tmp_path):
    url, ids = store_with_forms
    pack = evidence(url, tmp_path / "pack.pdf", str(ids["contract.pdf"]))
    other = f"sqlite:///{tmp_path}/other.db"
    # The same returns, ingested there: same bytes, same record ids, another chain.
    ingest(other, tmp_path / "other", {f"{f}.pdf": as_person(f) for f in form_ids()})
    code, lines = verify(other, pack)
    assert code == 1
    assert any("not in this store's chain" in said for said in lines), lines


def test_verify_says_a_file_that_is_no_pack_is_none(store_with_forms, tmp_path):
    url, ids = store_with_forms
    plain = tmp_path / "return.pdf"
    plain.write_bytes(as_person("contract"))
    code, lines = verify(url, plain)
    assert code == 1
    assert lines == [f"{plain}: no legible evidence.json: not an evidence pack, or it was altered"]
    junk = tmp_path / "junk.pdf"
    junk.write_bytes(b"not a pdf")
    code, _, err = run("records", "verify", "--evidence", str(junk), "--store", url)
    assert code == 1
    assert err.strip() == f"supforms: {junk}: is not a PDF (or is damaged)"


# --- a signed return and a scan, judged by other people's software --------------------------


@pytest.fixture(scope="module")
def packs(tmp_path_factory) -> dict[str, Path]:
    """The four packs the issue names: one record, a person's, a signed one, a scan."""
    from tests.pipeline.test_paper import image_pdf, scan

    folder = tmp_path_factory.mktemp("packs")
    url = f"sqlite:///{folder}/records.db"
    ids = ingest(url, folder / "forms", {f"{f}.pdf": as_person(f) for f in form_ids()})
    signed = ingest(url, folder / "signed", {"signed.pdf": signed_agreement()})
    printed = folder / "printed.pdf"
    code, _, err = run("print", "contract", "-o", str(printed), "--store", url)  # registered
    assert code == 0, err
    pages = scan(printed, 100, folder, 5)
    scanned = ingest(url, folder / "scan", {"scan.pdf": image_pdf(pages, 100)})
    # A name in a script the font cannot show, with a bidi override: never a .notdef glyph.
    # (supforms' own fill refuses it, a person's PDF viewer does not.)
    typed = engines.fill_pdfium(as_person("session-record"), {"supervisee.name": HOSTILE})
    hostile = ingest(url, folder / "hostile", {"h.pdf": typed})
    junk = ingest(url, folder / "junk", {"junk.pdf": b"not a PDF at all"})  # rejected, kept
    return {
        "rejected": evidence(url, folder / "rejected.pdf", str(junk["junk.pdf"])),
        "hostile": evidence(url, folder / "hostile.pdf", str(hostile["h.pdf"])),
        "one record": evidence(url, folder / "one.pdf", str(ids["contract.pdf"])),
        "a person's": evidence(url, folder / "person.pdf", "--person", PERSON),
        "signed": evidence(url, folder / "signed-pack.pdf", str(signed["signed.pdf"])),
        "scan": evidence(url, folder / "scan-pack.pdf", str(scanned["scan.pdf"])),
        "url": url,  # type: ignore[dict-item]
        "signed id": signed["signed.pdf"],  # type: ignore[dict-item]
    }


@pytest.mark.slow
@pytest.mark.usefixtures("poppler")
@pytest.mark.parametrize("flavour", ["3b", "ua1"])
def test_verapdf_finds_no_failed_rule_in_any_pack(packs, flavour):
    from tests.verapdf import failed_rules, need_verapdf

    need_verapdf()
    names = ("one record", "a person's", "signed", "scan", "hostile", "rejected")
    files = [packs[k] for k in names]
    found = failed_rules(*files, flavour=flavour)
    assert {path.name: [str(r) for r in rules] for path, rules in found.items()} == {
        path.name: [] for path in files
    }


@pytest.mark.slow
@pytest.mark.usefixtures("poppler")
def test_the_signed_original_taken_out_by_qpdf_still_validates_in_pyhanko(packs, tmp_path):
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    record_id = packs["signed id"]
    name = f"record-{record_id}-original.pdf"
    qpdf = shutil.which("qpdf")
    if qpdf:
        taken = subprocess.run(
            [qpdf, f"--show-attachment={name}", str(packs["signed"])],
            capture_output=True,
            check=True,
        ).stdout
    else:
        taken = attachment(packs["signed"], name)
    with open_store(str(packs["url"])) as store:
        _, archived, _ = store.record(record_id)
    assert taken == archived
    assert attachment(packs["signed"], name) == archived  # pikepdf too
    (signature,) = PdfFileReader(io.BytesIO(taken)).embedded_signatures
    # Trusting nobody: what matters here is that the bytes still hash to the signature.
    status = validate_pdf_signature(
        signature, ValidationContext(trust_roots=[], allow_fetching=False)
    )
    assert status.intact
    assert status.coverage.name in ("ENTIRE_FILE", "ENTIRE_REVISION")


@pytest.mark.slow
@pytest.mark.usefixtures("poppler")
def test_the_signed_and_the_scanned_certificates_say_so(packs):
    import pypdfium2

    signed = pypdfium2.PdfDocument(packs["signed"].read_bytes())
    text = signed[0].get_textpage().get_text_range()
    assert "digital signature in field signatures.supervisee.signature" in text
    assert "intact: yes; trusted: no;" in text
    scanned = pypdfium2.PdfDocument(packs["scan"].read_bytes())
    text = scanned[0].get_textpage().get_text_range()
    assert "Clinical Supervision Contract (1:1 Supervision)," in text  # known by its QR code
    assert "by scan (a printed copy, filled in on paper and scanned)" in text
    assert "Its values await a person's typing (records transcribe)." in text
    assert "Copy issued " in text
    assert verify(str(packs["url"]), packs["scan"])[0] == 0


def test_a_teams_pack_holds_its_members_records_too(store_with_forms, tmp_path):
    url, ids = store_with_forms
    team = latest("contract").declaration.sample["supervisee"]["department"]
    pack = evidence(url, tmp_path / "team.pdf", "--team", team.upper())
    with pikepdf.open(pack) as pdf:
        manifest = json.loads(pdf.attachments["evidence.json"].get_file().read_bytes())
    # The contract names the team; the agreement and the session record its supervisee.
    wanted = sorted(ids[f"{f}.pdf"] for f in ("contract", "agreement", "session-record"))
    assert [r["id"] for r in manifest["records"]] == wanted


@pytest.mark.slow
@pytest.mark.usefixtures("poppler")
def test_a_name_the_font_cannot_show_is_printed_as_replacement_characters(packs):
    import pypdfium2

    text = pypdfium2.PdfDocument(packs["hostile"].read_bytes())[0].get_textpage().get_text_range()
    assert "Supervisee: \ufffd\ufffd\ufffd \ufffdLiu" in text


def test_verify_evidence_takes_no_other_option(store_with_forms, tmp_path):
    url, ids = store_with_forms
    pack = evidence(url, tmp_path / "pack.pdf", str(ids["contract.pdf"]))
    code, _, err = run("records", "verify", "--evidence", str(pack), "--json", "--store", url)
    assert code == 2
    assert "give it without --expect-head/--json" in err


def test_a_rejected_return_that_is_no_pdf_is_attached_as_it_came(store_url, tmp_path):
    import pypdfium2

    ids = ingest(store_url, tmp_path / "in", {"junk.pdf": b"not a PDF at all"})
    pack = evidence(store_url, tmp_path / "pack.pdf", str(ids["junk.pdf"]))
    document = pypdfium2.PdfDocument(pack.read_bytes())
    assert len(document) == 1  # the certificate only
    text = document[0].get_textpage().get_text_range()
    assert "Verdict: rejected." in text
    assert "Its pages could not be drawn here" in text
    with pikepdf.open(pack) as pdf:  # (a spec outliving its Pdf crashes pikepdf)
        spec = pdf.attachments[f"record-{ids['junk.pdf']}-original.pdf"]
        assert spec.get_file().mime_type == "application/octet-stream"
        assert bytes(spec.get_file().read_bytes()) == b"not a PDF at all"
    assert verify(store_url, pack)[0] == 0


@pytest.mark.parametrize(
    ("source_name", "result", "said"),
    [
        ("web:agreement.pdf", {}, "web (uploaded through the person's own return link)"),
        ("agreement.pdf", {}, "file (a PDF put in an ingest folder)"),
        ("web:scan.pdf", {"recovered_from": "scan"}, "scan (a printed copy"),
    ],
)
def test_the_way_back_is_named(source_name, result, said):
    from supforms.pipeline.evidence.gather import came_back

    assert came_back({"source_name": source_name}, result).startswith(said)


def test_a_persons_pack_states_their_compliance_as_the_command_does(store_with_forms, tmp_path):
    """Contract 14: the pack, the dashboard and the command call the same function."""
    import pypdfium2 as pdfium

    url, _ = store_with_forms
    pack = evidence(url, tmp_path / "person.pdf", "--person", "zoë ó")
    document = pdfium.PdfDocument(pack)
    first = document[0].get_textpage().get_text_range()
    document.close()
    code, stdout, err = run("records", "compliance", "--json", "--store", url)
    assert code == 0, err
    rows = [json.loads(line) for line in stdout.splitlines()]
    (zoe,) = [row for row in rows if row.get("supervisee", "").startswith("Zoë")]
    text = " ".join(first.split())
    assert "Supervision as agreed, as of" in text
    assert f"{zoe['supervisee']} (supervisor" in text
    assert f"): {zoe['status']}" in text
    assert f"Formal sessions held: {zoe['sessions_held']};" in text
