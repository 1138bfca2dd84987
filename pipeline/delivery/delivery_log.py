"""``OUT/delivery.jsonl``: every attempt to deliver a copy, before and after, on disk first.

A line ``sending`` is written (and synced) before a message can leave, and a
line ``sent`` or ``failed`` after. So after a crash at any moment the log says
which message may have been in flight: at most one, sent again with its
``Message-ID`` on resume. A delivery is a copy's document id and one recipient
address; the copy belongs to a roster row by that row's content key, as
``manifest.jsonl`` records it (contract 11).

Given the records store, each line is also kept there as it is written (the
folder's log stays the crash journal): the store is where ``remind`` and ``renew``,
from any folder or machine, learn where a copy went (``stored_history``). The
folder's log answers only for copies the store knows no delivery of (sent before
the store kept them).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import asdict, dataclass, fields
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from supforms.pipeline.delivery.generate import MANIFEST
from supforms.pipeline.files import AppendLog
from supforms.pipeline.records.preflight import store_errors
from supforms.pipeline.records.store import DeliveryRow, RecordStore
from supforms.schemas.errors import PipelineError

__all__ = [
    "REPORT",
    "Delivery",
    "DeliveryLog",
    "Earlier",
    "History",
    "address_key",
    "kept_sent",
    "read_earlier",
    "read_history",
    "read_lines",
    "stored_history",
]

REPORT = "delivery.jsonl"


@dataclass(frozen=True)
class Delivery:
    row: int
    document_id: str
    file: str
    recipient: str
    status: str  # sending | sent | failed | dry-run (remind: also unknown | refused)
    detail: str
    at: str
    key: str = ""
    message_id: str = ""
    reminder: int = 0  # 0: the copy sent; n: its n-th reminder (``supforms remind``)


class DeliveryLog:
    """Appends lines to the delivery log, each one whole and on disk before the call returns.

    With a ``store``, each line is then kept in the store too; a store that fails
    stops the caller (a ``StoreError``), as a folder that cannot be written does.
    """

    def __init__(self, out: Path, store: RecordStore | None = None) -> None:
        self.path = out / REPORT
        self._log = AppendLog(self.path)
        self._store = store
        self._kept: set[str] = set()  # copies whose bytes this log gave the store already

    def write(self, delivery: Delivery, name: str = "", pdf: bytes | None = None) -> None:
        """One line; ``name``: the person's, for the store; ``pdf``: the copy's bytes."""
        self._log.write(json.dumps(asdict(delivery), ensure_ascii=False))
        self.keep(delivery, name, pdf)

    def keep(self, delivery: Delivery, name: str = "", pdf: bytes | None = None) -> None:
        """Keep a line in the store only (one the folder's log has, and the store missed)."""
        if self._store is None:
            return
        if pdf is not None and delivery.document_id in self._kept:
            pdf = None
        row = DeliveryRow(
            delivery.document_id,
            delivery.recipient,
            delivery.status,
            _moment(delivery.at),
            delivery.reminder,
            delivery.message_id,
            name,
            delivery.detail,
        )
        with store_errors(f"recording the delivery of {delivery.document_id}"):
            self._store.record_delivery(row, pdf)
        if pdf is not None:
            self._kept.add(delivery.document_id)

    def close(self) -> None:
        self._log.close()

    def __enter__(self) -> DeliveryLog:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()


def _moment(text: str) -> datetime:
    moment = datetime.fromisoformat(text)
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


@dataclass(frozen=True)
class Earlier:
    """What earlier runs into the same folder left: copies by row key, last word per delivery."""

    copies: dict[str, dict[str, Any]]
    outcomes: dict[tuple[str, str], Delivery]


def read_lines(path: Path) -> list[dict[str, Any]]:
    """The JSON lines of ``path``; a last line cut short by a crash is not one of them."""
    if not path.exists():
        return []
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise PipelineError("cannot read", path=str(path)) from exc
    entries = []
    for number, line in enumerate(lines, start=1):
        try:
            entries.append(json.loads(line))
        except json.JSONDecodeError as exc:
            if number == len(lines):
                break
            raise PipelineError(f"line {number} is not JSON: repair it", path=str(path)) from exc
    return entries


def address_key(address: str) -> str:
    return address.lower()


def _deliveries(out: Path) -> list[Delivery]:
    names = {f.name for f in fields(Delivery)}
    return [
        Delivery(**{k: v for k, v in e.items() if k in names}) for e in read_lines(out / REPORT)
    ]


def kept_sent(store: RecordStore, document_ids: list[str]) -> set[tuple[str, str]]:
    """(document id, address key) of each delivery of these copies the store says went."""
    with store_errors("reading where the copies went"):
        rows = store.deliveries_of(document_ids)
    last = {(r.document_id, address_key(r.recipient)): r.status for r in rows if not r.reminder}
    return {pair for pair, status in last.items() if status == "sent"}


def read_earlier(out: Path) -> Earlier:
    """Copies made for row keys (the latest per key) and each delivery's last state.

    Reminders (``supforms remind``) are not deliveries of the copy: they are left out.
    """
    copies = {entry["key"]: entry for entry in read_lines(out / MANIFEST) if entry.get("key")}
    outcomes = {}
    for delivery in _deliveries(out):
        if not delivery.reminder:
            outcomes[(delivery.document_id, address_key(delivery.recipient))] = delivery
    return Earlier(copies, outcomes)


@dataclass(frozen=True)
class History:
    """What a send folder says of each copy: the copy, where it went, what reminded it.

    ``copies``: manifest entries by document id. ``sent``: the addresses each copy
    was delivered to (last state ``sent``), in the order first sent. ``reminders``:
    the last state of each reminder, by (document id, address key, number).
    """

    copies: dict[str, dict[str, Any]]
    sent: dict[str, list[str]]
    reminders: dict[tuple[str, str, int], Delivery]


def _history(copies: dict[str, dict[str, Any]], deliveries: Iterable[Delivery]) -> History:
    last: dict[tuple[str, str], Delivery] = {}
    reminders: dict[tuple[str, str, int], Delivery] = {}
    for delivery in deliveries:
        key = address_key(delivery.recipient)
        if delivery.reminder:
            reminders[(delivery.document_id, key, delivery.reminder)] = delivery
        else:
            last[(delivery.document_id, key)] = delivery
    sent: dict[str, list[str]] = {}
    for (document_id, _), delivery in last.items():
        if delivery.status == "sent":
            sent.setdefault(document_id, []).append(delivery.recipient)
    return History(copies, sent, reminders)


def read_history(out: Path) -> History:
    """What the send folder ``out`` says (its manifest and delivery log)."""
    return _history({e["document_id"]: e for e in read_lines(out / MANIFEST)}, _deliveries(out))


def stored_history(store: RecordStore, document_ids: list[str], folder: Path) -> History:
    """What the store says of these copies; for a copy it knows no delivery of, ``folder``.

    A copy entry taken from the store says ``stored``: its bytes are the store's.
    """
    with store_errors("reading where the copies went"):
        rows = store.deliveries_of(document_ids)
        known = sorted({row.document_id for row in rows if not row.reminder})
        copies = store.issued_copies(known)
    stored = _history(
        {document_id: {**copy, "stored": True} for document_id, copy in copies.items()},
        (
            Delivery(0, row.document_id, "", row.recipient, row.status, row.detail,
                     row.at.isoformat(timespec="seconds"), "", row.message_id, row.reminder)
            for row in rows
            if row.document_id in copies
        ),
    )  # fmt: skip
    local = read_history(folder)
    rest = set(document_ids) - set(copies)
    return History(
        {**{d: c for d, c in local.copies.items() if d in rest}, **stored.copies},
        {**{d: a for d, a in local.sent.items() if d in rest}, **stored.sent},
        {**{k: v for k, v in local.reminders.items() if k[0] in rest}, **stored.reminders},
    )
