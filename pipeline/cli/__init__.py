"""The ``supforms`` command: parse, call one library function, print, exit.

Exit codes (DESIGN.md, contract 7): 0 done; 1 the tool could not do its job
(output not writable, a template or config broken); 2 usage error, including
data that must be fixed before anything is generated; 3 a batch finished with
inputs rejected, invalid or incomplete.
"""

from __future__ import annotations

import json
import logging
import os
import sys
from contextlib import ExitStack
from dataclasses import asdict
from pathlib import Path

import click
from supforms.forms.reading.fields import read_fields
from supforms.forms.spec import field_specs
from supforms.forms.writing.wording import default_config
from supforms.pipeline.cli.common import (
    STORE_OPTION_HELP,
    Settings,
    check_store_option,
    exit_for,
    handle_errors,
    json_line,
    printable,
    progress,
)
from supforms.pipeline.cli.delivery import print_command, send_command
from supforms.pipeline.cli.loop import remind_command, renew_command
from supforms.pipeline.cli.records import records_group
from supforms.pipeline.cli.report import describe_result, signature_lines
from supforms.pipeline.delivery.data import load_records
from supforms.pipeline.delivery.generate import MANIFEST, check_records, generate
from supforms.pipeline.delivery.notify import SettingError
from supforms.pipeline.intake.batch import Batch
from supforms.pipeline.intake.imap import FLAG, MailboxIntake, is_mailbox_url
from supforms.pipeline.intake.ingest import ingest_bytes
from supforms.pipeline.intake.inputs import Inputs, find_inputs, read_input
from supforms.pipeline.intake.mailbox import pdfs_from_emails
from supforms.pipeline.intake.workers import Limits
from supforms.pipeline.records.preflight import check_folder, writable_store
from supforms.pipeline.records.store import open_store, store_url
from supforms.pipeline.result import needs_person
from supforms.schemas.registry import broken_plugins, form_ids, latest, origin_of, versions

__all__ = ["main"]

log = logging.getLogger("supforms")


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.option("-v", "--verbose", count=True, help="More detail on stderr (repeat for more).")
@click.option("-q", "--quiet", is_flag=True, help="Only errors on stderr; no progress bars.")
@click.option(
    "--config",
    type=click.Path(dir_okay=False, path_type=Path),
    envvar="SUPFORMS_CONFIG",
    help="Wording config (TOML): organisation names, local systems, logo. "
    "Defaults reproduce the seed documents. Env: SUPFORMS_CONFIG.",
)
@click.version_option(package_name="supforms")
@click.pass_context
def cli(ctx: click.Context, verbose: int, quiet: bool, config: Path | None) -> None:
    """Supervision paperwork as typed, fillable PDF forms.

    \b
    Typical use:
      supforms forms                                  what forms there are
      supforms generate contract                      a blank contract in output/
      supforms generate agreement --data pairs.csv    one prefilled copy per row
      supforms fields output/contract-blank.pdf       the fields of any PDF
      supforms schema group-record                    the JSON Schema of a form
      supforms ingest inbox/                          returned forms back into JSON
      supforms inspect return.pdf                     why a return was read as it was
    """
    level = (
        logging.ERROR if quiet else [logging.WARNING, logging.INFO, logging.DEBUG][min(verbose, 2)]
    )
    logging.basicConfig(level=level, format="supforms: %(message)s", stream=sys.stderr)
    ctx.obj = Settings(verbose, quiet, config)
    for broken in broken_plugins():  # the other forms keep working; this one is named
        log.warning("%s", printable(str(broken)))


