"""Remind the people a copy was sent to, until it comes back complete.

Which copies: the store's issued copies of the form with no complete (or
scanned, awaiting transcription) return, issued at least ``after`` ago. To
whom: exactly the addresses the store says the copy was delivered to, whichever
folder or machine sent it (a copy sent before the store kept deliveries: the
send folder's delivery log); an address is never guessed: a copy with no known
delivery is reported ``unknown`` and left alone. What: the same copy, its bytes
as the store kept them at its first delivery (or the send folder's file, checked
against the manifest's SHA-256), never a changed one (``refused``), with
``reminder_*.j2`` as the message; a copy that came back ``incomplete`` or
``invalid`` gets the plain-words list of what to put right
(``supforms.pipeline.delivery.shortfall``). How often: at most one reminder per
copy every ``every``, at most ``most`` in all, counted from the deliveries kept,
where each reminder is kept before and after like a send (``reminder`` = its
number; also in ``out``'s delivery log) and a reminder left in flight by a crash
goes again with its ``Message-ID``. Each copy reminded leaves one audit line.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from supforms.pipeline.delivery.deliver import (
    deliver_copy,
    issued_bytes,
    message_id,
    return_link,
    sender_name,
    subject_person,
)
from supforms.pipeline.delivery.delivery_log import (
    Delivery,
    DeliveryLog,
    History,
    address_key,
    stored_history,
)
from supforms.pipeline.delivery.notify import Transport
from supforms.pipeline.delivery.roster import Recipient
from supforms.pipeline.delivery.shortfall import shortfall
from supforms.pipeline.records.deliveries import Unreturned
from supforms.pipeline.records.preflight import store_errors
from supforms.pipeline.records.store import RecordStore
from supforms.schemas.errors import PipelineError, StoreError
from supforms.schemas.registry import declaration_of

__all__ = [
    "NOT_EMAILED", "Policy", "first_messages", "missing_from", "plan", "remind", "unreturned",
]  # fmt: skip

NOT_EMAILED = "not-sent"
"""A copy made by ``generate`` or ``print`` (or issued by ``renew`` without a server): it
is outstanding, but nobody was emailed it, so there is no one to remind by email."""


@dataclass(frozen=True)
class Policy:
    """When to remind: ``after`` the issue, then at most every ``every``, ``most`` times."""

    after: timedelta
    every: timedelta
    most: int
    now: datetime


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def unreturned(store: RecordStore, form: str | None, issued_before: datetime) -> list[Unreturned]:
    """Copies issued before ``issued_before`` with no complete return, oldest first.

    The store's one idea of outstanding (``RecordStore.unreturned``), the same
    ``records outstanding`` lists.
    """
    with store_errors("finding the copies not returned"):
        return store.unreturned(form, issued_before)


def missing_from(copy: Unreturned) -> list[str]:
    """What the copy's latest return still lacks, in words (none: nothing came back yet)."""
    if copy.result is None:
        return []
    result = copy.result
    return shortfall(str(result.get("form")), str(result.get("version")), result["problems"])


@dataclass(frozen=True)
class Due:
    """One reminder to send: copy, address, its number, and whether it may have gone once."""

    copy: Unreturned
    address: str
    number: int
    again: bool


def _due_for(copy: Unreturned, address: str, history: History, policy: Policy) -> Due | None:
    key = address_key(address)
    states = {
        number: state
        for (document_id, address_of, number), state in history.reminders.items()
        if document_id == copy.document_id and address_of == key
    }
    in_flight = [n for n, state in states.items() if state.status == "sending"]
    if in_flight:  # it may have gone: the same reminder again, with its Message-ID
        return Due(copy, address, min(in_flight), True)
    sent = [state for state in states.values() if state.status == "sent"]
    if len(sent) >= policy.most:
        return None
    if sent and policy.now - max(_utc(datetime.fromisoformat(s.at)) for s in sent) < policy.every:
        return None
    return Due(copy, address, len(sent) + 1, False)


def plan(
    copies: list[Unreturned], history: History, policy: Policy
) -> Iterator[tuple[Unreturned, list[Due] | None]]:
    """Each copy with the reminders due now (None: the log knows no address of it)."""
    for copy in copies:
        if copy.document_id not in history.copies or not history.sent.get(copy.document_id):
            yield copy, None
            continue
        due = [_due_for(copy, a, history, policy) for a in history.sent[copy.document_id]]
        yield copy, [d for d in due if d is not None]


def _listed(copy: Unreturned, status: str, detail: str, at: str) -> Delivery:
    return Delivery(0, copy.document_id, "", "", status, detail, at)


def remind(
    form: str | None,
    out: Path,
    transport: Transport | None,
    registry: RecordStore,
    policy: Policy,
    *,
    sender: str,
    templates: Path | None = None,
    return_address: str | None = None,
    return_url: str | None = None,
) -> Iterator[Delivery]:
    """Send each reminder due now (``transport`` None: a dry run, nothing sent or logged).

    Yields each reminder once sent or failed, and one line for each copy that is
    not reminded because its addresses are unknown or its file was changed. With
    ``return_url`` each reminder carries a fresh personal return link.
    """
    at = policy.now.isoformat(timespec="seconds")
    copies = unreturned(registry, form, policy.now - policy.after)
    history = stored_history(registry, [copy.document_id for copy in copies], out)
    firsts = first_messages(registry, [copy.document_id for copy in copies])
    log = DeliveryLog(out, registry) if transport is not None else None
    try:
        for copy, due in plan(copies, history, policy):
            if due is None and not (copy.emailed or copy.document_id in history.copies):
                # Neither the store nor this send folder knows of an email of it: made on
                # paper or as a file. Outstanding (records outstanding lists it), but by
                # email there is nobody to remind, today or any day: not a fault to fix.
                yield _listed(copy, NOT_EMAILED, "not sent by email: nothing to remind", at)
                continue
            if due is None:
                yield _listed(
                    copy,
                    "unknown",
                    f"no delivery of this copy in the records store or in {out}/delivery.jsonl:"
                    " its addresses are unknown, so it was not reminded",
                    at,
                )
                continue
            if not due:
                continue
            entry = history.copies[copy.document_id]
            try:
                pdf = _copy_bytes(registry, out, entry)
            except StoreError:
                raise
            except PipelineError as exc:
                yield _listed(copy, "refused", f"not reminded: {exc}", at)
                continue
            if log is None or transport is None:
                for reminder in due:
                    detail = f"would send reminder {reminder.number} of {entry['file']}"
                    if return_url:
                        detail += f", with a new return link {return_url.rstrip('/')}/r/…"
                    yield Delivery(
                        entry.get("row") or 0,
                        copy.document_id,
                        entry["file"],
                        reminder.address,
                        "dry-run",
                        detail,
                        at,
                        reminder=reminder.number,
                    )
                continue
            yield from _send(
                log,
                transport,
                registry,
                entry,
                pdf,
                due,
                at,
                sender,
                templates,
                firsts,
                {
                    "title": _title(copy.form),
                    "return_address": return_address,
                    "subject_person": subject_person(copy.form, entry.get("prefill") or {}),
                    "sender_name": sender_name(sender),
                    "status": copy.status,
                    "missing": missing_from(copy),
                    "issued_on": copy.issued_at.strftime("%d/%m/%Y"),
                },
                return_url,
            )
    finally:
        if log is not None:
            log.close()


def first_messages(
    store: RecordStore, document_ids: list[str]
) -> dict[tuple[str, str], tuple[str, str]]:
    """Each (copy, address)'s name and its first email's Message-ID, as the store kept them.

    A reminder greets the person by the name the copy was sent to, and threads under
    that first email (``In-Reply-To``, ``References``).
    """
    with store_errors("reading where the copies went"):
        rows = store.deliveries_of(document_ids)
    firsts: dict[tuple[str, str], tuple[str, str]] = {}
    for row in rows:
        key = (row.document_id, address_key(row.recipient))
        if row.reminder == 0 and key not in firsts:
            firsts[key] = (row.name, row.message_id)
    return firsts


def _copy_bytes(store: RecordStore, out: Path, entry: dict[str, Any]) -> bytes:
    """The copy as issued: the store's bytes, or (sent before it kept them) the folder's file."""
    if not entry.get("stored"):
        return issued_bytes(out, entry)
    with store_errors(f"reading the copy {entry['document_id']}"):
        pdf = store.issued_pdf(entry["document_id"])
    if pdf is None:
        raise PipelineError(f"the records store keeps no copy of {entry['document_id']}")
    return pdf


def _send(
    log: DeliveryLog,
    transport: Transport,
    registry: RecordStore,
    entry: dict[str, Any],
    pdf: bytes,
    due: list[Due],
    at: str,
    sender: str,
    templates: Path | None,
    firsts: dict[tuple[str, str], tuple[str, str]],
    variables: dict[str, Any],
    return_url: str | None = None,
) -> Iterator[Delivery]:
    """One copy's reminders, then its audit line (ids and counts, never an address)."""
    outcomes = []
    for reminder in due:
        name, first = firsts.get((entry["document_id"], address_key(reminder.address)), ("", ""))
        delivery = deliver_copy(
            log,
            transport,
            entry.get("row") or 0,
            entry,
            pdf,
            Recipient(name, reminder.address),
            message_id=message_id(entry["document_id"], reminder.address, sender, reminder.number),
            again=reminder.again,
            in_reply_to=first,
            variables={
                **variables,
                "number": reminder.number,
                "return_link": return_link(
                    registry, return_url, entry["document_id"], reminder.address
                ),
            },
            sender=sender,
            templates=templates,
            reminder=reminder.number,
            at=at,
        )
        outcomes.append(delivery)
        yield delivery
    with store_errors("logging the reminder; nothing more was sent"):
        registry.log(
            "remind",
            {
                "document_id": entry["document_id"],
                "reminder": max(d.number for d in due),
                "sent": sum(d.status == "sent" for d in outcomes),
                "failed": sum(d.status == "failed" for d in outcomes),
            },
        )


def _title(form_id: str) -> str:
    """The form's declared title; its id for a form no longer installed."""
    declaration = declaration_of(form_id)
    return declaration.title if declaration else form_id
