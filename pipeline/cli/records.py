"""``supforms records``: find, show, export, verify, follow up and purge archived returns."""

from __future__ import annotations

import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import click
from supforms.pipeline.cli.common import (
    DURATION,
    STORE_OPTION_HELP,
    check_store_option,
    handle_errors,
    json_line,
    printable,
)
from supforms.pipeline.cli.report import describe_result
from supforms.pipeline.delivery.data import load_records
from supforms.pipeline.delivery.manifest import read_manifest, register_manifest
from supforms.pipeline.delivery.renew import links
from supforms.pipeline.files import write_private
from supforms.pipeline.intake.transcribe import transcribe
from supforms.pipeline.records.export import (
    DEFAULT_FIELDS,
    audit_read,
    due_records,
    export_rows,
    to_csv,
    to_jsonl,
)
from supforms.pipeline.records.retention import purge
from supforms.pipeline.records.roles import roles_sql
from supforms.pipeline.records.store import RecordStore, open_store, store_url
from supforms.schemas.dates import DateProblemError, parse_date
from supforms.schemas.errors import PipelineError
from supforms.schemas.registry import form_ids

__all__ = ["records_group"]

# Accepted after the subcommand's name (contract 8), and before it as well.
store_option = click.option("--store", "store", callback=check_store_option, help=STORE_OPTION_HELP)


def _store(ctx: click.Context, *, create: bool = False) -> RecordStore:
    """The store named after the subcommand, else before it, else SUPFORMS_STORE or the default.

    Opened, never made (a reading command on a typo says so), unless ``create``.
    """
    with handle_errors():
        store = open_store(store_url(ctx.params.get("store") or ctx.obj.store), create=create)
    ctx.call_on_close(store.close)
    return store


class Day(click.ParamType):  # type: ignore[type-arg]
    """A date as every date in supforms is typed (31/12/2019, 2019-12-31, 31 Dec 2019).

    Midnight UTC at its start.
    """

    name = "date"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if isinstance(value, datetime):
            return value
        try:
            day = parse_date(str(value))
        except DateProblemError as exc:
            self.fail(exc.message, param, ctx)
        return datetime(day.year, day.month, day.day, tzinfo=UTC)


DAY = Day()


_filters = [
    click.option("--form", type=click.Choice(form_ids()), help="Only this form."),
    click.option(
        "--status",
        type=click.Choice(["complete", "incomplete", "invalid", "rejected", "scanned"]),
        help="Only this status.",
    ),
    click.option("--person", help="Supervisee or supervisor name contains this."),
    click.option("--team", help="Team (or department) is this."),
    click.option("--since", type=DAY, help="Received on or after this date (dd/mm/yyyy)."),
    click.option("--until", type=DAY, help="Received before this date (dd/mm/yyyy)."),
    store_option,
]


def filters(function: Any) -> Any:
    for option in reversed(_filters):
        function = option(function)
    return function


class _Records(click.Group):
    """A store failure in any records subcommand is one line and exit 1 (handle_errors)."""

    def invoke(self, ctx: click.Context) -> Any:
        with handle_errors():
            return super().invoke(ctx)


