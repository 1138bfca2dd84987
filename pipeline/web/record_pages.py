"""A record's page (``/records/ID``) and its original PDF (``/records/ID/original``).

The page shows what ``records show`` shows: the verdict and its problems, the
values read, the signatures, and the record's own audit lines; the original is
the archived bytes, as received. A manager may open their teams' records only
(another team's: the 403 page). The ``read`` line is written before anything is
sent (``store.audit_read``: the id, who, and how).
"""

from __future__ import annotations

from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route
from supforms.pipeline.web.sessions import signed_in, teams_of
from supforms.pipeline.web.signin import forbidden, signed_page

__all__ = ["flattened", "routes"]


def flattened(value: Any, prefix: str = "") -> list[tuple[str, str]]:
    """A form's JSON as (dotted field name, value as text) rows, in the form's order."""
    if isinstance(value, dict):
        rows = []
        for key, item in value.items():
            rows += flattened(item, f"{prefix}.{key}" if prefix else str(key))
        return rows
    if isinstance(value, list):
        rows = []
        for index, item in enumerate(value):
            rows += flattened(item, f"{prefix}.{index}")
        return rows or [(prefix, "")]
    if value is None:
        return [(prefix, "")]
    if isinstance(value, bool):
        return [(prefix, "Yes" if value else "No")]
    return [(prefix, str(value))]


def _allowed(request: Request) -> tuple[int, dict[str, Any]] | Response:
    """The record's id and columns, or the answer instead (404, or 403 for another team)."""
    try:
        record_id = int(request.path_params["record_id"])
    except ValueError:
        raise HTTPException(404) from None
    store = request.app.state.store
    facts = store.record_facts(record_id) if 0 < record_id < 2**31 else None
    if facts is None:
        raise HTTPException(404)
    facts["team"] = store.team_of(record_id)  # its own, else its supervisee's
    teams = teams_of(request.state.user)
    if teams is not None and (facts["team"] or "").casefold() not in {t.casefold() for t in teams}:
        return forbidden(request, "This record belongs to a team you do not manage.")
    return record_id, facts


def record_page(request: Request) -> Response:
    allowed = _allowed(request)
    if isinstance(allowed, Response):
        return allowed
    record_id, facts = allowed
    store, user = request.app.state.store, request.state.user
    result, _, sha256 = store.record(record_id)
    lines = store.audit_of(record_id)
    store.audit_read("web record", [record_id], by=user.name, role=user.role)
    return signed_page(
        request, "record.html.j2", record_id=record_id, facts=facts, result=result,
        sha256=sha256, values=flattened(result.get("data") or {}), lines=lines,
    )  # fmt: skip


def original(request: Request) -> Response:
    allowed = _allowed(request)
    if isinstance(allowed, Response):
        return allowed
    record_id, _ = allowed
    store, user = request.app.state.store, request.state.user
    _, pdf, _ = store.record(record_id)
    store.audit_read("web original", [record_id], by=user.name, role=user.role)
    return Response(
        pdf, media_type="application/pdf",
        headers={"content-disposition": f'attachment; filename="record-{record_id}.pdf"'},
    )  # fmt: skip


def routes() -> list[BaseRoute]:
    return [
        Route("/records/{record_id}", signed_in()(record_page)),
        Route("/records/{record_id}/original", signed_in()(original)),
    ]
