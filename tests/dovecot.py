"""A real IMAP server for the mailbox tests: Dovecot from Debian, on loopback, self-contained.

Everything is under one temporary folder: its own configuration file, a
passwd-file with one user, a certificate made by a test authority (trustme),
the mail (Maildir) and the runtime files. No system service is touched; the
server runs in the foreground as a child of the test and is stopped after it.
"""

from __future__ import annotations

import grp
import imaplib
import os
import pwd
import shutil
import socket
import ssl
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
import trustme

from tests.smtp import free_port

START_WAIT = 60  # seconds: only a guard against a server that never starts
USER = "returns"
PASSWORD = "imap-Pa55word"


@dataclass
class Dovecot:
    port: int
    ca_file: Path
    folder: Path

    @property
    def url(self) -> str:
        return f"imaps://{USER}@127.0.0.1:{self.port}/INBOX"

    def client(self) -> imaplib.IMAP4_SSL:
        context = ssl.create_default_context(cafile=str(self.ca_file))
        connection = imaplib.IMAP4_SSL("127.0.0.1", self.port, ssl_context=context)
        connection.login(USER, PASSWORD)
        return connection

    def append(self, message: bytes, folder: str = "INBOX") -> None:
        connection = self.client()
        try:
            status, _ = connection.append(folder, None, None, message)
            assert status == "OK"
        finally:
            connection.logout()

    def file_new_mail(self, folder: str = "INBOX") -> None:
        """Open ``folder`` for writing once: Dovecot moves its new mail to ``cur/``."""
        connection = self.client()
        try:
            connection.select(folder)
        finally:
            connection.logout()

    def uids(self, folder: str) -> list[int]:
        """The UIDs in ``folder`` (empty if there is no such folder)."""
        connection = self.client()
        try:
            status, _ = connection.select(folder, readonly=True)
            if status != "OK":
                return []
            _, data = connection.uid("SEARCH", "ALL")
            return [int(uid) for uid in data[0].split()]
        finally:
            connection.logout()

    def flags(self, folder: str = "INBOX") -> dict[int, str]:
        connection = self.client()
        try:
            connection.select(folder, readonly=True)
            _, data = connection.uid("FETCH", "1:*", "(FLAGS)")
            found = {}
            for item in data:
                if isinstance(item, bytes) and b"UID" in item:
                    text = item.decode()
                    uid = int(text.split("UID ")[1].split()[0].rstrip(")"))
                    found[uid] = text
            return found
        finally:
            connection.logout()


def _config(folder: Path, port: int, owner: str, group: str, mail: Path) -> str:
    # Run by root (CI), the login processes drop to Debian's own unprivileged users;
    # run by anyone else, everything runs as that user, with no chroot.
    root = os.getuid() == 0
    login, internal = ("dovenull", "dovecot") if root else (owner, owner)
    chroot = "" if root else "chroot ="
    return f"""\
base_dir = {folder}/run
state_dir = {folder}/state
log_path = {folder}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = required
ssl_cert = <{folder}/cert.pem
ssl_key = <{folder}/key.pem
default_internal_user = {internal}
default_internal_group = {internal if root else group}
default_login_user = {login}
first_valid_uid = 1
auth_mechanisms = plain
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {folder}/passwd
}}
userdb {{
  driver = static
  args = uid={internal if root else owner} gid={internal if root else group} home={mail}/%u
}}
mail_location = maildir:~/Maildir
service imap-login {{
  {chroot}
  inet_listener imap {{
    port = 0
  }}
  inet_listener imaps {{
    port = {port}
    ssl = yes
  }}
}}
service anvil {{
  {chroot}
}}
"""


def _binary() -> str:
    found = shutil.which("dovecot") or (
        "/usr/sbin/dovecot" if Path("/usr/sbin/dovecot").exists() else None
    )
    if found is None:
        if os.environ.get("CI") == "true":
            pytest.fail("dovecot is missing: setup.sh must install dovecot-imapd")
        pytest.skip("dovecot not installed (dovecot-imapd)")
    return found


@contextmanager
def dovecot(where: Path) -> Iterator[Dovecot]:
    """A Dovecot on a free loopback port with one user, ``USER``; yields how to reach it.

    Run by root (as CI is), Dovecot's own processes drop to Debian's unprivileged
    ``dovecot`` and ``dovenull`` users, which must reach its files: then they sit
    in a folder of their own under the system's temporary folder, removed after.
    """
    binary = _binary()
    root = os.getuid() == 0
    folder = Path(tempfile.mkdtemp(prefix="supforms-dovecot-")) if root else where
    folder.mkdir(parents=True, exist_ok=True)
    try:
        with _running(binary, folder, root) as server:
            yield server
    finally:
        if root:
            shutil.rmtree(folder, ignore_errors=True)


@contextmanager
def _running(binary: str, folder: Path, root: bool) -> Iterator[Dovecot]:
    authority = trustme.CA()
    server = authority.issue_cert("127.0.0.1", "localhost")
    server.cert_chain_pems[0].write_to_path(str(folder / "cert.pem"))
    server.private_key_pem.write_to_path(str(folder / "key.pem"))
    ca_file = folder / "ca.pem"
    authority.cert_pem.write_to_path(str(ca_file))
    (folder / "passwd").write_text(f"{USER}:{{PLAIN}}{PASSWORD}\n")
    (folder / "mail" / USER).mkdir(parents=True)
    owner = pwd.getpwuid(os.getuid()).pw_name
    group = grp.getgrgid(os.getgid()).gr_name
    if root:
        folder.chmod(0o711)
        entry = pwd.getpwnam("dovecot")
        for path in (folder / "passwd", folder / "mail", folder / "mail" / USER):
            os.chown(path, entry.pw_uid, entry.pw_gid)
    port = free_port()
    config = folder / "dovecot.conf"
    config.write_text(_config(folder, port, owner, group, folder / "mail"))
    errors = (folder / "stderr").open("wb")
    process = subprocess.Popen(
        [binary, "-F", "-c", str(config)], stdout=subprocess.DEVNULL, stderr=errors
    )
    try:
        _wait(process, port, folder)
        yield Dovecot(port, ca_file, folder)
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        errors.close()


def _wait(process: subprocess.Popen[bytes], port: int, folder: Path) -> None:
    """Until the server accepts connections (a readiness wait, never a fault point)."""
    deadline = time.monotonic() + START_WAIT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            log = (folder / "dovecot.log").read_text() if (folder / "dovecot.log").exists() else ""
            error = (folder / "stderr").read_text()
            raise RuntimeError(f"dovecot exited: {error}{log}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("dovecot did not start")
