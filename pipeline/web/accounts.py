"""The web face's accounts: argon2 hashes of passwords, made and checked here only.

The store keeps the hash (``RecordStore.add_web_user``) and never a password;
``supforms users`` adds, lists and removes accounts through these functions.
argon2id with argon2-cffi's defaults (RFC 9106's second recommendation); a hash
made with older parameters still verifies.

    add_account(store, "Amira Okafor", "a long pass phrase", "manager", ["East"])
    user = check_password(store, "Amira Okafor", "a long pass phrase")  # or None
"""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from supforms.pipeline.records.store import RecordStore
from supforms.pipeline.records.web_store import ROLES, WebUser
from supforms.schemas.errors import SettingError

__all__ = ["MIN_PASSWORD", "add_account", "check_password", "hash_password"]

MIN_PASSWORD = 12
"""Characters at least: long enough for a pass phrase, not a rule about symbols."""

_hasher = PasswordHasher()
# Checked when the name has no account, so that a wrong name costs what a wrong password does.
_DUMMY = _hasher.hash("no account has this password")


def hash_password(password: str) -> str:
    """The argon2id hash of ``password`` (a new salt each time)."""
    return _hasher.hash(password)


def _name(name: str) -> str:
    cleaned = " ".join(name.split())
    if not cleaned or len(cleaned) > 100 or not cleaned.isprintable():
        raise SettingError(f"not an account name: {name!r} (1 to 100 printable characters)")
    return cleaned


def add_account(
    store: RecordStore, name: str, password: str, role: str, teams: list[str]
) -> WebUser:
    """A new account; a manager needs at least one team, and only a manager has teams.

    Raises:
        SettingError: the name, role, teams or password will not do, or the name is taken.
    """
    name = _name(name)
    if role not in ROLES:
        raise SettingError(f"no role {role!r}: choose officer, manager or auditor")
    teams = list(dict.fromkeys(" ".join(t.split()) for t in teams if t.strip()))
    if role == "manager" and not teams:
        raise SettingError("a manager sees their teams' records only: name at least one --team")
    if role != "manager" and teams:
        raise SettingError(f"an {role} reads every team's records: --team is for managers")
    if len(password) < MIN_PASSWORD:
        raise SettingError(f"the password is too short: at least {MIN_PASSWORD} characters")
    return store.add_web_user(name, hash_password(password), role, teams)


def check_password(store: RecordStore, name: str, password: str) -> WebUser | None:
    """The account, if ``password`` is its password; None otherwise (whichever was wrong)."""
    user = store.web_user(" ".join(name.split())) if name.strip() else None
    try:
        _hasher.verify(user.password_hash if user else _DUMMY, password)
    except (VerificationError, InvalidHashError):
        return None
    return user
