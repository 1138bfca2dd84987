"""``supforms records`` that read: list, show, export, verify, head, outstanding, due.

Each opens the store without ever making it, and each read of people's records
leaves an audit line before anything is shown.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import click
from supforms.pipeline.cli.common import DURATION, json_line, out_option, printable
from supforms.pipeline.cli.records import filters, open_records, store_option

__all__ = [
    "due_command",
    "export_command",
    "head_command",
    "list_command",
    "outstanding_command",
    "show_command",
    "verify_command",
]


_WHOLE = "Write to this file instead of stdout: whole, or not at all (never a link)."


def _emit(lines: Iterable[str], out: Path | None) -> None:
    """Each line to stdout, or all of them to ``out``: whole or absent (a ``WriteError``)."""
    if out is None:
        for line in lines:
            click.echo(line, nl=False)
        return
    from supforms.pipeline.files import write_private

    write_private(out, "".join(lines))


@click.command("list")
@filters
@click.option("--json", "as_json", is_flag=True, help="One record per line (the listed columns).")
@out_option(None, _WHOLE, folder=False)
@click.pass_context
def list_command(
    ctx: click.Context, /, as_json: bool, out: Path | None, store: str | None, **chosen: Any
) -> None:
    """List archived records (newest last). Audited: who listed which records.

    \b
    Examples:
      supforms records list --form agreement --status incomplete
      supforms records list --person wiśniewski --since 01/04/2026 --json
      supforms records list --team East --store sqlite:///records.db
    """
    records = open_records(ctx)
    rows = list(records.rows(records.select(**chosen)))
    records.audit_read("list --json" if as_json else "list", [row["id"] for row in rows])
    if as_json:
        _emit((json_line(row) + "\n" for row in rows), out)
        return
    lines = [
        f"{row['id']:>6}  {row['received_at'][:10]}  {printable(row['form'] or '-'):<15}"
        f"{row['status']:<11}{printable(row['document_id'] or '-'):<21}"
        + printable(row["supervisee"] or row["case_reference"] or row["source_name"])
        + "\n"
        for row in rows
    ]
    header = f"{'ID':>6}  {'RECEIVED':<10}  {'FORM':<15}{'STATUS':<11}{'DOCUMENT':<21}WHO\n"
    _emit([header, *lines] if lines else ["No records match.\n"], out)


@click.command("show")
@click.argument("record_id", type=int)
@click.option(
    "--pdf",
    "pdf_out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the original PDF, byte for byte, to this file.",
)
@click.option(
    "--print", "print_out", type=click.Path(dir_okay=False, path_type=Path),
    help="Write a print copy to this file: every value whole, on continuation pages.",
)  # fmt: skip
@click.option("--json", "as_json", is_flag=True, help="The ingest JSON instead of the report.")
@store_option
@click.pass_context
def show_command(
    ctx: click.Context, record_id: int, pdf_out: Path | None, print_out: Path | None,
    as_json: bool, store: str | None,
) -> None:  # fmt: skip
    """Show one record; --pdf gets its original back, --print a copy to print. Audited.

    \b
    A viewer shows of a long answer what its box holds: --print makes a flattened
    copy of the values as returned, each whole (continuing on extra pages), with
    the return's document id; the signatures are in the original (--pdf).

    \b
    Examples:
      supforms records show 42
      supforms records show 42 --pdf original.pdf
      supforms records show 42 --print record-42.pdf
      supforms records show 42 --json
    """
    from supforms.pipeline.cli.report import describe_result
    from supforms.pipeline.delivery.printing import reprint
    from supforms.pipeline.delivery.renew import links
    from supforms.pipeline.files import write_private

    records = open_records(ctx)
    result, pdf, _ = records.record(record_id)
    if pdf_out:
        write_private(pdf_out, pdf)  # whole, or WriteError: exit 1, nothing left
    if print_out:
        write_private(print_out, reprint(result))
    # Logged before anything is shown: no reading without its line.
    how = "show --pdf" if pdf_out else "show --print" if print_out else "show"
    records.audit_read("show --json" if as_json and how == "show" else how, [record_id])
    cycle = [] if as_json else links(records, record_id, result.get("document_id"))
    click.echo(json_line(result, indent=1) if as_json else describe_result(result))
    for line in cycle:
        click.echo(printable(line))


@click.command("export")
@filters
@click.option(
    "--format", "fmt", type=click.Choice(["jsonl", "csv"]), default="jsonl", show_default=True
)
@click.option(
    "--fields",
    help="Columns: record columns, or data.<dotted path> from the form's JSON "
    "(default: id, form, version, document_id, status, the people, team, case "
    "reference, received_at, source_name).",
)
@out_option(None, _WHOLE, folder=False)
@click.pass_context
def export_command(
    ctx: click.Context,
    /,
    fmt: str,
    fields: str | None,
    out: Path | None,
    store: str | None,
    **chosen: Any,
) -> None:
    """Export records for a spreadsheet (csv) or another system (jsonl). Audited.

    \b
    Examples:
      supforms records export --format csv --form contract > contracts.csv
      supforms records export --fields id,supervisee,data.agreed_on --since 01/01/2026
      supforms records export --format csv -o contracts.csv
    """
    from supforms.pipeline.records.export import (
        DEFAULT_FIELDS,
        export_rows,
        to_csv,
        to_jsonl,
    )

    records = open_records(ctx)
    chosen_fields = fields.split(",") if fields else DEFAULT_FIELDS
    columns = tuple(f.strip() for f in chosen_fields if f.strip())
    listed = list(records.rows(records.select(**chosen)))
    rows = list(export_rows(records, iter(listed), columns))
    records.audit_read(
        f"export --format {fmt}",
        [row["id"] for row in listed],
        fields=list(columns),
    )
    _emit(to_csv(rows, columns) if fmt == "csv" else to_jsonl(rows), out)


@click.command("verify")
@click.option(
    "--expect-head",
    metavar="HASH",
    help="A head noted earlier (records head; its first 8+ hex digits will do): "
    "prove nothing up to it was rewritten.",
)
@click.option("--json", "as_json", is_flag=True, help="One JSON object: counts and findings.")
@click.option(
    "--evidence",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Prove an evidence pack (records evidence) against the store instead.",
)
@store_option
@click.pass_context
def verify_command(
    ctx: click.Context,
    expect_head: str | None,
    as_json: bool,
    evidence: Path | None,
    store: str | None,
) -> None:
    """Prove the store intact: PDFs, records against the audit log, the log's chain.

    \b
    Re-hashes every stored PDF; checks every record against the state its own
    audit lines give it, in order (PDF SHA-256, result JSON, status and every
    other column, each named when changed), that every line stating a record is
    one the store would have written there, that every archived record is still
    stored (or a purge line states it), and each audit line's hash and link to
    the line before. Exit 1 on any finding; exit 2 if --expect-head is no head.

    \b
    Examples:
      supforms records verify
      supforms records verify --expect-head 3f5a…   # a head noted earlier
      supforms records verify --expect-head "$(supforms records head)"
      supforms records verify --evidence record-42.pdf
    """
    if evidence is not None:
        if expect_head or as_json:
            raise click.UsageError("--evidence proves a pack: give it without --expect-head/--json")
        _verify_evidence(ctx, evidence)
        return
    opened = open_records(ctx)
    report = opened.verify(expect_head)
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


def _verify_evidence(ctx: click.Context, pack: Path) -> None:
    """One line per mismatch and exit 1, or one line saying the pack proves."""
    from supforms.pipeline.evidence.proving import verify_pack

    mismatches = verify_pack(open_records(ctx), pack)
    for mismatch in mismatches:
        click.echo(printable(mismatch))
    if mismatches:
        click.echo(f"supforms: {printable(str(pack))}: {len(mismatches)} mismatch(es)", err=True)
        sys.exit(1)
    click.echo(f"{printable(str(pack))} matches the store: originals, audit lines and head.")


@click.command("head")
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
    head = open_records(ctx).head()
    if as_json:
        click.echo(json_line({"id": head.id, "hash": head.hash}))
    else:
        click.echo(f"{head.hash}  (audit line {head.id})")


@click.command("outstanding")
@click.option("--json", "as_json", is_flag=True)
@store_option
@click.pass_context
def outstanding_command(ctx: click.Context, as_json: bool, store: str | None) -> None:
    """Issued copies not yet returned complete, wherever they were made or sent from.

    \b
    The copies `remind` chases: STATUS is `outstanding` (nothing back yet) or what
    its latest return lacked (`incomplete`, `invalid`). A copy made by `generate`
    or `print` is here too, though nobody was emailed it.

    \b
    Examples:
      supforms records outstanding
      supforms records outstanding --json
    """
    rows = open_records(ctx).outstanding()
    if not (rows or as_json):
        click.echo("No copy is outstanding: every issued copy is back.")
    elif rows and not as_json:
        click.echo(f"{'DOCUMENT':<20}  {'FORM':<15}{'STATUS':<12} FOR  (ISSUED, FILE)")
    for row in rows:
        if as_json:
            click.echo(json_line(row, default=str))
        else:
            click.echo(
                f"{printable(row['document_id']):<20}  {printable(row['form']):<15}"
                f"{row['status']:<12} {printable(row['recipient'] or '')}"
                f"  (issued {str(row['issued_at'])[:10]}, {printable(row['file'])})"
            )


@click.command("due")
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
    from supforms.pipeline.records.export import due_records

    rows = due_records(open_records(ctx), within, date.today())
    if not (rows or as_json):
        click.echo(f"Nothing is due within {within.days} days.")
    elif rows and not as_json:
        click.echo(f"{'DUE':<10}  {'ACTION':<22} WHO  (RECORD, DOCUMENT)")
    for row in rows:
        if as_json:
            click.echo(json_line(row, default=str))
        else:
            click.echo(
                f"{row['due']}  {row['action']:<22} {printable(row['supervisee'] or '')}"
                f"  (record {row['id']}, {printable(row['document_id'] or '-')})"
            )
