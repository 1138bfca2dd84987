"""What an evidence pack says of each record, gathered from the store in a few queries.

Everything comes through the store's own reading methods (``RecordStore.record``
for the original bytes, never SQL here): the record's columns, its ingest JSON,
its original, the copy it answers (issued when, for whom), every message of that
copy (the copy, its reminders), and the audit lines that state the record, with
their chain hashes. The chain's head is read before anything else, so it is the
head at the moment of export.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from supforms.forms.values import dotted
from supforms.pipeline.records.deliveries import DeliveryRow
from supforms.pipeline.records.proof import Head
from supforms.pipeline.records.store import RecordStore
from supforms.schemas.errors import SettingError
from supforms.schemas.registry import declaration_of, form_ids

__all__ = ["Entry", "Selection", "came_back", "gather"]

# An attachment taken from an email is saved as <message>-<n>-<name>-<12 hex>.pdf
# (supforms.pipeline.intake.mailbox); one from an IMAP mailbox also names imap.
_FROM_EMAIL = re.compile(r"-\d+-.*-[0-9a-f]{12}\.pdf$")


def casefold(text: str) -> str:
    return unicodedata.normalize("NFC", text).casefold()


@dataclass(frozen=True)
class Selection:
    """Which records a pack holds: ids, or a person's or a team's, received within dates."""

    ids: tuple[int, ...] = ()
    person: str | None = None
    team: str | None = None
    since: datetime | None = None
    until: datetime | None = None

    def describe(self) -> str:
        if self.ids:
            return "records " + ", ".join(map(str, self.ids))
        said = f"the records of {self.person}" if self.person else f"the team {self.team}"
        if self.since:
            said += f", received from {self.since:%d/%m/%Y}"
        if self.until:
            said += f", received before {self.until:%d/%m/%Y}"
        return said


@dataclass
class Entry:
    """One record as the pack tells it."""

    row: dict[str, Any]
    result: dict[str, Any]
    pdf: bytes
    sha256: str
    issue: dict[str, Any] | None = None
    deliveries: list[DeliveryRow] = field(default_factory=list)
    lines: list[dict[str, Any]] = field(default_factory=list)

    @property
    def id(self) -> int:
        return int(self.row["id"])


def came_back(row: dict[str, Any], result: dict[str, Any]) -> str:
    """How the return came back: a scan, through the web, from a mailbox, by email, or a file.

    The store keeps the name the return arrived under (``source_name``) and its
    verdict; a scan is known by its verdict (read from a scan, or transcribed), an
    email's attachment and a mailbox's message by the names ingest gives them.
    """
    name = str(row.get("source_name") or "")
    if result.get("transcribed") or result.get("recovered_from") == "scan":
        how = "scan (a printed copy, filled in on paper and scanned)"
    elif name.startswith("web:"):  # the return page files an upload under web:<its name>
        how = "web (uploaded through the person's own return link)"
    elif "imap" in name.lower() and _FROM_EMAIL.search(name):
        how = "mailbox (a message taken from an IMAP mailbox)"
    elif _FROM_EMAIL.search(name):
        how = "email (a PDF attached to a message)"
    else:
        how = "file (a PDF put in an ingest folder)"
    return how


def _named_in(store: RecordStore, person: str, dates: dict[str, Any]) -> list[dict[str, Any]]:
    """Records of forms that name nobody as supervisee or supervisor but name ``person``.

    A group record names its attendees, not a supervisee: a person's records
    include the groups they attended.
    """
    wanted = casefold(person)
    found = []
    for form_id in form_ids():
        declaration = declaration_of(form_id)
        if (
            declaration is None
            or declaration.concerns.supervisee
            or declaration.concerns.supervisor
        ):
            continue
        for row in store.find(form=form_id, **dates):
            result, _, _ = store.record(int(row["id"]))
            values = dotted(result.get("data") or {}).values()
            if any(isinstance(v, str) and wanted in casefold(v) for v in values):
                found.append(row)
    return found


def _members(
    store: RecordStore, rows: list[dict[str, Any]], dates: dict[str, Any]
) -> list[dict[str, Any]]:
    """A team's records: those naming the team, and every record of a supervisee they name.

    Only a contract names its supervisee's team; their agreements and session
    records belong to the team through them.
    """
    members = {casefold(row["supervisee"]) for row in rows if row["supervisee"]}
    if not members:
        return rows
    known = {int(row["id"]) for row in rows}
    more = [
        row
        for row in store.find(**dates)
        if int(row["id"]) not in known and casefold(row["supervisee"] or "") in members
    ]
    return sorted(rows + more, key=lambda r: r["id"])


def _rows(store: RecordStore, selection: Selection) -> list[dict[str, Any]]:
    if selection.ids:
        rows = store.find(ids=list(selection.ids))
        missing = sorted(set(selection.ids) - {int(row["id"]) for row in rows})
        if missing:
            raise SettingError(f"no record {', '.join(map(str, missing))} in this store")
        return rows
    if not (selection.person or selection.team):
        raise SettingError("choose the records: give record ids, --person or --team")
    dates = {"since": selection.since, "until": selection.until}
    rows = store.find(person=selection.person, team=selection.team, **dates)
    if selection.person:
        rows = sorted(rows + _named_in(store, selection.person, dates), key=lambda r: r["id"])
    if selection.team:
        rows = _members(store, rows, dates)
    if not rows:
        raise SettingError(f"no record matches: {selection.describe()}")
    return rows


def gather(store: RecordStore, selection: Selection) -> tuple[Head, list[Entry]]:
    """The head of the chain now, and every chosen record with its story, in id order."""
    head = store.head()
    rows = _rows(store, selection)
    ids = [int(row["id"]) for row in rows]
    documents = sorted({row["document_id"] for row in rows if row["document_id"]})
    issues = store.issued_copies(documents)
    messages: dict[str, list[DeliveryRow]] = {}
    for delivery in store.deliveries_of(documents):
        messages.setdefault(delivery.document_id, []).append(delivery)
    lines: dict[int, list[dict[str, Any]]] = {}
    for line in store.audit_lines(record_ids=ids):
        if int(line["id"]) <= head.id:
            lines.setdefault(int(line["record_id"]), []).append(line)
    entries = []
    for row in rows:
        result, pdf, sha256 = store.record(int(row["id"]))
        document = row["document_id"]
        entries.append(
            Entry(
                row=row,
                result=result,
                pdf=pdf,
                sha256=sha256,
                issue=issues.get(document) if document else None,
                deliveries=messages.get(document, []) if document else [],
                lines=lines.get(int(row["id"]), []),
            )
        )
    return head, entries
