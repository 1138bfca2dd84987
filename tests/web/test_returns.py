"""The return page through a real ``supforms serve``: links from real emails, real uploads."""

from __future__ import annotations

import hashlib

import pytest

from tests.deliveries import ALICE, BOB
from tests.web.returns import (
    SUPERVISEE,
    filled,
    records_by_sha,
    send_links,
    stored_hashes,
    token_hash,
)
from tests.web.server import serving

pytestmark = pytest.mark.slow


def _csrf(client, link: str) -> str:
    page = client.get(link)
    assert page.status_code == 200, page.text
    return page.text.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]


def _post(client, link: str, name: str, data: bytes, token: str | None = None):
    token = token if token is not None else _csrf(client, link)
    return client.post(
        link, data={"csrf_token": token}, files={"file": (name, data, "application/pdf")}
    )


def test_a_link_from_the_email_takes_a_return_and_says_what_is_missing(tmp_path, smtp):
    store = f"sqlite:///{tmp_path / 'records.db'}"
    with serving(store, tmp_path) as server, server.client() as client:
        sent = send_links(tmp_path, store, smtp, server.base, [ALICE, BOB])
        alice, bob = sent[ALICE[1]], sent[BOB[1]]
        assert alice.link.startswith(f"{server.base}/r/")
        assert alice.link != bob.link
        # Only the hash is kept: the token itself is nowhere in the store.
        hashes = sorted([token_hash(alice.token), token_hash(bob.token)])
        assert sorted(stored_hashes(store)) == hashes
        assert alice.token.encode() not in (tmp_path / "records.db").read_bytes()

        page = client.get(alice.link)
        assert page.status_code == 200
        assert "Alice Adams" in page.text
        assert alice.document_id in page.text
        assert "Bob" not in page.text
        assert bob.document_id not in page.text

        half = filled(alice.pdf, (SUPERVISEE,))
        answer = _post(client, alice.link, "agreement.pdf", half)
        assert answer.status_code == 200
        assert "Your form cannot be filed yet" in answer.text
        assert "Supervisor signature is missing." in answer.text

        again = _post(client, alice.link, "agreement.pdf", half)
        assert "Already received" in again.text

        whole = filled(alice.pdf)
        done = _post(client, alice.link, "agreement-signed.pdf", whole)
        assert done.status_code == 200, done.text
        assert "Return received" in done.text

        other = _post(client, alice.link, "bobs.pdf", filled(bob.pdf))
        assert other.status_code == 409
        assert f"This file is document {bob.document_id}" in other.text
    stored = records_by_sha(store)
    assert stored[hashlib.sha256(half).hexdigest()] == ["incomplete"]
    assert stored[hashlib.sha256(whole).hexdigest()] == ["complete"]
    assert len(stored) == 2  # Bob's copy through Alice's link was not filed
    assert "Traceback" not in server.log_text()
