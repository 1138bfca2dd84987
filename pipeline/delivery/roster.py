"""A roster row as a delivery sees it: who it goes to, read strictly, and what identifies it.

Addresses are read with the standard library's RFC 5322 parser
(``email.headerregistry``): anything it reports as a defect, and any control
character anywhere in a row (a CR or LF would start a new header: ``Bcc:``), is
refused before anything is generated. A row is identified by its content, not
its position: the hash of its form, recipients, ``_recipient`` and prefill
values, so an edited, reordered or shortened roster never gives one row
another row's copy (contract 11).
"""

from __future__ import annotations

import hashlib
import json
import unicodedata
from dataclasses import dataclass
from email import errors, policy
from email.headerregistry import Address

from supforms.pipeline.delivery.data import Record
from supforms.schemas.errors import Problem

__all__ = [
    "Recipient",
    "control_characters",
    "meta_problems",
    "parse_addresses",
    "recipients_of",
    "roster_problems",
    "row_key",
]


@dataclass(frozen=True)
class Recipient:
    name: str
    address: str


def control_characters(text: str, allowed: str = "") -> str:
    """The control characters in ``text`` (CR, LF, NUL, ESC, …), shown as escapes; '' if none."""
    found = sorted({ch for ch in text if unicodedata.category(ch) == "Cc" and ch not in allowed})
    return "".join(ch.encode("unicode_escape").decode("ascii") for ch in found)


def parse_addresses(value: str) -> tuple[list[Recipient], list[str]]:
    """The mailboxes of an address list, and what is wrong with it (empty if nothing).

    Strict: a control character, any defect the parser reports (a missing comma,
    an unquoted comma in a name, a group), or an address without a dotted domain
    is a problem. Obsolete but harmless syntax ("Dr. Zoë <…>") is accepted.
    """
    bad = control_characters(value)
    if bad:
        return [], [f"contains control characters ({bad}): one line per address list, please"]
    header = policy.default.header_factory("To", value)
    problems = [
        str(defect) or type(defect).__name__
        for defect in header.defects
        if not isinstance(defect, errors.ObsoleteHeaderDefect)
    ]
    if any(group.display_name is not None for group in header.groups):
        problems.append("a group ('Name: …;') is not a recipient")
    recipients = []
    for mailbox in header.addresses:
        if not mailbox.username or "." not in mailbox.domain.strip("."):
            problems.append(f"{mailbox.addr_spec!r} is not an email address")
            continue
        recipients.append(Recipient(mailbox.display_name, mailbox.addr_spec))
    return recipients, problems


def recipients_of(record: Record) -> list[Recipient]:
    """A roster row's ``_to`` recipients (check the roster with ``roster_problems`` first)."""
    return parse_addresses(record.meta.get("to", ""))[0]


def meta_problems(records: list[Record]) -> list[Problem]:
    """Control characters in a row's delivery keys (``_recipient``, ``_to``, …)."""
    problems = []
    for record in records:
        for key, value in record.meta.items():
            bad = control_characters(value)
            if bad:
                problems.append(
                    Problem(
                        f"row {record.row}: _{key}",
                        "control_character",
                        f"contains control characters ({bad})",
                    )
                )
    return problems


def roster_problems(records: list[Record]) -> list[Problem]:
    """Everything that stops a roster being sent: bad ``_to``, control characters, repeats."""
    problems = [p for p in meta_problems(records) if not p.field.endswith(": _to")]
    seen: dict[str, int] = {}
    for record in records:
        field = f"row {record.row}: _to"
        recipients, wrong = parse_addresses(record.meta.get("to", ""))
        problems += [Problem(field, "bad_address", message) for message in wrong]
        if not recipients and not wrong:
            problems.append(
                Problem(field, "missing", "no recipient: give _to, e.g. Zoë <zoe@example.org>")
            )
        key = row_key("", record)
        if key in seen:
            problems.append(
                Problem(
                    f"row {record.row}",
                    "repeated_row",
                    f"repeats row {seen[key]} (same recipients and values): keep one",
                )
            )
        seen.setdefault(key, record.row)
    return problems


def _address_list(value: str) -> list[list[str]]:
    if control_characters(value):
        return [[value]]
    header = policy.default.header_factory("To", value)
    return [[a.display_name, _normal(a)] for a in header.addresses]


def _normal(address: Address) -> str:
    # The domain is case-insensitive; the local part, strictly, is not.
    return f"{address.username}@{address.domain.lower()}"


def row_key(form_id: str, record: Record) -> str:
    """The identity of a row's content: SHA-256 of its canonical JSON.

    The same form, recipients, ``_recipient`` and prefill values give the same
    key wherever the row sits; change any of them and the key changes.
    """
    content = {
        "form": form_id,
        "to": _address_list(record.meta.get("to", "")),
        "recipient": record.meta.get("recipient", ""),
        "values": record.values,
    }
    canonical = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()
