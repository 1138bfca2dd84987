"""Benchmark: prefilled copies per second, supforms against PyPDFForm and reportlab.

Run from the repository root::

    .venv/bin/python benchmarks/generate_bench.py [--copies N] [--slow-copies M]

For each registered form, each engine runs in its own ``spawn`` subprocess
pinned to one core, so rates are single-core and each peak RSS belongs to one
engine and form. Every copy is written to a temporary folder inside the timed
loop, after one untimed warm-up copy, as ``generate`` writes them
(``supforms.pipeline.files.WriteQueue``: a temporary file beside it, every byte
checked, fsync, rename, in background threads; the folder synced at the end).
Copies cycle through variants of the form's declared sample differing in a
non-ASCII name (the value naming whom the form concerns, else its first name
field, else its first one-line text that takes the names), built beforehand;
all engines get the same values for copy i. What one copy costs, per engine:

* ``supforms``: ``issue_copy(form, record)``: display values, then a fillable
  AcroForm PDF with full Unicode appearance streams, a new document id, footers
  and XMP. The one-off ``compiled_form`` is timed apart ("template build").
* ``pypdfform``: ``PdfWrapper(blank).fill(values).read()`` on our blank form,
  default options: it sets /V but replaces a text field's /AP by a bare string
  (the filled text fields have no appearance streams).
* ``pypdfform+ap``: the same with ``generate_appearance_streams=True`` (qpdf,
  via pikepdf, writes the appearance streams).
* ``reportlab``: the form drawn from scratch: ``forms.writing.compose.compose`` draws
  the static pages, a second canvas draws the values as text (a tick, a dot for
  a scale) in the widget rectangles, pypdf merges the two. A flat print copy,
  no fields; the wording is parsed once, outside the loop.

Engines other than supforms make ``--slow-copies`` copies (default min(N, 100)).
"values read back": in the warm-up copy each field's /V (pypdf) is the value
filled in; for reportlab each text value is in the extracted page text. "ready
MiB" is peak RSS after imports and setup, "peak MiB" at the end (VmHWM, see
``_peak_mib``). The output ends with a table and a one-line JSON summary.
"""

from __future__ import annotations

import argparse
import io
import json
import multiprocessing as mp
import os
import platform
import resource
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # runs in each spawned child too
    sys.path.insert(0, str(ROOT))

NAMES = ("Zoë Ó Briain", "Łukasz Wiśniewski", "Ayşe Yılmaz", "Ахмед Иванов", "Ελένη Παπαδοπούλου")
Values = dict[str, str | bool]
Result = dict[str, Any]
Maker = Callable[[int], bytes]


@dataclass(frozen=True)
class Inputs:
    """One form's per-copy inputs, prepared in the parent, identical for every engine."""

    fid: str
    records: list[Any]  # validated pydantic models
    values: list[Values]  # their display values: dotted path -> str, or bool for a checkbox
    pypdfform: list[dict[str, Any]]  # the same, with a scale's option as its radio index
    blank: bytes


def _variants(fid: str) -> list[Any]:
    """The form's sample once per name in NAMES, put in the first value that takes them all."""
    from pydantic import ValidationError
    from supforms.forms.spec import field_specs
    from supforms.forms.values import dotted, nest
    from supforms.schemas.registry import latest

    from tests.conftest import sample_record

    model = latest(fid)
    base = dotted(sample_record(fid).model_dump())
    concerns = model.declaration.concerns
    texts = [s.path for s in field_specs(model) if s.kind == "text" and s.path in base]
    names = [path for path in texts if path.endswith("name")]
    for path in filter(None, (concerns.supervisee, concerns.supervisor, *names, *texts)):
        try:
            return [model.model_validate(nest({**base, path: name})) for name in NAMES]
        except ValidationError:
            continue
    raise SystemExit(f"{fid}: no value of its sample takes a name")


def _prepare(fid: str) -> Inputs:
    from supforms.forms.values import display_values
    from supforms.forms.writing.compiled import compiled_form
    from supforms.pipeline.delivery.generate import issue_copy

    records = _variants(fid)
    values = [display_values(r) for r in records]
    form = compiled_form(fid)
    options: dict[str, list[str]] = {}  # a radio group's options, in widget (page) order
    for w in form.widgets:
        if w.option is not None:
            options.setdefault(w.path, []).append(w.option)
    indexed = [
        {p: options[p].index(str(v)) if p in options else v for p, v in shown.items()}
        for shown in values
    ]
    return Inputs(fid, records, values, indexed, issue_copy(form, None)[1])


