"""``OUT/delivery.jsonl``: every attempt to deliver a copy, before and after, on disk first.

A line ``sending`` is written (and synced) before a message can leave, and a
line ``sent`` or ``failed`` after. So after a crash at any moment the log says
which message may have been in flight: at most one, sent again with its
``Message-ID`` on resume. A delivery is a copy's document id and one recipient
address; the copy belongs to a roster row by that row's content key, as
``manifest.jsonl`` records it (contract 11).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any

from supforms.pipeline.delivery.generate import MANIFEST
from supforms.pipeline.files import AppendLog
from supforms.schemas.errors import PipelineError

__all__ = [
    "REPORT",
    "Delivery",
    "DeliveryLog",
    "Earlier",
    "History",
    "address_key",
    "read_earlier",
    "read_history",
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
    """Appends lines to the delivery log, each one whole and on disk before the call returns."""

    def __init__(self, out: Path) -> None:
        self.path = out / REPORT
        self._log = AppendLog(self.path)

    def write(self, delivery: Delivery) -> None:
        self._log.write(json.dumps(asdict(delivery), ensure_ascii=False))

    def close(self) -> None:
        self._log.close()

    def __enter__(self) -> DeliveryLog:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()


@dataclass(frozen=True)
class Earlier:
    """What earlier runs into the same folder left: copies by row key, last word per delivery."""

    copies: dict[str, dict[str, Any]]
    outcomes: dict[tuple[str, str], Delivery]


def _lines(path: Path) -> list[dict[str, Any]]:
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
    return [Delivery(**{k: v for k, v in e.items() if k in names}) for e in _lines(out / REPORT)]


def read_earlier(out: Path) -> Earlier:
    """Copies made for row keys (the latest per key) and each delivery's last state.

    Reminders (``supforms remind``) are not deliveries of the copy: they are left out.
    """
    copies = {entry["key"]: entry for entry in _lines(out / MANIFEST) if entry.get("key")}
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


def read_history(out: Path) -> History:
    copies = {entry["document_id"]: entry for entry in _lines(out / MANIFEST)}
    last: dict[tuple[str, str], Delivery] = {}
    reminders: dict[tuple[str, str, int], Delivery] = {}
    for delivery in _deliveries(out):
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
