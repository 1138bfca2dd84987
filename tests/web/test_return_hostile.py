"""The ingest tests' hostile corpus, every file posted to a return link of its own copy.

Each gets the verdict ``supforms ingest`` gives it (same limits, same status),
and the answer is a page: never a 5xx, never a traceback, in a page or in the log.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.pipeline.hostile import write_corpus
from tests.web.returns import link_for, records_by_sha, register
from tests.web.server import serving

pytestmark = pytest.mark.slow

HEADINGS = {
    "complete": "Return received",
    "incomplete": "Your form cannot be filed yet",
    "invalid": "Your form cannot be filed yet",
    "rejected": "There is a problem",
}


def _ingested(folder: Path, out: Path) -> dict[str, dict]:
    """``supforms ingest FOLDER --no-archive --json``, with its default limits: by file name."""
    done = subprocess.run(
        [sys.executable, "-m", "supforms", "ingest", str(folder), "--out", str(out), "--json",
         "--no-archive", "--workers", "2"],
        capture_output=True, text=True, check=False, timeout=900,
    )  # fmt: skip
    assert done.returncode in (0, 3), done.stderr
    results = [json.loads(line) for line in done.stdout.splitlines()]
    return {r["source"]["filename"]: r for r in results}


def test_every_hostile_file_gets_the_verdict_ingest_gives_it(tmp_path):
    corpus = tmp_path / "corpus"
    files = [p for p in write_corpus(corpus) if not p.is_symlink()]  # a link is no upload
    expected = _ingested(corpus, tmp_path / "ingested")
    store = f"sqlite:///{tmp_path / 'records.db'}"
    spare = "SPARE-0000-0000-0000"
    register(store, spare, "spare@example.org")
    answers = {}
    with serving(store, tmp_path) as server, server.client(timeout=300) as client:
        for number, path in enumerate(files):
            document_id = expected[path.name]["document_id"]
            if document_id:
                register(store, document_id, "pat@example.org")
            token = link_for(store, document_id or spare, "pat@example.org")  # one link each
            page = client.get(f"/r/{token}")
            csrf = page.text.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
            answer = client.post(
                f"/r/{token}", data={"csrf_token": csrf},
                files={"file": (path.name, path.read_bytes(), "application/pdf")},
            )  # fmt: skip
            answers[path.name] = answer
            assert answer.status_code < 500, (path.name, number, answer.text)
            assert "Traceback" not in answer.text
        log = server.log_text()
    assert "Traceback" not in log
    stored = records_by_sha(store)
    for path in files:
        want = expected[path.name]["status"]
        sha = hashlib.sha256(path.read_bytes()).hexdigest()
        assert stored[sha] == [want], (path.name, expected[path.name]["problems"])
        assert HEADINGS[want] in answers[path.name].text, path.name