@click.group("records", cls=_Records)
@click.option("--store", "store", callback=check_store_option, help=STORE_OPTION_HELP)
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
    """
    if store:
        ctx.obj.store = store


@records_group.command("list")
@filters
@click.option("--json", "as_json", is_flag=True, help="One record per line (the listed columns).")
@click.pass_context
def list_command(ctx: click.Context, /, as_json: bool, store: str | None, **chosen: Any) -> None:
    """List archived records (newest last). Audited: who listed which records.

    \b
    Examples:
      supforms records list --form agreement --status incomplete
      supforms records list --person wiśniewski --since 01/04/2026 --json
      supforms records list --team East --store sqlite:///records.db
    """
    records = _store(ctx)
    rows = list(records.rows(records.select(**chosen)))
    with handle_errors():  # logged before anything is shown: no reading without its line
        audit_read(records, "list --json" if as_json else "list", [row["id"] for row in rows])
    for row in rows:
        if as_json:
            click.echo(json_line(row))
        else:
            click.echo(
                f"{row['id']:>6}  {row['received_at'][:10]}  {printable(row['form'] or '-'):<13}"
                f"{row['status']:<11}{printable(row['document_id'] or '-'):<21}"
                + printable(row["supervisee"] or row["case_reference"] or row["source_name"])
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
@store_option
@click.pass_context
def show_command(
    ctx: click.Context, record_id: int, pdf_out: Path | None, as_json: bool, store: str | None
) -> None:
    """Show one record; --pdf gets its original back. Audited: who read it.

    \b
    Examples:
      supforms records show 42
      supforms records show 42 --pdf original.pdf
      supforms records show 42 --json
    """
    records = _store(ctx)
    with handle_errors():
        result, pdf, _ = records.record(record_id)
        if pdf_out:
            write_private(pdf_out, pdf)  # whole, or WriteError: exit 1, nothing left
        # Logged before anything is shown: no reading without its line.
        audit_read(
            records, "show --pdf" if pdf_out else "show --json" if as_json else "show", [record_id]
        )
        cycle = [] if as_json else links(records, record_id, result.get("document_id"))
    click.echo(json_line(result, indent=1) if as_json else describe_result(result))
    for line in cycle:
        click.echo(printable(line))


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
    ctx: click.Context, /, fmt: str, fields: str, store: str | None, **chosen: Any
) -> None:
    """Export records for a spreadsheet (csv) or another system (jsonl). Audited.

    \b
    Examples:
      supforms records export --format csv --form contract > contracts.csv
      supforms records export --fields id,supervisee,data.agreed_on --since 01/01/2026
    """
    records = _store(ctx)
    columns = tuple(f.strip() for f in fields.split(",") if f.strip())
    listed = list(records.rows(records.select(**chosen)))
    rows = list(export_rows(records, iter(listed), columns))
    with handle_errors():
        audit_read(
            records,
            f"export --format {fmt}",
            [row["id"] for row in listed],
            fields=list(columns),
        )
    lines = to_csv(rows, columns) if fmt == "csv" else to_jsonl(rows)
    for line in lines:
        click.echo(line, nl=False)


@records_group.command("verify")
@click.option(
    "--expect-head",
    metavar="HASH",
    help="A head noted earlier (records head): prove nothing up to it was rewritten.",
)
@click.option("--json", "as_json", is_flag=True, help="One JSON object: counts and findings.")
@store_option
@click.pass_context
def verify_command(
    ctx: click.Context, expect_head: str | None, as_json: bool, store: str | None
) -> None:
    """Prove the store intact: PDFs, records against the audit log, the log's chain.

    \b
    Re-hashes every stored PDF; checks every record against its latest archive
    line (PDF SHA-256, result JSON, status), that every archive line still has
    its record (or a purge line for it), and each audit line's hash and link to
    the line before. Exit 1 on any finding.

    \b
    Examples:
      supforms records verify
      supforms records verify --expect-head 3f5a…   # a head noted earlier
    """
    opened = _store(ctx)
    with handle_errors():
        report = opened.verify(expect_head.strip().lower() if expect_head else None)
    if as_json:
        click.echo(json_line(report.as_json()))
    else:
        for finding in report.findings:
            click.echo(printable(finding.message))
    if report.findings:
        count = len(report.findings)
        click.echo(f"supforms: {count} finding(s): the store is not as recorded", err=True)
        sys.exit(1)
    if not as_json:
        click.echo(
            f"All {report.pdfs} stored PDFs match their SHA-256 and their archive lines; "
            f"the audit log's {report.lines} lines chain to head {report.head.hash} "
            f"(line {report.head.id})."
        )


@records_group.command("head")
@click.option("--json", "as_json", is_flag=True, help='{"id": …, "hash": …}')
@store_option
@click.pass_context
def head_command(ctx: click.Context, as_json: bool, store: str | None) -> None:
    """The audit log's head hash: note it outside the store (a ticket, an email).

    `records verify --expect-head HASH` later proves nothing up to it was rewritten.

    \b
    Examples:
      supforms records head
      supforms records head --json --store postgresql://records@db.local/supforms
    """
    head = _store(ctx).head()
    if as_json:
        click.echo(json_line({"id": head.id, "hash": head.hash}))
    else:
        click.echo(f"{head.hash}  (audit line {head.id})")


@records_group.command("roles")
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
    try:
        sql = roles_sql(owner, ingest, auditor)
    except PipelineError as exc:
        raise click.UsageError(str(exc)) from exc
    click.echo(sql, nl=False)


@records_group.command("outstanding")
@click.option("--json", "as_json", is_flag=True)
@store_option
@click.pass_context
def outstanding_command(ctx: click.Context, as_json: bool, store: str | None) -> None:
    """Issued copies not yet returned.

    \b
    Examples:
      supforms records outstanding
      supforms records outstanding --json
    """
    for row in _store(ctx).outstanding():
        if as_json:
            click.echo(json_line(row, default=str))
        else:
            click.echo(
                f"{printable(row['document_id'])}  {printable(row['form']):<13}"
                f"{printable(row['recipient'] or '')}"
                f"  (issued {str(row['issued_at'])[:10]}, {printable(row['file'])})"
            )


@records_group.command("due")
@click.option(
    "--within", type=DURATION, default="30d", show_default=True, help="Days (30d) or weeks (6w)."
)
@click.option("--json", "as_json", is_flag=True)
@store_option
@click.pass_context
def due_command(ctx: click.Context, within: timedelta, as_json: bool, store: str | None) -> None:
    """Returns due again under their form's renewal rule (e.g. a contract re-signed yearly).

    \b
    Examples:
      supforms records due
      supforms records due --within 6w --json
    """
    for row in due_records(_store(ctx), within, date.today()):
        if as_json:
            click.echo(json_line(row, default=str))
        else:
            click.echo(
                f"{row['due']}  {row['action']:<22} {printable(row['supervisee'] or '')}"
                f"  (record {row['id']}, {printable(row['document_id'] or '-')})"
            )


@records_group.command("register")
@click.argument("manifest", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@store_option
@click.pass_context
def register_command(ctx: click.Context, manifest: Path, store: str | None) -> None:
    """Record the copies listed in a generate manifest (manifest.jsonl) as issued.

    \b
    Example:
      supforms records register output/agreements/manifest.jsonl
    """
    with handle_errors():
        copies = read_manifest(manifest)  # all checked before the store is opened, or made
        new = register_manifest(_store(ctx, create=True), copies)
    click.echo(f"Registered {new} new issued copies from {printable(str(manifest))}.")


@records_group.command("transcribe")
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
    records = _store(ctx)
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
    with handle_errors():
        keyed = load_records(data_file)
        if not keyed:
            raise PipelineError("the data file holds no record", path=str(data_file))
        result = transcribe(records, record_id, keyed[0]).as_json()
    click.echo(json_line(result, indent=1) if as_json else describe_result(result))


@records_group.command("purge")
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
@click.option("--yes", is_flag=True, help="Do not ask for confirmation (needed off a terminal).")
@store_option
@click.pass_context
def purge_command(
    ctx: click.Context, before: datetime, ingest_out: Path, yes: bool, store: str | None
) -> None:
    """Forget every record received before a date (a retention schedule). Audited.

    \b
    Each record goes with its PDF and JSON; issued copies of the period lose their
    prefilled values and recipients (and are no longer outstanding); result files
    and quarantined inputs of the period in --ingest-out go too. The audit log keeps
    each purged record's id and SHA-256, never a name. A SQLite store is rewritten
    so the deleted bytes do not stay in its file.

    \b
    Example:
      supforms records purge --before 01/04/2019 --yes
    """
    shown = before.date().strftime("%d/%m/%Y")
    if not yes:
        if not sys.stdin.isatty():
            raise click.UsageError(
                "purge deletes records for good; off a terminal, confirm with --yes"
            )
        click.confirm(f"Delete every record received before {shown}?", abort=True)
    with handle_errors():
        done = purge(_store(ctx), before, ingest_out)
    click.echo(
        f"Purged {done.records} record(s) received before {shown}; "
        f"forgot {done.copies} issued copy(ies) and {done.files} ingest file(s)."
    )
    if not done.compacted:
        click.echo(
            "supforms: another process is reading the store, so its write-ahead log "
            "(-wal) may still hold deleted bytes: purge again when it has finished",
            err=True,
        )
        sys.exit(1)


from supforms.pipeline.cli.compliance import compliance_command  # noqa: E402

records_group.add_command(compliance_command)
