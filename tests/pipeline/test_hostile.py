"""Hostile and broken inputs in a batch: every one accounted for, nothing crashes or hangs.

The good files around them read exactly as they do alone.
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import time
from pathlib import Path

import pytest
from supforms.forms.writing.compiled import compiled_form
from supforms.pipeline.delivery.generate import issue_copy
from supforms.schemas.registry import form_ids

from tests.conftest import ISSUED_AT, sample_record
from tests.pipeline.hostile import write_corpus

ROOT = Path(__file__).resolve().parents[2]

EXPECTED = {  # name: (status, a problem code it must carry)
    "empty.pdf": ("rejected", "not_a_pdf"),
    "truncated-10pct.pdf": ("rejected", "truncated"),
    "truncated-50pct.pdf": ("rejected", "truncated"),
    "truncated-99pct.pdf": ("rejected", "truncated"),
    "picture.pdf": ("rejected", "not_a_pdf"),
    "broken-xref.pdf": ("incomplete", "repaired"),
    "wrong-length.pdf": ("incomplete", "repaired"),
    "owner-password.pdf": ("incomplete", "unsigned"),
    "user-password.pdf": ("rejected", "needs_password"),
    "bomb.pdf": ("incomplete", "unsigned"),
    "flat-bomb.pdf": ("rejected", "not_a_form"),
    "nested.pdf": ("rejected", "damaged"),
    "field-loop.pdf": ("incomplete", "unsigned"),
    "page-loop.pdf": ("rejected", "damaged"),
    "many-fields.pdf": ("rejected", "not_a_form"),
    "huge-value.pdf": ("invalid", "too_long"),
    "sneaky-names.pdf": ("invalid", "invalid_value"),
    "javascript.pdf": ("incomplete", "unsigned"),
    "attachment.pdf": ("incomplete", "unsigned"),
    "xfa.pdf": ("incomplete", "unsigned"),
    "other-template.pdf": ("rejected", "not_a_form"),
    "link.pdf": ("rejected", "refused"),
}


def ingest(folder: Path, out: Path) -> tuple[list[dict], str, float, float]:
    """Results, stderr, seconds and the peak memory (MiB) of any process of the run."""
    started = time.monotonic()
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "supforms",
            "ingest",
            str(folder),
            "--out",
            str(out),
            "--json",
            "--no-archive",
            "--workers",
            "2",
            "--time-limit",
            "20",
            "--memory-limit",
            "900",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    seconds = time.monotonic() - started
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    assert done.returncode in (0, 3), done.stderr
    return [json.loads(line) for line in done.stdout.splitlines()], done.stderr, seconds, peak


def comparable(result: dict) -> dict:
    return {k: result[k] for k in ("form", "version", "document_id", "status", "data", "problems")}


@pytest.mark.slow
def test_a_hostile_batch_is_accounted_for_and_leaves_good_files_alone(tmp_path):
    good = tmp_path / "good"
    good.mkdir()
    for form_id in form_ids():
        data = issue_copy(compiled_form(form_id), sample_record(form_id), issued_at=ISSUED_AT)[1]
        (good / f"good-{form_id}.pdf").write_bytes(data)
    alone, _, _, _ = ingest(good, tmp_path / "alone")

    mixed = tmp_path / "mixed"
    write_corpus(mixed)
    for path in good.iterdir():
        (mixed / path.name).write_bytes(path.read_bytes())
    results, err, seconds, peak = ingest(mixed, tmp_path / "out")

    names = [r["source"]["filename"] for r in results]
    inputs = sorted(p.name for p in mixed.iterdir())
    assert sorted(names) == inputs  # every input accounted for, once
    assert "Traceback" not in err
    by_name = {r["source"]["filename"]: r for r in results}
    for name, (status, code) in EXPECTED.items():
        result = by_name[name]
        assert result["status"] == status, (name, result["problems"])
        assert code in {p["code"] for p in result["problems"]}, (name, result["problems"])
    for result in results:
        if result["status"] == "rejected" and result["source"]["filename"] != "link.pdf":
            kept = tmp_path / "out" / result["quarantined"]
            assert kept.stat().st_size == result["source"]["bytes"]  # the original bytes
    for result in alone:
        assert comparable(by_name[result["source"]["filename"]]) == comparable(result)
    assert seconds < 120
    assert peak < 1024, f"peak memory {peak:.0f} MiB"
    print(f"hostile batch: {len(results)} inputs in {seconds:.1f} s, peak {peak:.0f} MiB")


def _incremental(data: bytes, change) -> bytes:
    """``data`` with ``change`` appended as a new revision (an incremental update)."""
    import io

    import pypdf

    writer = pypdf.PdfWriter(io.BytesIO(data), incremental=True)
    change(writer)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_the_latest_revision_counts():
    from pypdf.generic import NameObject, TextStringObject
    from supforms.pipeline.intake.ingest import ingest_bytes

    original = issue_copy(
        compiled_form("agreement"), sample_record("agreement"), issued_at=ISSUED_AT
    )[1]

    def rename(writer):
        for annot in writer.pages[0]["/Annots"]:
            widget = annot.get_object()
            if widget.get("/T") == "job_title" and widget["/Parent"]["/T"] == "supervisee":
                widget[NameObject("/V")] = TextStringObject("Senior Social Worker")

    renamed = ingest_bytes(_incremental(original, rename), "renamed.pdf").as_json()
    assert renamed["data"]["supervisee"]["job_title"] == "Senior Social Worker"

    def unform(writer):
        del writer.root_object["/AcroForm"]

    removed = ingest_bytes(_incremental(original, unform), "removed.pdf").as_json()
    assert removed["data"]["supervisee"]["name"] is None  # not read from the old revision
    # ...and not taken for a blank form either: the removal is the problem
    assert removed["status"] == "invalid"
    codes = {p["code"] for p in removed["problems"]}
    assert "form_removed" in codes
    assert not codes & {"missing", "unsigned", "recovered_from_text"}
