"""``supforms ingest`` and ``supforms inspect``: returned forms back into validated JSON."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import click
from supforms.pipeline.cli.common import (
    Settings,
    exit_for,
    json_line,
    json_option,
    out_option,
    printable,
    progress,
    store_option,
)

__all__ = ["ingest_command", "inspect_command"]

log = logging.getLogger("supforms")


@click.command("ingest")
@click.argument("paths", nargs=-1, required=True)
@out_option("output/ingest", "Folder for results/, quarantine/, index.jsonl and summary.json/csv.")
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
    "--size-limit",
    type=click.IntRange(1, 900),
    default=256,
    show_default=True,
    help="MiB one file may hold; a larger one is rejected unread, its bytes kept in quarantine.",
)
@json_option("One result (ingest JSON) per line on stdout.")
@store_option
@click.option(
    "--no-archive",
    is_flag=True,
    help="Judge and write results only; archive nothing in the records store.",
)
@click.option(
    "--move-to",
    metavar="FOLDER",
    help="imaps:// sources: move each message read to this folder (made if need be); "
    "without it, each is flagged $SupformsIngested. Mail is never deleted.",
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
    size_limit: int,
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
    damaged, cut short, needs a password, not one of our forms: its bytes kept
    in OUT/quarantine/) or duplicate (same bytes seen before); and each
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
    Ctrl-C (or SIGTERM) ends the batch early but whole: what was read is
    reported and in the summary, the rest is left for the same command to
    do again; exit 130 (143).

    \b
    Examples:
      supforms ingest inbox/
      supforms ingest 'returns/**/*.pdf' --json > results.ndjson
      supforms ingest scan.pdf --out output/ingest --workers 1
      supforms ingest imaps://returns@mail.example.org/INBOX --move-to Filed
    """
    from supforms.pipeline.cli.interrupt import exit_interrupted, interruptible
    from supforms.pipeline.cli.report import problem_line, signature_lines
    from supforms.pipeline.intake.workers import Limits
    from supforms.pipeline.result import needs_person

    import supforms

    with interruptible() as interrupt:
        run = supforms.ingest(
            paths,
            out,
            store=store,
            archive=not no_archive,
            workers=workers,
            limits=Limits(time_limit, memory_limit, size_limit),
            config=settings.config,
            move_to=move_to,
            imap_ca=imap_ca,
        )
        interrupt.attach(run.stop)
        with run, progress(iter(run), run.total, "Ingesting", settings, as_json) as shown:
            for result in shown:
                if as_json:
                    click.echo(json_line(result.as_json()))
                elif needs_person(result) and not settings.quiet:
                    click.echo(problem_line(result, run.origins.get(result.filename)), err=True)
                if log.isEnabledFor(logging.INFO):
                    for line in signature_lines(result.as_json()):
                        log.info("%s", line)
    if not (settings.quiet or as_json):
        click.echo(_summary_line(run.summary.counts, run.mailboxes != [], run.moved, out))
    if interrupt.signum is not None:
        exit_interrupted(interrupt, len(run.summary.rows), run.left, "inputs")
    exit_for(needs_person=run.summary.needs_action)


def _summary_line(counts: dict[str, int], mailboxes: bool, moved: int, out: Path) -> str:
    read = {status: n for status, n in counts.items() if status != "skipped"}
    parts = ", ".join(f"{n} {printable(s)}" for s, n in sorted(read.items()))
    skipped = (
        f" Skipped {counts['skipped']}: not PDFs or emails"
        + (", or messages left in the mailbox." if mailboxes else ".")
        if counts.get("skipped")
        else ""
    )
    put_away = f" {moved} message(s) put away." if mailboxes else ""
    return (
        f"Ingested {sum(read.values())} file(s): {parts or 'nothing'}.{skipped}{put_away} "
        f"Results in {printable(str(out))}/ (summary.csv lists each file)."
    )


@click.command("inspect")
@click.argument("pdf", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@json_option("The ingest JSON instead of the report.")
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
    from supforms.pipeline.cli.report import describe_result
    from supforms.pipeline.result import needs_person

    import supforms

    result = supforms.inspect(pdf, config=settings.config)
    if as_json:
        click.echo(json_line(result.as_json(), indent=1))
    else:
        click.echo(describe_result(result.as_json()))
    exit_for(needs_person=needs_person(result))
