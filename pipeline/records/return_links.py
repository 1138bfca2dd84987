"""Personal return links: a copy's upload page (``supforms serve``: /r/TOKEN), one per person.

A link is made when a copy (or a reminder of it) is emailed with a base address
(``--return-url``). Its token is ``secrets.token_urlsafe(32)``, unguessable; the
store keeps only the token's SHA-256, bound to the copy's document id and the one
recipient it was sent to, and an expiry. A reminder makes a fresh link for the
same copy and person; the earlier one stays good until it expires. Looking a
token up is one indexed read by its hash: an unknown, expired or forgotten link
is simply not found.
"""

from __future__ import annotations

import hashlib
import secrets
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from supforms.pipeline.records.tables import deliveries, issued, return_links

__all__ = ["LINK_DAYS", "ReturnLink", "StoreReturnLinks", "token_hash"]

LINK_DAYS = 90
"""How long a return link works: long enough for a late return and a reminder or two."""


def token_hash(token: str) -> str:
    """The only form in which the store holds a token."""
    return hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()


@dataclass(frozen=True)
class ReturnLink:
    """What a valid link is for: the copy, its form, and the one person it was sent to."""

    token_hash: str
    document_id: str
    recipient: str
    name: str  # as the copy was addressed to them ("" if not known)
    form: str | None  # None: the copy is no longer in the registry (purged)
    version: str | None
    expires_at: datetime


class StoreReturnLinks:
    """The part of ``RecordStore`` that makes and finds return links."""

    if TYPE_CHECKING:

        def _begin(self, doing: str = ...) -> AbstractContextManager[Connection]: ...
        def _reading(self, doing: str) -> AbstractContextManager[Connection]: ...
        def _audit(
            self,
            connection: Connection,
            action: str,
            record_id: int | None,
            detail: dict[str, Any],
        ) -> None: ...

    def issue_return_link(self, document_id: str, recipient: str, *, days: int = LINK_DAYS) -> str:
        """A new token for ``recipient``'s link to ``document_id``; only its hash is kept.

        The audit line names the copy and the expiry, never the token or the address.
        """
        token = secrets.token_urlsafe(32)
        now = datetime.now(UTC)
        expires = now + timedelta(days=days)
        row = {
            "token_hash": token_hash(token),
            "document_id": document_id,
            "recipient": recipient,
            "issued_at": now,
            "expires_at": expires,
        }
        with self._begin("keeping a return link") as connection:
            connection.execute(return_links.insert().values(**row))
            detail = {"document_id": document_id, "expires": expires.isoformat()}
            self._audit(connection, "return-link", None, detail)
        return token

    def return_link(self, token: str, now: datetime | None = None) -> ReturnLink | None:
        """The link ``token`` opens, or None: unknown, expired, or its copy forgotten."""
        if not token or len(token) > 100:
            return None
        now = now or datetime.now(UTC)
        name = (
            sa.select(deliveries.c.name)
            .where(
                deliveries.c.document_id == return_links.c.document_id,
                deliveries.c.recipient == return_links.c.recipient,
                deliveries.c.name.is_not(None),
            )
            .order_by(deliveries.c.id)
            .limit(1)
            .scalar_subquery()
        )
        query = (
            sa.select(return_links, issued.c.form, issued.c.version, name.label("name"))
            .select_from(
                return_links.outerjoin(issued, issued.c.document_id == return_links.c.document_id)
            )
            .where(return_links.c.token_hash == token_hash(token))
        )
        with self._reading("reading a return link") as connection:
            row = connection.execute(query).one_or_none()
        if row is None:
            return None
        expires = row.expires_at if row.expires_at.tzinfo else row.expires_at.replace(tzinfo=UTC)
        if expires <= now or row.form is None:
            return None
        return ReturnLink(
            row.token_hash, row.document_id, row.recipient, row.name or "", row.form,
            row.version, expires,
        )  # fmt: skip
