"""The return page, /r/TOKEN: the one page anyone may open without signing in.

GET shows what the link's copy is (form, version, document number, the name it
was sent to: nothing else from the store) and a file upload form. POST takes
one file (multipart field ``file``) and answers at once with the verdict
``supforms ingest`` would give it, in the form's own words (``uploads``).

Refusals, each a page and never a traceback: an unknown or expired token is the
plain 404 (the same as any missing page: it says nothing of links); a body over
``MAX_BYTES`` is 413 (refused on its ``Content-Length`` before it is read, or as
soon as it grows past it); a POST without this browser's CSRF token is 403; more
than ``RATE`` uploads through one link in one process is 429.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import anyio
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException
from starlette.formparsers import MultiPartException, MultiPartParser
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route
from supforms.pipeline.records.return_links import ReturnLink
from supforms.pipeline.web.csrf import FIELD, csrf_token, csrf_valid, keep_csrf_cookie
from supforms.pipeline.web.pages import page
from supforms.pipeline.web.uploads import (
    CONCURRENT,
    MAX_BYTES,
    RATE,
    RateLimit,
    TooLargeError,
    Verdict,
    limited,
    take_return,
    too_large,
)
from supforms.schemas.registry import declaration_of

__all__ = ["RETURNS_FOLDER", "routes"]

RETURNS_FOLDER = "SUPFORMS_RETURNS"
"""The environment variable naming the returns folder (``supforms serve --returns``)."""

_DRAIN = 4 * MAX_BYTES  # a body this much too large is read and dropped, so the page arrives
_rate = RateLimit()
_limiter: anyio.CapacityLimiter | None = None


def _judging() -> anyio.CapacityLimiter:
    global _limiter
    if _limiter is None:  # made in the event loop that uses it
        _limiter = anyio.CapacityLimiter(CONCURRENT)
    return _limiter


async def _link(request: Request) -> ReturnLink:
    token = str(request.path_params["token"])
    store = request.app.state.store
    link = await anyio.to_thread.run_sync(store.return_link, token)
    if link is None:
        raise HTTPException(404)
    return link


def _about(link: ReturnLink) -> dict[str, Any]:
    declaration = declaration_of(link.form or "")
    return {
        "title": declaration.title if declaration else link.form,
        "version": link.version,
        "document_id": link.document_id,
        "person": link.name,
    }


async def _form_page(
    request: Request, link: ReturnLink, status: int = 200, **context: Any
) -> Response:
    secret = await anyio.to_thread.run_sync(request.app.state.store.web_secret)
    context = {**_about(link), "csrf": csrf_token(request, secret), "field": FIELD, **context}
    response = page(request, "return_page.html.j2", status=status, **context)
    return keep_csrf_cookie(request, response)


async def return_page(request: Request) -> Response:
    """GET: the page and its form; POST: one upload, and its verdict."""
    if request.method == "POST":
        return await upload(request)
    link = await _link(request)
    return await _form_page(request, link, path=request.url.path)


def _refusal(request: Request, status: int, heading: str, *lines: str) -> Response:
    response = page(
        request, "return_refused.html.j2", status=status, heading=heading, lines=lines,
        back=request.url.path,
    )  # fmt: skip
    if status == 429:
        response.headers["retry-after"] = str(int(RATE[1]))
    return response


async def _drain(request: Request) -> None:
    """Read what a browser still sends of a refused body, so it is shown the page."""
    try:
        async for _ in limited(request.stream(), _DRAIN):
            pass
    except (TooLargeError, OSError, RuntimeError):
        pass


def _too_large_page(request: Request) -> Response:
    return _refusal(
        request, 413, "The file is too large",
        f"The file must be smaller than {MAX_BYTES // 2**20} MB.",
        "A filled-in form is usually well under 1 MB: upload the PDF we sent you, "
        "not a scan or photo of every page at full size.",
    )  # fmt: skip


async def upload(request: Request) -> Response:
    link = await _link(request)
    if not _rate.allow(link.token_hash):
        return _refusal(
            request, 429, "Too many uploads",
            f"This link has taken {RATE[0]} uploads in the last {int(RATE[1] // 60)} minutes.",
            "Wait a few minutes, then try again.",
        )  # fmt: skip
    if too_large(request.headers.get("content-length")):
        await _drain(request)
        return _too_large_page(request)
    try:
        form = await MultiPartParser(
            request.headers, limited(request.stream()), max_files=1, max_fields=4
        ).parse()
    except TooLargeError:
        return _too_large_page(request)
    except (MultiPartException, KeyError, ValueError):
        return _refusal(request, 400, "The upload could not be read", "Try again.")
    try:
        return await _judge(request, link, form.get(FIELD), form.get("file"))
    finally:
        await form.close()


async def _judge(request: Request, link: ReturnLink, token: Any, file: Any) -> Response:
    secret = await anyio.to_thread.run_sync(request.app.state.store.web_secret)
    if not csrf_valid(request, secret, token if isinstance(token, str) else None):
        return _refusal(
            request, 403, "This page has expired",
            "Open the link from your email again, then upload the file.",
        )  # fmt: skip
    if not isinstance(file, UploadFile) or not file.filename:
        return await _form_page(
            request, link, 400, path=request.url.path, errors=["Select the filled-in PDF"]
        )
    data = await file.read()
    if len(data) > MAX_BYTES:
        return _too_large_page(request)
    root = Path(os.environ.get(RETURNS_FOLDER) or "output/returns")
    store = request.app.state.store
    verdict = await anyio.to_thread.run_sync(
        take_return, store, root, link, file.filename, data, limiter=_judging()
    )
    return await _answer(request, link, verdict)


async def _answer(request: Request, link: ReturnLink, verdict: Verdict) -> Response:
    if verdict.kind in ("received", "again"):
        return page(
            request, "return_received.html.j2", verdict=verdict, back=request.url.path,
            **_about(link),
        )  # fmt: skip
    status = {"fix": 200, "rejected": 422, "other_copy": 409}[verdict.kind]
    return await _form_page(
        request, link, status, path=request.url.path, errors=list(verdict.lines),
        verdict=verdict,
    )  # fmt: skip


def routes() -> list[BaseRoute]:
    """GET and POST /r/TOKEN."""
    return [Route("/r/{token}", return_page, methods=["GET", "POST"])]
