"""Pre-flight: nothing is generated or sent unless the copies can be kept and registered.

A read-only store folder is made real for root too: the sender runs in a child
process whose capability to override file permissions is dropped (setpriv). A store that
fails mid-batch is a real PostgreSQL role whose INSERT right is revoked when the
server receives the first message.
"""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa
from supforms.pipeline.records.opening import open_store

from tests.cli import run
from tests.deliveries import check_agreement, log_lines, manifest, write_roster
from tests.smtp import Mailbox, smtp_server

pytestmark = pytest.mark.slow  # the supforms command in subprocesses

ROOT = Path(__file__).resolve().parents[2]
PEOPLE = [("Alice Adams", "alice@example.org"), ("Bob Brown", "bob@example.org")]


@pytest.fixture
def smtp():
    mailbox = Mailbox()
    with smtp_server(mailbox) as url:
        yield mailbox, url


def _supforms(*args: str) -> subprocess.CompletedProcess:
    """``supforms ARGS`` in a child where file permissions bind root too (no CAP_DAC_*)."""
    prefix: list[str] = []
    if os.geteuid() == 0:
        setpriv = shutil.which("setpriv")  # util-linux
        assert setpriv, "running as root, the test needs setpriv to drop CAP_DAC_OVERRIDE"
        prefix = [setpriv, "--inh-caps=-all", "--bounding-set=-dac_override,-dac_read_search"]
    return subprocess.run(
        [*prefix, sys.executable, "-m", "supforms", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.mark.parametrize("existing", [False, True], ids=["new store", "existing store"])
def test_read_only_store_folder_sends_nothing(tmp_path, smtp, existing):
    mailbox, url = smtp
    folder = tmp_path / "store"
    folder.mkdir()
    store = f"sqlite:///{folder}/records.db"
    if existing:
        open_store(store).close()
        for path in folder.iterdir():
            path.chmod(0o400)  # read-only, and private as supforms keeps a store
    folder.chmod(0o555)
    roster = write_roster(tmp_path / "roster.jsonl", PEOPLE)
    out = tmp_path / "out"
    try:
        done = _supforms(
            "send", "agreement", "--roster", str(roster), "--out", str(out),
            "--smtp", url, "--smtp-insecure", "--store", store,
        )  # fmt: skip
        generated = _supforms(
            "generate", "agreement", "--data", str(roster), "-o", str(tmp_path / "gen"),
            "--store", store,
        )  # fmt: skip
    finally:
        folder.chmod(0o755)
    assert done.returncode == 1, done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
    assert "records store" in done.stderr
    assert "Traceback" not in done.stderr
    assert mailbox.mails == 0
    assert not list(out.glob("*.pdf"))
    assert manifest(out) == []
    assert log_lines(out) == []
    assert generated.returncode == 1, generated.stderr
    assert "records store" in generated.stderr
    assert not list((tmp_path / "gen").glob("*.pdf"))


def test_unwritable_output_folder_sends_nothing(tmp_path, smtp):
    mailbox, url = smtp
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    roster = write_roster(tmp_path / "roster.jsonl", PEOPLE)
    code, _, err = run(
        "send", "agreement", "--roster", str(roster), "--out", str(blocker / "out"),
        "--smtp", url, "--smtp-insecure", "--store", f"sqlite:///{tmp_path}/records.db",
    )  # fmt: skip
    assert code == 1
    assert "output folder is not writable" in err
    assert mailbox.mails == 0


# -- PostgreSQL: a role that may read but not write, or loses the right mid-batch ----------


@pytest.fixture
def pg_role():
    """A login role unique to this run, on the test database; dropped afterwards."""
    url = os.environ.get("SUPFORMS_TEST_PG_URL")
    if not url:
        if os.environ.get("CI") == "true":
            pytest.fail("SUPFORMS_TEST_PG_URL is not set: .ci/run must start PostgreSQL")
        pytest.skip("no PostgreSQL (set SUPFORMS_TEST_PG_URL)")
    admin_url = sa.make_url(url).set(drivername="postgresql+psycopg")
    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        for table in ("audit", "records", "issued", "deliveries", "issued_pdfs", "store_meta"):
            connection.execute(sa.text(f"DROP TABLE IF EXISTS {table} CASCADE"))
    open_store(url).close()  # the store's tables, owned by the administrator
    role = f"supforms_sender_{secrets.token_hex(4)}"
    with admin.connect() as connection:
        connection.execute(sa.text(f"CREATE ROLE {role} LOGIN"))
        connection.execute(sa.text(f"GRANT CONNECT ON DATABASE {admin_url.database} TO {role}"))
        connection.execute(sa.text(f"GRANT USAGE ON SCHEMA public TO {role}"))
        connection.execute(sa.text(f"GRANT SELECT ON ALL TABLES IN SCHEMA public TO {role}"))
    try:
        yield role, admin, sa.make_url(url).set(username=role).render_as_string(False)
    finally:
        with admin.connect() as connection:
            connection.execute(
                sa.text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = :r"
                ),
                {"r": role},
            )
            connection.execute(sa.text(f"DROP OWNED BY {role}"))
            connection.execute(sa.text(f"DROP ROLE {role}"))
        admin.dispose()


def _send(tmp_path, url, store, *extra):
    roster = tmp_path / "roster.jsonl"
    if not roster.exists():
        write_roster(roster, [*PEOPLE, ("Cara Cole", "cara@example.org")])
    return run(
        "send", "agreement", "--roster", str(roster), "--out", str(tmp_path / "out"),
        "--smtp", url, "--smtp-insecure", "--store", store, "--json", *extra,
    )  # fmt: skip


@pytest.mark.postgres
def test_read_only_postgres_role_sends_nothing(tmp_path, smtp, pg_role):
    mailbox, url = smtp
    _, _, store = pg_role
    code, _, err = _send(tmp_path, url, store)
    assert code == 1
    assert "records store is not writable" in err or "records store failed" in err
    assert "permission denied" in err
    assert mailbox.mails == 0
    assert not list((tmp_path / "out").glob("*.pdf"))


class RevokingMailbox(Mailbox):
    """Takes the sender's right to add to ``table`` away once the first message is in."""

    def __init__(self, admin: sa.Engine, role: str, table: str = "issued") -> None:
        super().__init__()
        self.admin, self.role, self.table = admin, role, table

    def _keep(self, envelope) -> None:
        super()._keep(envelope)
        if len(self.messages) == 1:
            with self.admin.connect() as connection:
                connection.execute(sa.text(f"REVOKE INSERT ON {self.table} FROM {self.role}"))


@pytest.mark.postgres
def test_store_failing_mid_batch_stops_before_the_next_email(tmp_path, pg_role):
    role, admin, store = pg_role
    with admin.connect() as connection:
        connection.execute(
            sa.text(f"GRANT INSERT ON issued, audit, deliveries, issued_pdfs TO {role}")
        )
        connection.execute(sa.text(f"GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO {role}"))
    mailbox = RevokingMailbox(admin, role)
    people = {a: n for n, a in [*PEOPLE, ("Cara Cole", "cara@example.org")]}
    with smtp_server(mailbox) as url:
        code, _, err = _send(tmp_path, url, store)
        assert code == 1
        assert "records store failed while registering row 2's copy" in err
        assert len(mailbox.messages) == 1  # stopped before the next email
        check_agreement(tmp_path / "out", store, mailbox, people)
        with admin.connect() as connection:
            connection.execute(sa.text(f"GRANT INSERT ON issued TO {role}"))
        code, _, err = _send(tmp_path, url, store, "--resume")
        assert code == 0, err
    received = check_agreement(tmp_path / "out", store, mailbox, people)
    assert sorted(m.to for m in received) == sorted(people)


@pytest.mark.postgres
def test_a_delivery_the_store_cannot_keep_stops_before_the_next_email(tmp_path, pg_role):
    """The store is where copies' addresses are known from: nothing goes that it cannot keep."""
    role, admin, store = pg_role
    with admin.connect() as connection:
        connection.execute(
            sa.text(f"GRANT INSERT ON issued, audit, deliveries, issued_pdfs TO {role}")
        )
        connection.execute(sa.text(f"GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO {role}"))
    mailbox = RevokingMailbox(admin, role, "deliveries")
    with smtp_server(mailbox) as url:
        code, _, err = _send(tmp_path, url, store)
    assert code == 1
    assert err.count("\n") == 1, err
    assert "records store failed while recording the delivery of" in err
    assert "permission denied for table deliveries" in err
    assert "Traceback" not in err
    assert len(mailbox.messages) == 1  # the first went; it is "sent" in the folder's log
    (gone,) = [line for line in log_lines(tmp_path / "out") if line["status"] == "sent"]
    assert gone["recipient"] == mailbox.received()[0].to
    # Resumed: the store learns from the folder's log what went, and the rest go.
    with admin.connect() as connection:
        connection.execute(sa.text(f"GRANT INSERT ON deliveries TO {role}"))
    with smtp_server(mailbox) as url:
        code, _, err = _send(tmp_path, url, store, "--resume")
    assert code == 0, err
    assert len(mailbox.messages) == len(PEOPLE) + 1, "none twice"
    copies = [copy["document_id"] for copy in manifest(tmp_path / "out")]
    with open_store(store) as opened:
        last = {(d.document_id, d.recipient): d.status for d in opened.deliveries_of(copies)}
    assert sorted(last) == sorted((m.document_id, m.to) for m in mailbox.received())
    assert set(last.values()) == {"sent"}
