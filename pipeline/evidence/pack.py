"""``supforms records evidence``: one archival PDF that proves a set of records on its own.

For each record: certificate pages (``certificate``), then its returned pages as
pictures (``drawing``); attached, the original return unchanged
(``AFRelationship /Source``), its stored ingest JSON and its signature report
(``/Data``); and one manifest for the whole pack (``evidence.json``: the records,
their SHA-256, the audit lines quoted and the head), which ``records verify
--evidence`` (``supforms.pipeline.evidence.proving``) holds against the store.
Exporting a pack is an audited read: its line names the records, nothing else.
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pikepdf
import pypdfium2
from supforms.pipeline.evidence.archival import (
    add_pictures,
    attach,
    finish_archival,
    write_structure,
)
from supforms.pipeline.evidence.certificate import (
    Block,
    certificate,
    compliance_blocks,
    title_of,
)
from supforms.pipeline.evidence.drawing import DPI, PackPages, pictures
from supforms.pipeline.evidence.gather import Entry, Selection, casefold, gather
from supforms.pipeline.files import write_private
from supforms.pipeline.records.compliance import compliance
from supforms.pipeline.records.proof import Head
from supforms.pipeline.records.store import RecordStore

__all__ = ["MANIFEST", "Pack", "build_pack", "names_of"]

MANIFEST = "evidence.json"
FORMAT = 1


@dataclass(frozen=True)
class Pack:
    """What was written: where, how many records and pages, how many bytes, the head quoted."""

    path: Path
    records: int
    pages: int
    size: int
    head: Head


def names_of(record_id: int) -> dict[str, str]:
    """The attachments' names for one record."""
    return {
        "original": f"record-{record_id}-original.pdf",
        "data": f"record-{record_id}.json",
        "signatures": f"record-{record_id}-signatures.json",
    }


def _supervision(
    store: RecordStore, selection: Selection, entries: list[Entry], on: date
) -> list[Block]:
    """For a person's or a team's pack: their compliance as the command gives it that day.

    A pack of chosen records (ids) has no person or team to state it for. A person
    is matched as supervisee, or as the supervisor of the rows shown.
    """
    if selection.ids:
        return []
    report = compliance(store, on, team=selection.team, audited={"how": "evidence"})
    rows = report.rows
    if selection.person:
        wanted = casefold(selection.person)
        rows = [
            row for row in rows
            if wanted in casefold(row.supervisee) or wanted in casefold(row.supervisor or "")
        ]  # fmt: skip
    return compliance_blocks(rows, on, selection.describe())


def _draw(
    entries: list[Entry], head: Head, title: str, dpi: int, summary: list[Block]
) -> tuple[bytes, PackPages]:
    buffer = io.BytesIO()
    pages = PackPages(buffer, title)
    if summary:
        pages.text(pages.structure.add("Sect"), summary)
    for entry in entries:
        part = pages.structure.add("Sect")
        blocks = certificate(entry, head)
        try:
            photo = entry.result.get("recovered_from") == "scan"
            drawn = list(pictures(entry.pdf, dpi, photo=photo))
        except pypdfium2.PdfiumError as exc:
            drawn = []
            why = f"Its pages could not be drawn here ({exc}); the original is attached as it came."
            blocks.append(Block("P", why))
        pages.text(part, blocks)
        name = entry.row["source_name"]
        for number, picture in enumerate(drawn, start=1):
            alt = (
                f"Page {number} of {len(drawn)} of record {entry.id} as returned ({name}): "
                f"{title_of(entry)}. Its values are in the attached record-{entry.id}.json."
            )
            pages.picture(part, picture, alt)
    pages.finish()
    return buffer.getvalue(), pages


def _attach_record(pdf: pikepdf.Pdf, entry: Entry, moment: datetime) -> dict[str, Any]:
    names = names_of(entry.id)
    is_pdf = entry.pdf.startswith(b"%PDF") or b"%PDF-" in entry.pdf[:1024]
    attach(
        pdf,
        names["original"],
        entry.pdf,
        mime="application/pdf" if is_pdf else "application/octet-stream",
        relationship="Source",
        description=f"Record {entry.id}: the return as received ({entry.row['source_name']}), "
        f"unchanged; SHA-256 {entry.sha256}",
        modified=moment,
    )
    text = json.dumps(entry.result, ensure_ascii=False, indent=1).encode("utf-8")
    attach(
        pdf,
        names["data"],
        text,
        mime="application/json",
        relationship="Data",
        description=f"Record {entry.id}: its validated JSON as the store keeps it",
        modified=moment,
    )
    report = json.dumps(entry.result.get("signatures") or [], ensure_ascii=False, indent=1)
    attach(
        pdf,
        names["signatures"],
        report.encode("utf-8"),
        mime="application/json",
        relationship="Data",
        description=f"Record {entry.id}: the report on its signatures",
        modified=moment,
    )
    return {
        "id": entry.id,
        "sha256": entry.sha256,
        **names,
        "audit": [{"id": int(line["id"]), "hash": line["hash"]} for line in entry.lines],
    }


def _assemble(
    drawn: bytes, pages: PackPages, entries: list[Entry], head: Head, title: str, moment: datetime
) -> tuple[bytes, int]:
    pdf = pikepdf.open(io.BytesIO(drawn))
    write_structure(pdf, pages.structure, pages.alts)
    add_pictures(pdf, pages.pictures)
    listed = [_attach_record(pdf, entry, moment) for entry in entries]
    manifest = {
        "supforms_evidence": FORMAT,
        "exported_at": moment.isoformat(timespec="seconds"),
        "head": {"id": head.id, "hash": head.hash},
        "records": listed,
    }
    attach(
        pdf,
        MANIFEST,
        json.dumps(manifest, ensure_ascii=False, indent=1).encode("utf-8"),
        mime="application/json",
        relationship="Data",
        description="What this pack states: its records, their SHA-256, audit lines and head",
        modified=moment,
    )
    finish_archival(pdf, title, "Evidence pack made by supforms records evidence", moment)
    out = io.BytesIO()
    pdf.save(out, fix_metadata_version=False, object_stream_mode=pikepdf.ObjectStreamMode.generate)
    return out.getvalue(), len(pdf.pages)


def build_pack(
    store: RecordStore,
    selection: Selection,
    out: str | Path,
    *,
    dpi: int = DPI,
    now: datetime | None = None,
) -> Pack:
    """Write the evidence pack of the chosen records to ``out``: whole, or nothing.

    Raises ``SettingError`` when no record is chosen or an id is not in the store,
    ``StoreError`` when the store cannot be read or the read cannot be audited,
    ``WriteError`` when ``out`` cannot be written.
    """
    out = Path(out)
    moment = now or datetime.now(UTC)
    head, entries = gather(store, selection)
    title = f"Evidence pack: {selection.describe()}"
    summary = _supervision(store, selection, entries, moment.date())
    drawn, pages = _draw(entries, head, title, dpi, summary)
    data, count = _assemble(drawn, pages, entries, head, title, moment)
    # Logged before the pack exists: no reading without its line.
    store.audit_read("evidence", [entry.id for entry in entries])
    write_private(out, data)
    return Pack(out, len(entries), count, len(data), head)
