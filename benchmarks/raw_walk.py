"""The yardstick of the ingest benchmarks: pikepdf opening each file and walking its field tree.

It reads every field's name and value and nothing else, so it is the least any
reader of a return must do. Run as a script on a folder of PDFs (a fresh process,
as ``ingest`` is one); with ``--timed`` it prints its own wall and CPU seconds for
the walk alone.
"""

from __future__ import annotations

import resource
import sys
import time
from pathlib import Path

import pikepdf

SCRIPT = Path(__file__)  # run it as a script: ``python SCRIPT FOLDER [--timed]``


def walk(fields: pikepdf.Array, out: dict[str, str]) -> None:
    """Every field's name and value under ``fields``, into ``out``."""
    for field in fields:
        if "/Kids" in field:
            walk(field.Kids, out)
        if "/T" in field:
            out[str(field.T)] = str(field.get("/V", ""))


def walk_files(paths: list[Path]) -> None:
    for path in paths:
        with pikepdf.open(path) as pdf:
            walk(pdf.Root.AcroForm.Fields, {})


def main(folder: str, timed: bool) -> None:
    paths = sorted(Path(folder).glob("*.pdf"))
    before = resource.getrusage(resource.RUSAGE_SELF)
    started = time.perf_counter()
    walk_files(paths)
    if timed:
        elapsed = time.perf_counter() - started
        me = resource.getrusage(resource.RUSAGE_SELF)
        print(elapsed, me.ru_utime + me.ru_stime - before.ru_utime - before.ru_stime)


if __name__ == "__main__":
    main(sys.argv[1], "--timed" in sys.argv[2:])
