"""The store's SQLite file is opened, never followed, and never silently changed.

``records.db`` as a symbolic link (to a store of ours, to nothing, to a file of
another user's), or as a file another user owns: every command, reading or
writing, refuses it in one line, exit 1, and the target is untouched: the same
bytes, mode and owner, and a dangling link's target is never made. A new store
is made 0600; an existing one others may read or write is refused, its mode kept.
"""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from supforms.pipeline.records.opening import open_store
from supforms.schemas.errors import StoreError

from tests.cli import run
from tests.pipeline.test_store_opening import _copy

ROOT = Path(__file__).resolve().parents[2]
NOBODY = 65534

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="chown to another user needs root")


def _commands(tmp_path: Path) -> list[tuple[str, ...]]:
    """Reading and writing commands alike, each with ``--store`` as its last options."""
    for folder in ("in", "o"):
        (tmp_path / folder).mkdir(exist_ok=True)
    manifest = tmp_path / "manifest.jsonl"
    manifest.write_text(json.dumps(_copy("e" * 32)) + "\n", encoding="utf-8")
    return [
        ("records", "list"),
        ("records", "verify"),
        ("records", "register", str(manifest)),
        ("ingest", str(tmp_path / "in"), "--out", str(tmp_path / "o")),
    ]


def _with_store(command: tuple[str, ...], url: str) -> list[str]:
    head = 2 if command[0] == "records" else 1
    return [*command[:head], "--store", url, *command[head:]]


def _state(path: Path) -> tuple[bytes, int, int, int] | None:
    """What a target is: its bytes, mode, owner and group (None: nothing there)."""
    if not path.exists():
        return None
    found = path.stat()
    return path.read_bytes(), stat.S_IMODE(found.st_mode), found.st_uid, found.st_gid


def _a_store(path: Path, *, owner: int | None = None) -> Path:
    with open_store(f"sqlite:///{path}") as store:
        store.register([_copy("a" * 32)])
    for suffix in ("-wal", "-shm"):
        path.with_name(path.name + suffix).unlink(missing_ok=True)
    if owner is not None:
        os.chown(path, owner, owner)
    return path


def _cases(tmp_path: Path) -> dict[str, tuple[Path, Path]]:
    """Each kind of hostile ``records.db``: (the path given, the file it would touch)."""
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    cases = {}
    for kind in ("link", "dangling", "link-to-nobody", "nobody-owns", "nobody-empty"):
        (tmp_path / kind).mkdir()
        cases[kind] = (tmp_path / kind / "records.db", elsewhere / f"{kind}.db")
    _a_store(cases["link"][1])
    _a_store(cases["link-to-nobody"][1], owner=NOBODY)
    for kind in ("link", "dangling", "link-to-nobody"):
        cases[kind][0].symlink_to(cases[kind][1])
    # A file of nobody's, where the store should be: a whole store, and an empty file.
    _a_store(cases["nobody-owns"][0], owner=NOBODY)
    cases["nobody-owns"] = (cases["nobody-owns"][0],) * 2
    empty = cases["nobody-empty"][0]
    empty.touch(mode=0o666)
    empty.chmod(0o666)  # anyone may write it: the trap of a shared folder
    os.chown(empty, NOBODY, NOBODY)
    cases["nobody-empty"] = (empty, empty)
    return cases


def test_a_linked_or_foreign_store_is_refused_and_left_untouched(tmp_path):
    commands = _commands(tmp_path)
    for kind, (given, target) in _cases(tmp_path).items():
        before = _state(target)
        for command in commands:
            code, stdout, err = run(*_with_store(command, f"sqlite:///{given}"))
            assert code == 1, (kind, command, err)
            lines = err.strip().splitlines()
            assert len(lines) == 1, (kind, command, err)
            assert "Traceback" not in err
            assert str(given) in lines[0], (kind, lines[0])
            if kind.startswith("nobody"):
                assert f"belongs to user {NOBODY}, not to you" in lines[0]
            else:
                assert "is a symbolic link" in lines[0]
                assert "never a link" in lines[0]
            assert _state(target) == before, (kind, command)  # bytes, mode, owner
            for suffix in ("-wal", "-shm"):  # SQLite never opened it
                assert not target.with_name(target.name + suffix).exists(), (kind, command)
        if kind == "dangling":
            assert not target.exists()
            assert given.is_symlink()


def test_a_linked_store_is_refused_in_a_real_process(tmp_path):
    target = _a_store(tmp_path / "theirs.db", owner=NOBODY)
    before = _state(target)
    (tmp_path / "output").mkdir()
    (tmp_path / "output" / "records.db").symlink_to(target)
    (tmp_path / "in").mkdir()
    done = subprocess.run(
        [sys.executable, "-m", "supforms", "ingest", "in", "--out", "o"],
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(ROOT), "SUPFORMS_STORE": ""},
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 1, done.stderr
    assert done.stderr.strip() == (
        "supforms: output/records.db is a symbolic link; supforms opens a records store file, "
        "never a link: name the file itself (check --store or SUPFORMS_STORE)"
    )
    assert _state(target) == before


def test_a_side_file_as_a_link_is_refused(tmp_path):
    store = _a_store(tmp_path / "records.db")
    victim = tmp_path / "victim"
    victim.write_bytes(b"someone else's")
    (tmp_path / "records.db-wal").symlink_to(victim)
    with pytest.raises(StoreError, match=r"records\.db-wal is a symbolic link"):
        open_store(f"sqlite:///{store}").close()
    assert victim.read_bytes() == b"someone else's"


def test_a_new_store_is_private_and_an_open_one_is_judged_not_changed(tmp_path):
    os.umask(0o000)  # even with nothing masked, the new file is the owner's alone
    try:
        fresh = tmp_path / "new" / "records.db"
        open_store(f"sqlite:///{fresh}").close()
    finally:
        os.umask(0o022)
    assert stat.S_IMODE(fresh.stat().st_mode) == 0o600
    for mode, words in ((0o640, "read"), (0o604, "read"), (0o620, "rewritten")):
        fresh.chmod(mode)
        for create in (True, False):
            with pytest.raises(StoreError, match=rf"can be {words} by other users") as caught:
                open_store(f"sqlite:///{fresh}", create=create).close()
            assert f"(mode {mode:04o})" in str(caught.value)
            assert f"chmod 600 {fresh}" in str(caught.value)
            assert stat.S_IMODE(fresh.stat().st_mode) == mode
    fresh.chmod(0o600)
    with open_store(f"sqlite:///{fresh}", create=False) as store:
        assert store.head().id >= 0
