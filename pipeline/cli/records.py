"""``supforms records``: find, show, export, verify, follow up and purge archived returns.

The group and what its commands share (the store option, the filters, dates as
typed); the commands live in ``records_read``, ``records_admin`` and ``compliance``,
each loaded when it is run.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import click
from supforms.pipeline.cli.common import FORM, store_option
from supforms.pipeline.cli.lazy import LazyGroup

if TYPE_CHECKING:
    from supforms.pipeline.records.store import RecordStore

__all__ = ["DAY", "filters", "open_records", "records_group", "store_option"]

_COMMANDS = {
    "compliance": "compliance:compliance_command",
    "due": "records_read:due_command",
    "evidence": "evidence:evidence_command",
    "export": "records_read:export_command",
    "head": "records_read:head_command",
    "list": "records_read:list_command",
    "outstanding": "records_read:outstanding_command",
    "purge": "records_admin:purge_command",
    "register": "records_admin:register_command",
    "roles": "records_admin:roles_command",
    "show": "records_read:show_command",
    "transcribe": "records_admin:transcribe_command",
    "verify": "records_read:verify_command",
}


def open_records(ctx: click.Context, *, create: bool = False) -> RecordStore:
    """The store named after the subcommand, else before it, else SUPFORMS_STORE or the default.

    Opened, never made (a reading command on a typo says so), unless ``create``.
    """
    from supforms.pipeline.records.opening import open_store, store_url

    store = open_store(store_url(ctx.params.get("store") or ctx.obj.store), create=create)
    ctx.call_on_close(store.close)
    return store


class Day(click.ParamType):  # type: ignore[type-arg]
    """A date as every date in supforms is typed (31/12/2019, 2019-12-31, 31 Dec 2019).

    Midnight UTC at its start.
    """

    name = "date"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        from supforms.schemas.dates import DateProblemError, parse_date

        if isinstance(value, datetime):
            return value
        try:
            day = parse_date(str(value))
        except DateProblemError as exc:
            self.fail(exc.message, param, ctx)
        return datetime(day.year, day.month, day.day, tzinfo=UTC)


DAY = Day()


_filters = [
    click.option("--form", type=FORM, help="Only this form."),
    click.option(
        "--status",
        type=click.Choice(["complete", "incomplete", "invalid", "rejected", "scanned"]),
        help="Only this status.",
    ),
    click.option(
        "--person", help="Supervisee or supervisor name contains this (any case; accents optional)."
    ),
    click.option("--team", help="Team (or department) is this."),
    click.option("--since", type=DAY, help="Received on or after this date (dd/mm/yyyy)."),
    click.option("--until", type=DAY, help="Received before this date (dd/mm/yyyy)."),
    store_option,
]


def filters(function: Any) -> Any:
    """The options that choose records: --form, --status, --person, --team, --since, --until."""
    for option in reversed(_filters):
        function = option(function)
    return function


@click.group(
    "records",
    cls=LazyGroup,
    lazy={name: f"supforms.pipeline.cli.{target}" for name, target in _COMMANDS.items()},
)
@store_option
@click.pass_context
def records_group(ctx: click.Context, store: str | None) -> None:
    """The records store: every return archived with its original PDF and its JSON.

    \b
    Examples:
      supforms records list --form agreement --status incomplete --store sqlite:///r.db
      supforms records show 42 --pdf copy.pdf
      supforms records export --format csv --fields id,supervisee,data.agreed_on > out.csv
      supforms records outstanding
      supforms records due --within 30d
      supforms records compliance --team East
      supforms records evidence --person wiśniewski -o evidence.pdf
    """
    if store:
        ctx.obj.store = store
