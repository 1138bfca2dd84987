"""Every file supforms writes is complete or absent (contract 10); no names collide.

Short writes are real: the command runs in a child process whose file-size limit
(``RLIMIT_FSIZE``) is set below the size of what it must write, as on a disk that
is nearly full. Each limit is chosen from what an unlimited run wrote, never guessed.
"""

from __future__ import annotations

import email
import email.message
import email.policy
import json
import os
import re
import resource
import subprocess
import sys
from pathlib import Path

import pytest
from supforms.forms.writing.compiled import compiled_form
from supforms.pipeline.delivery.generate import issue_copy
from supforms.pipeline.files import AppendLog, write_private
from supforms.pipeline.records.opening import open_store
from supforms.schemas.errors import WriteError

from tests.cli import run
from tests.conftest import ISSUED_AT, _fresh_postgres, sample_record

ROOT = Path(__file__).resolve().parents[2]

ROWS = [
    {"supervisee.name": "Alice Archer", "supervisor.name": "Ayşe Yılmaz"},
    {"supervisee.name": "Bob Baker", "supervisor.name": "Ayşe Yılmaz"},
    {"supervisee.name": "Cara Cole", "supervisor.name": "Ayşe Yılmaz"},
]


def limited(limit: int, *args: str) -> subprocess.CompletedProcess[str]:
    """``supforms ARGS`` in a child that may write no file past ``limit`` bytes."""

    def lower_limit() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return subprocess.run(
        [sys.executable, "-m", "supforms", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        preexec_fn=lower_limit,  # the child lowers its own limit only
        check=False,
        timeout=300,
    )


def leftovers(folder: Path) -> list[str]:
    """Temporary files a write left behind (there must be none)."""
    return sorted(p.name for p in folder.rglob("*") if p.name.endswith(".part"))


def one_line(stderr: str) -> str:
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    assert "Traceback" not in stderr
    return lines[0]


def roster(tmp_path: Path, rows: list[dict[str, str]]) -> Path:
    path = tmp_path / "roster.jsonl"
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows), encoding="utf-8")
    return path


# The helper itself


def test_a_write_replaces_the_file_whole_and_private(tmp_path):
    target = tmp_path / "a.json"
    target.write_text("old")
    write_private(target, "new ✓")
    assert target.read_text(encoding="utf-8") == "new ✓"
    assert target.stat().st_mode & 0o777 == 0o600
    assert leftovers(tmp_path) == []


def test_a_symlink_at_the_destination_is_refused_and_its_target_unchanged(tmp_path):
    precious = tmp_path / "precious.txt"
    precious.write_text("keep me")
    link = tmp_path / "out.pdf"
    link.symlink_to(precious)
    with pytest.raises(WriteError, match="symbolic link"):
        write_private(link, b"%PDF-")
    with pytest.raises(WriteError, match="symbolic link"):
        AppendLog(link)
    assert precious.read_text() == "keep me"
    assert link.is_symlink()
    assert leftovers(tmp_path) == []


def test_generate_never_writes_through_a_symlink(tmp_path):
    precious = tmp_path / "precious.txt"
    precious.write_text("keep me")
    out = tmp_path / "out"
    out.mkdir()
    (out / "contract-blank.pdf").symlink_to(precious)
    code, stdout, err = run("generate", "contract", "-o", str(out))
    assert code == 0, err  # the name is taken (by a link): the blank takes the next one
    assert "contract-blank-2.pdf" in stdout
    assert precious.read_text() == "keep me"
    assert (out / "contract-blank.pdf").is_symlink()
    (out / "contract-blank.pdf").unlink()
    (out / "contract-blank-2.pdf").unlink()
    (out / "manifest.jsonl").unlink()
    (out / "manifest.jsonl").symlink_to(precious)
    code, _, err = run("generate", "contract", "-o", str(out))
    assert code == 1
    assert "manifest.jsonl: is a symbolic link" in one_line(err)
    assert precious.read_text() == "keep me"


