"""Evidence benchmark: the pack of a 50-supervisee team's year, about 200 records.

Run from the repository root:

    .venv/bin/python benchmarks/evidence_bench.py [--people 50] [--repeat 3] [--dpi 150]

Each supervisee of the team has a contract naming the team, an agreement and
two session records, all four real returns filled by supforms with their own
values, ingested by ``supforms ingest`` into a fresh SQLite store: 200 records.
Then ``supforms records evidence --team East --from … --to … -o pack.pdf`` runs
as a process pinned to one core (``taskset -c 0`` where it exists), ``--repeat``
times; the figures are the median wall time with its range and the median CPU
time (user and system: on a shared machine the wall time also counts waiting for
that core), the pack's pages and size, and ``records verify --evidence`` on it.

Target (issue 24): at most 60 s on one core.
"""

from __future__ import annotations

import argparse
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from supforms.forms.values import nest
from supforms.forms.writing.compiled import compiled_form
from supforms.pipeline.delivery.generate import issue_copy
from supforms.schemas.registry import latest

from tests.conftest import ISSUED_AT

TEXT = "Discussed the assessment timescales and what the child said on the visit. " * 3


def copy(form_id: str, values: dict[str, object]) -> bytes:
    model = latest(form_id)
    data = nest(dict(model.declaration.sample if model.declaration else {}))
    for path, value in values.items():
        *parents, last = path.split(".")
        node = data
        for key in parents:
            node = node.setdefault(key, {})
        node[last] = value
    return issue_copy(compiled_form(form_id), model.model_validate(data), issued_at=ISSUED_AT)[1]


def returns(people: int, inbox: Path) -> int:
    """Four returns for each supervisee of the team East."""
    count = 0
    for number in range(people):
        name = f"Worker {number:03d} Nowak-Jones"
        forms = {
            "contract": {"supervisee.name": name, "supervisee.department": "East"},
            "agreement": {"supervisee.name": name},
            "session-record-1": {"supervisee.name": name, "held_on": "10/03/2026"},
            "session-record-2": {
                "supervisee.name": name,
                "held_on": "14/07/2026",
                "discussed.case_work": TEXT,
            },
        }
        for label, values in forms.items():
            form_id = "session-record" if label.startswith("session") else label
            (inbox / f"{number:03d}-{label}.pdf").write_bytes(copy(form_id, values))
            count += 1
    return count


def supforms(*args: str, pin: bool = True) -> tuple[float, float]:
    """Wall time and CPU time (user and system) of one run of ``supforms ARGS``."""
    command = [sys.executable, "-m", "supforms", *args]
    if pin and shutil.which("taskset"):
        command = ["taskset", "-c", "0", *command]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, check=False)
    took = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode not in (0, 3):
        raise SystemExit(done.stderr.decode())
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return took, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=50)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        inbox = root / "inbox"
        inbox.mkdir()
        count = returns(args.people, inbox)
        url = f"sqlite:///{root}/records.db"
        took, _ = supforms(
            "ingest", str(inbox), "--store", url, "--out", str(root / "out"), pin=False
        )
        print(f"{count} returns ingested in {took:.1f} s")
        year = datetime.now(UTC).year
        pack = root / "pack.pdf"
        evidence = ["records", "evidence", "--team", "East", "--from", f"01/01/{year}",
                    "--to", f"31/12/{year}", "-o", str(pack), "--store", url]  # fmt: skip
        runs = [supforms(*evidence) for _ in range(args.repeat)]
        times, cpus = [wall for wall, _ in runs], [cpu for _, cpu in runs]
        import pikepdf

        with pikepdf.open(pack) as pdf:
            pages, files = len(pdf.pages), len(pdf.attachments)
        size = pack.stat().st_size
        print(
            f"records evidence, {count} records: median {statistics.median(times):.1f} s "
            f"(range {min(times):.1f}-{max(times):.1f} s, {args.repeat} runs, one core), "
            f"CPU {statistics.median(cpus):.1f} s; "
            f"{pages} pages, {files} attachments, {size / 2**20:.1f} MiB"
        )
        took, cpu = supforms("records", "verify", "--evidence", str(pack), "--store", url)
        print(f"records verify --evidence: {took:.1f} s (CPU {cpu:.1f} s)")


if __name__ == "__main__":
    main()
