"""``supforms remind`` and ``supforms renew``: the cycle between a send and the next one."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import click
from supforms.pipeline.cli.common import (
    DURATION,
    FORM,
    Settings,
    exit_for,
    json_line,
    out_option,
    printable,
)
from supforms.pipeline.cli.delivery import mail_options, show_delivery
from supforms.schemas.dates import DateProblemError, parse_date

__all__ = ["remind_command", "renew_command"]


def _moment(_ctx: click.Context, _param: click.Parameter, text: str | None) -> datetime:
    if text is None:
        return datetime.now(UTC)
    try:  # a day as every date in supforms is typed (schemas.dates), else an ISO time
        day = parse_date(text)
        return datetime(day.year, day.month, day.day, tzinfo=UTC)
    except DateProblemError as problem:
        try:
            moment = datetime.fromisoformat(text)
        except ValueError as exc:
            raise click.BadParameter(f"{problem.message}; or a time: 2026-12-01T09:00") from exc
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


@click.command("remind")
@click.argument("form", type=FORM, required=False)
@click.option("--all", "every_form", is_flag=True, help="Every form, not one.")
@out_option(
    "output/sent",
    "Folder for this run's delivery.jsonl; also read for copies the store knows no "
    "delivery of (sent before it kept them).",
)
@click.option(
    "--after",
    default="14d",
    show_default=True,
    type=DURATION,
    help="Remind copies not back complete this long after they were issued (days or weeks).",
)
@click.option(
    "--every",
    "interval",
    default="7d",
    show_default=True,
    type=DURATION,
    help="At most one reminder per copy this often.",
)
@click.option(
    "--max",
    "most",
    type=click.IntRange(1, 100),
    default=3,
    show_default=True,
    help="At most this many reminders per copy.",
)
@click.option("--now", callback=_moment, help="Act as if it were this moment (UTC).")
@click.option("--dry-run", is_flag=True, help="Show who would be reminded; send nothing.")
@mail_options
@click.pass_obj
def remind_command(
    settings: Settings,
    form: str | None,
    every_form: bool,
    out: Path,
    after: timedelta,
    interval: timedelta,
    most: int,
    now: datetime,
    dry_run: bool,
    mail: Any,
    store: str | None,
    as_json: bool,
) -> None:
    """Remind the recipients of every copy of FORM (or --all) not yet returned complete.

    \b
    Each copy issued more than --after ago with no complete return goes again,
    the same copy (as the store kept it when it was sent), to the addresses the
    records store says it was delivered to, from whichever folder or machine,
    and to no one else: a copy with no known delivery is listed, not guessed.
    A copy that came back incomplete or invalid is reminded with what is still
    missing or wrong, in plain words. Every reminder is in the store, in
    OUT/delivery.jsonl and in the audit log.

    \b
    Examples:
      supforms remind agreement --dry-run
      supforms remind --all --smtp smtps://mail.local:465
    """
    if (form is None) == (not every_form):
        raise click.UsageError("give FORM or --all (one of them)")
    from supforms.pipeline.cli.interrupt import exit_interrupted, interruptible, until_stopped
    from supforms.pipeline.delivery.mail import mailing
    from supforms.pipeline.delivery.remind import NOT_EMAILED, Policy, remind

    stuck = shown = 0
    not_emailed = []
    mail = mail.checked()
    with (
        interruptible() as interrupt,
        mailing(mail, out, store, sending=not dry_run, create=False) as (transport, registry),
    ):
        reminders = remind(
            form,
            out,
            transport,
            registry,
            Policy(after, interval, most, now),
            sender=mail.sender,
            templates=mail.templates,
            return_address=mail.return_address,
            return_url=mail.return_url,
        )
        for delivery in until_stopped(reminders, interrupt):
            if delivery.status == NOT_EMAILED and not as_json:
                not_emailed.append(delivery.document_id)  # said once, below: nobody to chase
                continue
            shown += 1
            stuck += delivery.status in ("failed", "unknown", "refused")
            show_delivery(delivery, settings, as_json, show_bar=False, eml=mail.smtp is None)
    if interrupt.signum is not None:
        exit_interrupted(interrupt, shown, None, "reminders")
    if not (as_json or settings.quiet):
        _say_quiet_day(len(not_emailed), shown)
    exit_for(needs_person=stuck > 0)


def _say_quiet_day(not_emailed: int, shown: int) -> None:
    """Copies nobody was emailed, in one line; and a day with nothing to do, said."""
    if not_emailed:
        copies = "1 copy" if not_emailed == 1 else f"{not_emailed} copies"
        click.echo(
            f"{copies} not back but not sent by email (made by generate, print or renew "
            "without --smtp): nothing to remind; see supforms records outstanding."
        )
    if not shown:
        click.echo("Nothing to remind.")


def _day(_ctx: click.Context, _param: click.Parameter, text: str | None) -> date:
    if text is None:
        return datetime.now(UTC).date()
    try:  # as every date in supforms is typed (schemas.dates)
        return parse_date(text)
    except DateProblemError as exc:
        raise click.BadParameter(exc.message) from exc


@click.command("renew")
@click.option(
    "--within",
    default="30d",
    show_default=True,
    type=DURATION,
    help="Renew what falls due within this time (as `records due`), and what is overdue.",
)
@out_option("output/renewals", "Folder for the new copies, manifest.jsonl and delivery.jsonl.")
@click.option(
    "--sent",
    "sent_from",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("output/sent"),
    show_default=True,
    help="A send folder, read only for copies the store knows no delivery of "
    "(sent before it kept them).",
)
@click.option("--no-send", is_flag=True, help="Only generate and register the new copies.")
@click.option("--today", callback=_day, help="Act as if today were this date.")
@click.option("--dry-run", is_flag=True, help="Show what would be renewed; issue nothing.")
@mail_options
@click.pass_obj
def renew_command(
    settings: Settings,
    within: timedelta,
    out: Path,
    sent_from: Path,
    no_send: bool,
    today: date,
    dry_run: bool,
    mail: Any,
    store: str | None,
    as_json: bool,
) -> None:
    """Issue a new copy of each contract and agreement due (`records due`), and send it.

    \b
    Each new copy is prefilled from the last complete record (the parties, job
    titles, how often they meet), linked to it (`records show` says so), and
    emailed like `send` does to the addresses the record's own copy went to
    (as the records store says); a record whose addresses are unknown is listed,
    and nothing is issued for it. --no-send only generates and registers.
    Running it again issues nothing new for a record already renewed.

    \b
    Examples:
      supforms renew --dry-run
      supforms renew --smtp smtps://mail.local:465
      supforms renew --no-send -o output/renewals
    """
    from dataclasses import asdict

    from supforms.pipeline.cli.interrupt import exit_interrupted, interruptible, until_stopped
    from supforms.pipeline.delivery.mail import mailing
    from supforms.pipeline.delivery.renew import renew

    stuck = done = 0
    mail = mail.checked()
    sending = not (no_send or dry_run)
    with (
        interruptible() as interrupt,
        mailing(mail, out, store, sending=sending, create=False) as (transport, registry),
    ):
        renewals = renew(
            registry,
            out,
            within=within,
            today=today,
            transport=transport,
            sent_from=sent_from,
            sender=mail.sender,
            dry_run=dry_run,
            templates=mail.templates,
            wording=settings.wording(),
            return_address=mail.return_address,
            return_url=mail.return_url,
        )
        for line in until_stopped(renewals, interrupt):
            done += 1
            stuck += line.status in ("failed", "unknown")
            if as_json:
                click.echo(json_line(asdict(line)))
            elif line.status in ("failed", "unknown"):
                what = f"record {line.record_id} ({line.form})"
                click.echo(f"{what}: {line.status}: {printable(line.detail)}", err=True)
            elif not settings.quiet:
                click.echo(
                    f"{line.status:<16} record {line.record_id:<6} {line.form:<10} "
                    f"due {line.due}  {line.document_id or '-'} "
                    f"{printable(line.recipient)}"
                )
    if interrupt.signum is not None:
        exit_interrupted(interrupt, done, None, "records")
    exit_for(needs_person=stuck > 0)
