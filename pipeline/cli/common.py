"""What the supforms commands share: error handling, settings, option texts."""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any, NoReturn, TypeVar

import click
from supforms.forms.writing.wording import Wording, load_wording
from supforms.pipeline.records.urls import check_store_url
from supforms.pipeline.text import json_line, printable
from supforms.schemas.errors import InvalidRecordError, PipelineError

__all__ = [
    "DURATION",
    "STORE_OPTION_HELP",
    "Settings",
    "check_store_option",
    "exit_for",
    "handle_errors",
    "json_line",
    "printable",
    "progress",
]

T = TypeVar("T")


class Duration(click.ParamType):  # type: ignore[type-arg]
    """A span of days or weeks, as every such option takes it: 14d, 2w."""

    name = "duration"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if isinstance(value, timedelta):
            return value
        match = re.fullmatch(r"(\d+)\s*([dw])", str(value).strip())
        if not match:
            self.fail("write it as a number of days or weeks: 30d, 6w", param, ctx)
        return timedelta(days=int(match[1]) * (7 if match[2] == "w" else 1))


DURATION = Duration()

STORE_OPTION_HELP = (
    "Records store: sqlite:///FILE or postgresql://USER@HOST/DB (the password from "
    "PGPASSWORD, ~/.pgpass or a service file, never in the URL). "
    "Env: SUPFORMS_STORE. Default: sqlite:///output/records.db."
)


@contextmanager
def handle_errors() -> Iterator[None]:
    """Map each ``PipelineError`` to one clear line on stderr and its class's exit code.

    Messages name paths, fields and values that came from outside: printed escaped.
    """
    try:
        yield
    except InvalidRecordError as exc:
        where = f"{exc.path}: " if exc.path else ""
        click.echo(f"supforms: {printable(where + exc.message)}", err=True)
        for problem in exc.problems:
            click.echo(f"  {printable(problem.field)}: {printable(problem.message)}", err=True)
        sys.exit(exc.exit_code)
    except PipelineError as exc:
        click.echo(f"supforms: {printable(str(exc))}", err=True)
        sys.exit(exc.exit_code)


def exit_for(*, needs_person: bool) -> NoReturn:
    """The one rule for work that finished (DESIGN.md, contract 7).

    Exit 3 when some of it needs a person (``supforms.pipeline.result.needs_person`` for an
    input; a message not sent), else 0.
    """
    sys.exit(3 if needs_person else 0)


class Settings:
    def __init__(self, verbose: int, quiet: bool, config: Path | None) -> None:
        self.quiet = quiet
        self.config = config
        self.store: str | None = None

    def wording(self) -> Wording:
        return load_wording(self.config)


@contextmanager
def progress(
    items: Iterator[T], length: int, label: str, settings: Settings, as_json: bool = False
) -> Iterator[Iterator[T]]:
    """``items``, with a progress bar on stderr when a person is watching.

    Only on a terminal, for more than one item, and never with ``--quiet`` or ``--json``.
    """
    if length > 1 and not (settings.quiet or as_json) and sys.stderr.isatty():
        with click.progressbar(items, length=length, label=label, file=sys.stderr) as bar:
            yield bar
    else:
        yield items


def check_store_option(ctx: click.Context, param: click.Parameter, value: str | None) -> Any:
    """Refuse a store URL with a password (``--store``, else ``SUPFORMS_STORE``), unechoed.

    Checked when the command line is parsed, before anything is written or sent.
    """
    url, where = (value, None) if value else (os.environ.get("SUPFORMS_STORE"), "SUPFORMS_STORE")
    if url:
        try:
            check_store_url(url)
        except PipelineError as exc:
            message = f"{where}: {exc}" if where else str(exc)
            raise click.BadParameter(message, ctx=ctx, param=param) from None
    return value