def _supforms(inp: Inputs, extra: Result) -> Maker:
    from supforms.forms.writing.compiled import compiled_form
    from supforms.pipeline.delivery.generate import issue_copy

    start = time.perf_counter()
    form = compiled_form(inp.fid)
    extra["build_s"] = round(time.perf_counter() - start, 3)
    return lambda i: issue_copy(form, inp.records[i % len(inp.records)])[1]


def _pypdfform(inp: Inputs, appearances: bool) -> Maker:
    from PyPDFForm import PdfWrapper  # type: ignore[import-untyped]

    def make(i: int) -> bytes:
        wrapper = PdfWrapper(
            inp.blank, use_full_widget_name=True, generate_appearance_streams=appearances
        )
        return bytes(wrapper.fill(inp.pypdfform[i % len(inp.pypdfform)]).read())

    return make


def _reportlab(inp: Inputs) -> Maker:
    from pypdf import PdfReader, PdfWriter
    from reportlab.pdfgen.canvas import Canvas
    from supforms.forms.spec import field_specs
    from supforms.forms.writing.compose import compose
    from supforms.forms.writing.layout import PAGE_HEIGHT, PAGE_WIDTH, REGULAR, register_fonts
    from supforms.forms.writing.wording import load_wording, parse_blocks, render_wording
    from supforms.schemas.registry import latest

    register_fonts()
    wording = load_wording()
    blocks, specs = parse_blocks(render_wording(inp.fid, wording)), field_specs(latest(inp.fid))

    def make(i: int) -> bytes:
        static = compose(latest(inp.fid).declaration.title, blocks, specs, wording.logo)
        shown, ink = inp.values[i % len(inp.values)], io.BytesIO()
        canvas = Canvas(ink, pagesize=(PAGE_WIDTH, PAGE_HEIGHT))
        for page in range(static.pages):
            for w in (w for w in static.widgets if w.page == page and w.path in shown):
                value, (x0, y0, x1, y1) = shown[w.path], w.rect
                size = min(10.0, y1 - y0 - 4)
                canvas.setFont(REGULAR, size)
                if w.option is not None:  # a scale: dot the chosen option
                    if value == w.option:
                        canvas.circle((x0 + x1) / 2, (y0 + y1) / 2, (x1 - x0) / 4, fill=1)
                elif value is True:
                    canvas.drawCentredString((x0 + x1) / 2, y0 + 2, "✓")
                else:
                    lines = str(value).split("\n")
                    top = y1 - size - 2 if len(lines) > 1 else (y0 + y1 - size) / 2 + 2
                    for k, line in enumerate(lines):
                        canvas.drawString(x0 + 2, top - k * size * 1.2, line)
            canvas.showPage()
        canvas.save()
        writer, out = PdfWriter(), io.BytesIO()
        for sheet, overlay in zip(
            PdfReader(io.BytesIO(static.pdf)).pages, PdfReader(ink).pages, strict=True
        ):
            sheet.merge_page(overlay)
            writer.add_page(sheet)
        writer.write(out)
        return out.getvalue()

    return make


def _peak_mib() -> float:
    """This process's peak RSS (VmHWM).

    Not ``ru_maxrss``: on Linux it survives fork+exec, so a spawned child would
    report at least its parent's peak.
    """
    status = Path("/proc/self/status")
    if status.exists():
        line = next(x for x in status.read_text().splitlines() if x.startswith("VmHWM:"))
        return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2  # bytes on macOS


def _wrong(engine: str, pdf: bytes, values: Values) -> list[str]:
    """Values the copy does not hold: by field /V, or for a flat copy by its page text."""
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(pdf))
    if engine == "reportlab":
        text = " ".join(page.extract_text() for page in reader.pages)
        return [
            p
            for p, v in values.items()
            if isinstance(v, str) and not all(line in text for line in v.split("\n"))
        ]
    fields = reader.get_fields() or {}
    got = {p: str(fields.get(p, {}).get("/V", "")).removeprefix("/") for p in values}
    return [
        f"{p}={got[p]!r}" for p, v in values.items() if got[p] != ("Yes" if v is True else str(v))
    ]


