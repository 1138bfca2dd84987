"""An email nested a thousand parts deep is refused by name; the returns beside it go on.

Python's email parser follows a multipart into its parts by recursion: a message
nested deeply enough raises ``RecursionError`` before anything is read. Such a
message must be one named rejection, its neighbours ingested, and over IMAP
every other message archived and put away (the deep one too: it was judged).
"""

from __future__ import annotations

import json

import pytest

from tests.cli import run
from tests.pipeline.test_imap import _ingest, _message, _records, server  # noqa: F401

DEPTH = 1_000


def deep_email(depth: int = DEPTH) -> bytes:
    """A message whose every part is a multipart holding the next, ``depth`` times."""
    head = [
        "From: Mallory <mallory@example.org>",
        "To: returns@example.org",
        "Subject: nested",
        "MIME-Version: 1.0",
    ]
    lines = [*head, 'Content-Type: multipart/mixed; boundary="b0"', ""]
    for level in range(1, depth):
        lines += [f"--b{level - 1}", f'Content-Type: multipart/mixed; boundary="b{level}"', ""]
    lines += [f"--b{depth - 1}", "Content-Type: text/plain", "", "deep", f"--b{depth - 1}--"]
    for level in reversed(range(depth - 1)):
        lines.append(f"--b{level}--")
    return ("\r\n".join(lines) + "\r\n").encode()


@pytest.mark.parametrize("depth", [40, DEPTH])  # past the bound; past Python's recursion
def test_a_deep_email_in_a_folder_is_refused_and_its_neighbours_ingested(
    tmp_path, filled_pdfs, depth
):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "deep.eml").write_bytes(deep_email(depth))
    (inbox / "good.eml").write_bytes(_message("agreement", filled_pdfs["agreement"]))
    (inbox / "contract.pdf").write_bytes(filled_pdfs["contract"])
    store = f"sqlite:///{tmp_path}/records.db"
    code, out, err = run(
        "ingest", str(inbox), "--out", str(tmp_path / "out"), "--store", store, "--json",
        "--workers", "1",
    )  # fmt: skip
    assert "Traceback" not in err
    assert code == 3, err
    results = {r["source"]["filename"]: r for r in map(json.loads, out.splitlines())}
    deep = results.pop("deep.eml")
    assert deep["status"] == "rejected"
    assert deep["problems"][0]["code"] == "nested_too_deep"
    assert sorted(r["form"] for r in results.values()) == ["agreement", "contract"]
    assert all(r["status"] != "rejected" for r in results.values())
    assert len([r for r in _records(store) if r[0] != "rejected"]) == 2


def test_a_deep_email_in_a_mailbox_does_not_block_it(tmp_path, server, filled_pdfs):  # noqa: F811
    server.append(_message("contract", filled_pdfs["contract"]))
    server.append(deep_email())
    server.append(_message("agreement", filled_pdfs["agreement"]))
    store = f"sqlite:///{tmp_path}/records.db"
    code, results, err = _ingest(server, tmp_path, store, "--move-to", "Filed")
    assert "Traceback" not in err
    assert code == 3, err
    codes = sorted(r["problems"][0]["code"] for r in results if r["status"] == "rejected")
    assert codes == ["nested_too_deep"]
    assert sorted(r["form"] for r in results if r["status"] != "rejected") == [
        "agreement",
        "contract",
    ]
    assert server.uids("INBOX") == []
    assert len(server.uids("Filed")) == 3
    code, results, err = _ingest(server, tmp_path, store, "--move-to", "Filed")
    assert (code, results) == (0, []), err


def test_a_message_too_large_is_left_in_the_mailbox_unfetched(tmp_path, server, filled_pdfs):  # noqa: F811
    """The server states each message's size: one past the limit is never fetched whole."""
    server.append(_message("contract", filled_pdfs["contract"]))
    big = _message("big", filled_pdfs["agreement"] + b"%" + b"x" * 400_000)
    server.append(big)
    store = f"sqlite:///{tmp_path}/records.db"
    code, results, err = _ingest(server, tmp_path, store, "--move-to", "Filed", "--size-limit", "1")
    assert "Traceback" not in err
    assert code == 3, err  # a message left for a person
    skipped = [r for r in results if r["status"] == "skipped"]
    assert [r["problems"][0]["code"] for r in skipped] == ["too_big"]
    assert "not fetched; left in the mailbox" in skipped[0]["problems"][0]["message"]
    assert [r["form"] for r in results if r["status"] not in ("skipped", "rejected")] == [
        "contract"
    ]
    assert len(server.uids("INBOX")) == 1  # the big one stays; nothing is lost
    assert len(server.uids("Filed")) == 1
    assert not list((tmp_path / "ingest" / "mail").rglob("*.eml"))[1:]  # only the small one
