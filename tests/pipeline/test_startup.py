"""Each command imports what it uses: ``--help`` is click and the commands' own modules.

Measured by what is imported, never by the clock (benchmarks/startup_bench.py times it).
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from supforms.pipeline.records.opening import open_store

PROBE = (
    "import sys, runpy, json, atexit\n"
    "heavy = ('pydantic', 'sqlalchemy', 'reportlab', 'pikepdf', 'fontTools', 'jinja2')\n"
    "atexit.register(lambda: print(json.dumps([m for m in heavy if m in sys.modules]),"
    " file=sys.stderr))\n"
    "sys.argv = ['supforms', *sys.argv[1:]]\n"
    "runpy.run_module('supforms', run_name='__main__')\n"
)


def imported(*args: str) -> set[str]:
    done = subprocess.run([sys.executable, "-c", PROBE, *args], capture_output=True, text=True)
    return set(json.loads(done.stderr.strip().splitlines()[-1]))


@pytest.mark.parametrize(
    ("args", "never"),
    [
        (["--help"], {"pydantic", "sqlalchemy", "reportlab", "pikepdf", "fontTools", "jinja2"}),
        (["records", "--help"], {"pydantic", "sqlalchemy", "reportlab", "pikepdf"}),
        (["send", "--help"], {"pydantic", "sqlalchemy", "reportlab", "pikepdf"}),
        (["forms"], {"sqlalchemy", "reportlab", "pikepdf"}),
    ],
)
def test_a_command_imports_only_what_it_uses(args, never):
    assert imported(*args) & never == set()


def test_records_list_reads_the_store_without_the_forms(tmp_path):
    url = f"sqlite:///{tmp_path}/records.db"
    open_store(url).close()
    assert (
        imported("records", "list", "--store", url)
        & {
            "pydantic",
            "reportlab",
            "pikepdf",
            "fontTools",
        }
        == set()
    )
