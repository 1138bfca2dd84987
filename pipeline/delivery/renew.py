"""Renew what is due: a new copy of each contract or agreement due, prefilled from the last one.

For each record ``records due`` lists (``supforms.pipeline.records.export.due_records``), a new
copy of its form is issued, prefilled with what the renewal keeps of it
(``Renewal.carries`` in its form's declaration: the parties, job titles, how often
they meet),
and linked to it in the registry (``issued.renews``). It is sent like ``send``
sends (``supforms.pipeline.delivery.deliver``: registered before any email of it leaves, logged
before and after) to the addresses the renewed record's own copy was delivered
to, as the records store says, whichever folder or machine sent it (a copy sent
before the store kept deliveries: the send folder's delivery log); with no known
address it is reported ``unknown`` and nothing is issued for it. Or it is only generated
(``send=False``). A record that has a renewal already gets nothing new: in
the same output folder a renewal whose emails did not all go is sent again
(resume, by content), never issued again.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import asdict, dataclass
from datetime import date, timedelta
from email.utils import formataddr
from itertools import chain
from pathlib import Path
from typing import Any

from supforms.pipeline.delivery.data import Record
from supforms.pipeline.delivery.deliver import send
from supforms.pipeline.delivery.delivery_log import address_key, read_earlier, stored_history
from supforms.pipeline.delivery.generate import generate
from supforms.pipeline.delivery.notify import Transport
from supforms.pipeline.delivery.remind import first_messages
from supforms.pipeline.delivery.roster import row_key
from supforms.pipeline.records.export import due_records, renewal_values
from supforms.pipeline.records.preflight import store_errors
from supforms.pipeline.records.store import RecordStore

__all__ = ["Renewing", "links", "renew", "renewed_by"]


@dataclass(frozen=True)
class Renewing:
    """What ``renew`` did for one due record (or one email of its renewal)."""

    record_id: int
    form: str
    due: str
    status: str  # issued | sent | failed | renewed-already | unknown | dry-run
    document_id: str = ""
    recipient: str = ""
    detail: str = ""


def renewed_by(store: RecordStore, record_ids: list[int]) -> dict[int, str]:
    """The copy that renews each of ``record_ids`` (a record renewed more than once: the last)."""
    with store_errors("finding renewals"):
        return store.renewals_of(record_ids)


def _record(
    store: RecordStore, row: dict[str, Any], number: int, to: list[str], names: dict[str, str]
) -> Record:
    """The renewal's row: the last record's values, to the people its copy went to, by name."""
    result, _, _ = store.record(int(row["id"]))
    meta = {"renews": str(row["id"]), "recipient": row["supervisee"] or ""}
    if to:
        meta["to"] = ", ".join(formataddr((names.get(address_key(a), ""), a)) for a in to)
    return Record(number, renewal_values(row["form"], result.get("data") or {}), meta)


def renew(
    store: RecordStore,
    out: Path,
    *,
    within: timedelta,
    today: date,
    transport: Transport | None,
    sent_from: Path,
    sender: str,
    dry_run: bool = False,
    **sending: Any,
) -> Iterator[Renewing]:
    """Issue (and, with a ``transport``, send) a renewal for each record due."""
    due = due_records(store, within, today, renewed=True)  # each renewed one: said so
    done = renewed_by(store, [int(row["id"]) for row in due])
    history = (
        stored_history(store, [row["document_id"] for row in due if row["document_id"]], sent_from)
        if transport is not None
        else None
    )
    ids = [row["document_id"] for row in due if row["document_id"]]
    names = {key: name for (_, key), (name, _) in first_messages(store, ids).items() if name}
    earlier = read_earlier(out).copies
    plans: dict[str, list[tuple[Record, dict[str, Any]]]] = {}
    for number, row in enumerate(due, start=1):
        to = (history.sent.get(row["document_id"] or "", []) if history else []) or []
        if history is not None and not to:
            yield Renewing(
                row["id"], row["form"], row["due"], "unknown",
                detail="no delivery of its copy in the records store or in "
                f"{sent_from}/delivery.jsonl: its addresses are unknown, so nothing was issued",
            )  # fmt: skip
            continue
        record = _record(store, row, number, to, names)
        again = row_key(row["form"], record) in earlier  # made here before: resume it
        if row["id"] in done and not (again and transport is not None):
            yield Renewing(
                row["id"], row["form"], row["due"], "renewed-already", done[row["id"]]
            )  # fmt: skip
            continue
        if dry_run:
            yield Renewing(row["id"], row["form"], row["due"], "dry-run", recipient=", ".join(to))
            continue
        plans.setdefault(row["form"], []).append((record, row))
    for form, planned in plans.items():
        records = [record for record, _ in planned]
        rows = {row_key(form, record): row for record, row in planned}
        if transport is None:
            # A copy made here by a run that stopped before registering it is that copy.
            made = [earlier[row_key(form, record)] for record in records
                    if row_key(form, record) in earlier]  # fmt: skip
            if made:
                with store_errors("registering the renewals"):
                    store.register(made)
            fresh = [record for record in records if row_key(form, record) not in earlier]
            # Each new copy is registered as it is written, then reported: a run stopped
            # between two copies has reported every renewal it issued.
            made_now = (asdict(c) for c in generate(form, out, fresh, source="renew", store=store))
            for copy in chain(made, made_now):
                row = rows[copy["key"]]
                yield Renewing(row["id"], form, row["due"], "issued", copy["document_id"])
            continue
        quiet = {key for key, row in rows.items() if row["id"] in done}
        for delivery in send(
            form, records, out, transport, store, sender=sender, source="renew", resume=True,
            **sending,
        ):  # fmt: skip
            quiet.discard(delivery.key)
            row = rows[delivery.key]
            yield Renewing(
                row["id"], form, row["due"], delivery.status, delivery.document_id,
                delivery.recipient, delivery.detail,
            )  # fmt: skip
        for key in quiet:  # renewed and sent before: nothing was left to do
            row = rows[key]
            yield Renewing(row["id"], form, row["due"], "renewed-already", done[row["id"]])


def links(store: RecordStore, record_id: int, document_id: str | None) -> list[str]:
    """How a record stands in the cycle: the record its copy renewed, the copy renewing it."""
    with store_errors("reading the registry"):
        renews, renewals = store.renewal_links(record_id, document_id)
    lines = [f"Renews: record {renews}"] if renews is not None else []
    lines += [
        f"Renewed by: {renewal} (issued {issued_at:%d/%m/%Y})" for renewal, issued_at in renewals
    ]
    return lines
