"""``supforms records compliance``: whether each supervisee's supervision happens as agreed."""

from __future__ import annotations

import csv
import io
from datetime import date
from typing import Any

import click
from supforms.pipeline.cli.common import json_line, printable, store_option
from supforms.pipeline.cli.records import open_records

__all__ = ["compliance_command"]

COLUMNS = (
    "supervisee", "supervisor", "team", "sessions_per_year", "weeks_between", "agreed_on",
    "sessions_held", "informal_sessions", "last_session", "next_due", "status", "days_overdue",
    "contract_signed_on", "late_write_ups", "overdue_actions", "awaiting",
)  # fmt: skip


class Day(click.ParamType):  # type: ignore[type-arg]
    """A date as every date in supforms is typed (31/12/2019, 2019-12-31, 31 Dec 2019)."""

    name = "date"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        from supforms.schemas.dates import DateProblemError, parse_date

        if isinstance(value, date):
            return value
        try:
            return parse_date(str(value))
        except DateProblemError as exc:
            self.fail(exc.message, param, ctx)


def _shown(value: Any) -> str:
    if value is None:
        return "-"
    return f"{value:%d/%m/%Y}" if isinstance(value, date) else printable(str(value))


@click.command("compliance")
@click.option("--on", "on", type=Day(), help="As of this date (default: today).")
@click.option("--team", help="Only supervisees of this team.")
@click.option("--supervisor", help="Only supervisees of this supervisor.")
@click.option(
    "--late-after", type=click.IntRange(min=0), default=14, show_default=True,
    help="Days from a session to both signatures after which its record is late.",
)  # fmt: skip
@click.option("--json", "as_json", is_flag=True, help="One JSON object per row and summary.")
@click.option("--csv", "as_csv", is_flag=True, help="The supervisee rows as CSV.")
@store_option
@click.pass_context
def compliance_command(
    ctx: click.Context, on: date | None, team: str | None, supervisor: str | None,
    late_after: int, as_json: bool, as_csv: bool, store: str | None,
) -> None:  # fmt: skip
    """One row per supervisee: agreed frequency, sessions held, next due, status.

    \b
    Computed from each supervisee's newest complete agreement, their complete
    session records (formal ones count; informal ones are listed) and their
    contract, as of --on. Audited: who read which records.

    \b
    Examples:
      supforms records compliance
      supforms records compliance --on 31/03/2026 --team East --json
      supforms records compliance --supervisor "Ахмед Иванов" --csv > compliance.csv
    """
    if as_json and as_csv:
        raise click.UsageError("--json and --csv: choose one")
    from supforms.pipeline.records.compliance import compliance

    records = open_records(ctx)
    report = compliance(records, on, team=team, supervisor=supervisor, late_after=late_after)
    rows = [row.as_json() for row in report.rows]
    if as_json:
        for line in report.as_json_lines():
            click.echo(json_line(line))
    elif as_csv:
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
        click.echo(buffer.getvalue(), nl=False)
    elif not rows:
        click.echo(f"No supervisees in the store as of {report.on:%d/%m/%Y}.")
    else:
        _table(report)


def _table(report: Any) -> None:
    click.echo(f"Supervision as of {report.on:%d/%m/%Y}")
    click.echo(
        f"{'SUPERVISEE':<26}{'SUPERVISOR':<22}{'TEAM':<14}{'AGREED':<9}{'HELD':>5} "
        f"{'LAST':<11}{'NEXT DUE':<11}{'LATE':>5}{'ACTIONS':>8}  STATUS"
    )
    for row in report.rows:
        agreed = f"{_shown(row.sessions_per_year)}/{_shown(row.weeks_between)}w"
        status = row.status + (f" ({row.days_overdue} days)" if row.days_overdue else "")
        if row.awaiting:  # issued to them, not back complete (records outstanding)
            status += f"; {row.awaiting} not back"
        click.echo(
            f"{_shown(row.supervisee)[:25]:<26}{_shown(row.supervisor)[:21]:<22}"
            f"{_shown(row.team)[:13]:<14}{agreed:<9}{row.sessions_held:>5} "
            f"{_shown(row.last_session):<11}{_shown(row.next_due):<11}"
            f"{row.late_write_ups:>5}{row.overdue_actions:>8}  {status}"
        )
    for title, key, summary in (
        ("By team", "team", report.teams),
        ("By supervisor", "supervisor", report.supervisors),
    ):
        click.echo(f"\n{title}:")
        for line in summary:
            click.echo(
                f"  {_shown(line[key])[:30]:<32}{line['supervisees']:>4} supervisee(s)  "
                f"{line['percent_on_track']:>5}% on track  {line['overdue']} overdue"
            )
