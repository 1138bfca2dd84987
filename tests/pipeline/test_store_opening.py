"""A store is opened, never made, by a command that reads it; a broken one is one line.

Reading commands (records list, show, export, verify, head, due, outstanding,
transcribe, purge; remind and renew) on a store that is not there: exit 1, one
line, and nothing made anywhere (no file, no folder, no -wal or -shm, no table).
Writing commands (ingest, generate, register) still make it. A store file that
is not a database, is cut short, or sits under a file: one line for every
command, never a traceback. A malformed manifest: one line naming the file, the
line and the reason, exit 2, and nothing registered.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa
from supforms.forms.writing.compiled import compiled_form
from supforms.pipeline.delivery.generate import issue_copy
from supforms.pipeline.records.opening import open_store
from supforms.pipeline.result import IngestResult
from supforms.schemas.errors import StoreError

from tests.cli import run
from tests.conftest import ISSUED_AT, _fresh_postgres, sample_record

ROOT = Path(__file__).resolve().parents[2]

READERS = [
    ("records", "list"),
    ("records", "show", "1"),
    ("records", "show", "1", "--json"),
    ("records", "export", "--format", "csv"),
    ("records", "verify"),
    ("records", "evidence", "1", "-o", "never-written.pdf"),
    ("records", "head"),
    ("records", "due"),
    ("records", "outstanding"),
    ("records", "transcribe"),
    ("records", "purge", "--before", "01/01/2020", "--yes"),
    ("remind", "agreement", "--dry-run"),
    ("renew", "--dry-run"),
]


def tree(folder: Path) -> list[str]:
    """Every path under ``folder``, to compare before and after."""
    return sorted(str(path.relative_to(folder)) for path in folder.rglob("*"))


def supforms(*args: str, cwd: Path, store: str | None = None) -> subprocess.CompletedProcess[str]:
    """``python -m supforms ARGS`` in its own process, with ``store`` as SUPFORMS_STORE."""
    env = {**os.environ, "SUPFORMS_STORE": store} if store else dict(os.environ)
    return subprocess.run(
        [sys.executable, "-m", "supforms", *args],
        cwd=cwd,
        env={**env, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        check=False,
    )


def one_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert "Traceback" not in err
    return lines[0]


def with_store(command: tuple[str, ...], url: str) -> list[str]:
    """``--store`` after the command's name (after the subcommand's, for records)."""
    head = 2 if command[0] == "records" else 1
    return [*command[:head], "--store", url, *command[head:]]


# -- a store that is not there -----------------------------------------------------------


@pytest.mark.parametrize("command", READERS, ids=lambda c: " ".join(c[:2]))
def test_a_reading_command_makes_no_store(tmp_path, command):
    (tmp_path / "work").mkdir()
    before = tree(tmp_path)
    url = f"sqlite:///{tmp_path}/typo/recrods.db"
    code, stdout, err = run(*with_store(command, url))
    assert code == 1, err
    line = one_line(err)
    assert f"no records store at {tmp_path}/typo/recrods.db" in line
    assert "--store or SUPFORMS_STORE" in line
    assert stdout == ""
    assert tree(tmp_path) == before  # no file, no folder, no -wal or -shm


def test_verify_of_a_missing_store_makes_nothing_in_a_real_process(tmp_path):
    before = tree(tmp_path)
    done = supforms("records", "verify", "--store", "sqlite:///typo/recrods.db", cwd=tmp_path)
    assert done.returncode == 1
    assert one_line(done.stderr) == (
        "supforms: no records store at typo/recrods.db: check --store or SUPFORMS_STORE"
    )
    assert "match" not in done.stdout
    assert tree(tmp_path) == before
    # The same store named by SUPFORMS_STORE, and in a folder that exists.
    (tmp_path / "typo").mkdir()
    done = supforms("records", "list", cwd=tmp_path, store="sqlite:///typo/recrods.db")
    assert done.returncode == 1
    assert "no records store at typo/recrods.db" in one_line(done.stderr)
    assert tree(tmp_path) == ["typo"]


def test_the_library_opens_for_reading_without_making(tmp_path):
    url = f"sqlite:///{tmp_path}/a/b/records.db"
    with pytest.raises(StoreError, match="no records store at"):
        open_store(url, create=False)
    assert tree(tmp_path) == []
    with open_store(url):  # a writing open makes it
        pass
    with open_store(url, create=False) as store:
        assert store.head().id == 0
    # An empty file (touch) is no store to read: it has none of the tables.
    (tmp_path / "empty.db").touch(mode=0o600)
    with pytest.raises(StoreError, match="is not a records store"):
        open_store(f"sqlite:///{tmp_path}/empty.db", create=False)
    assert (tmp_path / "empty.db").stat().st_size == 0


def test_writing_commands_still_make_the_store(tmp_path):
    manifest = tmp_path / "manifest.jsonl"
    manifest.write_text(json.dumps(_copy("d" * 32)) + "\n", encoding="utf-8")
    url = f"sqlite:///{tmp_path}/new/records.db"
    code, stdout, err = run("records", "register", str(manifest), "--store", url)
    assert code == 0, err
    assert "Registered 1 new" in stdout
    code, stdout, err = run("records", "outstanding", "--store", url)
    assert code == 0, err
    assert "d" * 32 in stdout
    (tmp_path / "in").mkdir()
    url = f"sqlite:///{tmp_path}/other/records.db"
    code, _, err = run("ingest", str(tmp_path / "in"), "--out", str(tmp_path / "o"), "--store", url)
    assert code == 0, err
    assert (tmp_path / "other" / "records.db").is_file()


# -- a store that is no store ----------------------------------------------------------


def _commands(tmp_path: Path) -> list[tuple[str, ...]]:
    """Reading and writing commands alike."""
    for folder in ("in", "o", "g"):  # made by the commands before they open the store
        (tmp_path / folder).mkdir(exist_ok=True)
    data = tmp_path / "pairs.jsonl"
    data.write_text('{"supervisee.name": "Zoë Ó Briain"}\n', encoding="utf-8")
    manifest = tmp_path / "manifest.jsonl"
    manifest.write_text(json.dumps(_copy("e" * 32)) + "\n", encoding="utf-8")
    return [
        ("records", "list"),
        ("records", "verify"),
        ("records", "head", "--json"),
        ("records", "register", str(manifest)),
        ("ingest", str(tmp_path / "in"), "--out", str(tmp_path / "o")),
        ("generate", "agreement", "--data", str(data), "-o", str(tmp_path / "g")),
    ]


def test_a_store_under_a_file_is_one_line(tmp_path):
    blocker = tmp_path / "notes.txt"
    blocker.write_text("not a folder\n")
    for command in _commands(tmp_path):
        for url in (f"sqlite:///{blocker}/records.db", f"sqlite:///{blocker}/deeper/records.db"):
            before = tree(tmp_path)
            code, stdout, err = run(*with_store(command, url))
            assert code == 1, (command, err)
            line = one_line(err)
            assert f"{blocker} is a file, not a folder" in line, (command, line)
            assert tree(tmp_path) == before, command
            assert blocker.read_text() == "not a folder\n"
    done = supforms("records", "verify", "--store", "sqlite:////etc/passwd/x.db", cwd=tmp_path)
    assert done.returncode == 1
    assert "/etc/passwd is a file, not a folder" in one_line(done.stderr)


def _not_databases(tmp_path: Path) -> dict[str, bytes]:
    good = tmp_path / "good.db"
    with open_store(f"sqlite:///{good}") as store:
        store.register([_copy(f"{n:032x}") for n in range(200)])
    whole = good.read_bytes()
    good.unlink()
    return {
        "random": os.urandom(3000),
        "text": b"supervision notes, not a database\n" * 40,
        "cut-short": whole[: len(whole) // 2],
        "header-only": whole[:100],
    }


def test_a_file_that_is_not_a_database_is_one_line(tmp_path):
    for kind, content in _not_databases(tmp_path).items():
        target = tmp_path / f"{kind}.db"
        target.write_bytes(content)
        target.chmod(0o600)  # private, as supforms makes a store: only its content is wrong
        for command in _commands(tmp_path):
            before = tree(tmp_path)
            code, stdout, err = run(*with_store(command, f"sqlite:///{target}"))
            assert code == 1, (kind, command, err)
            line = one_line(err)
            assert str(target) in line, (kind, command, line)
            assert "not a SQLite database" in line or "damaged" in line, (kind, command, line)
            assert "check --store" in line or "backup" in line, line
            assert target.read_bytes() == content, (kind, command)  # never written to
            assert tree(tmp_path) == before, (kind, command)


def test_a_damaged_store_is_one_line_in_a_real_process(tmp_path):
    (tmp_path / "random.db").write_bytes(os.urandom(5000))
    (tmp_path / "random.db").chmod(0o600)
    (tmp_path / "in").mkdir()
    for args in (
        ("records", "verify", "--store", "sqlite:///random.db"),
        ("ingest", "in", "--out", "o", "--store", "sqlite:///random.db"),
    ):
        done = supforms(*args, cwd=tmp_path)
        assert done.returncode == 1, done.stderr
        assert "random.db" in one_line(done.stderr)


# -- a malformed manifest --------------------------------------------------------------


def _copy(document_id: str, /, **changes: object) -> dict[str, object]:
    """One manifest line as ``generate --data`` writes it."""
    line: dict[str, object] = {
        "document_id": document_id,
        "form": "agreement",
        "version": "1",
        "file": f"agreement-{document_id[:8]}.pdf",
        "recipient": "zoe@example.org",
        "issued_at": ISSUED_AT.isoformat(),
        "sha256": "ab" * 32,
        "bytes": 1000,
        "row": 1,
        "prefill": {"supervisee.name": "Zoë Ó Briain"},
        "key": "k",
        "renews": None,
    }
    line.update(changes)
    return {k: v for k, v in line.items() if v is not ...}


GOOD = json.dumps(_copy("a" * 32))
MALFORMED: dict[str, tuple[bytes, str]] = {
    "not JSON": (f"{GOOD}\n{{not json\n".encode(), "line 2: not JSON"),
    "a list": (f"{GOOD}\n[1, 2]\n".encode(), "line 2: not a JSON object"),
    "no document id": (
        f"{GOOD}\n{json.dumps(_copy('b' * 32, document_id=None))}\n".encode(),
        "line 2: document_id is missing",
    ),
    "no issue date": (
        f"{GOOD}\n\n{json.dumps(_copy('b' * 32, issued_at=...))}\n".encode(),
        "line 3: issued_at is missing",
    ),
    "row as text": (
        f"{GOOD}\n{json.dumps(_copy('b' * 32, row='one'))}\n".encode(),
        "line 2: row must be a whole number",
    ),
    "date as a number": (
        f"{GOOD}\n{json.dumps(_copy('b' * 32, issued_at=20261122))}\n".encode(),
        "line 2: issued_at must be a date and time",
    ),
    "date that is no date": (
        f"{GOOD}\n{json.dumps(_copy('b' * 32, issued_at='yesterday'))}\n".encode(),
        "line 2: issued_at must be a date and time",
    ),
    "prefill as a list": (
        f"{GOOD}\n{json.dumps(_copy('b' * 32, prefill=['x']))}\n".encode(),
        "line 2: prefill must be an object",
    ),
    "document id too long": (
        f"{GOOD}\n{json.dumps(_copy('b' * 40))}\n".encode(),
        "line 2: document_id must be at most 32 characters",
    ),
    "binary junk": (GOOD.encode() + b"\n\x00\xff\xfe\x89PNG\r\n", "not UTF-8 text"),
    "text junk": (f"{GOOD}\n\x00\x01 junk\n".encode(), "line 2: not JSON"),
}


@pytest.mark.parametrize("variant", MALFORMED, ids=str)
def test_a_malformed_manifest_registers_nothing(tmp_path, variant):
    content, said = MALFORMED[variant]
    manifest = tmp_path / "manifest.jsonl"
    manifest.write_bytes(content)
    url = f"sqlite:///{tmp_path}/records.db"
    code, stdout, err = run("records", "register", str(manifest), "--store", url)
    assert code == 2, err
    line = one_line(err)
    assert f"{manifest}: " in line
    assert said in line, line
    assert stdout == ""
    assert not (tmp_path / "records.db").exists()  # read whole before the store is made
    open_store(url).close()
    code, _, err = run("records", "register", str(manifest), "--store", url)
    assert code == 2, err
    with open_store(url) as store:  # nothing half-registered, not even the good first line
        assert store.outstanding() == []
        assert store.audit_log() == []


def test_a_malformed_manifest_is_one_line_in_a_real_process(tmp_path):
    (tmp_path / "manifest.jsonl").write_bytes(os.urandom(2000) + b"\n")
    done = supforms(
        "records", "register", "manifest.jsonl", "--store", "sqlite:///r.db", cwd=tmp_path
    )
    assert done.returncode == 2
    assert one_line(done.stderr).startswith("supforms: manifest.jsonl: ")


def test_a_manifest_line_cut_short_by_a_crash_is_left_out(tmp_path):
    """A generate manifest drops an unfinished last line (never acknowledged): so does register."""
    manifest = tmp_path / "manifest.jsonl"
    second = json.dumps(_copy("c" * 32))
    manifest.write_text(f"{GOOD}\n{GOOD}\n{second[:40]}", encoding="utf-8")
    url = f"sqlite:///{tmp_path}/records.db"
    code, stdout, err = run("records", "register", str(manifest), "--store", url)
    assert code == 0, err
    assert "Registered 1 new" in stdout  # the same copy twice is one
    code, stdout, err = run("records", "register", str(manifest), "--store", url)
    assert "Registered 0 new" in stdout


# -- PostgreSQL ----------------------------------------------------------------------------


def _pg_url() -> str:
    url = os.environ.get("SUPFORMS_TEST_PG_URL")
    if not url:
        if os.environ.get("CI") == "true":
            pytest.fail("SUPFORMS_TEST_PG_URL is not set: .ci/run must start PostgreSQL")
        pytest.skip("no PostgreSQL (set SUPFORMS_TEST_PG_URL)")
    return _fresh_postgres(url)


def _tables(url: str) -> list[str]:
    engine = sa.create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    try:
        return sorted(sa.inspect(engine).get_table_names())
    finally:
        engine.dispose()


@pytest.mark.postgres
def test_a_reading_command_makes_no_tables_in_postgres(tmp_path):
    url = _pg_url()
    assert _tables(url) == []
    for command in READERS:
        code, stdout, err = run(*with_store(command, url))
        assert code == 1, (command, err)
        line = one_line(err)
        assert "no records store in" in line, line
        assert "--store or SUPFORMS_STORE" in line
        assert _tables(url) == [], command
    with pytest.raises(StoreError, match="no records store in"):
        open_store(url, create=False)
    manifest = tmp_path / "manifest.jsonl"
    manifest.write_text(GOOD + "\n", encoding="utf-8")
    code, _, err = run("records", "register", str(manifest), "--store", url)
    assert code == 0, err  # a writing command makes the tables
    assert "issued" in _tables(url)
    code, stdout, err = run("records", "outstanding", "--store", url)
    assert code == 0, err
    assert "a" * 32 in stdout


def test_a_return_is_archived_after_the_store_is_made(tmp_path):
    """The reading open reads a store a writing one made (the ordinary path still works)."""
    pdf = issue_copy(compiled_form("agreement"), sample_record("agreement"), issued_at=ISSUED_AT)
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "a.pdf").write_bytes(pdf[1])
    url = f"sqlite:///{tmp_path}/records.db"
    code, _, err = run("ingest", str(tmp_path / "in"), "--out", str(tmp_path / "o"), "--store", url)
    assert code == 3, err  # the sample is not signed: incomplete
    code, stdout, err = run("records", "verify", "--store", url)
    assert code == 0, err
    assert "All 1 stored PDFs" in stdout


def test_a_store_damaged_inside_is_one_line_when_read(tmp_path):
    """It opens (its first pages are whole), but the pages of its records are not."""
    url = f"sqlite:///{tmp_path}/records.db"
    with open_store(url) as store:
        store.register([_copy(f"{n:032x}", prefill={"x": "y" * 300}) for n in range(300)])
        for n in range(60):
            source = {"sha256": f"{n:064x}", "filename": f"{n}.pdf", "bytes": 3000}
            result = IngestResult.from_json({"source": source, "status": "rejected"})
            store.archive(result, bytes([n]) * 3000)
    data = bytearray((tmp_path / "records.db").read_bytes())
    for start in range(8192, len(data), 4096 * 3):
        data[start + 200 : start + 1200] = b"\xff" * 1000
    (tmp_path / "records.db").write_bytes(data)
    for command in (("outstanding",), ("list",), ("export",), ("verify",)):
        code, stdout, err = run("records", *command, "--store", url)
        assert code == 1, (command, err)
        line = one_line(err)
        assert line.startswith(f"supforms: records store {tmp_path}/records.db failed while")
        assert "damaged (database disk image is malformed): restore it from a backup" in line
        assert stdout == ""
