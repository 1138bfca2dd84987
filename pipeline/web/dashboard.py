"""The dashboard and ``/api/compliance``: ``records compliance``, for those who sign in.

Both call ``records.compliance.compliance``, the function behind ``supforms
records compliance``, so the figures are the same; the API answers the very lines
``records compliance --json`` prints (``Compliance.as_json_lines``). A manager's
are filtered to their teams (``teams=``), and so are the outstanding returns
(copies issued for their supervisees) and the renewals due (records of their
teams). Each answer's ``read`` lines are written before it is sent: compliance's
own (with who asked), and one for the renewals and copies listed.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route
from supforms.pipeline.records.compliance import Compliance, compliance
from supforms.pipeline.records.export import due_records
from supforms.pipeline.records.store import RecordStore
from supforms.pipeline.records.trends import sessions_by_month
from supforms.pipeline.records.web_store import WebUser
from supforms.pipeline.text import json_line
from supforms.pipeline.web import record_pages, signin
from supforms.pipeline.web.charts import columns, horizontal_bars
from supforms.pipeline.web.sessions import signed_in, teams_of
from supforms.pipeline.web.signin import signed_page
from supforms.schemas.dates import DateProblemError, parse_date

__all__ = ["AGES", "DUE_WITHIN", "routes"]

DUE_WITHIN = timedelta(days=60)
AGES = ((14, "Under 2 weeks"), (28, "2 to 4 weeks"), (56, "4 to 8 weeks"), (None, "Over 8 weeks"))


def _key(name: str | None) -> str:
    return " ".join((name or "").split()).casefold()


def _on(request: Request) -> date | None:
    """The day asked about (``?on=``), None for today; a bad date raises ``DateProblemError``."""
    text = request.query_params.get("on", "").strip()
    return parse_date(text) if text else None


def _report(request: Request, how: str) -> Compliance:
    user: WebUser = request.state.user
    params = request.query_params
    return compliance(
        request.app.state.store, _on(request), team=params.get("team") or None,
        supervisor=params.get("supervisor") or None, teams=teams_of(user),
        audited={"how": how, "by": user.name, "role": user.role},
    )  # fmt: skip


def api_compliance(request: Request) -> Response:
    """The lines of ``records compliance --json``, as NDJSON."""
    try:
        report = _report(request, "web /api/compliance")
    except DateProblemError as exc:
        return JSONResponse({"error": f"on: {exc.message}"}, status_code=400)
    body = "".join(json_line(line) + "\n" for line in report.as_json_lines())
    return Response(body, media_type="application/x-ndjson")


def _ages(copies: list[dict[str, Any]], now: datetime) -> list[tuple[str, int]]:
    counts = dict.fromkeys((label for _, label in AGES), 0)
    for copy in copies:
        days = (now - datetime.fromisoformat(copy["issued_at"])).days
        label = next(label for limit, label in AGES if limit is None or days < limit)
        counts[label] += 1
    return list(counts.items())


def _followed_up(store: RecordStore, user: WebUser, report: Compliance) -> dict[str, Any]:
    """Outstanding copies and renewals due, as this user may see them; their read line."""
    teams = teams_of(user)
    copies = store.outstanding()
    due = due_records(store, DUE_WITHIN, date.today())
    if teams is not None:
        people = {" ".join(r.supervisee.split()).casefold() for r in report.rows}
        copies = [
            c for c in copies if " ".join((c["recipient"] or "").split()).casefold() in people
        ]
        wanted = {t.casefold() for t in teams}
        due = [row for row in due if (row["team"] or "").casefold() in wanted]
    store.audit_read(
        "web dashboard", [int(row["id"]) for row in due], by=user.name, role=user.role,
        copies=[c["document_id"] for c in copies],
    )  # fmt: skip
    return {"copies": copies, "due": due}


def _charts(store: RecordStore, report: Compliance, copies: list[dict[str, Any]]) -> dict[str, Any]:
    teams = [
        (line["team"] or "No team", float(line["percent_on_track"]), f"{line['percent_on_track']}%")
        for line in report.teams
    ]
    months = sessions_by_month(store, report.on, [r.supervisee for r in report.rows])
    agreed = round(sum(r.sessions_per_year or 0 for r in report.rows) / 12, 1)
    ages = _ages(copies, datetime.now(UTC))
    return {
        "team_chart": horizontal_bars(teams, 100),
        "months": [(f"{first:%b %Y}", count) for first, count in months],
        "month_chart": columns([(f"{first:%b}", count) for first, count in months], agreed),
        "agreed_per_month": agreed,
        "ages": ages,
        "age_chart": horizontal_bars(
            [(label, count, str(count)) for label, count in ages],
            max([count for _, count in ages] + [1]),
            kinds=["main", "main", "warning", "warning"],
        ),
    }


def dashboard(request: Request) -> Response:
    try:
        report = _report(request, "web dashboard")
    except DateProblemError as exc:
        return signed_page(request, "dashboard.html.j2", status=400, date_error=exc.message)
    store = request.app.state.store
    followed = _followed_up(store, request.state.user, report)
    on_track = sum(1 for r in report.rows if r.status == "on track")
    return signed_page(
        request, "dashboard.html.j2", report=report, on_track=on_track,
        overdue=sum(1 for r in report.rows if r.status == "overdue"),
        percent=round(100 * on_track / len(report.rows), 1) if report.rows else None,
        **followed, **_charts(store, report, followed["copies"]),
    )  # fmt: skip


def routes() -> list[BaseRoute]:
    """Signing in and out, the dashboard, the API and the record pages."""
    return [
        *signin.routes(),
        Route("/", signed_in()(dashboard)),
        Route("/api/compliance", signed_in("api")(api_compliance)),
        *record_pages.routes(),
    ]
