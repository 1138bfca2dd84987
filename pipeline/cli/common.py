"""What the supforms commands share: the error boundary, settings, and options written once.

Every command module imports this at start, ``supforms --help`` included, so it
imports click and nothing heavy: the library is imported where it is used.
"""

from __future__ import annotations

import errno
import os
import re
import stat
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar

import click
from supforms.pipeline.text import json_line, printable
from supforms.schemas.errors import InvalidRecordError, PipelineError, Problem

if TYPE_CHECKING:
    from supforms.forms.writing.wording import Wording

__all__ = [
    "DURATION",
    "FORM",
    "STORE_OPTION_HELP",
    "Settings",
    "check_store_option",
    "exit_for",
    "handle_errors",
    "json_line",
    "json_option",
    "out_option",
    "printable",
    "progress",
    "store_option",
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
    start = _output_start()
    try:
        yield
    except OSError as exc:
        if exc.errno not in _OUTPUT_FULL:
            raise  # a bug: every file supforms writes itself says why as a WriteError
        click.echo(f"supforms: cannot write the output: {_take_back(start, exc)}", err=True)
        sys.exit(1)
    except InvalidRecordError as exc:
        where = f"{exc.path}: " if exc.path else ""
        click.echo(f"supforms: {printable(where + exc.message)}", err=True)
        for line in _grouped(exc.problems):
            click.echo(f"  {printable(line)}", err=True)
        sys.exit(exc.exit_code)
    except PipelineError as exc:
        click.echo(f"supforms: {printable(str(exc))}", err=True)
        sys.exit(exc.exit_code)


_ROW = re.compile(r"row (\d+): (.*)", re.DOTALL)


def _spans(rows: list[int]) -> str:
    """Row numbers as runs: 1–300, 302."""
    runs: list[list[int]] = []
    for row in sorted(rows):
        if runs and row == runs[-1][1] + 1:
            runs[-1][1] = row
        else:
            runs.append([row, row])
    return ", ".join(f"{a}–{b}" if b > a else str(a) for a, b in runs)


def _grouped(problems: tuple[Problem, ...]) -> list[str]:
    """One line per problem; the same problem in many rows is one line naming how many.

    (A misspelt header in a 300-row roster is one thing to fix, not 300.)
    """
    rows: dict[tuple[str, str], list[int]] = {}
    lines: list[tuple[str, str] | str] = []
    for problem in problems:
        match = _ROW.fullmatch(problem.field)
        if match is None:
            lines.append(f"{problem.field}: {problem.message}")
            continue
        key = (match.group(2), problem.message)
        if key not in rows:
            rows[key] = []
            lines.append(key)
        rows[key].append(int(match.group(1)))
    shown = []
    for line in lines:
        if isinstance(line, str):
            shown.append(line)
            continue
        numbers = rows[line]
        where = (
            f"row {numbers[0]}"
            if len(numbers) == 1
            else (f"{len(numbers)} rows ({_spans(numbers)})")
        )
        shown.append(f"{where}: {line[0]}: {line[1]}")
    return shown


# What a write to standard output meets on a full disk or past a file-size limit.
# (Every file supforms writes itself goes through supforms.pipeline.files, which says
# so as a WriteError: an OSError of these that reaches the boundary is the output's.)
_OUTPUT_FULL = frozenset({errno.EFBIG, errno.ENOSPC, errno.EDQUOT, errno.EIO})


def _output_start() -> int | None:
    """Where standard output stood when the command began, if it is a file (``> FILE``)."""
    try:
        if sys.stdout.fileno() == 1 and stat.S_ISREG(os.fstat(1).st_mode):
            return os.lseek(1, 0, os.SEEK_CUR)
    except (OSError, ValueError):  # not a real file (a test's runner, a closed stream)
        pass
    return None


def _take_back(start: int | None, exc: OSError) -> str:
    """Take back what a failed command wrote to a file on standard output: whole or absent.

    The file is cut back to where it stood when the command began (``>>`` keeps
    what was there before), and what Python still holds for it goes nowhere.
    """
    why = exc.strerror or str(exc)
    try:
        if start is not None:
            os.ftruncate(1, start)
        # What Python still holds for the output is flushed as it ends: into nothing.
        os.dup2(os.open(os.devnull, os.O_WRONLY), 1)
        if start is not None:
            return f"{why}; what was written of it was taken back: make room, then run again"
    except OSError:
        pass
    return f"{why}; the output is cut short: do not use it"


def exit_for(*, needs_person: bool) -> NoReturn:
    """The one rule for work that finished (contract 7).

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
        from supforms.forms.writing.wording import load_wording

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
        from supforms.pipeline.records.urls import check_store_url

        try:
            check_store_url(url)
        except PipelineError as exc:
            message = f"{where}: {exc}" if where else str(exc)
            raise click.BadParameter(message, ctx=ctx, param=param) from None
    return value


class FormChoice(click.ParamType):  # type: ignore[type-arg]
    """A form id from the registry, looked up only when a command is given one.

    ``click.Choice(form_ids())`` would load every form (and every plugin) as the
    command line is built, for ``--help`` too.
    """

    name = "form"

    def get_metavar(self, param: click.Parameter, ctx: click.Context | None = None) -> str:
        return "FORM"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        from supforms.schemas.registry import form_ids

        ids = form_ids()
        if value in ids:
            return value
        self.fail(f"{value!r} is not one of {', '.join(map(repr, ids))}.", param, ctx)


FORM = FormChoice()


def store_option(command: Callable[..., Any]) -> Callable[..., Any]:
    """``--store URL``: the records store, checked for a password as it is parsed."""
    return click.option("--store", callback=check_store_option, help=STORE_OPTION_HELP)(command)


def json_option(help: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """``--json`` (the parameter ``as_json``): lines of JSON on stdout, for scripts."""
    return click.option("--json", "as_json", is_flag=True, help=help)


def out_option(
    default: str | None, help: str, *, folder: bool = True
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """``-o/--out``: where a command writes (a folder, or a file with ``folder=False``)."""
    return click.option(
        "-o",
        "--out",
        type=click.Path(file_okay=not folder, dir_okay=folder, path_type=Path),
        default=Path(default) if default else None,
        show_default=default is not None,
        help=help,
    )
