"""``supforms forms``, ``schema`` and ``fields``: what forms there are, and what a PDF holds."""

from __future__ import annotations

import json
from pathlib import Path

import click
from supforms.pipeline.cli.common import FORM, json_line, json_option, printable

__all__ = ["fields_command", "forms_command", "schema_command"]


@click.command("forms")
@json_option("One JSON object per form version.")
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
        from supforms.forms.writing.wording import default_config

        click.echo(default_config(), nl=False)
        return
    if ids:
        from supforms.schemas.registry import form_ids

        click.echo("\n".join(form_ids()))
        return
    from supforms.pipeline.catalogue import form_rows

    for row in form_rows():
        if as_json:
            click.echo(json_line(row))
        else:
            package = row["package"]
            source = "" if package == "supforms" else f"  [{printable(package)}]"
            click.echo(
                f"{row['form']:<14} {row['version']:<8} {row['fields']:>3} fields  "
                f"{printable(row['title'])}{source}"
            )


@click.command("schema")
@click.argument("form", type=FORM)
def schema_command(form: str) -> None:
    """Print the JSON Schema of FORM's newest version (what --data records must satisfy).

    \b
    Examples:
      supforms schema agreement
      supforms schema group-record > group-record.schema.json
    """
    from supforms.schemas.registry import latest

    click.echo(json.dumps(latest(form).model_json_schema(), indent=2, ensure_ascii=False))


@click.command("fields")
@click.argument("pdf", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@json_option("One JSON object per field on stdout.")
def fields_command(pdf: Path, as_json: bool) -> None:
    """List the form fields of any PDF: name, type and value.

    \b
    Examples:
      supforms fields output/contract-blank.pdf
      supforms fields return.pdf --json
    """
    from supforms.forms.reading.fields import read_fields
    from supforms.pipeline.intake.inputs import read_input

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
    click.echo(f"{'NAME':<{width}}  {'TYPE':<10} VALUE")
    for name, field in zip(names, fields, strict=True):
        value = "" if field.value is None else printable(field.value.replace("\n", "⏎"))
        click.echo(f"{name:<{width}}  {field.type:<10} {value}")