def measure(engine: str, inp: Inputs, n: int) -> Result:
    """In a spawned child: ``n`` copies of one form by one engine, on one core."""
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    extra: Result = {}
    make = {
        "supforms": lambda: _supforms(inp, extra),
        "pypdfform": lambda: _pypdfform(inp, False),
        "pypdfform+ap": lambda: _pypdfform(inp, True),
        "reportlab": lambda: _reportlab(inp),
    }[engine]()
    from supforms.pipeline.files import WriteQueue, sync_folder

    ready = _peak_mib()
    first = make(0)  # warm-up, untimed
    with tempfile.TemporaryDirectory() as tmp, WriteQueue[int]() as queue:
        start = time.perf_counter()
        for i in range(n):
            for _ in queue.put(Path(tmp) / f"{inp.fid}-{i:04d}.pdf", make(i), i):
                pass
        for _ in queue.drain():
            pass
        sync_folder(Path(tmp))
        elapsed = time.perf_counter() - start
    return {
        "copies": n,
        "rate": round(n / elapsed, 1),
        "ready_mib": round(ready, 1),
        "peak_mib": round(_peak_mib(), 1),
        "wrong": _wrong(engine, first, inp.values[0]),
        **extra,
    }


def _machine() -> dict[str, Any]:
    info = Path("/proc/cpuinfo").read_text() if Path("/proc/cpuinfo").exists() else ""
    cpu = next(
        (x.split(":")[1].strip() for x in info.splitlines() if x.startswith("model name")),
        platform.processor(),
    )
    return {
        "cpu": cpu,
        "cpu_count": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        **{p: version(p) for p in ("pypdf", "pikepdf", "reportlab", "PyPDFForm")},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--copies", type=int, default=1000, help="supforms copies per form")
    parser.add_argument("--slow-copies", type=int, help="copies per form for the other engines")
    args = parser.parse_args()
    n, slow = args.copies, args.slow_copies or min(args.copies, 100)
    started, machine = time.perf_counter(), _machine()
    results: dict[str, dict[str, Result]] = {}
    from supforms.schemas.registry import form_ids

    for fid in form_ids():
        inp = _prepare(fid)
        results[fid] = {}
        for engine in ("supforms", "pypdfform", "pypdfform+ap", "reportlab"):
            print(f"{fid}: {engine}…", file=sys.stderr, flush=True)
            with mp.get_context("spawn").Pool(1) as pool:  # a fresh process each time
                results[fid][engine] = pool.apply(
                    measure, (engine, inp, n if engine == "supforms" else slow)
                )
        for res in results[fid].values():
            res["ratio"] = round(results[fid]["supforms"]["rate"] / res["rate"], 1)
    total = time.perf_counter() - started

    print(
        f"\nmachine: {machine['cpu']}, {machine['cpu_count']} CPUs, python {machine['python']}; "
        + ", ".join(f"{p} {machine[p]}" for p in ("pypdf", "pikepdf", "reportlab", "PyPDFForm"))
    )
    print(
        f"each measurement on one core; supforms {n} copies per form, "
        f"other engines {slow} copies per form\n"
    )
    print(
        f"{'form':<13}{'engine':<14}{'copies':>7}{'copies/s':>10}{'ms/copy':>9}"
        f"{'ready MiB':>10}{'peak MiB':>9}{'supforms ×':>11}  values read back"
    )
    for fid, engines in results.items():
        for engine, r in engines.items():
            check = "ok" if not r["wrong"] else "WRONG: " + ", ".join(r["wrong"])
            print(
                f"{fid:<13}{engine:<14}{r['copies']:>7}{r['rate']:>10.1f}{1000 / r['rate']:>9.2f}"
                f"{r['ready_mib']:>10.1f}{r['peak_mib']:>9.1f}{r['ratio']:>11.1f}  {check}"
            )
        build = engines["supforms"]["build_s"] * 1000
        print(f"{fid:<13}{'template build':<31}{build:>9.0f}  ms, once per form version")
    print(f"\n'supforms ×' = supforms copies/s ÷ that engine's copies/s; total run {total:.0f} s")
    print(
        json.dumps(
            {
                "machine": machine,
                "copies": n,
                "slow_copies": slow,
                "total_s": round(total, 1),
                "results": results,
            },
            ensure_ascii=False,
        )
    )


if __name__ == "__main__":
    main()
