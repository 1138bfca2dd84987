"""Parent memory on one large input: the batch's peak RSS, and the worker limit it must stay under.

Run from the repository root:

    .venv/bin/python benchmarks/parent_memory_bench.py [--mib 200] [--store sqlite|none]

Each case runs ``supforms ingest`` in a fresh process and reads that process's
own peak RSS (``VmHWM`` in ``/proc/self/status``, printed by the process as it
ends, so the workers' memory is not counted) against a baseline run on one
small return. The cases:

1. ``--mib`` MiB of PDF (a real PDF holding one incompressible stream): within
   the size limit, read by a worker, its bytes sent back, quarantined (it is
   not one of our forms) and archived in the store.
2. A 1 GiB sparse file named ``.pdf``: over the size limit, never read whole:
   hashed and copied into quarantine a MiB at a time.

The promise: each peak stays well under twice the worker memory limit (1024 MiB
by default), and case 2 near the baseline whatever the file's size.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pikepdf

ROOT = Path(__file__).resolve().parents[1]
_RUNNER = """
import sys
from supforms.pipeline.cli import cli
try:
    cli.main(sys.argv[1:], standalone_mode=False)
finally:
    hwm = [l for l in open('/proc/self/status') if l.startswith('VmHWM')][0]
    print('PEAK', int(hwm.split()[1]) // 1024, file=sys.stderr)
"""


def _large_pdf(path: Path, mib: int) -> None:
    pdf = pikepdf.new()
    pdf.add_blank_page()
    pdf.Root.Filler = pdf.make_stream(os.urandom(mib * 2**20))
    pdf.save(path, compress_streams=False)


def _small_pdf(path: Path) -> None:
    pdf = pikepdf.new()
    pdf.add_blank_page()
    pdf.save(path)


def _peak(inbox: Path, out: Path, store: str) -> tuple[int, int]:
    """Exit code and the ingest process's own peak RSS in MiB."""
    where = ["--no-archive"] if store == "none" else ["--store", f"sqlite:///{out}/records.db"]
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            _RUNNER,
            "-q",
            "ingest",
            str(inbox),
            "--out",
            str(out),
            *where,
            "--workers",
            "1",
        ],
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        check=False,
    )
    peaks = [line for line in done.stderr.splitlines() if line.startswith("PEAK")]
    if not peaks:
        raise SystemExit(done.stderr)
    return done.returncode, int(peaks[-1].split()[1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mib", type=int, default=200)
    parser.add_argument("--store", choices=["sqlite", "none"], default="sqlite")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        base = Path(folder)
        cases = {}
        for name in ("baseline", "large", "sparse-1gib"):
            (base / name).mkdir()
        _small_pdf(base / "baseline" / "small.pdf")
        _large_pdf(base / "large" / "large.pdf", args.mib)
        subprocess.run(["truncate", "-s", "1G", str(base / "sparse-1gib" / "big.pdf")], check=True)
        for name in ("baseline", "large", "sparse-1gib"):
            cases[name] = _peak(base / name, base / f"out-{name}", args.store)
        size = (base / "large" / "large.pdf").stat().st_size >> 20
        print(f"store: {args.store}; worker memory limit 1024 MiB (2x = 2048 MiB)")
        for name, (code, peak) in cases.items():
            what = f"{size} MiB PDF" if name == "large" else name
            print(f"{what:>14}: parent peak RSS {peak:5d} MiB (exit {code})")


if __name__ == "__main__":
    main()
