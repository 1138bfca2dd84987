"""Store URLs: parsed once, refused if they carry a password, and never shown with one.

contract 8: a password never appears in a URL on the command line
(where ``ps`` shows it to everyone on the machine) and is never printed. libpq
finds it without the URL's help: ``PGPASSWORD``, ``PGPASSFILE`` or ``~/.pgpass``,
or a service file (``PGSERVICE``, ``?service=NAME``).
"""

from __future__ import annotations

import sqlalchemy as sa
from supforms.schemas.errors import StoreError

__all__ = ["PASSWORD_HINT", "check_store_url"]

PASSWORD_HINT = (
    "a store URL must not hold a password (it would show in `ps` and in messages): "
    "leave it out (postgresql://USER@HOST/DB) and give the password in PGPASSWORD, "
    "in ~/.pgpass (or the file PGPASSFILE names) or in a service file (PGSERVICE)"
)


def check_store_url(url: str) -> sa.URL:
    """The parsed URL; ``StoreError`` if it is not one or holds a password.

    The messages never repeat ``url``: text that does not parse may still hold a
    password.
    """
    try:
        parsed = sa.make_url(url)
    except (sa.exc.ArgumentError, ValueError):  # ValueError: a port that is no number
        raise StoreError(
            "not a store URL (use sqlite:///FILE or postgresql://USER@HOST/DB)"
        ) from None
    if parsed.password is not None or any("password" in key.lower() for key in parsed.query):
        raise StoreError(PASSWORD_HINT)
    if parsed.get_backend_name() not in _KINDS:
        raise StoreError(
            f"a {parsed.get_backend_name()} store is not supported: "
            "use sqlite:///FILE or postgresql://USER@HOST/DB"
        )
    return parsed


_KINDS = ("sqlite", "postgresql")
