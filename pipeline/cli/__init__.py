"""The ``supforms`` command: each command parses, makes one library call and prints.

Exit codes (contract 7): 0 done; 1 the tool could not do its job (output not
writable, store unreachable, a template or config broken); 2 usage error,
including data that must be fixed before anything is done; 3 a batch finished
with inputs that need a person (rejected, invalid, incomplete, skipped).

Commands are loaded lazily (``LazyGroup``): ``supforms --help`` imports click and
these modules, never the library behind them. Every command runs inside one
error boundary (``Shell.invoke``), which turns each ``PipelineError`` into one line
on stderr and its exit code.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import Any

import click
from supforms.pipeline.cli.common import Settings, handle_errors
from supforms.pipeline.cli.lazy import LazyGroup
from supforms.pipeline.text import printable

__all__ = ["cli", "main"]

_COMMANDS = {
    "fields": "forms:fields_command",
    "forms": "forms:forms_command",
    "generate": "generate:generate_command",
    "ingest": "ingest:ingest_command",
    "inspect": "ingest:inspect_command",
    "print": "delivery:print_command",
    "records": "records:records_group",
    "remind": "loop:remind_command",
    "renew": "loop:renew_command",
    "schema": "forms:schema_command",
    "send": "delivery:send_command",
    "serve": "serve:serve_command",
    "users": "users:users_group",
}


class Shell(LazyGroup):
    """The root group: every command it runs is inside the one error boundary."""

    def invoke(self, ctx: click.Context) -> Any:
        with handle_errors():
            return super().invoke(ctx)


class _Printable(logging.Formatter):
    """Log lines as every other line supforms prints: other people's text escaped."""

    def format(self, record: logging.LogRecord) -> str:
        return printable(super().format(record))


@click.group(
    cls=Shell,
    lazy={name: f"{__name__}.{target}" for name, target in _COMMANDS.items()},
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
)
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
      supforms send agreement --roster pairs.csv      email each pair its copy
      supforms ingest inbox/                          returned forms back into JSON
      supforms inspect return.pdf                     why a return was read as it was
      supforms records list                           what the store holds
      supforms records verify                         prove nothing was changed
    """
    level = (
        logging.ERROR if quiet else [logging.WARNING, logging.INFO, logging.DEBUG][min(verbose, 2)]
    )
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_Printable("supforms: %(message)s"))
    logging.basicConfig(level=level, handlers=[handler], force=True)
    # A library's warning (pyHanko's "DSA is deprecated" from its cryptography import,
    # once) is for its developers, not for someone reading verdicts: a log line with
    # -v, else nothing. Workers are forked, and keep this.
    logging.captureWarnings(True)
    logging.getLogger("py.warnings").setLevel(logging.INFO if verbose else logging.CRITICAL + 1)
    ctx.obj = Settings(verbose, quiet, config)


def main() -> None:
    cli(prog_name="supforms")
