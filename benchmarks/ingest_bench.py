"""Ingest benchmark: returned forms per second, end to end, with 1 worker and all cores.

Run from the repository root:

    .venv/bin/python benchmarks/ingest_bench.py [--files 2000] [--repeat 3] [--postgres URL]

What it measures, on one folder of filled returns (the three forms in turn,
prefilled with non-ASCII names and then "returned" with their dates typed as
people do, e.g. ``3/4/26``):

0. With ``--whole``: whole commands as a user runs them, start-up subtracted
   (``benchmarks/whole_process.py``), on group records and on a mix of forms.
1. ``supforms ingest`` end to end — find the files, read each in a worker
   process, identify, read every field, normalise, validate, judge signatures,
   write each result JSON, the index and the summary — with ``--workers 1``
   and with one worker per core; without archiving, and archiving into a new
   SQLite store (and PostgreSQL, with ``--postgres URL`` or
   ``SUPFORMS_TEST_PG_URL``). Each run starts from an empty output folder.
   The runs are repeated (``--repeat``) and interleaved, and each figure is
   the median: a shared virtual machine's speed drifts by tens of per cent.
2. What archiving adds to the time ingest takes without it, and its CPU cost.
3. How much faster this machine runs pure-Python work on all cores than on
   one: the ceiling for the worker speedup.
4. Peak memory (RSS) of the parent and of the largest worker, for the full
   batch and for a tenth of it: the peak must stay flat as the batch grows.
5. On the same files, in one process: pypdf's ``get_fields()`` alone, and a raw
   pikepdf walk of the field tree (names and values only), as reference rates.
6. Ingest with one worker, end to end, against that raw walk, each in a fresh
   process, run after run (``--repeat`` rounds): the ratio of their rates per
   round, by wall time and by CPU time, median and range. ``--ratio-only``
   measures just this; ``--form group-record`` restricts the returns to a form.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.raw_walk import SCRIPT as RAW_WALK  # noqa: E402 (found through ROOT)

TYPED = ("3/4/26", "3 April 2026", "03-04-2026", "3/4/2026")
"""Dates as people type them, the date fields of each return in turn."""


def make_returns(folder: Path, count: int, forms: list[str] | None = None) -> list[Path]:
    """``count`` returns of the registered forms in turn (or of ``forms``), each its own copy.

    Each is the form's declared sample, prefilled, with every date field then
    typed over as people type dates.
    """
    import pikepdf
    from supforms.forms.spec import field_specs
    from supforms.forms.writing.compiled import compiled_form
    from supforms.pipeline.delivery.generate import issue_copy
    from supforms.schemas.registry import form_ids, latest

    from tests.conftest import sample_record

    forms = forms or form_ids()
    templates = {}
    ids = {}
    for form_id in forms:
        record = sample_record(form_id)
        identity, data, _ = issue_copy(compiled_form(form_id), record)
        dates = [s.path for s in field_specs(latest(form_id)) if s.kind == "date"]
        typed = {path: TYPED[i % len(TYPED)] for i, path in enumerate(dates)}
        ids[form_id] = identity.document_id.encode()
        with pikepdf.open(io.BytesIO(data)) as pdf:  # the person types the dates
            for field in pdf.Root.AcroForm.Fields:
                _set(field, "", typed)
            out = io.BytesIO()
            pdf.save(out)
        templates[form_id] = out.getvalue()
    paths = []
    for index in range(count):
        form_id = forms[index % len(forms)]
        path = folder / f"{form_id}-{index:05d}.pdf"
        # Each return is of its own issued copy: a document id of the same length in
        # place of the template's (in the Info dictionary and XMP, so offsets stay valid).
        number = f"{index:016d}"
        own = "-".join(number[i : i + 4] for i in range(0, 16, 4)).encode()
        path.write_bytes(templates[form_id].replace(ids[form_id], own))
        paths.append(path)
    return paths


def _set(field, prefix: str, values: dict[str, str]) -> None:
    import pikepdf

    name = f"{prefix}{field.T}"
    if "/Kids" in field and any("/T" in kid for kid in field.Kids):
        for kid in field.Kids:
            _set(kid, f"{name}.", values)
    elif name in values:
        field.V = pikepdf.String(values[name])


def run_ingest(files: Path, out: Path, workers: int, store: str | None = None) -> dict[str, float]:
    """One ``supforms ingest`` in a fresh process: wall time, CPU time and peak RSS (MiB).

    Without ``store``, nothing is archived (``--no-archive``): the read-and-judge cost.
    """
    archive = ["--store", store] if store else ["--no-archive"]
    # What earlier steps wrote is still being flushed to disk: let it finish first, so
    # one run does not pay for the last one's writes.
    os.sync()
    code = (
        "import resource, sys, time\n"
        "from click.testing import CliRunner\n"
        "from supforms.pipeline.cli import cli\n"
        "before = resource.getrusage(resource.RUSAGE_SELF)\n"
        "t = time.perf_counter()\n"
        f"r = CliRunner().invoke(cli, ['-q', 'ingest', {str(files)!r}, '--out', {str(out)!r},"
        f" '--workers', '{workers}', *{archive!r}])\n"
        "elapsed = time.perf_counter() - t\n"
        "me = resource.getrusage(resource.RUSAGE_SELF)\n"
        "kids = resource.getrusage(resource.RUSAGE_CHILDREN)\n"
        "cpu = (me.ru_utime + me.ru_stime - before.ru_utime - before.ru_stime"
        " + kids.ru_utime + kids.ru_stime)\n"
        # ru_maxrss survives exec (it would report this benchmark's own size): the
        # parent's peak is its memory map's high-water mark.
        "hwm = next(l for l in open('/proc/self/status') if l.startswith('VmHWM'))\n"
        "print(elapsed, cpu, int(hwm.split()[1]) / 1024, kids.ru_maxrss / 1024, r.exit_code)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    elapsed, cpu, parent, worker, exit_code = done.stdout.split()
    assert exit_code in ("0", "3"), done.stderr
    return {
        "seconds": float(elapsed),
        "cpu_seconds": float(cpu),
        "parent_mib": float(parent),
        "worker_mib": float(worker),
    }


def _burn(n: int) -> int:
    total = 0
    for i in range(n):
        total += i * i
    return total


def cpu_scaling(processes: int, n: int = 6_000_000) -> float:
    """How much faster this machine does pure-Python work in ``processes`` processes at once.

    The ceiling for any worker speedup here: two virtual cores do not always make two.
    """
    import multiprocessing

    started = time.perf_counter()
    _burn(n)
    one = time.perf_counter() - started
    with multiprocessing.get_context("fork").Pool(processes) as pool:
        started = time.perf_counter()
        pool.map(_burn, [n] * processes)
        many = time.perf_counter() - started
    return processes * one / many


def _fresh_postgres(url: str) -> str:
    sys.path.insert(0, str(ROOT))
    from tests.conftest import _fresh_postgres as fresh

    return fresh(url)


def reference_rates(paths: list[Path]) -> dict[str, float]:
    import pypdf

    from benchmarks.raw_walk import walk_files

    sample = paths[: min(len(paths), 600)]
    started = time.perf_counter()
    for path in sample:
        pypdf.PdfReader(path).get_fields()
    pypdf_rate = len(sample) / (time.perf_counter() - started)

    started = time.perf_counter()
    walk_files(paths)
    pikepdf_rate = len(paths) / (time.perf_counter() - started)
    return {"pypdf_get_fields": pypdf_rate, "pikepdf_walk": pikepdf_rate}


def run_walk(files: Path) -> dict[str, float]:
    """The raw pikepdf walk of every file's field tree, in a fresh process: wall and CPU time."""
    os.sync()
    done = subprocess.run(
        [sys.executable, str(RAW_WALK), str(files), "--timed"],
        capture_output=True,
        text=True,
        check=True,
    )
    elapsed, cpu = done.stdout.split()
    return {"seconds": float(elapsed), "cpu_seconds": float(cpu)}


