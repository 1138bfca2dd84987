"""Run veraPDF (the reference PDF/UA validator) on PDFs and read its failed rules.

veraPDF is a test dependency: ``.ci/verapdf`` fetches its greenfield command line
with Maven into the local Maven repository on first use and runs it with the
PDF/UA-1 profile and a JSON report. This module runs that script once for many
files and turns the report into the failed rules of each file.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

SCRIPT = Path(__file__).resolve().parents[1] / ".ci" / "verapdf"
NON_COMPLIANT = 1  # veraPDF's exit status when it validated every file and some failed


@dataclass(frozen=True)
class FailedRule:
    """One rule a file breaks: its clause (ISO 14289-1, or 19005 for PDF/A), test number, count."""

    clause: str
    test: int
    description: str
    count: int

    def __str__(self) -> str:
        return f"{self.clause}-{self.test} ×{self.count}: {self.description}"


class VeraPDFError(Exception):
    """veraPDF could not be fetched or run, or could not read a file."""


def need_verapdf() -> None:
    """Skip the calling test where Java or Maven is missing; in CI, fail: it must have both."""
    for tool in ("java", "mvn"):
        if shutil.which(tool) is None:
            if os.environ.get("CI") == "true":
                pytest.fail(f"{tool} is missing: CI must install it to run veraPDF")
            pytest.skip(f"veraPDF needs {tool}, which is not installed")


def _rules(job: dict[str, Any]) -> list[FailedRule]:
    results = job.get("validationResult")
    if not results:
        problem = job.get("taskException", {}).get("exceptionMessage", "no validation result")
        raise VeraPDFError(f"{job['itemDetails']['name']}: {problem}")
    summaries = [s for result in results for s in result["details"]["ruleSummaries"]]
    rules = [
        FailedRule(s["clause"], int(s["testNumber"]), s["description"], int(s["failedChecks"]))
        for s in summaries
        if s["status"] == "failed"
    ]
    return sorted(rules, key=lambda r: (tuple(int(n) for n in r.clause.split(".")), r.test))


def failed_rules(
    *pdfs: Path, timeout: float = 600, flavour: str = "ua1"
) -> dict[Path, list[FailedRule]]:
    """Each file's failed rules (empty: compliant), from one veraPDF run.

    ``flavour`` is veraPDF's profile: ``ua1`` (PDF/UA-1, the default), ``3b`` (PDF/A-3b).
    """
    if not pdfs:
        return {}
    paths = [Path(p).resolve() for p in pdfs]
    done = subprocess.run(
        [str(SCRIPT), "--flavour", flavour, *map(str, paths)],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    try:
        jobs = json.loads(done.stdout)["report"]["jobs"]
    except (ValueError, KeyError):
        raise VeraPDFError(
            f"veraPDF exited {done.returncode} without a report: {done.stderr.strip()[-2000:]}"
        ) from None
    by_name = {str(path): path for path in paths}
    found = {by_name[job["itemDetails"]["name"]]: _rules(job) for job in jobs}
    if done.returncode not in (0, NON_COMPLIANT):
        raise VeraPDFError(f"veraPDF exited {done.returncode}: {done.stderr.strip()[-2000:]}")
    missing = [str(path) for path in paths if path not in found]
    if missing:
        raise VeraPDFError(f"veraPDF reported nothing for {', '.join(missing)}")
    return found
