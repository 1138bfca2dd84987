"""What the web face asks of the store: its accounts, and one record's facts and audit lines.

``StoreWeb`` is a part of ``RecordStore``. An account (``web_users``) holds a
name, an argon2 hash made by the web face (``supforms.pipeline.web.accounts``:
the store never sees a password and never hashes one), a role and the teams a
manager sees. Adding or removing an account writes its audit line in the same
transaction (``user-add``, ``user-remove``: the name, role and teams, never the
hash). On PostgreSQL only the store's owner may (``records.roles``: the others
read the table, to sign people in, and write nothing to it).
"""

from __future__ import annotations

import json
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from supforms.pipeline.records.tables import audit, records, web_users
from supforms.schemas.errors import SettingError

__all__ = ["ROLES", "StoreWeb", "WebUser"]

ROLES = ("officer", "manager", "auditor")
"""An officer and an auditor read everything; a manager reads their teams' records only."""


@dataclass(frozen=True)
class WebUser:
    """One account of the web face (the hash stays here: nothing shows it)."""

    name: str
    role: str
    teams: tuple[str, ...]
    created_at: datetime
    password_hash: str

    def as_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "role": self.role,
            "teams": list(self.teams),
            "created_at": self.created_at.isoformat(),
        }


def _user(row: Any) -> WebUser:
    at = row.created_at if row.created_at.tzinfo else row.created_at.replace(tzinfo=UTC)
    return WebUser(row.name, row.role, tuple(json.loads(row.teams)), at, row.password_hash)


class StoreWeb:
    """The accounts, and the per-record reads of the record page."""

    if TYPE_CHECKING:

        def _reading(self, doing: str) -> AbstractContextManager[Connection]: ...
        def _lower(self, column: sa.Column[Any]) -> sa.ColumnElement[Any]: ...
        def _begin(self, doing: str = "writing") -> AbstractContextManager[Connection]: ...
        def _audit(
            self, connection: Connection, action: str, record_id: int | None, detail: dict[str, Any]
        ) -> None: ...

    # -- accounts ------------------------------------------------------------
    def add_web_user(self, name: str, password_hash: str, role: str, teams: list[str]) -> WebUser:
        """Keep a new account; a name taken already is a ``SettingError`` (nothing changes)."""
        if role not in ROLES:
            raise SettingError(f"no role {role!r}: choose officer, manager or auditor")
        user = WebUser(name, role, tuple(teams), datetime.now(UTC), password_hash)
        with self._begin("adding an account") as connection:
            taken = connection.execute(
                sa.select(web_users.c.name).where(web_users.c.name == name)
            ).first()
            if taken is not None:
                raise SettingError(f"there is an account {name!r} already: remove it first")
            connection.execute(
                web_users.insert().values(
                    name=name, password_hash=password_hash, role=role,
                    teams=json.dumps(list(teams), ensure_ascii=False), created_at=user.created_at,
                )
            )  # fmt: skip
            self._audit(connection, "user-add", None, {"name": name, "role": role, "teams": teams})
        return user

    def remove_web_user(self, name: str) -> None:
        """Remove an account (its sessions end at their next request); unknown: ``SettingError``."""
        with self._begin("removing an account") as connection:
            gone = connection.execute(web_users.delete().where(web_users.c.name == name))
            if gone.rowcount == 0:
                raise SettingError(f"no account {name!r}")
            self._audit(connection, "user-remove", None, {"name": name})

    def web_users(self) -> list[WebUser]:
        """Every account, by name."""
        with self._reading("reading the accounts") as connection:
            rows = connection.execute(sa.select(web_users).order_by(web_users.c.name))
            return [_user(row) for row in rows]

    def web_user(self, name: str) -> WebUser | None:
        """The account called ``name``, if there is one."""
        with self._reading("reading an account") as connection:
            row = connection.execute(
                sa.select(web_users).where(web_users.c.name == name)
            ).one_or_none()
        return _user(row) if row is not None else None

    # -- one record, for its page ---------------------------------------------
    def record_facts(self, record_id: int) -> dict[str, Any] | None:
        """A record's columns (not its JSON nor its PDF): form, status, people, team, source."""
        columns = [c for c in records.c if c.name not in ("result", "pdf")]
        with self._reading("reading a record") as connection:
            row = connection.execute(
                sa.select(*columns).where(records.c.id == record_id)
            ).one_or_none()
        return dict(row._mapping) if row is not None else None

    def team_of(self, record_id: int) -> str | None:
        """The record's team, else its supervisee's: their newest record naming one.

        As compliance finds a supervisee's team: a session record names none of its own.
        """
        with self._reading("reading a record's team") as connection:
            row = connection.execute(
                sa.select(records.c.team, records.c.supervisee).where(records.c.id == record_id)
            ).one_or_none()
            if row is None or row.team or not row.supervisee:
                return row.team if row is not None else None
            name = " ".join(row.supervisee.split()).lower()
            return connection.execute(
                sa.select(records.c.team)
                .where(
                    self._lower(records.c.supervisee) == name,
                    records.c.team.is_not(None),
                    records.c.status.notin_(["rejected", "duplicate"]),
                )
                .order_by(
                    sa.case((records.c.status == "complete", 0), else_=1),
                    records.c.dated_on.desc(),
                    records.c.id.desc(),
                )
                .limit(1)
            ).scalar_one_or_none()

    def audit_of(self, record_id: int) -> list[dict[str, Any]]:
        """The audit lines naming this record as theirs, oldest first (time, actor, action)."""
        query = (
            sa.select(audit.c.id, audit.c.at, audit.c.actor, audit.c.action)
            .where(audit.c.record_id == record_id)
            .order_by(audit.c.id)
        )
        with self._reading("reading a record's audit lines") as connection:
            return [dict(row._mapping) for row in connection.execute(query)]
