"""Running the supforms command in-process, as the CLI tests do."""

from __future__ import annotations

from click.testing import CliRunner
from supforms.pipeline.cli import cli


def run(*args: str) -> tuple[int, str, str]:
    """Exit code, stdout and stderr of ``supforms ARGS``; a crash (not an exit) is raised."""
    result = CliRunner().invoke(cli, list(args))
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr
