"""Compliance benchmark: ``supforms records compliance`` over 20,000 archived records.

Run from the repository root:

    .venv/bin/python benchmarks/compliance_bench.py [--records 20000] [--repeat 5]
        [--pg postgresql://postgres@127.0.0.1:55432/supforms_bench]

A store is filled through ``RecordStore.archive`` (as ingest archives): for each
supervisee an agreement, a contract and a formal session record every four weeks
over two years (some informal), each session with realistic text under the four
headings and a few action points, until there are ``--records`` records. Then the
whole command runs as a process, ``records compliance --on 30/06/2026 --json``,
``--repeat`` times; the figure is the median wall time, with its range. With
``--pg`` the same is done on PostgreSQL (that database is dropped and made anew).

Target (issue 22): at most 1 s each, SQLite and PostgreSQL.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from supforms.pipeline.records.opening import open_store

from tests.pipeline.compliance_fixture import Person, archive_people

TEXT = (
    "Discussed the assessment timescales and the threshold for a strategy meeting; "
    "reflected on the home visit and what the child said. "
) * 4


def people(total: int) -> list[Person]:
    """Supervisees with two years of records each, ``total`` records in all."""
    found, count, number = [], 0, 0
    while count < total:
        person = Person(f"Worker {number:05d}", f"Lead {number % 40}")
        person.agreement("2025-09-01", 12, 4)
        person.contract("2025-09-01", f"Team {number % 12}")
        day = date(2024, 7, 1) + timedelta(days=number % 28)
        while day <= date(2026, 6, 30) and count + len(person.records) < total:
            due = (day + timedelta(days=14)).isoformat()
            person.session(
                day.isoformat(), formal=day.month != 12,
                actions=[{"what": "Finish the assessment", "by_when": due}],
                extra={"discussed.case_work": TEXT, "discussed.caseload": TEXT[:300]},
            )  # fmt: skip
            day += timedelta(weeks=4)
        count += len(person.records)
        found.append(person)
        number += 1
    return found


def fill(url: str, total: int) -> int:
    with open_store(url) as store:
        return archive_people(store, people(total))


def timed(url: str, repeat: int) -> list[float]:
    command = [sys.executable, "-m", "supforms", "records", "compliance", "--on", "30/06/2026",
               "--json", "--store", url]  # fmt: skip
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        done = subprocess.run(command, capture_output=True, check=False)
        times.append(time.perf_counter() - start)
        if done.returncode != 0:
            raise SystemExit(done.stderr.decode())
    return times


def fresh_postgres(url: str) -> str:
    import sqlalchemy as sa

    base = sa.make_url(url)
    admin = sa.create_engine(base.set(drivername="postgresql+psycopg", database="postgres"))
    with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{base.database}"')
        connection.exec_driver_sql(f'CREATE DATABASE "{base.database}"')
    admin.dispose()
    return url


def report(name: str, url: str, total: int, repeat: int) -> None:
    start = time.perf_counter()
    archived = fill(url, total)
    filled = time.perf_counter() - start
    times = timed(url, repeat)
    print(
        f"{name:<10} {archived} records (filled in {filled:.0f} s): records compliance "
        f"median {statistics.median(times):.2f} s (range {min(times):.2f}–{max(times):.2f})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--pg", help="a PostgreSQL URL whose database is dropped and made anew")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        report("SQLite", f"sqlite:///{folder}/records.db", args.records, args.repeat)
    if args.pg:
        report("PostgreSQL", fresh_postgres(args.pg), args.records, args.repeat)


if __name__ == "__main__":
    main()
