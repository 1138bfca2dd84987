"""``supforms records evidence``: an evidence pack an inspector can open anywhere."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import click
from supforms.pipeline.cli.common import printable
from supforms.pipeline.cli.records import DAY, open_records, store_option

__all__ = ["evidence_command"]


@click.command("evidence")
@click.argument("record_ids", nargs=-1, type=int)
@click.option("--person", help="The records of this supervisee or supervisor (part of a name).")
@click.option("--team", help="The records of this team (or department).")
@click.option("--from", "since", type=DAY, help="Received on or after this date (dd/mm/yyyy).")
@click.option("--to", "until", type=DAY, help="Received on or before this date (dd/mm/yyyy).")
@click.option(
    "-o",
    "--out",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="The pack (a PDF): written whole, or not at all (never through a link).",
)
@store_option
@click.pass_context
def evidence_command(
    ctx: click.Context,
    record_ids: tuple[int, ...],
    person: str | None,
    team: str | None,
    since: datetime | None,
    until: datetime | None,
    out: Path,
    store: str | None,
) -> None:
    """One archival PDF (PDF/A-3b, PDF/UA-1) that proves records on its own. Audited.

    \b
    For each record: certificate pages (form, document id, parties, verdict and
    problems, signatures, issue, deliveries, reminders, how it came back, the
    original's SHA-256, its audit lines and the chain head), its returned pages,
    and attached, the original unchanged (Source), its JSON and signature
    report (Data). `records verify --evidence FILE` proves a pack later.

    \b
    Examples:
      supforms records evidence 42 -o record-42.pdf
      supforms records evidence --person wiśniewski -o wisniewski.pdf
      supforms records evidence --team East --from 01/04/2025 --to 31/03/2026 -o east.pdf
    """
    from supforms.pipeline.evidence import Selection, build_pack

    if record_ids and (person or team or since or until):
        raise click.UsageError("give record ids, or --person/--team with dates, not both")
    if person and team:
        raise click.UsageError("give --person or --team, not both")
    selection = Selection(
        ids=record_ids,
        person=person,
        team=team,
        since=since,
        until=until + timedelta(days=1) if until else None,  # --to's day is included
    )
    pack = build_pack(open_records(ctx), selection, out)
    click.echo(
        f"Wrote {printable(str(out))}: {pack.records} record(s), {pack.pages} pages, "
        f"{pack.size:,} bytes; chain head {pack.head.hash} (line {pack.head.id})."
    )
