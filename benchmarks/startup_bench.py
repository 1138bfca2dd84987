"""Start-up benchmark: how long a person waits for the quickest commands.

Run from the repository root:

    .venv/bin/python benchmarks/startup_bench.py [--repeat 15]

Each round runs, as whole processes, one after another and in the same order:
``python -c "import click"`` (the floor: any click program pays it),
``supforms --help``, ``supforms forms`` and ``supforms records list`` on an empty
store made for the run. The figure for each is the median wall time over the
rounds (a shared machine's speed drifts; the median resists it), with its range.

Targets (issue 20): ``--help`` within 2x the click floor; ``forms`` and ``records
list`` at most 0.3 s on an idle machine. Each command's imports are listed too:
``--help`` must import neither pydantic models, SQLAlchemy nor reportlab, and
``forms`` neither SQLAlchemy nor reportlab.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SUPFORMS = [sys.executable, "-m", "supforms"]
HEAVY = ("pydantic", "sqlalchemy", "reportlab", "pikepdf", "fontTools", "supforms.schemas.forms")
PROBE = (
    "import sys, runpy, json, atexit\n"
    "heavy = {heavy!r}\n"
    "atexit.register(lambda: print(json.dumps([m for m in heavy if m in sys.modules]),"
    " file=open({out!r}, 'w')))\n"
    "sys.argv = ['supforms', *{args!r}]\n"
    "runpy.run_module('supforms', run_name='__main__')\n"
)


def _time(command: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def _imports(args: list[str], env: dict[str, str], folder: Path) -> list[str]:
    out = folder / "imports.json"
    code = PROBE.format(heavy=HEAVY, out=str(out), args=args)
    subprocess.run([sys.executable, "-c", code], env=env, capture_output=True)
    return list(json.loads(out.read_text()))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=15)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        store = Path(folder) / "records.db"
        env = {**os.environ, "SUPFORMS_STORE": f"sqlite:///{store}"}
        subprocess.run([*SUPFORMS, "records", "list"], env=env, capture_output=True)  # made once
        commands = {
            "python -c 'import click'": [sys.executable, "-c", "import click"],
            "supforms --help": [*SUPFORMS, "--help"],
            "supforms forms": [*SUPFORMS, "forms"],
            "supforms records list (empty store)": [*SUPFORMS, "records", "list"],
        }
        times: dict[str, list[float]] = {name: [] for name in commands}
        for _ in range(options.repeat):
            for name, command in commands.items():
                times[name].append(_time(command, env))
        loaded = {
            "supforms --help": _imports(["--help"], env, Path(folder)),
            "supforms forms": _imports(["forms"], env, Path(folder)),
            "supforms records list (empty store)": _imports(["records", "list"], env, Path(folder)),
        }
    floor = statistics.median(times["python -c 'import click'"])
    print(f"{'command':<38} {'median':>8} {'range':>17} {'x click':>8}  heavy imports")
    for name, runs in times.items():
        median = statistics.median(runs)
        span = f"{min(runs):.3f}-{max(runs):.3f} s"
        heavy = ", ".join(loaded.get(name, [])) or "-"
        print(f"{name:<38} {median:7.3f}s {span:>17} {median / floor:7.2f}x  {heavy}")


if __name__ == "__main__":
    main()
