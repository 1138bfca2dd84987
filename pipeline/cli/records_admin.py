"""``supforms records`` that change the store: roles, register, transcribe, purge."""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path

import click
from supforms.pipeline.cli.common import json_line, printable
from supforms.pipeline.cli.records import DAY, open_records, store_option
from supforms.schemas.errors import PipelineError

__all__ = ["purge_command", "register_command", "roles_command", "transcribe_command"]


@click.command("roles")
@click.option("--owner", required=True, help="Owns the tables; runs migrations, transcribe, purge.")
@click.option("--ingest", required=True, help="Adds records, audit lines, issued copies; reads.")
@click.option("--auditor", required=True, help="Reads only (verify, head, list).")
def roles_command(owner: str, ingest: str, auditor: str) -> None:
    """Print the SQL for least-privilege PostgreSQL roles (run it with psql as a superuser).

    \b
    Example:
      supforms records roles --owner records_owner --ingest records_ingest \\
          --auditor records_auditor | psql postgresql://postgres@db.local/supforms
    """
    from supforms.pipeline.records.roles import roles_sql

    try:
        sql = roles_sql(owner, ingest, auditor)
    except PipelineError as exc:
        raise click.UsageError(str(exc)) from exc
    click.echo(sql, nl=False)


@click.command("register")
@click.argument("manifest", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@store_option
@click.pass_context
def register_command(ctx: click.Context, manifest: Path, store: str | None) -> None:
    """Record the copies listed in a generate manifest (manifest.jsonl) as issued.

    \b
    Example:
      supforms records register output/agreements/manifest.jsonl
    """
    from supforms.pipeline.delivery.manifest import read_manifest, register_manifest

    copies = read_manifest(manifest)  # all checked before the store is opened, or made
    new = register_manifest(open_records(ctx, create=True), copies)
    click.echo(f"Registered {new} new issued copies from {printable(str(manifest))}.")


@click.command("transcribe")
@click.argument("record_id", type=int, required=False)
@click.option(
    "--data",
    "data_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="The keyed-in values (JSON object, or a one-row CSV).",
)
@click.option("--json", "as_json", is_flag=True)
@store_option
@click.pass_context
def transcribe_command(
    ctx: click.Context,
    record_id: int | None,
    data_file: Path | None,
    as_json: bool,
    store: str | None,
) -> None:
    """The queue of scans to key in; with ID and --data, key one in.

    \b
    Examples:
      supforms records transcribe
      supforms records transcribe 42 --data keyed.json

    \b
    A signature on paper is keyed in as {"kind": "drawn"}, e.g.
      {"supervisee.name": "Zoë Ó Briain", "signatures.date": "03/04/2026",
       "signatures.supervisee": {"kind": "drawn"}}
    """
    from supforms.pipeline.cli.report import describe_result
    from supforms.pipeline.delivery.data import load_records
    from supforms.pipeline.intake.transcribe import transcribe

    records = open_records(ctx)
    if record_id is None:
        for row in records.rows(records.select(status="scanned")):
            click.echo(
                json_line(row)
                if as_json
                else f"{row['id']:>6}  {row['received_at'][:10]}  "
                f"{printable(row['form'] or '?'):<13}{printable(row['document_id'] or '-'):<21}"
                + printable(row["source_name"])
            )
        return
    if data_file is None:
        raise click.UsageError("give the keyed-in values with --data FILE")
    keyed = load_records(data_file)
    if not keyed:
        raise PipelineError("the data file holds no record", path=str(data_file))
    result = transcribe(records, record_id, keyed[0]).as_json()
    click.echo(json_line(result, indent=1) if as_json else describe_result(result))


@click.command("purge")
@click.option(
    "--before", required=True, type=DAY, help="Forget what was received before this date."
)
@click.option(
    "--ingest-out",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("output/ingest"),
    show_default=True,
    help="Ingest output folder (ingest --out) whose result files and quarantined inputs "
    "of the period go too (skipped if it does not exist).",
)
@click.option(
    "--sent-out",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("output/sent"),
    show_default=True,
    help="Send folder (send --out) whose copies and emails of the period go, and whose "
    "manifest and delivery log lines of them lose names and addresses (skipped if it "
    "does not exist).",
)
@click.option("--yes", is_flag=True, help="Do not ask for confirmation (needed off a terminal).")
@store_option
@click.pass_context
def purge_command(
    ctx: click.Context,
    before: datetime,
    ingest_out: Path,
    sent_out: Path,
    yes: bool,
    store: str | None,
) -> None:
    """Forget every record received before a date (a retention schedule). Audited.

    \b
    Each record goes with its PDF and JSON; issued copies of the period lose their
    prefilled values and recipients (and are no longer outstanding); result files
    and quarantined inputs of the period in --ingest-out go too, and so do the
    copies and emails in --sent-out, whose manifest.jsonl and delivery.jsonl keep
    of them only document ids, states and times. The audit log keeps
    each purged record's id and SHA-256, never a name. A SQLite store is rewritten
    so the deleted bytes do not stay in its file.

    \b
    Example:
      supforms records purge --before 01/04/2019 --yes
    """
    from supforms.pipeline.delivery.forgetting import purge_records

    shown = before.date().strftime("%d/%m/%Y")
    if not yes:
        if not sys.stdin.isatty():
            raise click.UsageError(
                "purge deletes records for good; off a terminal, confirm with --yes"
            )
        click.confirm(f"Delete every record received before {shown}?", abort=True)
    done, sent = purge_records(open_records(ctx), before, ingest_out, sent_out)
    click.echo(
        f"Purged {done.records} record(s) received before {shown}; "
        f"forgot {done.copies} issued copy(ies) and {done.files} ingest file(s)."
        + (
            f" In {printable(str(sent_out))}: forgot {sent.copies} sent copy(ies), "
            f"{sent.lines} line(s) and {sent.files} file(s)."
            if sent is not None
            else ""
        )
    )
    if not done.compacted:
        click.echo(
            "supforms: another process is reading the store, so its write-ahead log "
            "(-wal) may still hold deleted bytes: purge again when it has finished",
            err=True,
        )
        sys.exit(1)
