"""The ``supforms`` command: parse, call one library function, print, exit.

Exit codes (DESIGN.md, contract 7): 0 done; 1 the tool could not do its job
(output not writable, a template or config broken); 2 usage error, including
data that must be fixed before anything is generated; 3 a batch finished with
inputs rejected, invalid or incomplete.
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict
from pathlib import Path
from typing import Any

import click

from forms.read import read_fields
from forms.spec import field_specs
from forms.wording import load_wording
from pipeline.data import load_records
from pipeline.generate import MANIFEST, generate
from schemas.errors import InvalidRecordError, PipelineError, UnknownFormError
from schemas.registry import FORMS, TITLES, form_ids, latest

__all__ = ["main"]

log = logging.getLogger("supforms")


@contextmanager
def handle_errors() -> Iterator[None]:
    """Map each ``PipelineError`` to one clear line on stderr and its exit code."""
    try:
        yield
    except InvalidRecordError as exc:
        click.echo(f"supforms: {exc.path + ': ' if exc.path else ''}{exc.message}", err=True)
        for problem in exc.problems:
            click.echo(f"  {problem.field}: {problem.message}", err=True)
        sys.exit(2)
    except UnknownFormError as exc:
        click.echo(f"supforms: {exc}", err=True)
        sys.exit(2)
    except PipelineError as exc:
        click.echo(f"supforms: {exc}", err=True)
        sys.exit(1)


class Settings:
    def __init__(self, verbose: int, quiet: bool, config: Path | None) -> None:
        self.quiet = quiet
        self.config = config

    def wording(self) -> Any:
        return load_wording(self.config)


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
    """
    level = (
        logging.ERROR if quiet else [logging.WARNING, logging.INFO, logging.DEBUG][min(verbose, 2)]
    )
    logging.basicConfig(level=level, format="supforms: %(message)s", stream=sys.stderr)
    ctx.obj = Settings(verbose, quiet, config)


@cli.command("forms")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per form version.")
def forms_command(as_json: bool) -> None:
    """List the forms and their schema versions."""
    for (form_id, version), model in FORMS.items():
        row = {
            "form": form_id,
            "version": version,
            "title": TITLES[form_id],
            "fields": len(field_specs(model)),
            "latest": latest(form_id) is model,
        }
        if as_json:
            click.echo(json.dumps(row, ensure_ascii=False))
        else:
            click.echo(f"{form_id:<14} {version:<8} {row['fields']:>3} fields  {TITLES[form_id]}")


@cli.command("schema")
@click.argument("form", type=click.Choice(form_ids()), metavar="FORM")
def schema_command(form: str) -> None:
    """Print the JSON Schema of FORM's newest version (what --data records must satisfy)."""
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
@click.pass_obj
def generate_command(
    settings: Settings, form: str, out: Path, data: Path | None, flatten: bool, as_json: bool
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
    with handle_errors():
        records = load_records(data) if data else None
        copies = generate(
            form,
            out,
            records,
            source=str(data or ""),
            flatten=flatten,
            wording=settings.wording(),
        )
        count = len(records) if records is not None else 1
        show_bar = count > 1 and not (settings.quiet or as_json) and sys.stderr.isatty()
        written = 0
        with (
            click.progressbar(
                copies,
                length=count,
                label=f"Generating {form}",
                file=sys.stderr,
            )
            if show_bar
            else _plain(copies) as progress
        ):
            for issued in progress:
                written += 1
                if as_json:
                    click.echo(json.dumps(asdict(issued), ensure_ascii=False))
        if not (settings.quiet or as_json):
            click.echo(
                f"Wrote {written} {form} PDF(s) to {out}/ (issued copies are listed in "
                f"{out / MANIFEST})"
            )


@contextmanager
def _plain(items: Iterator[Any]) -> Iterator[Iterator[Any]]:
    yield items


@cli.command("fields")
@click.argument("pdf", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="One JSON object per field on stdout.")
def fields_command(pdf: Path, as_json: bool) -> None:
    """List the form fields of any PDF: name, type and value."""
    with handle_errors():
        fields = read_fields(pdf)
    if as_json:
        for field in fields:
            click.echo(json.dumps(asdict(field), ensure_ascii=False))
        return
    if not fields:
        click.echo(f"{pdf}: no form fields")
        return
    width = max(len(field.name) for field in fields)
    for field in fields:
        value = "" if field.value is None else field.value.replace("\n", "⏎")
        click.echo(f"{field.name:<{width}}  {field.type:<10} {value}")


def main() -> None:
    cli(prog_name="supforms")
