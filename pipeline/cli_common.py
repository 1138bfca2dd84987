"""What the supforms commands share: error handling, settings, option texts."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click

from forms.wording import Wording, load_wording
from schemas.errors import InvalidRecordError, PipelineError, UnknownFormError

__all__ = ["STORE_OPTION_HELP", "Settings", "handle_errors", "plain", "printable"]

STORE_OPTION_HELP = (
    "Records store to archive into: sqlite:///FILE or postgresql://USER@HOST/DB. "
    "Env: SUPFORMS_STORE. Default: sqlite:///output/records.db."
)


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
        self.store: str | None = None

    def wording(self) -> Wording:
        return load_wording(self.config)


@contextmanager
def plain(items: Iterator[Any]) -> Iterator[Iterator[Any]]:
    yield items


def printable(text: str) -> str:
    """``text`` safe for a terminal or a log: control characters shown as escapes.

    A file name may hold a newline or an escape sequence; printed raw, it would
    forge a line of the report or recolour the terminal.
    """
    return "".join(
        ch if ch.isprintable() or ch == " " else ch.encode("unicode_escape").decode("ascii")
        for ch in text
    )