@cli.command("forms")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per form version.")
@click.option("--ids", is_flag=True, help="Only the form ids, one per line (for scripts).")
@click.option(
    "--wording", is_flag=True, help="The wording config with every default, to copy and edit."
)
def forms_command(as_json: bool, ids: bool, wording: bool) -> None:
    """List the forms (built in, and from installed packages) and their schema versions.

    \b
    A form another package adds (entry point supforms.forms) is listed with its
    package; one that cannot be loaded is named on stderr, with why.

    \b
    Examples:
      supforms forms
      supforms forms --json
      supforms forms --wording > council.toml     # then: supforms --config council.toml …
    """
    if wording:
        click.echo(default_config(), nl=False)
        return
    if ids:
        click.echo("\n".join(form_ids()))
        return
    for form_id, version, model in versions():
        title = model.declaration.title if model.declaration else form_id
        package = origin_of(form_id)
        row = {
            "form": form_id,
            "version": version,
            "title": title,
            "fields": len(field_specs(model)),
            "latest": latest(form_id) is model,
            "package": package,
        }
        if as_json:
            click.echo(json_line(row))
        else:
            source = "" if package == "supforms" else f"  [{printable(package)}]"
            click.echo(
                f"{form_id:<14} {version:<8} {row['fields']:>3} fields  {printable(title)}{source}"
            )


@cli.command("schema")
@click.argument("form", type=click.Choice(form_ids()), metavar="FORM")
def schema_command(form: str) -> None:
    """Print the JSON Schema of FORM's newest version (what --data records must satisfy).

    \b
    Examples:
      supforms schema agreement
      supforms schema group-record > group-record.schema.json
    """
    click.echo(json.dumps(latest(form).model_json_schema(), indent=2, ensure_ascii=False))


@cli.command("generate")
@click.argument("form", type=click.Choice(form_ids()), metavar="FORM")
@click.option(
    "-o",
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("output"),
    show_default=True,
    help="Folder for the PDFs and the manifest.",
)
@click.option(
    "--data",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Prefill records: CSV, JSON or JSON Lines; keys are dotted paths "
    "(supervisee.name) or nested objects. One PDF per record.",
)
@click.option(
    "--flatten", is_flag=True, help="Print-only copies: values merged into the page, no fields."
)
@click.option("--json", "as_json", is_flag=True, help="One JSON object per copy on stdout.")
@click.option(
    "--store",
    callback=check_store_option,
    help="Records store whose issuance registry records the prefilled copies. " + STORE_OPTION_HELP,
)
@click.pass_obj
def generate_command(
    settings: Settings,
    form: str,
    out: Path,
    data: Path | None,
    flatten: bool,
    as_json: bool,
    store: str | None,
) -> None:
    """Generate FORM as a fillable PDF: blank, or one prefilled copy per --data record.

    \b
    Every copy gets a unique document id, printed in its footer with a QR code
    and kept in its metadata; each is recorded in OUT/manifest.jsonl (document
    id, form, version, file, recipient, prefilled values) to match returns.
    A record may carry "_recipient" (who it is for). All records are
    validated before anything is written: a bad one is reported with its row
    and field, and nothing is generated (exit 2).

    \b
    Examples:
      supforms generate contract
      supforms generate agreement --data pairs.csv --out output/agreements
      supforms generate group-record --data sessions.jsonl --flatten
    """
    with handle_errors(), ExitStack() as stack:
        records = load_records(data) if data else None
        registry = None
        if records is not None:  # before anything is written: can it be kept and registered?
            check_records(form, records, str(data), settings.wording())
            check_folder(out)
            registry = stack.enter_context(writable_store(store_url(store)))
        copies = generate(
            form,
            out,
            records,
            source=str(data or ""),
            flatten=flatten,
            wording=settings.wording(),
            store=registry,
        )
        written = 0
        count = len(records) if records is not None else 1
        with progress(copies, count, f"Generating {form}", settings, as_json) as shown:
            for copy in shown:
                written += 1
                if as_json:
                    click.echo(json_line(asdict(copy)))
        if not (settings.quiet or as_json):
            click.echo(
                f"Wrote {written} {form} PDF(s) to {printable(str(out))}/ (issued copies are "
                f"listed in {printable(str(out / MANIFEST))})"
            )


