"""``supforms records``: find, show, export, verify, follow up and purge archived returns."""

from __future__ import annotations

import json
import re
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import click

from pipeline.cli_common import handle_errors
from pipeline.data import load_records
from pipeline.export import DEFAULT_FIELDS, due_records, export_rows, to_csv, to_jsonl
from pipeline.private import write_private
from pipeline.report import describe_result
from pipeline.store import RecordStore, open_store, store_url
from pipeline.transcribe import transcribe
from schemas.errors import PipelineError
from schemas.registry import form_ids

__all__ = ["records_group"]

STORE_HELP = "Records store URL (sqlite:///FILE or postgresql://…). Env: SUPFORMS_STORE."


def _store(ctx: click.Context) -> RecordStore:
    with handle_errors():
        store = open_store(store_url(ctx.obj.store))
    ctx.call_on_close(store.close)
    return store


def _day(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value).replace(tzinfo=UTC) if value else None


def _duration(text: str) -> timedelta:
    match = re.fullmatch(r"(\d+)\s*([dw])", text.strip())
    if not match:
        raise click.BadParameter("write it as a number of days or weeks: 30d, 6w")
    number = int(match[1])
    return timedelta(days=number * (7 if match[2] == "w" else 1))


_filters = [
    click.option("--form", type=click.Choice(form_ids()), help="Only this form."),
    click.option(
        "--status",
        type=click.Choice(["complete", "incomplete", "invalid", "rejected", "scanned"]),
        help="Only this status.",
    ),
    click.option("--person", help="Supervisee or supervisor name contains this."),
    click.option("--team", help="Team (or department) is this."),
    click.option("--since", help="Received on or after this date (yyyy-mm-dd)."),
    click.option("--until", help="Received before this date (yyyy-mm-dd)."),
]


def filters(function: Any) -> Any:
    for option in reversed(_filters):
        function = option(function)
    return function


@click.group("records")
@click.option("--store", "store", help=STORE_HELP)
@click.pass_context
def records_group(ctx: click.Context, store: str | None) -> None:
    """The records store: every return archived with its original PDF and its JSON.

    \b
    Examples:
      supforms records list --form agreement --status incomplete
      supforms records show 42 --pdf copy.pdf
      supforms records export --format csv --fields id,supervisee,data.agreed_on > out.csv
      supforms records outstanding
      supforms records due --within 30d
    """
    if store:
        ctx.obj.store = store


@records_group.command("list")
@filters
@click.option("--json", "as_json", is_flag=True, help="One record per line (the listed columns).")
@click.pass_context
def list_command(
    ctx: click.Context, /, as_json: bool, since: str | None, until: str | None, **chosen: Any
) -> None:
    """List archived records (newest last)."""
    store = _store(ctx)
    for row in store.rows(store.select(since=_day(since), until=_day(until), **chosen)):
        if as_json:
            click.echo(json.dumps(row, ensure_ascii=False))
        else:
            click.echo(
                f"{row['id']:>6}  {row['received_at'][:10]}  {row['form'] or '-':<13}"
                f"{row['status']:<11}{row['document_id'] or '-':<21}"
                f"{row['supervisee'] or row['case_reference'] or row['source_name']}"
            )


@records_group.command("show")
@click.argument("record_id", type=int)
@click.option(
    "--pdf",
    "pdf_out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the original PDF, byte for byte, to this file.",
)
@click.option("--json", "as_json", is_flag=True, help="The ingest JSON instead of the report.")
@click.pass_context
def show_command(ctx: click.Context, record_id: int, pdf_out: Path | None, as_json: bool) -> None:
    """Show one record; --pdf gets its original back."""
    store = _store(ctx)
    with handle_errors():
        result, pdf, _ = store.record(record_id)
        if pdf_out:
            write_private(pdf_out, pdf)  # whole, or WriteError: exit 1, nothing left
            store.log("retrieve", {"to": str(pdf_out)}, record_id)
    click.echo(
        json.dumps(result, ensure_ascii=False, indent=1) if as_json else describe_result(result)
    )


