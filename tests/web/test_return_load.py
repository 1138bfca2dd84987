"""Many people uploading at once through ``supforms serve --workers 2``: a small run of the bench.

``benchmarks/web_load_bench.py`` runs the full load (200 uploads, 20 clients);
this runs it small, on SQLite and on PostgreSQL, and asserts what must hold at
any size: every upload answered 200, every return archived exactly once, the
second copy of each told "Already received", no traceback anywhere.
"""

from __future__ import annotations

import pytest

from benchmarks.web_load_bench import run_load

pytestmark = pytest.mark.slow


def test_concurrent_uploads_are_each_answered_and_archived_once(store_url, tmp_path):
    figures = run_load(store_url, tmp_path, uploads=24, clients=6, copies=6, workers=2)
    assert figures["answered"] == figures["uploads"] == 24
    assert figures["statuses"] == [200]
    assert figures["tracebacks"] == 0
    stored, expected = figures["stored"], figures["expected"]
    assert set(stored) == expected  # a fresh store: nothing else in it
    assert all(statuses == ["complete"] for statuses in stored.values())
    assert figures["received"] == figures["distinct"] == 12
    assert figures["already"] == 12