@cli.command("fields")
@click.argument("pdf", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="One JSON object per field on stdout.")
def fields_command(pdf: Path, as_json: bool) -> None:
    """List the form fields of any PDF: name, type and value.

    \b
    Examples:
      supforms fields output/contract-blank.pdf
      supforms fields return.pdf --json
    """
    with handle_errors():
        fields = read_fields(read_input(pdf), str(pdf))
    if as_json:
        for field in fields:
            row = {k: v for k, v in field._asdict().items() if k != "widgets"}
            click.echo(json_line(row))
        return
    if not fields:
        click.echo(f"{printable(str(pdf))}: no form fields")
        return
    names = [printable(field.name) for field in fields]
    width = max(len(name) for name in names)
    for name, field in zip(names, fields, strict=True):
        value = "" if field.value is None else printable(field.value.replace("\n", "⏎"))
        click.echo(f"{name:<{width}}  {field.type:<10} {value}")


@cli.command("ingest")
@click.argument("paths", nargs=-1, required=True)
@click.option(
    "-o",
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("output/ingest"),
    show_default=True,
    help="Folder for results/, quarantine/, index.jsonl and summary.json/csv.",
)
@click.option(
    "--workers",
    type=click.IntRange(1, 64),
    default=os.cpu_count() or 1,
    show_default="number of cores",
    help="Worker processes reading PDFs.",
)
@click.option(
    "--time-limit",
    type=click.FloatRange(0.1),
    default=30.0,
    show_default=True,
    help="Seconds one file may take before it is rejected.",
)
@click.option(
    "--memory-limit",
    type=click.IntRange(64),
    default=1024,
    show_default=True,
    help="MiB one file may need before it is rejected.",
)
@click.option(
    "--json", "as_json", is_flag=True, help="One result (ingest JSON) per line on stdout."
)
@click.option("--store", callback=check_store_option, help=STORE_OPTION_HELP)
@click.option(
    "--no-archive",
    is_flag=True,
    help="Judge and write results only; archive nothing in the records store.",
)
@click.option(
    "--move-to",
    metavar="FOLDER",
    help="imaps:// sources: move each message read to this folder (made if need be); "
    f"without it, each is flagged {FLAG}. Mail is never deleted.",
)
@click.option(
    "--imap-ca",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="imaps:// sources: trust this CA file (PEM) for the mail server's certificate, "
    "instead of the system's (or SSL_CERT_FILE's).",
)
@click.pass_obj
def ingest_command(
    settings: Settings,
    paths: tuple[str, ...],
    out: Path,
    workers: int,
    time_limit: float,
    memory_limit: int,
    as_json: bool,
    store: str | None,
    no_archive: bool,
    move_to: str | None,
    imap_ca: Path | None,
) -> None:
    """Read returned forms back into validated JSON, whatever they were filled with.

    \b
    PATHS are PDF files, emails saved as files (their PDF attachments are
    read), folders or globs. In a folder (searched recursively) or a glob's
    matches, PDFs and emails are known by their content, whatever their
    names; anything else there is listed as skipped, with why. Symbolic links
    are never followed. For each input: its form, version and document id;
    every field read and normalised; a status: complete, incomplete (names
    what is missing), invalid (names each bad value), rejected (not a PDF,
    cut short, damaged, needs a password, not one of our forms: its bytes kept in
    OUT/quarantine/) or duplicate (same bytes seen before); and each
    signature's verdict (digital, drawn, typed or none).

    \b
    A PATH may also be a mailbox: imaps://USER@HOST[:PORT]/FOLDER (TLS only;
    the password in SUPFORMS_IMAP_PASSWORD). Each message not read before is
    read like an email file, then moved (--move-to) or flagged; one that
    cannot be fetched is left where it is and listed as skipped. The store
    remembers each message read (UIDVALIDITY and UID): none is read twice.

    \b
    Exit 0 when every input is complete (or a duplicate), 3 when some need
    action (skipped entries too), 1 when supforms could not do its job.

    \b
    Examples:
      supforms ingest inbox/
      supforms ingest 'returns/**/*.pdf' --json > results.ndjson
      supforms ingest scan.pdf --out output/ingest --workers 1
      supforms ingest imaps://returns@mail.example.org/INBOX --move-to Filed
    """
    with handle_errors():
        urls = [path for path in paths if is_mailbox_url(path)]
        files = [path for path in paths if not is_mailbox_url(path)]
        inputs = find_inputs(files) if files else Inputs()
        attached, unmailed = pdfs_from_emails(inputs.emails, out / "mail")
        found, refused = inputs.pdfs + attached, inputs.refused + unmailed
        passed_over = list(inputs.skipped)
        if urls and no_archive:
            raise SettingError("a mailbox is read into the store (it remembers each message)")
        records = None if no_archive else open_store(store_url(store))
        if records is not None:
            click.get_current_context().call_on_close(records.close)
        mailboxes = [
            MailboxIntake(url, records, move_to=move_to, ca_file=imap_ca)
            for url in urls
            if records is not None
        ]
        for mailbox in mailboxes:
            click.get_current_context().call_on_close(mailbox.close)
            mailbox.open(out)
            found, refused, passed_over = (
                found + mailbox.pdfs,
                refused + mailbox.refused,
                passed_over + mailbox.left,
            )
        batch = Batch(out, workers, Limits(time_limit, memory_limit), settings.config, records)
        results = batch.run(found, refused, passed_over)
        total = len(found) + len(refused) + len(passed_over)
        with progress(results, total, "Ingesting", settings, as_json) as shown:
            for result in shown:
                for mailbox in mailboxes:
                    mailbox.settle(result)
                if as_json:
                    click.echo(json_line(result.as_json()))
                elif needs_person(result) and not settings.quiet:
                    first = result.problems[0] if result.problems else None
                    reason = f"{first.field}: {first.message}" if first else ""
                    more = len(result.problems) - 1
                    click.echo(
                        f"{printable(result.file or result.filename)}: {result.status}: "
                        f"{printable(reason)}" + (f" (+{more} more)" if more > 0 else ""),
                        err=True,
                    )
                if log.isEnabledFor(logging.INFO):
                    for line in signature_lines(result.as_json()):
                        log.info("%s", line)
        counts = batch.summary.counts
        if not (settings.quiet or as_json):
            read = {status: n for status, n in counts.items() if status != "skipped"}
            parts = ", ".join(f"{n} {printable(s)}" for s, n in sorted(read.items()))
            skipped = (
                f" Skipped {counts['skipped']}: not PDFs or emails"
                + (", or messages left in the mailbox." if mailboxes else ".")
                if counts["skipped"]
                else ""
            )
            moved = sum(mailbox.moved for mailbox in mailboxes)
            put_away = f" {moved} message(s) put away." if mailboxes else ""
            click.echo(
                f"Ingested {sum(read.values())} file(s): {parts or 'nothing'}.{skipped}{put_away} "
                f"Results in {printable(str(out))}/ (summary.csv lists each file)."
            )
    exit_for(needs_person=batch.summary.needs_action)


@cli.command("inspect")
@click.argument("pdf", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="The ingest JSON instead of the report.")
@click.pass_obj
def inspect_command(settings: Settings, pdf: Path, as_json: bool) -> None:
    """Explain how supforms reads one returned PDF, archiving nothing.

    What support staff run when someone asks "why was my form rejected?":
    the form, version and document id, every field with its value and any
    problem, and each signature's verdict. Exit 3 when the return needs a person.

    \b
    Examples:
      supforms inspect return.pdf
      supforms inspect return.pdf --json
    """
    with handle_errors():
        result = ingest_bytes(read_input(pdf), pdf.name, settings.wording())
    if as_json:
        click.echo(json_line(result.as_json(), indent=1))
    else:
        click.echo(describe_result(result.as_json()))
    exit_for(needs_person=needs_person(result))


cli.add_command(records_group)
cli.add_command(send_command)
cli.add_command(print_command)
cli.add_command(remind_command)
cli.add_command(renew_command)


def main() -> None:
    cli(prog_name="supforms")
