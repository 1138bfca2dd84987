"""The web application: its routes, its middleware, and one store per process.

``create_app(store)`` is what tests and ``supforms serve`` run; ``app_from_env`` is
the factory uvicorn imports in each worker process (the store from
``SUPFORMS_STORE``, which ``serve`` sets). Each process opens the store once, at
start-up, and closes it when it stops.

No answer ever carries a traceback: an unexpected failure is logged as one line
(the request's method and path, the exception's type and words) and answered
with the plain "Sorry, there is a problem with the service" page, status 500.
"""

from __future__ import annotations

import logging
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Receive, Scope, Send
from supforms.pipeline.records.opening import open_store, store_url
from supforms.pipeline.web import dashboard, returns
from supforms.pipeline.web.pages import STATIC, page
from supforms.pipeline.web.security import SecurityHeaders

__all__ = ["app_from_env", "create_app"]

log = logging.getLogger("supforms.web")


_TOKEN = re.compile(r"^/r/[^/?]+")


def redacted(path: str) -> str:
    """A request path fit for a log: a return link's token is a password, never logged."""
    return _TOKEN.sub("/r/…", path)


class _NoTokens(logging.Filter):
    """Takes return-link tokens out of uvicorn's access log lines (its third argument)."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and len(args) >= 3 and isinstance(args[2], str):
            record.args = (*args[:2], redacted(args[2]), *args[3:])
        return True


logging.getLogger("uvicorn.access").addFilter(_NoTokens())


async def health(request: Request) -> Response:
    """200 while this process has its store: for the proxy's and the orchestrator's checks."""
    return PlainTextResponse("ok")


async def _http_error(request: Request, exc: Exception) -> Response:
    status = exc.status_code if isinstance(exc, HTTPException) else 500
    template = "not_found.html.j2" if status == 404 else "problem.html.j2"
    return page(request, template, status=status, status_code=status)


class OneLineErrors:
    """Outermost: an exception nothing handled becomes one log line and the 500 page."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def watch(message: dict) -> None:  # type: ignore[type-arg]
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, watch)
        except Exception as exc:
            log.error(
                "%s %s failed: %s: %s",
                scope["method"], redacted(scope["path"]), type(exc).__name__, exc,
            )  # fmt: skip
            if not started:
                response = page(Request(scope), "problem.html.j2", status=500, status_code=500)
                await response(scope, receive, send)


def routes() -> list[BaseRoute]:
    """Every route: health and the stylesheet, the return page, the signed-in pages."""
    return [
        Route("/health", health),
        *returns.routes(),
        Mount("/static", StaticFiles(directory=STATIC), name="static"),
        *dashboard.routes(),
    ]


def create_app(store: str | None = None) -> Starlette:
    """The application over the store at ``store`` (default: as every command finds it)."""
    url = store_url(store)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        records = open_store(url)  # a trial server starts on a new, empty store
        app.state.store = records
        try:
            yield
        finally:
            records.close()

    app = Starlette(
        routes=routes(),
        lifespan=lifespan,
        exception_handlers={HTTPException: _http_error},
    )
    app.add_middleware(SecurityHeaders)
    app.add_middleware(OneLineErrors)
    return app


def app_from_env() -> Starlette:
    """For uvicorn's ``--factory`` in each worker: the store from ``SUPFORMS_STORE``."""
    return create_app()
