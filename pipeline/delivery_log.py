"""``OUT/delivery.jsonl``: every attempt to deliver a copy, before and after, on disk first.

A line ``sending`` is written (and synced) before a message can leave, and a
line ``sent`` or ``failed`` after. So after a crash at any moment the log says
which message may have been in flight: at most one, sent again with its
``Message-ID`` on resume. A delivery is a copy's document id and one recipient
address; the copy belongs to a roster row by that row's content key, as
``manifest.jsonl`` records it (DESIGN.md, contract 11).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any

from pipeline.generate import MANIFEST
from pipeline.private import AppendLog
from schemas.errors import PipelineError

__all__ = ["REPORT", "Delivery", "DeliveryLog", "Earlier", "address_key", "read_earlier"]

REPORT = "delivery.jsonl"


@dataclass(frozen=True)
class Delivery:
    row: int
    document_id: str
    file: str
    recipient: str
    status: str  # sending | sent | failed | dry-run
    detail: str
    at: str
    key: str = ""
    message_id: str = ""


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


def read_earlier(out: Path) -> Earlier:
    """Copies made for row keys (the latest per key) and each delivery's last state."""
    copies = {entry["key"]: entry for entry in _lines(out / MANIFEST) if entry.get("key")}
    names = {f.name for f in fields(Delivery)}
    outcomes = {}
    for entry in _lines(out / REPORT):
        delivery = Delivery(**{k: v for k, v in entry.items() if k in names})
        outcomes[(delivery.document_id, address_key(delivery.recipient))] = delivery
    return Earlier(copies, outcomes)
