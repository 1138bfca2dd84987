"""Ingest at the speed of reading: whole commands, as a user runs them, against the raw walk.

Used by ``ingest_bench.py --whole``. Every figure is a whole process: the
``supforms ingest`` command (its console script) and a Python process walking
the same files' field trees with pikepdf. Start-up is subtracted by running
each command twice, on all the files and on one of them: the rate is
``(files - 1) / (time(all) - time(one))``, the cost of one more return. Each
configuration runs once per round, interleaved, and each figure is the median
of the rounds: a shared virtual machine's speed drifts by tens of per cent.
"""

from __future__ import annotations

import os
import resource
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

from benchmarks.raw_walk import SCRIPT as RAW_WALK

SUPFORMS = Path(sys.executable).with_name("supforms")


def timed(command: list[str], cwd: Path) -> tuple[float, float]:
    """Run ``command`` to its end: its wall time and its CPU time (its children's included)."""
    os.sync()  # what earlier runs wrote is flushed first, so this one does not pay for it
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(command, cwd=cwd, capture_output=True, text=True)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode not in (0, 3):
        raise SystemExit(f"{' '.join(command)} exited {done.returncode}: {done.stderr[-2000:]}")
    cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    return wall, cpu


def commands(files: Path, out: Path, store: str | None) -> list[str]:
    """``supforms ingest`` with one worker, archiving into ``store`` (None: ``--no-archive``)."""
    archive = ["--store", store] if store else ["--no-archive"]
    return [str(SUPFORMS), "-q", "ingest", str(files), "--out", str(out), "--workers=1", *archive]


def one_of(folder: Path) -> Path:
    """A folder beside ``folder`` holding its first file only: the start-up run's input."""
    single = folder.with_name(folder.name + "-one")
    if not single.exists():
        single.mkdir()
        first = sorted(folder.glob("*.pdf"))[0]
        shutil.copyfile(first, single / first.name)
    return single


def rates(
    folder: Path, tmp: Path, rounds: int, stores: dict[str, str | None], fresh
) -> dict[str, dict[str, float]]:
    """Returns per second, start-up subtracted: the raw walk and ingest into each store.

    ``stores``: name -> store URL (``sqlite`` makes a new file each run, None archives
    nothing); ``fresh(url)`` empties a PostgreSQL store before each run.
    """
    count = len(list(folder.glob("*.pdf")))
    single = one_of(folder)
    seen: dict[str, list[tuple[float, float]]] = {}
    for round_ in range(rounds):
        runs = {"walk": lambda where, _: [sys.executable, str(RAW_WALK), str(where)]}
        for name, url in stores.items():
            runs[name] = lambda where, tag, name=name, url=url, at=round_: commands(
                where, tmp / f"out-{name}-{at}-{tag}", _store(name, url, tmp, at, tag, fresh)
            )
        for name, make in runs.items():
            all_wall, all_cpu = timed(make(folder, "all"), tmp)
            one_wall, one_cpu = timed(make(single, "one"), tmp)
            seen.setdefault(name, []).append((all_wall - one_wall, all_cpu - one_cpu))
    figures: dict[str, dict[str, float]] = {}
    for name, pairs in seen.items():
        wall = statistics.median(p[0] for p in pairs)
        cpu = statistics.median(p[1] for p in pairs)
        figures[name] = {
            "per_s": round((count - 1) / wall, 1),
            "ms_per_return": round(wall / (count - 1) * 1e3, 2),
            "cpu_ms_per_return": round(cpu / (count - 1) * 1e3, 2),
        }
    walk = figures["walk"]["per_s"]
    for figure in figures.values():
        figure["vs_walk"] = round(figure["per_s"] / walk, 3)
    return figures


def _store(name: str, url: str | None, tmp: Path, round_: int, tag: str, fresh) -> str | None:
    if name == "sqlite":
        return f"sqlite:///{tmp}/records-whole-{round_}-{tag}.db"
    if url and url.startswith("postgresql"):
        return fresh(url)
    return url
