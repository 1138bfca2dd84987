"""``pip install .`` puts one package into site-packages: ``supforms``, nothing generic.

The repository keeps forms/, pipeline/ and schemas/ at its top; installed, they are
``supforms.forms``, ``supforms.pipeline`` and ``supforms.schemas``. The test builds
the wheel, installs it into a fresh virtual environment (its dependencies reached
through a path entry to this environment's site-packages, so nothing is downloaded
and this checkout's editable install is not seen), and runs the installed command.
"""

from __future__ import annotations

import json
import shutil
import site
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    work = tmp_path_factory.mktemp("install")
    source = work / "source"  # a copy: building leaves build/ and *.egg-info beside the sources
    ignore = shutil.ignore_patterns("__pycache__", "node_modules")
    for folder in ("supforms", "forms", "pipeline", "schemas"):
        shutil.copytree(ROOT / folder, source / folder, ignore=ignore)
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    wheels = work / "wheels"
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(wheels), str(source)],
        capture_output=True,
        text=True,
    )
    assert built.returncode == 0, built.stderr
    venv = work / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    purelib = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    (wheel,) = wheels.glob("supforms-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        archive.extractall(purelib)  # what pip does for a pure wheel, minus the script
    # The dependencies, from this environment: a plain path entry (its .pth files, and
    # so this checkout's editable finder, are not run from there).
    (Path(purelib) / "deps.pth").write_text("\n".join(site.getsitepackages()) + "\n")
    return venv


def test_the_wheel_holds_only_the_supforms_package(installed):
    python = installed / "bin" / "python"
    purelib = Path(
        subprocess.run(
            [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    )
    top = {path.name for path in purelib.iterdir() if not path.name.endswith(".pth")}
    assert {name for name in top if not name.endswith(".dist-info")} == {"supforms"}
    for generic in ("forms", "pipeline", "schemas"):
        probe = subprocess.run(
            [str(python), "-c", f"import {generic}"], capture_output=True, text=True, cwd="/"
        )
        assert probe.returncode != 0, f"a top-level {generic!r} is importable"


def test_the_installed_package_generates_and_lists_its_forms(installed, tmp_path):
    python = installed / "bin" / "python"
    where = subprocess.run(
        [str(python), "-c", "import supforms.forms; print(supforms.forms.__file__)"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert str(installed) in where.stdout, where.stdout + where.stderr
    listed = subprocess.run(
        [str(python), "-m", "supforms", "forms", "--json"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert listed.returncode == 0, listed.stderr
    forms = sorted({json.loads(line)["form"] for line in listed.stdout.splitlines()})
    assert forms
    for form in forms:  # the wording templates came with the package
        made = subprocess.run(
            [str(python), "-m", "supforms", "generate", form, "-o", str(tmp_path / "out")],
            capture_output=True,
            text=True,
            cwd=tmp_path,
        )
        assert made.returncode == 0, made.stderr
    assert len(list((tmp_path / "out").glob("*-blank.pdf"))) == len(forms)
