"""The rooms hold: import-linter's contracts (pyproject.toml) on the installed layout.

The repository keeps forms/, pipeline/ and schemas/ at its top and installs them as
``supforms.*`` (setuptools' package-dir). import-linter reads packages from their
folders, so the test lays the sources out as they are installed, in a temporary
folder, and runs ``lint-imports`` there with the project's own contracts.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_import_contracts_are_kept(tmp_path):
    package = tmp_path / "supforms"
    shutil.copytree(ROOT / "supforms", package, ignore=shutil.ignore_patterns("__pycache__"))
    for part in ("forms", "pipeline", "schemas"):
        shutil.copytree(
            ROOT / part, package / part, ignore=shutil.ignore_patterns("__pycache__", "*.j2")
        )
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    lint = Path(sys.executable).with_name("lint-imports")
    done = subprocess.run(
        [str(lint), "--no-cache"],
        cwd=tmp_path,
        env={"PYTHONPATH": str(tmp_path), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "0 broken" in done.stdout