@records_group.command("export")
@filters
@click.option(
    "--format", "fmt", type=click.Choice(["jsonl", "csv"]), default="jsonl", show_default=True
)
@click.option(
    "--fields",
    default=",".join(DEFAULT_FIELDS),
    show_default=True,
    help="Columns: record columns, or data.<dotted path> from the form's JSON.",
)
@click.pass_context
def export_command(
    ctx: click.Context,
    /,
    fmt: str,
    fields: str,
    since: str | None,
    until: str | None,
    **chosen: Any,
) -> None:
    """Export records for a spreadsheet (csv) or another system (jsonl)."""
    store = _store(ctx)
    columns = tuple(f.strip() for f in fields.split(",") if f.strip())
    rows = list(
        export_rows(
            store, store.rows(store.select(since=_day(since), until=_day(until), **chosen)), columns
        )
    )
    lines = to_csv(rows, columns) if fmt == "csv" else to_jsonl(rows)
    for line in lines:
        click.echo(line, nl=False)
    store.log("export", {"format": fmt, "fields": list(columns), "records": len(rows)})


@records_group.command("verify")
@click.pass_context
def verify_command(ctx: click.Context) -> None:
    """Re-hash every stored PDF against its SHA-256; exit 1 on any mismatch."""
    checked, bad = _store(ctx).verify()
    if bad:
        click.echo(
            f"supforms: {len(bad)} of {checked} stored PDFs do not match their SHA-256: "
            f"records {', '.join(map(str, bad))}",
            err=True,
        )
        sys.exit(1)
    click.echo(f"All {checked} stored PDFs match their SHA-256.")


@records_group.command("outstanding")
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def outstanding_command(ctx: click.Context, as_json: bool) -> None:
    """Issued copies not yet returned."""
    for row in _store(ctx).outstanding():
        if as_json:
            click.echo(json.dumps(row, ensure_ascii=False, default=str))
        else:
            click.echo(
                f"{row['document_id']}  {row['form']:<13}{row['recipient'] or ''}"
                f"  (issued {str(row['issued_at'])[:10]}, {row['file']})"
            )


@records_group.command("due")
@click.option("--within", default="30d", show_default=True, help="Days (30d) or weeks (6w).")
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def due_command(ctx: click.Context, within: str, as_json: bool) -> None:
    """Contracts due for annual re-signing, agreements for their 12-month review."""
    for row in due_records(_store(ctx), _duration(within), date.today()):
        if as_json:
            click.echo(json.dumps(row, ensure_ascii=False, default=str))
        else:
            click.echo(
                f"{row['due']}  {row['action']:<22} {row['supervisee']}"
                f"  (record {row['id']}, {row['document_id']})"
            )


@records_group.command("register")
@click.argument("manifest", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.pass_context
def register_command(ctx: click.Context, manifest: Path) -> None:
    """Record the copies listed in a generate manifest (manifest.jsonl) as issued."""
    copies = [
        json.loads(line)
        for line in manifest.read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]
    new = _store(ctx).register([c for c in copies if c.get("row") is not None])
    click.echo(f"Registered {new} new issued copies from {manifest}.")


@records_group.command("transcribe")
@click.argument("record_id", type=int, required=False)
@click.option(
    "--data",
    "data_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="The keyed-in values (JSON object, or a one-row CSV).",
)
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def transcribe_command(
    ctx: click.Context, record_id: int | None, data_file: Path | None, as_json: bool
) -> None:
    """The queue of scans to key in; with ID and --data, key one in.

    \b
    A signature on paper is keyed in as {"kind": "drawn"}, e.g.
      {"supervisee.name": "Zoë Ó Briain", "signatures.date": "03/04/2026",
       "signatures.supervisee": {"kind": "drawn"}}
    """
    store = _store(ctx)
    if record_id is None:
        for row in store.rows(store.select(status="scanned")):
            click.echo(
                json.dumps(row, ensure_ascii=False)
                if as_json
                else f"{row['id']:>6}  {row['received_at'][:10]}  {row['form'] or '?':<13}"
                f"{row['document_id'] or '-':<21}{row['source_name']}"
            )
        return
    if data_file is None:
        raise click.UsageError("give the keyed-in values with --data FILE")
    with handle_errors():
        keyed = load_records(data_file)
        if not keyed:
            raise PipelineError("the data file holds no record", path=str(data_file))
        result = transcribe(store, record_id, keyed[0])
    click.echo(
        json.dumps(result, ensure_ascii=False, indent=1) if as_json else describe_result(result)
    )


@records_group.command("purge")
@click.option("--before", required=True, help="Delete records received before this date.")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@click.pass_context
def purge_command(ctx: click.Context, before: str, yes: bool) -> None:
    """Delete records received before a date (a retention schedule). Audited."""
    moment = _day(before)
    assert moment is not None
    if not yes:
        click.confirm(f"Delete every record received before {before}?", abort=True)
    count = _store(ctx).purge(moment)
    click.echo(f"Purged {count} record(s) received before {before}.")
