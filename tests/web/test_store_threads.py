"""One ``RecordStore`` shared by the web face's threads: archiving and reading at once."""

from __future__ import annotations

import hashlib
import threading

import sqlalchemy as sa
from supforms.pipeline.records.opening import open_store
from supforms.pipeline.result import IngestResult


def test_threads_sharing_one_store_each_archive_and_read_safely(store_url):
    errors: list[BaseException] = []
    with open_store(store_url) as store:
        store.register([{
            "document_id": "THRD-0000-0000-0000", "form": "agreement", "version": "1.1.0",
            "file": "x.pdf", "recipient": "pat@example.org",
            "issued_at": "2026-01-01T00:00:00+00:00", "prefill": {},
        }])  # fmt: skip
        token = store.issue_return_link("THRD-0000-0000-0000", "pat@example.org")
        start = threading.Barrier(8)

        def work(number: int) -> None:
            try:
                start.wait()
                for item in range(25):
                    data = f"%PDF-1.7 thread {number} item {item}".encode()
                    sha = hashlib.sha256(data).hexdigest()
                    result = IngestResult(f"t{number}-{item}.pdf", sha, len(data))
                    result.problem("(file)", "not_a_form", "is not one of our forms")
                    assert store.archive(result, data).inserted
                    assert store.return_link(token).document_id == "THRD-0000-0000-0000"
            except BaseException as exc:
                errors.append(exc)

        threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        count = next(iter(store.rows(sa.text("SELECT count(*) AS n FROM records"))))["n"]
    assert errors == []
    assert count == 200
