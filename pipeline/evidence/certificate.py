"""A record's certificate as a person reads it: headings, sentences and audit lines, in order.

Only words here; ``supforms.pipeline.evidence.drawing`` puts them on pages. An
audit line is printed as two lines of its own, ``audit line N · action · time``
then ``hash: <64 hex>``, and the head as ``chain head at export: line N`` then its
hash: ``records verify --evidence`` reads them back from the pages' text, so
a line edited on the certificate is found.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Literal

from supforms.pipeline.evidence.gather import Entry, came_back
from supforms.pipeline.records.chain import canonical_time
from supforms.pipeline.records.compliance import ComplianceRow
from supforms.pipeline.records.proof import Head
from supforms.schemas.registry import declaration_of

__all__ = ["Block", "audit_text", "certificate", "compliance_blocks", "head_text", "title_of"]

Kind = Literal["H1", "H2", "P", "Code"]


@dataclass(frozen=True)
class Block:
    """One paragraph of a certificate: a heading, a sentence, or a line of code (hashes)."""

    kind: Kind
    text: str


def title_of(entry: Entry) -> str:
    form = entry.result.get("form")
    declaration = declaration_of(form) if form else None
    if declaration is None:
        return f"a return of form {form}" if form else "a return whose form is not known"
    return f"{declaration.title}, version {entry.result.get('version') or 'unknown'}"


def audit_text(line: dict[str, Any]) -> tuple[str, str]:
    """An audit line as the certificate prints it (and verify reads it back)."""
    return (
        f"audit line {line['id']} · {line['action']} · {canonical_time(line['at'])}",
        f"hash: {line['hash']}",
    )


def head_text(head: Head) -> tuple[str, str]:
    return f"chain head at export: line {head.id}", f"hash: {head.hash}"


def _when(moment: datetime | str | None) -> str:
    if moment is None:
        return "unknown"
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    return f"{moment:%d/%m/%Y %H:%M} UTC"


def _parties(entry: Entry) -> list[Block]:
    row = entry.row
    said = [
        ("Supervisee", row.get("supervisee")),
        ("Supervisor", row.get("supervisor")),
        ("Team", row.get("team")),
        ("Case reference", row.get("case_reference")),
    ]
    blocks = [Block("P", f"{label}: {value}") for label, value in said if value]
    return blocks or [Block("P", "The return names no supervisee, supervisor, team or case.")]


def _verdict(entry: Entry) -> list[Block]:
    result = entry.result
    blocks = [Block("P", f"Verdict: {result['status']}.")]
    problems = result.get("problems") or []
    if not problems:
        blocks.append(Block("P", "No problem was found."))
    for problem in problems:
        where = "the file" if problem["field"] == "(file)" else f"field {problem['field']}"
        blocks.append(Block("P", f"Problem in {where}: {problem['message']} ({problem['code']})."))
    return blocks


def _signature(sig: dict[str, Any]) -> str:
    block = sig.get("block") or "no signature block of the form"
    if sig["kind"] == "none":
        return f"{block}: not signed."
    if sig["kind"] != "digital":
        who = f", by {sig['signer']}" if sig.get("signer") else ""
        return f"{block}: {sig['kind']} signature{who}."
    changes = ", ".join(sig.get("changes") or ()) or "none"
    return (
        f"{block}: digital signature in field {sig['field']}, signed by "
        f"{sig.get('signer') or 'unknown'} at {sig.get('signed_at') or 'an unknown time'}; "
        f"intact: {'yes' if sig.get('intact') else 'NO'}; "
        f"trusted: {'yes' if sig.get('trusted') else 'no'}; "
        f"certification level: {sig.get('certification') or 'none (an approval signature)'}; "
        f"fields changed after it: {changes}."
    )


def _journey(entry: Entry) -> list[Block]:
    blocks = []
    issue = entry.issue
    if issue is None:
        blocks.append(Block("P", "No issued copy is on record for this document."))
    else:
        whom = f" for {issue['recipient']}" if issue.get("recipient") else ""
        blocks.append(Block("P", f"Copy issued {_when(issue['issued_at'])}{whom}."))
    for message in entry.deliveries:
        what = f"reminder {message.reminder}" if message.reminder else "the copy"
        blocks.append(
            Block("P", f"{_when(message.at)}: {what} to {message.recipient}: {message.status}.")
        )
    reminders = {m.reminder for m in entry.deliveries if m.reminder and m.status == "sent"}
    blocks.append(Block("P", f"Reminders sent: {len(reminders)}."))
    row = entry.row
    blocks.append(
        Block("P", f"Returned {_when(row['received_at'])} by {came_back(row, entry.result)}.")
    )
    blocks.append(Block("P", f"Received as the file {row['source_name']}."))
    typed = entry.result.get("transcribed")
    if typed:
        by, at = typed.get("by") or "a person", typed.get("at")
        blocks.append(Block("P", f"Its values were typed in from the scan by {by}, {_when(at)}."))
    elif entry.result.get("status") == "scanned":
        blocks.append(Block("P", "Its values await a person's typing (records transcribe)."))
    return blocks


def certificate(entry: Entry, head: Head) -> list[Block]:
    """The certificate pages' text for one record, in reading order."""
    result = entry.result
    blocks = [
        Block("H1", f"Record {entry.id}: {title_of(entry)}"),
        Block("P", f"Document id: {result.get('document_id') or 'unknown'}."),
        *_parties(entry),
        Block("H2", "Verdict"),
        *_verdict(entry),
        Block("H2", "Signatures"),
    ]
    signatures = result.get("signatures") or []
    blocks += [Block("P", _signature(sig)) for sig in signatures] or [
        Block("P", "The form has no signature block and the file no digital signature.")
    ]
    blocks += [Block("H2", "Issued, sent and returned"), *_journey(entry)]
    blocks += [
        Block("H2", "The original"),
        Block("P", f"The original return is attached unchanged ({len(entry.pdf):,} bytes)."),
        Block("Code", f"SHA-256: {entry.sha256}"),
        Block("H2", "Audit lines"),
    ]
    for line in entry.lines:
        blocks += [Block("Code", text) for text in audit_text(line)]
    blocks += [Block("Code", text) for text in head_text(head)]
    return blocks


