"""``supforms generate``: a form as a fillable PDF, blank or one prefilled copy per record."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path

import click
from supforms.pipeline.cli.common import (
    FORM,
    Settings,
    json_line,
    json_option,
    out_option,
    printable,
    progress,
    store_option,
)

__all__ = ["generate_command"]


@click.command("generate")
@click.argument("form", type=FORM)
@out_option("output", "Folder for the PDFs and the manifest.")
@click.option(
    "--data",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Prefill records: CSV, JSON or JSON Lines; keys are dotted paths "
    "(supervisee.name) or nested objects. One PDF per record, registered in the store.",
)
@click.option(
    "--flatten", is_flag=True, help="Print-only copies: values merged into the page, no fields."
)
@click.option(
    "--carry-actions",
    is_flag=True,
    help="Session records: prefill each pair's open action points from their last "
    "complete session record in the store.",
)
@json_option("One JSON object per copy on stdout.")
@store_option
@click.pass_obj
def generate_command(
    settings: Settings,
    form: str,
    out: Path,
    data: Path | None,
    flatten: bool,
    carry_actions: bool,
    as_json: bool,
    store: str | None,
) -> None:
    """Generate FORM as a fillable PDF: blank, or one prefilled copy per --data record.

    \b
    Every copy gets a unique document id, printed in its footer with a QR code
    and kept in its metadata; each is recorded in OUT/manifest.jsonl (document
    id, form, version, file, recipient, prefilled values) to match returns, and
    each prefilled copy in the store's registry of issued copies.
    A record may carry "_recipient" (who it is for). All records are
    validated before anything is written: a bad one is reported with its row
    and field, and nothing is generated (exit 2). Ctrl-C (or SIGTERM) makes
    no copy after the one in hand: each made is listed and registered, and
    the line on stderr names the last row made; exit 130 (143).

    \b
    Examples:
      supforms generate contract
      supforms generate agreement --data pairs.csv --out output/agreements
      supforms generate group-record --data sessions.jsonl --flatten
      supforms generate session-record --data pairs.csv --carry-actions
    """
    from supforms.pipeline.cli.interrupt import exit_interrupted, interruptible

    import supforms

    written, last = 0, None
    with interruptible() as interrupt:
        copies = supforms.generate(
            form,
            out,
            data=data,
            store=store,
            flatten=flatten,
            config=settings.config,
            carry_actions=carry_actions,
        )
        interrupt.attach(copies.stop)
        label = f"Generating {form}"
        with copies, progress(iter(copies), copies.total, label, settings, as_json) as shown:
            for copy in shown:
                written, last = written + 1, copy
                if as_json:
                    click.echo(json_line(asdict(copy)))
    manifest = printable(str(out / "manifest.jsonl"))
    if not (settings.quiet or as_json):
        what = (
            printable(str(out / last.file)) if written == 1 and last else f"{printable(str(out))}/"
        )
        click.echo(
            f"Wrote {written} {form} PDF(s) to {what} (issued copies are listed in {manifest})"
        )
    if interrupt.signum is not None:
        rest = (
            f"each is listed in {manifest}; to make the rest, run again with only the rows "
            f"after row {last.row} of {printable(str(data))}"
            if last is not None and last.row is not None
            else "run the same command again"
        )
        exit_interrupted(interrupt, written, copies.left, "copies", rest)
