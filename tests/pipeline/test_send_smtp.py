"""SMTP: TLS or nothing, one login attempt, no password in any message, drops survived."""

from __future__ import annotations

import pytest

from tests.cli import run
from tests.deliveries import check_agreement, log_lines, manifest, write_roster
from tests.smtp import Mailbox, Tls, smtp_server

PASSWORD = "s3cret-Pa55word"
PEOPLE = [("Alice Adams", "alice@example.org"), ("Bob Brown", "bob@example.org")]


@pytest.fixture
def tls(tmp_path, monkeypatch) -> Tls:
    """A test CA the client trusts (through SSL_CERT_FILE, as OpenSSL reads it)."""
    made = Tls.make(tmp_path)
    monkeypatch.setenv("SSL_CERT_FILE", str(made.ca_file))
    return made


@pytest.fixture
def login(monkeypatch):
    monkeypatch.setenv("SUPFORMS_SMTP_USER", "records")
    monkeypatch.setenv("SUPFORMS_SMTP_PASSWORD", PASSWORD)


def _send(tmp_path, url, *extra, people=PEOPLE):
    roster = write_roster(tmp_path / "roster.jsonl", people)
    return run(
        "send",
        "agreement",
        "--roster",
        str(roster),
        "--out",
        str(tmp_path / "out"),
        "--smtp",
        url,
        "--store",
        f"sqlite:///{tmp_path}/records.db",
        *extra,
    )


def _nothing_made(tmp_path, mailbox):
    assert mailbox.mails == 0
    assert mailbox.messages == []
    assert not list((tmp_path / "out").glob("*.pdf"))
    assert not (tmp_path / "out" / "delivery.jsonl").exists()


def test_starttls_with_login(tmp_path, tls, login):
    mailbox = Mailbox()
    mailbox.users["records"] = PASSWORD
    with smtp_server(mailbox, starttls=tls, auth=True) as url:
        code, _, err = _send(tmp_path, url)
    assert code == 0, err
    assert mailbox.logins == [("records", True)]  # one login for the whole batch
    assert mailbox.tls_sessions == len(mailbox.messages) == 2
    check_agreement(
        tmp_path / "out", f"sqlite:///{tmp_path}/records.db", mailbox, {a: n for n, a in PEOPLE}
    )


def test_smtps_with_login(tmp_path, tls, login):
    mailbox = Mailbox()
    mailbox.users["records"] = PASSWORD
    with smtp_server(mailbox, implicit=tls, auth=True) as url:
        assert url.startswith("smtps://")
        code, _, err = _send(tmp_path, url)
    assert code == 0, err
    assert mailbox.tls_sessions == 2
    assert mailbox.logins == [("records", True)]


def test_no_starttls_means_nothing_sent_not_even_the_password(tmp_path, login):
    mailbox = Mailbox()
    mailbox.users["records"] = PASSWORD
    with smtp_server(mailbox, auth=True) as url:  # offers AUTH in clear, no STARTTLS
        code, stdout, err = _send(tmp_path, url)
    assert code == 1
    assert len(err.strip().splitlines()) == 1
    assert "offers no STARTTLS" in err
    assert mailbox.logins == []  # the credentials never left
    _nothing_made(tmp_path, mailbox)
    assert PASSWORD not in stdout + err


def test_no_starttls_refused_without_login_too(tmp_path):
    mailbox = Mailbox()
    with smtp_server(mailbox) as url:
        code, _, err = _send(tmp_path, url)
    assert code == 1
    assert "--smtp-insecure" in err
    _nothing_made(tmp_path, mailbox)


def test_insecure_is_for_loopback_only(tmp_path):
    code, _, err = _send(tmp_path, "smtp://mail.example.org:25", "--smtp-insecure")
    assert code == 2
    assert err.strip().splitlines() == [
        "supforms: --smtp-insecure is only for a relay on this machine, not mail.example.org: "
        "use TLS (smtps:// or a server offering STARTTLS)"
    ]


def test_a_wrong_password_stops_the_batch_at_once(tmp_path, tls, login):
    mailbox = Mailbox()
    mailbox.users["records"] = "another password"
    with smtp_server(mailbox, starttls=tls, auth=True) as url:
        code, stdout, err = _send(tmp_path, url)
    assert code == 1
    assert mailbox.logins == [("records", False)]  # tried once, not once per recipient
    assert "refused the user name or password" in err
    assert len(err.strip().splitlines()) == 1
    assert PASSWORD not in stdout + err
    _nothing_made(tmp_path, mailbox)


def test_an_untrusted_certificate_stops_before_sending(tmp_path, login):
    mailbox = Mailbox()
    mailbox.users["records"] = PASSWORD
    other = Tls.make(tmp_path)  # a CA the client was not told to trust
    with smtp_server(mailbox, starttls=other, auth=True) as url:
        code, _, err = _send(tmp_path, url)
    assert code == 1
    assert "TLS with the SMTP server" in err
    assert mailbox.logins == []
    _nothing_made(tmp_path, mailbox)


@pytest.mark.parametrize(
    "url",
    [
        f"smtp://records:{PASSWORD}@127.0.0.1:25",
        f"smtp://records:{PASSWORD}@127.0.0.1:notaport",
        "smtp://127.0.0.1:99999",
        "smtp://127.0.0.1:-1",
        "http://127.0.0.1:25",
        "smtp://",
        f"smtp://127.0.0.1:25/?password={PASSWORD}",
        f"127.0.0.1:{PASSWORD}",
    ],
)
def test_a_bad_smtp_url_is_one_usage_line(tmp_path, login, url):
    code, stdout, err = _send(tmp_path, url)
    assert code == 2
    assert len(err.strip().splitlines()) == 1
    assert err.startswith("supforms: --smtp")
    assert PASSWORD not in stdout + err
    assert not (tmp_path / "out").exists()


def test_a_server_that_drops_the_connection_mid_batch(tmp_path, tls):
    mailbox = Mailbox()
    mailbox.hang_up_at = 2  # closes the connection in the second message's DATA
    people = [*PEOPLE, ("Cara Cole", "cara@example.org")]
    store = f"sqlite:///{tmp_path}/records.db"
    expected = {a: n for n, a in people}
    with smtp_server(mailbox, starttls=tls) as url:
        code, _, err = _send(tmp_path, url, "--json", people=people)
        assert code == 3
        assert [(line["recipient"], line["status"]) for line in log_lines(tmp_path / "out")] == [
            ("alice@example.org", "sending"),
            ("alice@example.org", "sent"),
            ("bob@example.org", "sending"),
            ("bob@example.org", "failed"),
            ("cara@example.org", "sending"),
            ("cara@example.org", "sent"),  # a new connection for the next message
        ]
        check_agreement(tmp_path / "out", store, mailbox, expected)
        code, _, err = _send(tmp_path, url, "--resume", people=people)
        assert code == 0, err
    received = check_agreement(tmp_path / "out", store, mailbox, expected)
    assert sorted(m.to for m in received) == sorted(expected)
    assert len(manifest(tmp_path / "out")) == 3
