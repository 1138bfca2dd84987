"""Signing in and out: a GOV.UK form, a CSRF token, a limit on attempts, one generic error.

A wrong name and a wrong password get the same answer ("Enter a correct name and
password"), in about the same time (``accounts.check_password`` checks a hash
either way). Failed attempts are counted per name and per client address (the
proxy's X-Forwarded-For behind ``serve --proxy``) over 15 minutes: past
``PER_NAME`` or ``PER_ADDRESS`` the answer is 429 and the password is not even
checked. The counts are per process: with ``--workers 4`` a guesser gets up to
four times the attempts, which stays far below what guessing needs.

Signing out is a POST with the form's token, so no other site can sign anyone out.
"""

from __future__ import annotations

import time
from collections import deque

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route
from supforms.pipeline.web.accounts import check_password
from supforms.pipeline.web.csrf import FIELD, csrf_token, csrf_valid, keep_csrf_cookie
from supforms.pipeline.web.pages import page
from supforms.pipeline.web.sessions import end_session, session_user, site_secret, start_session

__all__ = ["PER_ADDRESS", "PER_NAME", "Attempts", "forbidden", "routes", "signed_page"]

WINDOW = 15 * 60
PER_NAME = 5
PER_ADDRESS = 20
ERROR = "Enter a correct name and password"


class Attempts:
    """Failed sign-ins per key (a name, an address) within the last ``WINDOW`` seconds."""

    def __init__(self) -> None:
        self._failures: dict[str, deque[float]] = {}

    def _recent(self, key: str, now: float) -> deque[float]:
        found = self._failures.get(key)
        if found is None:
            return deque()
        while found and found[0] <= now - WINDOW:
            found.popleft()
        if not found:
            del self._failures[key]
        return found

    def blocked(self, name: str, address: str) -> bool:
        now = time.monotonic()
        return (
            len(self._recent(f"name:{name.casefold()}", now)) >= PER_NAME
            or len(self._recent(f"address:{address}", now)) >= PER_ADDRESS
        )

    def failed(self, name: str, address: str) -> None:
        now = time.monotonic()
        if len(self._failures) > 100_000:  # a flood of names: forget the stale ones
            for key in list(self._failures):
                self._recent(key, now)
        for key in (f"name:{name.casefold()}", f"address:{address}"):
            self._failures.setdefault(key, deque()).append(now)

    def succeeded(self, name: str) -> None:
        self._failures.pop(f"name:{name.casefold()}", None)


def _attempts(request: Request) -> Attempts:
    state = request.app.state
    if getattr(state, "attempts", None) is None:
        state.attempts = Attempts()
    return state.attempts  # type: ignore[no-any-return]


def signed_page(request: Request, template: str, status: int = 200, **context: object) -> Response:
    """A page for the signed-in: their name, and the sign-out form with its token."""
    token = csrf_token(request, site_secret(request))
    user = getattr(request.state, "user", None)
    response = page(request, template, status=status, user=user, csrf=token, **context)
    return keep_csrf_cookie(request, response)


def forbidden(request: Request, reason: str) -> Response:
    """The 403 page: what cannot be done, and nothing about what is there."""
    return signed_page(request, "forbidden.html.j2", status=403, reason=reason)


def _next(value: str | None) -> str:
    """Where to go after signing in: a path on this site, never another site."""
    if not value or not value.startswith("/") or value.startswith(("//", "/\\")):
        return "/"
    return value


def _form(request: Request, *, error: bool = False, name: str = "", status: int = 200) -> Response:
    token = csrf_token(request, site_secret(request))
    response = page(
        request, "sign_in.html.j2", status=status, csrf=token, error=ERROR if error else None,
        entered=name, next=_next(request.query_params.get("next")),
    )  # fmt: skip
    return keep_csrf_cookie(request, response)


async def sign_in_page(request: Request) -> Response:
    if await run_in_threadpool(session_user, request) is not None:
        return RedirectResponse(_next(request.query_params.get("next")), status_code=303)
    return await run_in_threadpool(_form, request)


async def sign_in(request: Request) -> Response:
    form = await request.form()
    if not csrf_valid(request, site_secret(request), str(form.get(FIELD) or "")):
        return forbidden(request, "csrf")
    name, password = str(form.get("name") or ""), str(form.get("password") or "")
    address = request.client.host if request.client else "unknown"
    attempts = _attempts(request)
    if attempts.blocked(name, address):
        response = page(request, "too_many.html.j2", status=429)
        response.headers["retry-after"] = str(WINDOW)
        return response
    user = await run_in_threadpool(check_password, request.app.state.store, name, password)
    if user is None:
        attempts.failed(name, address)
        return _form(request, error=True, name=name)
    attempts.succeeded(name)
    target = _next(str(form.get("next") or ""))
    return start_session(request, RedirectResponse(target, status_code=303), user)


async def sign_out(request: Request) -> Response:
    form = await request.form()
    if not csrf_valid(request, site_secret(request), str(form.get(FIELD) or "")):
        return forbidden(request, "csrf")
    return end_session(request, RedirectResponse("/sign-in", status_code=303))


def routes() -> list[BaseRoute]:
    return [
        Route("/sign-in", sign_in_page, methods=["GET"]),
        Route("/sign-in", sign_in, methods=["POST"]),
        Route("/sign-out", sign_out, methods=["POST"]),
    ]
