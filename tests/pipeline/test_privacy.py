"""Privacy: purge forgets, nothing printed forges the screen, reads are audited, no password shown.

On SQLite and on a real PostgreSQL server where the store matters.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import sqlite3
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from click.testing import CliRunner
from supforms.forms.writing.compiled import compiled_form
from supforms.pipeline.cli import cli
from supforms.pipeline.delivery.generate import issue_copy
from supforms.pipeline.records.opening import open_store
from supforms.pipeline.result import IngestResult
from supforms.pipeline.text import json_line, printable

from tests.cli import run
from tests.conftest import _fresh_postgres, sample_record

NAME = "Łukasz Wiśniewski"
EVIL = "Ann\x1b[31mRed\r\nFORGED line\u202eevil\u2066"


def lines(out: str) -> list[dict]:
    return [json.loads(line) for line in out.splitlines() if line.strip()]


def _tomorrow() -> str:
    return (date.today() + timedelta(days=1)).strftime("%d/%m/%Y")


def _store_files(url: str) -> list[Path]:
    database = Path(sa.make_url(url).database or "")
    return [p for p in database.parent.iterdir() if p.name.startswith(database.name)]


# -- purge forgets -------------------------------------------------------------------------


def test_purge_forgets_a_person_everywhere(tmp_path, store_url, request):
    roster = tmp_path / "pairs.jsonl"
    roster.write_text(
        json.dumps(
            {
                "supervisee.name": NAME,
                "supervisor.name": "Ахмед Иванов",
                "_recipient": f"{NAME} <lukasz@example.org>",
            },
            ensure_ascii=False,
        )
        + "\n"
        + json.dumps({"supervisee.name": "Zoë Ó Briain", "supervisor.name": "Ayşe Yılmaz"})
        + "\n",
        encoding="utf-8",
    )
    issued = tmp_path / "issued"
    code, stdout, _ = run(
        "generate", "agreement", "--data", str(roster), "-o", str(issued), "--store", store_url,
        "--json",
    )  # fmt: skip
    assert code == 0
    mine, other = lines(stdout)
    if store_url.startswith("sqlite"):
        # Another process has the store open (a long `records export`, say): the
        # write-ahead log is then not removed when our connections close.
        reader = sqlite3.connect(sa.make_url(store_url).database)
        reader.execute("SELECT count(*) FROM issued").fetchall()
        request.addfinalizer(reader.close)
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "back.pdf").write_bytes((issued / mine["file"]).read_bytes())
    (inbox / f"{NAME}.pdf").write_bytes(f"a letter from {NAME}".encode())  # quarantined
    out = tmp_path / "ingest"
    code, stdout, _ = run("ingest", str(inbox), "--out", str(out), "--store", store_url, "--json")
    assert code == 3
    assert {r["status"] for r in lines(stdout)} == {"incomplete", "rejected"}
    assert list((out / "quarantine").iterdir())
    _, stdout, _ = run("records", "outstanding", "--json", "--store", store_url)
    found = {r["document_id"]: r["status"] for r in lines(stdout)}  # incomplete: still out
    assert found == {mine["document_id"]: "incomplete", other["document_id"]: "outstanding"}
    with open_store(store_url) as store:
        shas = {r["id"]: r["sha256"] for r in store.rows(store.select())}
    if store_url.startswith("sqlite"):  # the test can fail: the name is there before
        assert any(NAME.encode() in p.read_bytes() for p in _store_files(store_url))

    code, stdout, err = run(
        "records", "purge", "--before", _tomorrow(), "--yes", "--store", store_url,
        "--ingest-out", str(out),
    )  # fmt: skip
    assert code == 0, err
    assert stdout.startswith("Purged 2 record(s)")
    assert "forgot 2 issued copy(ies)" in stdout

    _, stdout, _ = run("records", "outstanding", "--json", "--store", store_url)
    assert lines(stdout) == []  # the returned copy does not come back, the other is forgotten
    _, stdout, _ = run("records", "list", "--json", "--store", store_url)
    assert lines(stdout) == []
    assert list((out / "quarantine").iterdir()) == []
    assert list((out / "results").iterdir()) == []
    assert (out / "index.jsonl").read_text() == ""
    with open_store(store_url) as store, store.engine.connect() as connection:
        copies = connection.execute(sa.text("SELECT * FROM issued")).mappings().all()
        log = store.audit_log()
    assert {c["document_id"] for c in copies} == {mine["document_id"], other["document_id"]}
    assert all(c["recipient"] is None and json.loads(c["prefill"]) is None for c in copies)
    assert all(c["file"] == "" and c["form"] == "agreement" and c["issued_at"] for c in copies)
    purges = [line for line in log if line["action"] == "purge"]
    assert {line["record_id"]: json.loads(line["detail"])["sha256"] for line in purges} == shas
    assert NAME not in json.dumps(log, ensure_ascii=False, default=str)
    if store_url.startswith("sqlite"):
        files = _store_files(store_url)
        for needle in (NAME, "Wiśniewski", "lukasz-wisniewski", "lukasz@example.org"):
            assert not [p.name for p in files if needle.encode() in p.read_bytes()], needle


def test_a_purge_keeps_copies_whose_return_is_kept(tmp_path, store_url):
    with open_store(store_url) as store:
        old = datetime(2019, 6, 1, tzinfo=UTC)
        copies = [
            {
                "document_id": f"D{n}",
                "form": "agreement",
                "version": "1",
                "file": f"f{n}.pdf",
                "recipient": f"person {n}",
                "issued_at": old.isoformat(),
                "prefill": {"supervisee.name": f"person {n}"},
            }
            for n in (1, 2)
        ]
        store.register(copies)
        result = {
            "form": "agreement",
            "version": "1",
            "document_id": "D1",
            "status": "incomplete",
            "source": {"filename": "r.pdf", "sha256": "ab" * 32, "bytes": 1},
            "data": None,
            "signatures": [],
            "problems": [],
        }
        store.archive(
            IngestResult.from_json(result), b"x"
        )  # received today: kept by a purge before 2020
    code, stdout, _ = run(
        "records", "purge", "--before", "01/01/2020", "--yes", "--store", store_url
    )
    assert code == 0
    assert "Purged 0 record(s) received before 01/01/2020; forgot 1 issued copy" in stdout
    with open_store(store_url) as store, store.engine.connect() as connection:
        kept = dict(connection.execute(sa.text("SELECT document_id, recipient FROM issued")).all())
    assert kept == {"D1": "person 1", "D2": None}


@pytest.mark.slow
def test_a_purge_a_reader_keeps_from_finishing_says_so(tmp_path):
    url = f"sqlite:///{tmp_path}/records.db"
    with open_store(url) as store:
        store.archive(
            IngestResult.from_json(
                {
                    "status": "rejected",
                    "source": {"filename": f"{NAME}.pdf", "sha256": "ef" * 32, "bytes": 1},
                    "signatures": [],
                    "problems": [],
                }
            ),
            b"x",
        )
    reader = sqlite3.connect(tmp_path / "records.db", isolation_level=None)
    try:
        reader.execute("BEGIN")
        reader.execute("SELECT count(*) FROM records").fetchall()  # a read in progress
        code, stdout, err = run(
            "records", "purge", "--before", _tomorrow(), "--yes", "--store", url
        )
    finally:
        reader.close()
    assert code == 1
    assert stdout.startswith("Purged 1 record(s)")
    assert "purge again" in err
    code, _, err = run("records", "purge", "--before", _tomorrow(), "--yes", "--store", url)
    assert (code, err) == (0, "")
    assert not [p for p in tmp_path.iterdir() if NAME.encode() in p.read_bytes()]


@pytest.mark.parametrize(
    ("typed", "shown"),
    [
        ("01/01/2020", "01/01/2020"),
        ("2020-01-01", "01/01/2020"),
        ("1 January 2020", "01/01/2020"),
        ("1/1/20", "01/01/2020"),
    ],
)
def test_purge_dates_as_every_date_in_supforms(tmp_path, typed, shown):
    url = f"sqlite:///{tmp_path}/r.db"
    open_store(url).close()  # purge opens a store, never makes one
    code, stdout, err = run("records", "purge", "--before", typed, "--yes", "--store", url)
    assert (code, err) == (0, "")
    assert stdout.startswith(f"Purged 0 record(s) received before {shown};")


@pytest.mark.parametrize("typed", ["31/02/2020", "someday", "2020-13-01"])
def test_a_purge_date_that_is_no_date_is_a_usage_error(tmp_path, typed):
    code, stdout, err = run(
        "records", "purge", "--before", typed, "--yes", "--store", f"sqlite:///{tmp_path}/r.db"
    )
    assert code == 2
    assert "Invalid value for '--before'" in err
    assert "Traceback" not in err + stdout


def test_purge_off_a_terminal_needs_yes(tmp_path, store_url):
    with open_store(store_url) as store:
        store.archive(
            IngestResult.from_json(
                {
                    "status": "rejected",
                    "source": {"filename": "x.pdf", "sha256": "cd" * 32, "bytes": 1},
                    "signatures": [],
                    "problems": [],
                }
            ),
            b"x",
        )
    code, stdout, err = run("records", "purge", "--before", _tomorrow(), "--store", store_url)
    assert code == 2
    assert "--yes" in err
    assert "Aborted" not in err + stdout
    _, stdout, _ = run("records", "list", "--json", "--store", store_url)
    assert len(lines(stdout)) == 1  # nothing deleted


# -- nothing printed can forge the screen --------------------------------------------------


@pytest.mark.parametrize(
    "ch",
    [
        "\x1b", "\r", "\n", "\t", "\x00", "\x7f", "\x9b", "\u202a", "\u202b", "\u202c",
        "\u202d", "\u202e", "\u2066", "\u2067", "\u2068", "\u2069", "\u200e", "\u200f",
        "\u061c", "\u2028", "\u2029", "\u200b", "\ufeff", "\U000e0041",
    ],
)  # fmt: skip
def test_printable_escapes_every_unseen_character(ch):
    shown = printable(f"a{ch}b")
    assert ch not in shown
    assert shown.startswith("a\\")
    assert shown.endswith("b")
    assert printable(shown) == shown  # escaping twice changes nothing
    line = json_line({"name": f"a{ch}b"})
    assert ch not in line
    assert json.loads(line) == {"name": f"a{ch}b"}


def test_printable_keeps_names_readable():
    for name in (NAME, "Zoë Ó Briain", "Ахмед Иванов", "Ελένη", "محمد", "a b"):
        assert printable(name) == name
        assert json_line(name) == f'"{name}"'


def _assert_escaped(output: str) -> None:
    for raw in ("\x1b", "\r", "\u202e", "\u2066"):
        assert raw not in output
    assert "\\x1b[31m" in output
    assert "\\u202e" in output
    assert not any(line.startswith("FORGED") for line in output.splitlines())


def _strings(value: object) -> list[str]:
    if isinstance(value, dict):
        return [t for v in value.values() for t in _strings(v)]
    if isinstance(value, list):
        return [t for v in value for t in _strings(v)]
    return [value] if isinstance(value, str) else []


def _evil_result(sha: str, status: str, signed_on: date) -> dict:
    return {
        "form": "agreement",
        "version": "1",
        "document_id": "D\x1b[31m\r\nF\u202e\u2066",  # within VARCHAR(32)
        "status": status,
        "source": {"filename": f"{EVIL}.pdf", "sha256": sha, "bytes": 1},
        "data": {"supervisee": {"name": EVIL}, "agreed_on": signed_on.isoformat()},
        "signatures": [{"field": EVIL, "kind": "typed", "signer": EVIL}],
        "problems": [{"field": EVIL, "code": "x", "message": EVIL}],
    }


def test_stored_text_is_escaped_by_every_command(tmp_path, store_url):
    signed_on = date.today() - timedelta(days=350)
    with open_store(store_url) as store:
        for n, status in enumerate(("complete", "scanned")):
            pdf = f"pdf {n}".encode()
            store.archive(
                IngestResult.from_json(
                    _evil_result(hashlib.sha256(pdf).hexdigest(), status, signed_on)
                ),
                pdf,
            )
        store.register(
            [
                {
                    "document_id": "D1",
                    "form": "agreement",
                    "version": "1",
                    "file": f"{EVIL}.pdf",
                    "recipient": EVIL,
                    "issued_at": datetime.now(UTC).isoformat(),
                    "prefill": {"supervisee.name": EVIL},
                }
            ]
        )
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    evil_file = inbox / f"{EVIL}.pdf"
    evil_file.write_bytes(b"not a PDF at all")
    commands = [
        ("records", "list"),
        ("records", "show", "1"),
        ("records", "show", "2"),
        ("records", "outstanding"),
        ("records", "due", "--within", "30d"),
        ("records", "transcribe"),
        ("inspect", str(evil_file)),
        ("ingest", str(inbox), "--out", str(tmp_path / "o"), "--no-archive"),
    ]
    for command in commands:
        store_args = ("--store", store_url) if command[0] == "records" else ()
        code, stdout, err = run(*command, *store_args)
        assert code in (0, 3), (command, err)
        assert EVIL[:3] in stdout + err, command
        _assert_escaped(stdout + err)
    code, stdout, err = run("ingest", str(tmp_path / f"missing {EVIL}"), "--no-archive")
    assert code == 1  # an error message quoting what it was given, escaped too
    _assert_escaped(stdout + err)
    json_commands = [
        ("records", "list", "--json"),
        ("records", "show", "1", "--json"),
        ("records", "outstanding", "--json"),
        ("records", "due", "--json"),
        ("records", "transcribe", "--json"),
        ("records", "export"),
        ("inspect", str(evil_file), "--json"),
        ("ingest", str(inbox), "--out", str(tmp_path / "o2"), "--no-archive", "--json"),
    ]
    for command in json_commands:
        store_args = ("--store", store_url) if command[0] == "records" else ()
        code, stdout, err = run(*command, *store_args)
        assert code in (0, 3), (command, err)
        for raw in ("\x1b", "\r", "\u202e", "\u2066"):
            assert raw not in stdout, command
        parsed = json.loads(stdout) if "\n " in stdout else lines(stdout)  # indented, or lines
        assert any(EVIL in text for text in _strings(parsed)), command  # the same, to a parser


# -- reading is audited --------------------------------------------------------------------


def _reads(store_url: str) -> list[tuple[int | None, dict]]:
    with open_store(store_url) as store:
        return [
            (line["record_id"], json.loads(line["detail"]))
            for line in store.audit_log()
            if line["action"] == "read"
        ]


def test_reading_records_is_audited(tmp_path, store_url):
    with open_store(store_url) as store:
        ids = [
            store.archive(
                IngestResult.from_json(
                    {
                        "form": "agreement",
                        "version": "1",
                        "status": "incomplete",
                        "source": {"filename": f"{n}.pdf", "sha256": f"{n:064x}", "bytes": 1},
                        "data": {"supervisee": {"name": NAME}},
                        "signatures": [],
                        "problems": [],
                    }
                ),
                b"%PDF",
            ).id
            for n in (1, 2)
        ]
    assert _reads(store_url) == []
    copy = tmp_path / "copy.pdf"
    steps = [
        (("show", str(ids[0])), {"how": "show", "records": [ids[0]]}),
        (("show", str(ids[1]), "--json"), {"how": "show --json", "records": [ids[1]]}),
        (("show", str(ids[0]), "--pdf", str(copy)), {"how": "show --pdf", "records": [ids[0]]}),
        (("list",), {"how": "list", "records": ids}),
        (("list", "--json", "--person", "nobody"), {"how": "list --json", "records": []}),
        (("list", "--json"), {"how": "list --json", "records": ids}),
        (
            ("export", "--format", "csv", "--fields", "id,supervisee"),
            {"how": "export --format csv", "fields": ["id", "supervisee"], "records": ids},
        ),
    ]
    for n, (args, expected) in enumerate(steps, start=1):
        code, _, err = run("records", *args, "--store", store_url)
        assert code == 0, err
        assert len(_reads(store_url)) == n, args
        assert _reads(store_url)[-1] == (None, expected)
    with open_store(store_url) as store:
        log = store.audit_log()
    assert all(line["actor"] for line in log)
    assert NAME not in json.dumps(log, ensure_ascii=False, default=str)


# -- no password printed, none on the command line -----------------------------------------

SECRET = "s3cr3t-Pa55"


@pytest.mark.parametrize(
    ("url", "said"),
    [
        (f"postgresql://clerk:{SECRET}@127.0.0.1:55432/records", "PGPASSWORD"),
        (f"postgresql://clerk:{SECRET}@127.0.0.1:notaport/records", "not a store URL"),
        (f"postgresql://clerk@127.0.0.1/records?password={SECRET}", "PGPASSWORD"),
        (f"sqlite:///x.db?password={SECRET}", "PGPASSWORD"),
    ],
)
def test_a_store_url_with_a_password_is_refused_unechoed(tmp_path, url, said, monkeypatch):
    monkeypatch.chdir(tmp_path)
    roster = tmp_path / "r.jsonl"
    roster.write_text('{"supervisee.name": "A B", "supervisor.name": "C D"}\n')
    commands = [
        ("records", "list", "--store", url),
        ("records", "--store", url, "list"),
        ("records", "purge", "--before", "01/01/2020", "--yes", "--store", url),
        ("ingest", str(tmp_path), "--store", url),
        ("generate", "agreement", "--data", str(roster), "--store", url),
        ("send", "agreement", "--roster", str(roster), "--dry-run", "--store", url),
    ]
    for command in commands:
        code, stdout, err = run(*command)
        assert code == 2, (command, err)
        assert said in err
        assert SECRET not in stdout + err
        assert "clerk" not in stdout + err
    assert not (tmp_path / "output").exists()  # refused before anything was written
    for command in (("records", "list"), ("ingest", str(tmp_path)), ("records", "verify")):
        result = CliRunner().invoke(cli, list(command), env={"SUPFORMS_STORE": url})
        assert result.exit_code == 2
        assert "SUPFORMS_STORE" in result.stderr
        assert SECRET not in result.stdout + result.stderr


def test_open_store_never_echoes_a_password():
    from supforms.schemas.errors import StoreError

    for url in (f"postgresql://u:{SECRET}@h/db", f"postgresql://u:{SECRET}@h:x/db", SECRET):
        with pytest.raises(StoreError) as caught:
            open_store(url)
        assert SECRET not in str(caught.value)


# -- --store after the subcommand's name ---------------------------------------------------


def test_every_records_subcommand_takes_store_after_its_name(tmp_path, store_url):
    data = issue_copy(compiled_form("agreement"), sample_record("agreement"))[1]
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "a.pdf").write_bytes(data)
    run("ingest", str(tmp_path / "in"), "--out", str(tmp_path / "o"), "--store", store_url)
    manifest = tmp_path / "manifest.jsonl"
    manifest.write_text("")
    data_file = tmp_path / "keyed.json"
    data_file.write_text("{}")
    # The default store (SUPFORMS_STORE, set per test by conftest) is empty: each command
    # finds the record only if it reads the store named after it.
    for args, expect in [
        (("list",), "Łukasz"),
        (("show", "1"), "Łukasz"),
        (("export",), "Łukasz"),
        (("verify",), "All 1 stored PDFs"),
        (("evidence", "1", "-o", str(tmp_path / "pack.pdf")), "1 record(s)"),
        (("outstanding",), ""),
        (("due",), ""),
        (("register", str(manifest)), "Registered 0"),
        (("transcribe",), ""),
        (("purge", "--before", "01/01/2000", "--yes", "--ingest-out", str(tmp_path / "o")), "0"),
    ]:
        code, stdout, err = run("records", *args, "--store", store_url)
        assert code == 0, (args, err)
        assert expect in stdout, args
    code, stdout, _ = run("records", "--store", store_url, "list")  # before it, too
    assert "Łukasz" in stdout
    code, stdout, _ = run(
        "records", "--store", "sqlite:///nowhere/x.db", "list", "--store", store_url
    )
    assert "Łukasz" in stdout  # the nearer one wins


@pytest.mark.slow
@pytest.mark.postgres
def test_a_read_the_log_cannot_record_shows_nothing(tmp_path):
    url = os.environ.get("SUPFORMS_TEST_PG_URL")
    if not url:
        if os.environ.get("CI") == "true":
            pytest.fail("SUPFORMS_TEST_PG_URL is not set: .ci/run must start PostgreSQL")
        pytest.skip("no PostgreSQL")
    url = _fresh_postgres(url)
    with open_store(url) as store:
        store.archive(
            IngestResult.from_json(
                {
                    "status": "rejected",
                    "source": {"filename": f"{NAME}.pdf", "sha256": "ab" * 32, "bytes": 1},
                    "signatures": [],
                    "problems": [],
                }
            ),
            b"x",
        )
        role = f"supforms_reader_{secrets.token_hex(4)}"
        with store.engine.begin() as connection:
            connection.exec_driver_sql(f"CREATE ROLE {role} LOGIN")
            connection.exec_driver_sql(f"GRANT SELECT ON ALL TABLES IN SCHEMA public TO {role}")
        try:
            as_reader = sa.make_url(url).set(username=role).render_as_string()
            code, stdout, err = run("records", "list", "--store", as_reader)
            assert code == 1
            assert "could not be audited" in err
            assert NAME not in stdout + err
            code, stdout, err = run("records", "show", "1", "--store", as_reader)
            assert code == 1
            assert NAME not in stdout + err
        finally:
            with store.engine.begin() as connection:
                connection.exec_driver_sql(f"DROP OWNED BY {role}")
                connection.exec_driver_sql(f"DROP ROLE {role}")


def test_purge_forgets_the_ingest_files_of_the_period(tmp_path, store_url):
    from email.message import EmailMessage

    inbox, out = tmp_path / "inbox", tmp_path / "ingest"
    inbox.mkdir()
    filled = issue_copy(compiled_form("agreement"), sample_record("agreement"))[1]
    (inbox / "a.pdf").write_bytes(filled)
    (inbox / "letter.pdf").write_bytes(f"from {NAME}".encode())
    message = EmailMessage()
    message["Subject"] = "my contract"
    message.add_attachment(
        issue_copy(compiled_form("contract"), sample_record("contract"))[1],
        maintype="application",
        subtype="pdf",
        filename="contract.pdf",
    )
    (inbox / "msg.eml").write_bytes(message.as_bytes())
    run("ingest", str(inbox), "--out", str(out), "--store", store_url)
    before = sorted(str(p.relative_to(out)) for p in out.rglob("*") if p.is_file())
    assert [p for p in before if p.startswith("mail/")]
    assert [p for p in before if p.startswith("quarantine/")]
    assert len([p for p in before if p.startswith("results/")]) == 3
    yesterday = (date.today() - timedelta(days=1)).strftime("%d/%m/%Y")
    purge = ("records", "purge", "--yes", "--store", store_url, "--ingest-out", str(out))
    code, stdout, _ = run(*purge, "--before", yesterday)
    assert "Purged 0 record(s)" in stdout
    assert sorted(str(p.relative_to(out)) for p in out.rglob("*") if p.is_file()) == before
    code, stdout, _ = run(*purge, "--before", _tomorrow())
    assert code == 0
    assert f"and {len(before) - 1} ingest file(s)" in stdout  # all but the index, emptied
    assert [p.name for p in out.rglob("*") if p.is_file()] == ["index.jsonl"]
    code, stdout, _ = run("ingest", str(inbox), "--out", str(out), "--store", store_url, "--json")
    assert {r["status"] for r in lines(stdout)} >= {"incomplete", "rejected"}  # not duplicates


def test_a_purged_return_takes_its_copy_whenever_it_was_issued(tmp_path, store_url):
    later = datetime.now(UTC) + timedelta(days=3)  # a clock that was wrong, say
    with open_store(store_url) as store:
        store.register(
            [
                {
                    "document_id": f"L{n}",
                    "form": "agreement",
                    "version": "1",
                    "file": f"{n}.pdf",
                    "recipient": NAME,
                    "issued_at": later.isoformat(),
                    "prefill": {"supervisee.name": NAME},
                }
                for n in range(3)
            ]
        )
        for n in range(2):
            store.archive(
                IngestResult.from_json(
                    {
                        "form": "agreement",
                        "version": "1",
                        "document_id": f"L{n}",
                        "status": "incomplete",
                        "source": {"filename": f"{n}.pdf", "sha256": f"{n:064x}", "bytes": 1},
                        "data": None,
                        "signatures": [],
                        "problems": [],
                    }
                ),
                b"x",
            )
    run("records", "purge", "--before", _tomorrow(), "--yes", "--store", store_url)
    _, stdout, _ = run("records", "outstanding", "--json", "--store", store_url)
    assert [(r["document_id"], r["recipient"]) for r in lines(stdout)] == [("L2", NAME)]
