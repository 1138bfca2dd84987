"""Cross-site request forgery: every form carries a token only this site could have made.

The signed double-submit pattern: a random value in an HttpOnly cookie
(``supforms_csrf``, set on the first page that shows a form), and in each form a
token, the HMAC of that value under the store's secret (``web_secret``). A POST
whose token is not the HMAC of its own cookie is refused (403) before anything
else is read. Another site can make a browser send the cookie, but cannot read
it, nor compute the token without the secret.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from starlette.requests import Request
from starlette.responses import Response

__all__ = ["COOKIE", "FIELD", "csrf_token", "csrf_valid", "keep_csrf_cookie"]

COOKIE = "supforms_csrf"
FIELD = "csrf_token"


def _browser_value(request: Request) -> str:
    """The browser's cookie value, or a new one (``keep_csrf_cookie`` sets it)."""
    value = request.cookies.get(COOKIE, "")
    if len(value) != 43:  # token_urlsafe(32)
        value = getattr(request.state, "new_csrf", None) or secrets.token_urlsafe(32)
        request.state.new_csrf = value
    return value


def csrf_token(request: Request, secret: bytes) -> str:
    """The token a form on this page carries (hidden field ``csrf_token``)."""
    value = _browser_value(request)
    return hmac.new(secret, value.encode(), hashlib.sha256).hexdigest()


def csrf_valid(request: Request, secret: bytes, token: str | None) -> bool:
    """Whether ``token`` (from the posted form) is the HMAC of this browser's cookie."""
    value = request.cookies.get(COOKIE, "")
    if not token or len(value) != 43:
        return False
    expected = hmac.new(secret, value.encode(), hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, token)


def keep_csrf_cookie(request: Request, response: Response) -> Response:
    """Set the cookie if this page made a new value for it; returns ``response``."""
    new = getattr(request.state, "new_csrf", None)
    if new:
        response.set_cookie(
            COOKIE, new, httponly=True, samesite="strict", path="/",
            secure=request.url.scheme == "https",
        )  # fmt: skip
    return response
