"""The return page through a real ``supforms serve``: links from real emails, real uploads."""

from __future__ import annotations

import hashlib

import pytest
import sqlalchemy as sa
from supforms.pipeline.records import tables
from supforms.pipeline.records.opening import open_store

from tests.deliveries import ALICE, BOB
from tests.web.returns import (
    SUPERVISEE,
    filled,
    link_for,
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
        assert "Already received, but your form cannot be filed yet" in again.text
        assert "Supervisor signature is missing." in again.text

        whole = filled(alice.pdf)
        done = _post(client, alice.link, "agreement-signed.pdf", whole)
        assert done.status_code == 200, done.text
        assert "Return received" in done.text

        same = _post(client, alice.link, "agreement-again.pdf", whole)
        assert "Already received" in same.text
        assert "We already have this file" in same.text

        other = _post(client, alice.link, "bobs.pdf", filled(bob.pdf))
        assert other.status_code == 409
        assert f"This file is document {bob.document_id}" in other.text
    stored = records_by_sha(store)
    assert stored[hashlib.sha256(half).hexdigest()] == ["incomplete"]
    assert stored[hashlib.sha256(whole).hexdigest()] == ["complete"]
    assert len(stored) == 2  # Bob's copy through Alice's link was not filed
    log = server.log_text()
    assert "Traceback" not in log
    assert "POST /r/… HTTP/1.1" in log  # the access log names the page, never the token
    assert alice.token not in log


def _one_copy(tmp_path, smtp, server, store):
    return send_links(tmp_path, store, smtp, server.base, [ALICE])[ALICE[1]]


def test_no_upload_without_a_valid_link_and_a_404_says_nothing_of_links(tmp_path, smtp):
    store = f"sqlite:///{tmp_path / 'records.db'}"
    with serving(store, tmp_path) as server, server.client() as client:
        alice = _one_copy(tmp_path, smtp, server, store)
        expired = link_for(store, alice.document_id, ALICE[1], days=-1)
        plain = client.get("/no/such/page")
        for token in (expired, "x" * 43, alice.token[:-1] + "A", "%00", "a" * 500):
            assert client.get(f"/r/{token}").text == plain.text
            refused = client.post(f"/r/{token}", files={"file": ("a.pdf", b"%PDF-1.7")})
            assert refused.status_code == 404
            assert refused.text == plain.text
    assert records_by_sha(store) == {}


def test_csrf_size_and_rate_are_refused_with_a_page_each(tmp_path, smtp):
    store = f"sqlite:///{tmp_path / 'records.db'}"
    with serving(store, tmp_path) as server, server.client() as client:
        alice = _one_copy(tmp_path, smtp, server, store)
        whole = filled(alice.pdf)
        # No token, and a token made for another browser's cookie.
        assert _post(client, alice.link, "a.pdf", whole, token="").status_code == 403
        with server.client() as other:
            stolen = _csrf(other, alice.link)
        forged = _post(client, alice.link, "a.pdf", whole, token=stolen)
        assert forged.status_code == 403
        assert "This page has expired" in forged.text
        # Too large: said by Content-Length, and found while streaming (chunked, no length).
        big = b"%PDF-1.7\n" + b"0" * (20 * 2**20)
        said = _post(client, alice.link, "big.pdf", big)
        assert said.status_code == 413
        assert "The file is too large" in said.text
        token = _csrf(client, alice.link)
        boundary = "supforms-test-boundary"
        part = "--{}\r\nContent-Disposition: form-data; name={}\r\n{}\r\n".format
        head = part(boundary, '"csrf_token"', "") + f"{token}\r\n"
        head += part(boundary, '"file"; filename="big.pdf"', "Content-Type: application/pdf\r\n")
        body = head.encode() + big + f"\r\n--{boundary}--\r\n".encode()

        def chunks():
            for start in range(0, len(body), 2**20):
                yield body[start : start + 2**20]

        streamed = client.post(
            alice.link, content=chunks(),
            headers={"content-type": f"multipart/form-data; boundary={boundary}"},
        )  # fmt: skip
        assert streamed.status_code == 413
        # Four uploads so far; six more are taken, the eleventh is refused.
        for _ in range(6):
            assert _post(client, alice.link, "a.pdf", whole, token="").status_code == 403
        limited = _post(client, alice.link, "a.pdf", whole)
        assert limited.status_code == 429
        assert limited.headers["retry-after"] == "600"
        assert "Too many uploads" in limited.text
        log = server.log_text()
    assert records_by_sha(store) == {}  # nothing refused was filed
    assert "Traceback" not in log


def test_what_is_not_a_pdf_is_refused_in_words_quarantined_and_filed_as_ingest_does(tmp_path, smtp):
    store = f"sqlite:///{tmp_path / 'records.db'}"
    notes = b"Dear team,\nplease find my form attached.\n"
    with serving(store, tmp_path) as server, server.client() as client:
        alice = _one_copy(tmp_path, smtp, server, store)
        answer = _post(client, alice.link, "my form.pdf", notes)
        assert answer.status_code == 422
        assert "The file is not a PDF" in answer.text
        assert "There is a problem" in answer.text
        empty = _post(client, alice.link, "empty.pdf", b"")
        assert empty.status_code == 422  # judged as ingest judges it
        assert "The file is not a PDF (no PDF header)." in empty.text
        nothing = _post(client, alice.link, "", b"")  # as a browser sends "no file chosen"
        assert nothing.status_code == 400
        assert "Select the filled-in PDF" in nothing.text
        unread = client.post(alice.link, data={"csrf_token": _csrf(client, alice.link)})
        assert unread.status_code == 400
        assert "The upload could not be read" in unread.text
    sha = hashlib.sha256(notes).hexdigest()
    assert records_by_sha(store)[sha] == ["rejected"]
    (kept,) = (tmp_path / "output" / "returns").glob(f"*/*/quarantine/{sha}.pdf")
    assert kept.read_bytes() == notes
    uploads = {p.name for p in (tmp_path / "output" / "returns").glob("*/*/upload/*")}
    assert uploads == {"web:my form.pdf", "web:empty.pdf"}  # each in a folder of its own
    with open_store(store) as records:
        lines = [line for line in records.audit_log() if line["action"] == "web-return"]
        sources = {row["source_name"] for row in records.rows(sa.select(tables.records))}
    assert sources == {"web:my form.pdf", "web:empty.pdf"}
    assert len(lines) == 2
    assert alice.document_id in lines[0]["detail"]
    assert '"status": "rejected"' in lines[0]["detail"]


def test_a_returns_folder_that_cannot_be_written_is_one_line_at_start(tmp_path):
    import subprocess

    from tests.web.server import SUPFORMS

    done = subprocess.run(
        [str(SUPFORMS), "serve", "--store", f"sqlite:///{tmp_path / 'r.db'}",
         "--returns", "/proc/nowhere"],
        capture_output=True, text=True, cwd=tmp_path, timeout=120,
    )  # fmt: skip
    assert done.returncode == 1
    assert "output folder is not writable" in done.stderr
    assert "/proc/nowhere" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1, done.stderr
