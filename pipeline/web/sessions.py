"""Who is signed in: a session in a signed cookie, and the guard on every signed-in page.

The cookie (``supforms_session``) holds the account's name, when the session
ends (8 hours after signing in) and a digest of the account's password hash, all
signed with an HMAC under the store's secret (``web_secret``): every worker and
host serving the store can check it, nobody without the secret can make one,
and nothing is kept on the server. Each request looks the account up again, so
a removed account, or one added again with a new password, ends its sessions at
once. The cookie is HttpOnly, SameSite=Lax (a link from an email still opens the
dashboard; no other site can post with it) and Secure when the request came over
https (behind a TLS proxy: ``serve --proxy``).

``signed_in(kind)`` wraps an endpoint: with no valid session a page answers 303
to ``/sign-in?next=...``, the API 401 JSON.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import json
import time
from collections.abc import Awaitable, Callable
from urllib.parse import quote

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from supforms.pipeline.records.web_store import WebUser

__all__ = [
    "COOKIE",
    "LIFETIME",
    "end_session",
    "session_user",
    "signed_in",
    "site_secret",
    "start_session",
    "teams_of",
]

COOKIE = "supforms_session"
LIFETIME = 8 * 3600
"""Seconds a session lasts from signing in: a working day."""

Page = Callable[[Request], Response]
Endpoint = Callable[[Request], Awaitable[Response]]


def site_secret(request: Request) -> bytes:
    secret = getattr(request.app.state, "web_secret", None)
    if secret is None:
        secret = request.app.state.web_secret = request.app.state.store.web_secret()
    return bytes(secret)


def _sign(secret: bytes, body: bytes) -> str:
    return hmac.new(secret, b"session:" + body, hashlib.sha256).hexdigest()


def _fingerprint(user: WebUser) -> str:
    return hashlib.sha256(user.password_hash.encode()).hexdigest()[:16]


def start_session(request: Request, response: Response, user: WebUser) -> Response:
    """Sign ``user`` in on ``response`` (a redirect, usually); returns it."""
    payload = {"n": user.name, "x": int(time.time()) + LIFETIME, "p": _fingerprint(user)}
    body = base64.urlsafe_b64encode(json.dumps(payload, ensure_ascii=False).encode())
    value = f"{body.decode()}.{_sign(site_secret(request), body)}"
    response.set_cookie(
        COOKIE, value, max_age=LIFETIME, path="/", httponly=True, samesite="lax",
        secure=request.url.scheme == "https",
    )  # fmt: skip
    return response


def end_session(request: Request, response: Response) -> Response:
    response.delete_cookie(
        COOKIE, path="/", httponly=True, samesite="lax", secure=request.url.scheme == "https"
    )
    return response


def session_user(request: Request) -> WebUser | None:
    """The signed-in account, or None (no cookie, a forged or expired one, a removed account)."""
    value = request.cookies.get(COOKIE, "")
    body, _, signature = value.encode().partition(b".")
    if not body or not hmac.compare_digest(_sign(site_secret(request), body), signature.decode()):
        return None
    try:
        payload = json.loads(base64.urlsafe_b64decode(body))
        name, until, fingerprint = str(payload["n"]), int(payload["x"]), str(payload["p"])
    except (ValueError, KeyError, TypeError):
        return None
    if until < time.time():
        return None
    user = request.app.state.store.web_user(name)
    if user is None or not hmac.compare_digest(_fingerprint(user), fingerprint):
        return None
    return user


def signed_in(kind: str = "page") -> Callable[[Page], Endpoint]:
    """Only for the signed-in: ``request.state.user`` is the account inside ``page``.

    ``page`` is plain (it reads the store, which blocks): it runs in a worker thread.
    """

    def wrap(endpoint: Page) -> Endpoint:
        @functools.wraps(endpoint)
        async def guarded(request: Request) -> Response:
            user = await run_in_threadpool(session_user, request)
            if user is None:
                if kind == "api":
                    return JSONResponse({"error": "sign in first"}, status_code=401)
                here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
                return RedirectResponse(f"/sign-in?next={quote(here, safe='')}", status_code=303)
            request.state.user = user
            return await run_in_threadpool(endpoint, request)

        return guarded

    return wrap


def teams_of(user: WebUser) -> list[str] | None:
    """The teams whose records ``user`` may read; None: every team (officer, auditor)."""
    return list(user.teams) if user.role == "manager" else None
