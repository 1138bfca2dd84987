"""Walk the web pages in Debian's Chromium (puppeteer-core) and run axe-core on them.

``journey(steps)`` runs ``tests/pdfjs/web_journey.mjs`` (its header lists the steps)
and returns one result per step; a step the browser could not take fails the test.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

TOOLS = Path(__file__).parents[1] / "pdfjs"  # puppeteer-core and axe-core, from npm


def journey(steps: list[dict[str, Any]], tmp: Path) -> list[dict[str, Any]]:
    node, chromium = shutil.which("node"), shutil.which("chromium")
    if not node or not chromium or not (TOOLS / "node_modules" / "axe-core").is_dir():
        pytest.fail("node, chromium and tests/pdfjs/node_modules (npm ci) are needed: run setup.sh")
    plan = tmp / f"steps-{len(list(tmp.glob('steps-*.json')))}.json"
    plan.write_text(json.dumps(steps))
    done = subprocess.run(
        [node, str(TOOLS / "web_journey.mjs"), str(plan), chromium],
        capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["error"] is None, report["error"]
    return list(report["results"])


def no_violations(result: dict[str, Any]) -> bool:
    """An axe step's result had no WCAG 2.2 AA violation (the list is in the assertion)."""
    return not result["violations"]
