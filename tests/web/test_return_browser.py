"""The return page in Debian's Chromium: a supervisee's journey from the link in their email.

Every state of the page (the form, a verdict with problems, received, another
copy refused, not a PDF, too large, not found) is checked with axe-core (WCAG 2.2
AA) and kept as a screenshot; the journey is also done with the keyboard alone.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.deliveries import ALICE, BOB
from tests.web.browser import journey
from tests.web.returns import SUPERVISEE, filled, send_links
from tests.web.server import serving

pytestmark = pytest.mark.slow

SHOTS = Path(os.environ.get("SUPFORMS_SHOTS", ""))  # set it to keep the screenshots


def _shot(tmp: Path, name: str) -> str:
    folder = SHOTS if str(SHOTS) not in ("", ".") else tmp
    folder.mkdir(parents=True, exist_ok=True)
    return str(folder / f"return-{name}.png")


def _visit(tmp: Path, name: str, upload: Path | None = None) -> list[dict]:
    """Steps: (upload the file and click Upload,) read the text, run axe, take a screenshot."""
    steps: list[dict] = []
    if upload is not None:
        steps += [{"upload": str(upload), "selector": "#file"}, {"click": "button.govuk-button"}]
    return [*steps, {"text": True}, {"axe": True}, {"screenshot": _shot(tmp, name)}]


def _files(tmp: Path, **contents: bytes) -> dict[str, Path]:
    paths = {}
    for name, data in contents.items():
        path = tmp / "files" / name.replace("_", "-")
        path.parent.mkdir(exist_ok=True)
        path.write_bytes(data)
        paths[name] = path.with_suffix(".pdf") if path.suffix == "" else path
        if paths[name] != path:
            path.rename(paths[name])
    return paths


def test_a_supervisee_returns_the_form_through_the_link_in_their_email(tmp_path, smtp):
    store = f"sqlite:///{tmp_path / 'records.db'}"
    with serving(store, tmp_path) as server:
        sent = send_links(tmp_path, store, smtp, server.base, [ALICE, BOB])
        alice, bob = sent[ALICE[1]], sent[BOB[1]]
        files = _files(
            tmp_path,
            half=filled(alice.pdf, (SUPERVISEE,)),
            whole=filled(alice.pdf),
            bobs=filled(bob.pdf),
            notes=b"Dear team, my form is attached.\n",
            big=os.urandom(21 * 2**20),
        )
        steps = [
            {"goto": alice.link}, *_visit(tmp_path, "1-form"),
            *_visit(tmp_path, "2-missing", files["half"]),
            *_visit(tmp_path, "3-received", files["whole"]),
            {"goto": alice.link}, *_visit(tmp_path, "4-other-copy", files["bobs"]),
            {"goto": alice.link}, *_visit(tmp_path, "5-not-a-pdf", files["notes"]),
            {"goto": alice.link}, *_visit(tmp_path, "6-too-large", files["big"]),
            {"goto": f"{server.base}/r/{'x' * 43}"}, *_visit(tmp_path, "7-not-found"),
        ]  # fmt: skip
        results = journey(steps, tmp_path)
        log = server.log_text()
    pages = [r for r in results if "text" in r]
    audits = [r for r in results if "violations" in r]
    assert len(pages) == len(audits) == 7
    for audit in audits:
        assert audit["violations"] == [], audit
    form, missing, received, other, not_pdf, too_large, not_found = (p["text"] for p in pages)
    assert "Return your Supervision Agreement" in form
    assert "Alice Adams" in form
    assert alice.document_id in form
    assert "Your form cannot be filed yet" in missing
    assert "Supervisor signature is missing." in missing
    assert "Return received" in received
    assert f"This file is document {bob.document_id}" in other
    assert "There is a problem" in not_pdf
    assert "The file is too large" in too_large
    assert "Page not found" in not_found
    statuses = [r["status"] for r in results if "status" in r]
    assert statuses == [200, 200, 200, 200, 409, 200, 422, 200, 413, 404]
    assert "Traceback" not in log


def test_the_return_journey_with_the_keyboard_alone(tmp_path, smtp):
    store = f"sqlite:///{tmp_path / 'records.db'}"
    with serving(store, tmp_path) as server:
        sent = send_links(tmp_path, store, smtp, server.base, [ALICE])
        alice = sent[ALICE[1]]
        files = _files(tmp_path, whole=filled(alice.pdf))
        steps = [
            {"goto": alice.link},
            {"press": "Tab"}, {"focused": True},  # the skip link
            {"press": "Tab"}, {"focused": True},  # the service name
            {"press": "Tab"}, {"focused": True},  # the file input
            {"upload": str(files["whole"]), "selector": ":focus"},
            {"press": "Tab"}, {"focused": True},  # the button
            {"keyboard_submit": True},
            {"text": True}, {"axe": True}, {"screenshot": _shot(tmp_path, "8-keyboard-received")},
        ]  # fmt: skip
        results = journey(steps, tmp_path)
    focused = [r for r in results if "tag" in r]
    assert focused[0]["text"] == "Skip to main content"
    assert (focused[2]["tag"], focused[2]["type"], focused[2]["id"]) == ("input", "file", "file")
    assert focused[2]["label"] == "Upload the filled-in form"
    assert (focused[3]["tag"], focused[3]["text"]) == ("button", "Upload")
    submitted = next(r for r in results if "status" in r and r is not results[0])
    assert submitted["status"] == 200
    text = next(r["text"] for r in results if "text" in r and "tag" not in r)
    assert "Return received" in text
    assert next(r for r in results if "violations" in r)["violations"] == []