def _day(value: date | None) -> str:
    return f"{value:%d/%m/%Y}" if value else "none"


def compliance_blocks(rows: list[ComplianceRow], on: date, whose: str) -> list[Block]:
    """Whether supervision happens as each agreement says, for the pack's people, as of ``on``.

    The rows are ``records compliance``'s (the same function, the same day): the
    pack states what the command would have said when it was made.
    """
    blocks = [
        Block("H1", f"Supervision as agreed, as of {on:%d/%m/%Y}"),
        Block("P", f"As supforms records compliance computes it from the signed records, "
                   f"for {whose}."),
    ]  # fmt: skip
    if not rows:
        return [*blocks, Block("P", "No supervisee of these records is known to the store.")]
    for row in rows:
        if row.agreed_on is None:
            agreed = "No complete agreement."
        else:
            often = (
                f"{row.sessions_per_year} sessions a year" if row.sessions_per_year
                else f"every {row.weeks_between} weeks"
            )  # fmt: skip
            agreed = f"Agreed {_day(row.agreed_on)}: {often}."
        overdue = f", {row.days_overdue} days overdue" if row.days_overdue else ""
        contract = (
            f"Contract signed {_day(row.contract_signed_on)}." if row.contract_signed_on
            else "No complete contract."
        )  # fmt: skip
        blocks.append(
            Block(
                "P",
                f"{row.supervisee} (supervisor {row.supervisor or 'unknown'}, team "
                f"{row.team or 'unknown'}): {row.status}{overdue}. {agreed} Formal sessions "
                f"held: {row.sessions_held}; last {_day(row.last_session)}; next due "
                f"{_day(row.next_due)}. {contract} Late write-ups: {row.late_write_ups}; "
                f"overdue actions: {row.overdue_actions}; copies not back: {row.awaiting}.",
            )
        )
    return blocks