def test_a_line_cut_short_is_taken_back_whole(tmp_path):
    log = tmp_path / "delivery.jsonl"
    log.write_text('{"n": 1}\n')
    script = (
        "import resource, sys\n"
        "from pathlib import Path\n"
        "from supforms.pipeline.files import AppendLog\n"
        "from supforms.schemas.errors import WriteError\n"
        "resource.setrlimit(resource.RLIMIT_FSIZE, (20, 20))\n"
        "with AppendLog(Path(sys.argv[1])) as log:\n"
        "    try:\n"
        '        log.write(\'{"n": 2, "longer": "than the limit"}\')\n'
        "    except WriteError as exc:\n"
        "        print(exc)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, str(log)], cwd=ROOT, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert "delivery.jsonl: cannot write: the line was cut short" in done.stdout
    assert log.read_text() == '{"n": 1}\n'  # the cut line was truncated away


def test_an_unfinished_last_line_is_dropped_before_the_next(tmp_path):
    log = tmp_path / "index.jsonl"
    log.write_text('{"n": 1}\n{"n": 2, "cut')
    with AppendLog(log) as appender:
        appender.write('{"n": 3}')
    assert log.read_text() == '{"n": 1}\n{"n": 3}\n'


# Short writes through the real command


# Group records with a long description: copies larger than a new store's file (the
# limit below must let the store grow and stop any copy), however small the forms get.
GROUPS = [
    {"team": team, "description": " ".join(f"{team.lower()}{n:04d}" for n in range(60))}
    for team in ("East", "West", "North")
]


@pytest.mark.slow
def test_generate_short_write_fails_and_claims_nothing(tmp_path):
    data = roster(tmp_path, GROUPS)
    probe = tmp_path / "probe"
    code, _, _ = run("generate", "group-record", "--data", str(data), "-o", str(probe))
    assert code == 0
    smallest = min(p.stat().st_size for p in probe.glob("*.pdf"))
    out = tmp_path / "out"
    store = f"sqlite:///{tmp_path}/limited.db"
    open_store(store).close()  # made beforehand: the limit is for the copies, not the store
    largest_store_file = max(p.stat().st_size for p in tmp_path.glob("limited.db*"))
    assert largest_store_file + 16384 < smallest
    done = limited(
        (largest_store_file + 16384 + smallest) // 2,
        "generate",
        "group-record",
        "--data",
        str(data),
        "-o",
        str(out),
        "--store",
        store,
    )
    assert done.returncode == 1
    assert "cannot write: File too large" in one_line(done.stderr)
    assert "Wrote" not in done.stdout
    assert list(out.glob("*.pdf")) == []
    assert leftovers(out) == []
    assert (out / "manifest.jsonl").read_text() == ""  # nothing claimed
    with open_store(store) as registry:
        assert registry.outstanding() == []


@pytest.mark.slow
def test_generate_failing_mid_batch_claims_only_the_copies_before(tmp_path):
    """Row 2 is the larger copy: the limit lets rows 1 and 3 through, not row 2.

    Row 3 is written in the background while row 2 fails; it was never handed
    back, so it is removed: the manifest, the registry and the folder agree.
    """
    long = {
        "genogram": "Mother (Ayşe, 34), father (Łukasz, 36) " * 29,
        "description": "Maya has missed twelve days of school this term. " * 11,
        "worries": "Ахмед shouted at Ελένη again on Friday, the school nurse says. " * 8,
        "working_well": "Grandmother collects Maya on Tuesdays and Thursdays. " * 9,
        "danger_statements": "Social care is worried that Jon is left alone at night. " * 9,
        "review": {"most_helpful": "Hearing the worries in the family's own words. " * 20},
    }
    rows = [{"case_reference": f"CF-{n}", "held_on": "21/11/2026"} for n in (1, 2, 3)]
    data = roster(tmp_path, [rows[0], {**rows[1], **long}, rows[2]])
    probe = tmp_path / "probe"
    code, _, _ = run("generate", "group-record", "--data", str(data), "-o", str(probe))
    assert code == 0
    sizes = [p.stat().st_size for p in sorted(probe.glob("*.pdf"))]
    assert sizes[1] > max(sizes[0], sizes[2]) + 2000
    out = tmp_path / "out"
    store = f"sqlite:///{tmp_path}/limited.db"
    open_store(store).close()  # made first: a new store's log outweighs a copy
    args = ("generate", "group-record", "--data", str(data), "-o", str(out), "--store", store)
    done = limited((sizes[1] + max(sizes[0], sizes[2])) // 2, *args)
    assert done.returncode == 1
    assert re.search(
        r"group-record-0002-\w{8}\.pdf: cannot write: File too large", one_line(done.stderr)
    )
    (kept,) = out.glob("*.pdf")
    assert re.fullmatch(r"group-record-0001-\w{8}\.pdf", kept.name)  # no case reference
    assert leftovers(out) == []
    manifest = [json.loads(line) for line in (out / "manifest.jsonl").read_text().splitlines()]
    assert [m["file"] for m in manifest] == [kept.name]
    with open_store(store) as registry:
        assert [c["document_id"] for c in registry.outstanding()] == [manifest[0]["document_id"]]


@pytest.mark.slow
def test_send_short_write_of_an_eml_is_not_reported_sent(tmp_path, store_url):
    """A write cut short stops the send, and nothing is reported sent.

    On PostgreSQL the cut write is the email's. A SQLite store keeps the copy's
    bytes in its own file (issued_pdfs), which outgrows the email's limit first:
    there the cut write is the store's, before any email is made.
    """
    rows = [{**ROWS[0], "_to": "Alice Archer <alice@example.org>"}]
    data = roster(tmp_path, rows)
    probe = tmp_path / "probe"
    code, _, _ = run("send", "agreement", "--roster", str(data), "--out", str(probe))
    assert code == 0
    (pdf,) = probe.glob("*.pdf")
    (eml,) = (probe / "eml").glob("*.eml")
    assert eml.stat().st_size > pdf.stat().st_size * 1.2
    limit = int(pdf.stat().st_size * 1.1)  # room for the copy, not for its email
    out = tmp_path / "out"
    store = store_url
    open_store(store).close()  # made first: a new store's log outweighs a copy
    done = limited(
        limit,
        "send",
        "agreement",
        "--roster",
        str(data),
        "--out",
        str(out),
        "--json",
        "--store",
        store,
    )
    assert done.returncode == 1
    if store.startswith("sqlite"):
        assert "records store failed while recording the delivery of" in one_line(done.stderr)
    else:
        assert "cannot write: File too large" in one_line(done.stderr)
    assert done.stdout == ""  # no delivery reported
    assert list((out / "eml").glob("*")) == []
    assert leftovers(out) == []
    log = out / "delivery.jsonl"
    sent = [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []
    assert [d for d in sent if d["status"] == "sent"] == []
    (copy,) = out.glob("*.pdf")  # the copy was made whole, and is registered
    with open_store(store) as registry:
        assert [c["file"] for c in registry.outstanding()] == [copy.name]


@pytest.mark.slow
def test_records_show_pdf_short_write_leaves_nothing(tmp_path):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    original = issue_copy(
        compiled_form("contract"), sample_record("contract"), issued_at=ISSUED_AT
    )[1]
    (inbox / "contract.pdf").write_bytes(original)
    code, _, _ = run("ingest", str(inbox), "--out", str(tmp_path / "in"))
    assert code in (0, 3)
    copy = tmp_path / "copy.pdf"
    done = limited(len(original) // 2, "records", "show", "1", "--pdf", str(copy))
    assert done.returncode == 1
    assert "cannot write: File too large" in one_line(done.stderr)
    assert not copy.exists()
    assert leftovers(tmp_path) == []
    with open_store(os.environ["SUPFORMS_STORE"]) as store:
        assert "retrieve" not in {line["action"] for line in store.audit_log()}
    code, _, _ = run("records", "show", "1", "--pdf", str(copy))
    assert code == 0
    assert copy.read_bytes() == original


@pytest.mark.slow
def test_ingest_short_write_of_a_quarantine_copy_fails(tmp_path):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    junk = os.urandom(64 * 1024)
    (inbox / "junk.pdf").write_bytes(junk)
    out = tmp_path / "out"
    done = limited(len(junk) // 2, "ingest", str(inbox), "--out", str(out), "--no-archive")
    assert done.returncode == 1
    assert "cannot write: File too large" in one_line(done.stderr)
    assert list((out / "quarantine").iterdir()) == []
    assert list((out / "results").iterdir()) == []
    assert (out / "index.jsonl").read_text() == ""
    assert not (out / "summary.json").exists()


def _ingest_with_a_result_too_big(tmp_path, *flags: str) -> Path:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    data = issue_copy(compiled_form("agreement"), sample_record("agreement"), issued_at=ISSUED_AT)
    (inbox / "agreement.pdf").write_bytes(data[1])
    probe = tmp_path / "probe"
    run("ingest", str(inbox), "--out", str(probe), "--no-archive")
    (result,) = (probe / "results").iterdir()
    out = tmp_path / "out"
    done = limited(result.stat().st_size // 2, "ingest", str(inbox), "--out", str(out), *flags)
    assert done.returncode == 1
    assert "cannot write: File too large" in one_line(done.stderr)
    assert list((out / "results").iterdir()) == []
    assert leftovers(out) == []
    assert (out / "index.jsonl").read_text() == ""
    assert not (out / "summary.json").exists()
    return inbox


@pytest.mark.slow
def test_ingest_short_write_of_a_result_in_a_worker_fails(tmp_path):
    _ingest_with_a_result_too_big(tmp_path, "--no-archive")


@pytest.mark.postgres
@pytest.mark.slow
def test_ingest_short_write_of_a_result_in_the_parent_fails(tmp_path):
    """With a store, the parent writes each result.

    The store is PostgreSQL: a server the limit does not bind, as it would a SQLite
    file holding the PDF.
    """
    url = os.environ.get("SUPFORMS_TEST_PG_URL")
    if not url:
        if os.environ.get("CI") == "true":
            pytest.fail("SUPFORMS_TEST_PG_URL is not set: .ci/run must start PostgreSQL")
        pytest.skip("no PostgreSQL (set SUPFORMS_TEST_PG_URL)")
    url = _fresh_postgres(url)
    _ingest_with_a_result_too_big(tmp_path, "--store", url)


@pytest.mark.slow
def test_a_file_size_limit_never_cuts_what_ingest_reads(tmp_path):
    """Ingest parses the input from memory; a file-size limit cuts nothing it reads."""
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    data = issue_copy(compiled_form("agreement"), sample_record("agreement"), issued_at=ISSUED_AT)
    (inbox / "agreement.pdf").write_bytes(data[1])
    probe = tmp_path / "probe"
    run("ingest", str(inbox), "--out", str(probe), "--no-archive")
    (result,) = (probe / "results").iterdir()
    limit = 2 * result.stat().st_size  # room for the result, not for the PDF
    assert limit < len(data[1]) // 10
    out = tmp_path / "out"
    done = limited(limit, "ingest", str(inbox), "--out", str(out), "--no-archive")
    assert done.returncode == 3, done.stderr
    (limited_result,) = (out / "results").iterdir()
    read, expected = (json.loads(r.read_text()) for r in (limited_result, result))
    # The same verdict as without the limit: not "damaged and repaired", no value lost.
    assert read["problems"] == expected["problems"]
    assert read["data"] == expected["data"]
    assert read["data"]["supervisee"]["name"] == "Łukasz Wiśniewski"


@pytest.mark.slow
def test_an_attachment_cut_short_is_never_archived(tmp_path):
    pdf = issue_copy(compiled_form("agreement"), sample_record("agreement"), issued_at=ISSUED_AT)
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    message = email.message.EmailMessage()
    message["Subject"] = "RE agreement"
    message.set_content("Attached.")
    message.add_attachment(pdf[1], maintype="application", subtype="pdf", filename="a.pdf")
    (inbox / "RE agreement.eml").write_bytes(bytes(message))
    out = tmp_path / "out"
    done = limited(len(pdf[1]) // 2, "ingest", str(inbox), "--out", str(out))
    assert done.returncode == 1
    assert "cannot write: File too large" in one_line(done.stderr)
    assert list((out / "mail").iterdir()) == []
    with open_store(os.environ["SUPFORMS_STORE"]) as store:
        assert list(store.rows(store.select())) == []


# Names that cannot collide


def test_same_named_emails_in_two_folders_are_both_archived(tmp_path):
    inbox = tmp_path / "inbox"
    documents = []
    for folder in ("a", "b"):
        identity, pdf, _ = issue_copy(compiled_form("agreement"), sample_record("agreement"))
        documents.append(identity.document_id)
        message = email.message.EmailMessage()
        message["Subject"] = "RE agreement"
        message.set_content("Here it is.")
        message.add_attachment(pdf, maintype="application", subtype="pdf", filename="agreement.pdf")
        (inbox / folder).mkdir(parents=True)
        (inbox / folder / "RE agreement.eml").write_bytes(bytes(message))
    code, stdout, _ = run("ingest", str(inbox), "--out", str(tmp_path / "out"), "--json")
    results = [json.loads(line) for line in stdout.splitlines()]
    assert code == 3  # unsigned: incomplete, but archived
    assert sorted(r["document_id"] for r in results) == sorted(documents)
    assert {r["status"] for r in results} == {"incomplete"}
    with open_store(os.environ["SUPFORMS_STORE"]) as store:
        archived = [row["document_id"] for row in store.rows(store.select())]
    assert sorted(archived) == sorted(documents)
    # Without --json, the line for each names the email it came in, as found.
    code, _, stderr = run("ingest", str(inbox), "--out", str(tmp_path / "again"), "--no-archive")
    lines = sorted(stderr.splitlines())
    for line, folder in zip(lines, ("a", "b"), strict=True):
        assert line.startswith(
            f"{inbox / folder / 'RE agreement.eml'} (attachment agreement.pdf): "
        )


def test_recipients_whose_addresses_slug_alike_get_one_eml_each(tmp_path):
    addresses = ["jo.smith@example.org", "jo-smith@example.org", "Jo_Smith@example.org"]
    data = roster(tmp_path, [{**ROWS[0], "_to": ", ".join(f"Jo Smith <{a}>" for a in addresses)}])
    out = tmp_path / "out"
    code, stdout, _ = run("send", "agreement", "--roster", str(data), "--out", str(out), "--json")
    assert code == 0
    assert [json.loads(line)["status"] for line in stdout.splitlines()] == ["sent"] * 3
    files = sorted((out / "eml").glob("*.eml"))
    assert len(files) == 3
    recipients = sorted(
        email.message_from_bytes(f.read_bytes(), policy=email.policy.default)["To"]
        .addresses[0]
        .addr_spec
        for f in files
    )
    assert recipients == sorted(addresses)


def test_unread_inputs_with_one_name_keep_a_result_each(tmp_path):
    inbox = tmp_path / "inbox"
    for folder in ("a", "b"):
        (inbox / folder).mkdir(parents=True)
        (inbox / folder / "form.pdf").symlink_to(tmp_path / "nowhere.pdf")
    out = tmp_path / "out"
    code, stdout, _ = run("ingest", str(inbox), "--out", str(out), "--json", "--no-archive")
    assert code == 3
    assert [json.loads(line)["status"] for line in stdout.splitlines()] == ["rejected"] * 2
    assert len(list((out / "results").iterdir())) == 2