def walk_ratio(files: Path, tmp: Path, rounds: int) -> dict[str, object]:
    """Ingest (1 worker, end to end, no archive) against the raw walk, run after run.

    Each round runs both on the same files, one after the other, so that the
    machine's load falls on both; the ratio of rates is taken per round, by wall
    time and by CPU time (the CPU ratio is the steadier on a shared machine).
    """
    wall, cpu = [], []
    for round_ in range(rounds):
        walk = run_walk(files)
        ingest = run_ingest(files, tmp / f"out-ratio-{round_}", 1)
        wall.append(walk["seconds"] / ingest["seconds"])
        cpu.append(walk["cpu_seconds"] / ingest["cpu_seconds"])
    count = len(list(files.glob("*.pdf")))
    return {
        "files": count,
        "rounds": rounds,
        "ratio_wall_median": round(statistics.median(wall), 3),
        "ratio_wall_range": [round(min(wall), 3), round(max(wall), 3)],
        "ratio_cpu_median": round(statistics.median(cpu), 3),
        "ratio_cpu_range": [round(min(cpu), 3), round(max(cpu), 3)],
    }


def whole(args: argparse.Namespace) -> None:
    """Ingest against the raw walk, whole processes, on group records and on a mix of forms."""
    from benchmarks.whole_process import rates

    stores: dict[str, str | None] = {"no_archive": None, "sqlite": "sqlite"}
    if args.postgres:
        stores["postgresql"] = args.postgres
    report: dict[str, object] = {"files": args.files, "rounds": args.repeat}
    with tempfile.TemporaryDirectory(prefix="supforms-ingest-whole-") as tmp:
        for name, forms in (("group_record", ["group-record"]), ("mix", args.form)):
            folder = Path(tmp) / f"returns-{name}"
            folder.mkdir()
            paths = make_returns(folder, args.files, forms)
            sizes = [path.stat().st_size for path in paths]
            figures = rates(folder, Path(tmp), args.repeat, stores, _fresh_postgres)
            report[name] = {"mean_return_bytes": round(statistics.mean(sizes)), **figures}
            print(f"{name}: {args.files} returns, {statistics.mean(sizes) / 1024:.1f} KiB each")
            for what, figure in figures.items():
                ms, cpu = figure["ms_per_return"], figure["cpu_ms_per_return"]
                print(
                    f"  {what:<11} {figure['per_s']:8.1f} returns/s  {figure['vs_walk']:5.2f}x walk"
                    f"  ({ms:.2f} ms, CPU {cpu:.2f} ms)"
                )
    print(json.dumps(report))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=2000)
    parser.add_argument(
        "--repeat",
        type=int,
        default=3,
        help="runs of each configuration, interleaved; the median is reported",
    )
    parser.add_argument(
        "--postgres",
        "--pg",
        metavar="URL",
        default=os.environ.get("SUPFORMS_TEST_PG_URL"),
        help="also archive into this PostgreSQL database (its tables are dropped)",
    )
    parser.add_argument(
        "--form", action="append", help="only returns of this form (repeatable); default: all"
    )
    parser.add_argument(
        "--ratio-only",
        action="store_true",
        help="only ingest (1 worker) against the raw pikepdf walk, --repeat rounds",
    )
    parser.add_argument(
        "--whole",
        action="store_true",
        help="whole commands, start-up subtracted: the raw walk and ingest (1 worker) without"
        " archiving, into SQLite and PostgreSQL, on group records and on a mix of all forms",
    )
    args = parser.parse_args()
    cores = os.cpu_count() or 1
    if args.whole:
        whole(args)
        return
    if args.ratio_only:
        with tempfile.TemporaryDirectory(prefix="supforms-ingest-bench-") as tmp:
            folder = Path(tmp) / "returns"
            folder.mkdir()
            make_returns(folder, args.files, args.form)
            ratio = walk_ratio(folder, Path(tmp), args.repeat)
        print(json.dumps({"forms": args.form or "all", **ratio}))
        return
    with tempfile.TemporaryDirectory(prefix="supforms-ingest-bench-") as tmp:
        folder = Path(tmp) / "returns"
        small = Path(tmp) / "returns-tenth"
        folder.mkdir()
        small.mkdir()
        paths = make_returns(folder, args.files, args.form)
        for path in paths[: args.files // 10]:
            (small / path.name).write_bytes(path.read_bytes())
        stores: dict[str, str | None] = {"none": None, "sqlite": "sqlite"}
        if args.postgres:
            stores["postgresql"] = args.postgres
        runs: dict[tuple[str, int], list[dict[str, float]]] = {}
        scaling = []
        # Interleaved, so that the machine's ups and downs fall on every configuration.
        for round_ in range(args.repeat):
            scaling.append(cpu_scaling(cores))
            for name, url in stores.items():
                for workers in sorted({1, cores}):
                    if name == "sqlite":
                        url = f"sqlite:///{tmp}/records-{round_}-{workers}.db"
                    elif name == "postgresql":
                        url = _fresh_postgres(args.postgres)
                    out = Path(tmp) / f"out-{name}-{workers}-{round_}"
                    runs.setdefault((name, workers), []).append(
                        run_ingest(folder, out, workers, url)
                    )
        tenth = run_ingest(small, Path(tmp) / "out-tenth", 1)
        full = runs[("none", 1)][-1]
        results = sorted((Path(tmp) / "out-none-1-0" / "results").glob("*.json"))
        statuses: dict[str, int] = {}
        for result in results:
            status = json.loads(result.read_text())["status"]
            statuses[status] = statuses.get(status, 0) + 1
        refs = reference_rates(paths)
        ratio = walk_ratio(folder, Path(tmp), args.repeat)

    def median(name: str, workers: int, key: str = "seconds") -> float:
        return statistics.median(run[key] for run in runs[(name, workers)])

    rate_one = args.files / median("none", 1)
    rate_many = args.files / median("none", cores)
    figures: dict[str, object] = {
        "files": args.files,
        "cores": cores,
        "repeat": args.repeat,
        "python": platform.python_version(),
        "statuses": statuses,
        "ingest_per_s_1_worker": round(rate_one, 1),
        f"ingest_per_s_{cores}_workers": round(rate_many, 1),
        "speedup": round(rate_many / rate_one, 2),
        "machine_cpu_scaling": round(statistics.median(scaling), 2),
        "cpu_ms_per_form_1_worker": round(median("none", 1, "cpu_seconds") / args.files * 1e3, 2),
        "peak_worker_mib_full": round(full["worker_mib"], 1),
        "peak_worker_mib_tenth": round(tenth["worker_mib"], 1),
        "peak_parent_mib_full": round(full["parent_mib"], 1),
        "peak_parent_mib_tenth": round(tenth["parent_mib"], 1),
        "pypdf_get_fields_per_s": round(refs["pypdf_get_fields"], 1),
        "pikepdf_walk_per_s": round(refs["pikepdf_walk"], 1),
        "ingest_vs_pypdf": round(rate_one / refs["pypdf_get_fields"], 2),
        "ingest_vs_pikepdf_walk": round(rate_one / refs["pikepdf_walk"], 2),
        "ingest_vs_pikepdf_walk_interleaved": ratio,
    }
    print(
        f"Ingest of {args.files} returned forms ({cores} cores, Python {figures['python']}, "
        f"median of {args.repeat} interleaved runs)"
    )
    print(f"  statuses                      {statuses}")
    print(f"  1 worker                      {rate_one:8.1f} forms/s")
    print(
        f"  {cores} workers                     {rate_many:8.1f} forms/s  ({figures['speedup']}x;"
        f" this machine runs pure-Python work {figures['machine_cpu_scaling']}x faster"
        f" on {cores} cores)"
    )
    print(f"  CPU time, 1 worker            {figures['cpu_ms_per_form_1_worker']:8.2f} ms/form")
    print(
        f"  peak RSS worker, full / tenth {full['worker_mib']:8.1f} / {tenth['worker_mib']:.1f} MiB"
    )
    print(
        f"  peak RSS parent, full / tenth {full['parent_mib']:8.1f} / {tenth['parent_mib']:.1f} MiB"
    )
    print(
        f"  pypdf get_fields() alone      {refs['pypdf_get_fields']:8.1f} forms/s"
        f"  (ingest is {figures['ingest_vs_pypdf']}x)"
    )
    print(
        f"  raw pikepdf field walk        {refs['pikepdf_walk']:8.1f} forms/s"
        f"  (ingest is {figures['ingest_vs_pikepdf_walk']}x)"
    )
    print(
        f"  ingest (1 worker) / raw walk, run after run: wall {ratio['ratio_wall_median']}x"
        f" {ratio['ratio_wall_range']}, CPU {ratio['ratio_cpu_median']}x {ratio['ratio_cpu_range']}"
    )
    for name in stores:
        if name == "none":
            continue
        for workers in sorted({1, cores}):
            plain, stored = median("none", workers), median(name, workers)
            rate = args.files / stored
            # What archiving adds to the time ingest takes without it (target: under a third).
            added = max(0.0, (stored - plain) / plain)
            cpu_added = median(name, workers, "cpu_seconds") - median(
                "none", workers, "cpu_seconds"
            )
            figures[f"ingest_per_s_{workers}_workers_store_{name}"] = round(rate, 1)
            figures[f"archive_adds_{workers}_workers_{name}"] = round(added, 3)
            figures[f"archive_cpu_ms_per_form_{workers}_workers_{name}"] = round(
                cpu_added / args.files * 1e3, 2
            )
            print(
                f"  {workers} worker(s), archiving ({name:<10}) {rate:8.1f} forms/s"
                f"  (archiving adds {added:.0%} to the time;"
                f" {cpu_added / args.files * 1e3:.2f} ms CPU/form here)"
            )
    print(json.dumps(figures))


if __name__ == "__main__":
    resource.setrlimit(resource.RLIMIT_NOFILE, resource.getrlimit(resource.RLIMIT_NOFILE))
    main()
