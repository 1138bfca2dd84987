"""A SQLite store's log is copied into its file beside the archiving: bounded, and ended with it."""

from __future__ import annotations

import hashlib
import os
import threading

import pytest
from supforms.pipeline.records import checkpoints
from supforms.pipeline.records.opening import open_store
from supforms.pipeline.result import IngestResult


def _returns(count: int, size: int) -> list[tuple[IngestResult, bytes]]:
    made = []
    for index in range(count):
        data = b"%PDF-1.7\n" + os.urandom(size)  # random: nothing for SQLite to share
        sha = hashlib.sha256(data).hexdigest()
        made.append((IngestResult(f"r{index}.pdf", sha, len(data), problems=[]), data))
    return made


def _checkpoint_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "supforms-checkpoint"]


def test_the_log_stays_bounded_when_the_thread_never_copies(tmp_path, monkeypatch):
    """The thread never woken (or too slow): the archiving connection copies the log itself.

    At ``WAL_LIMIT`` pages it checkpoints; everything copied, the next commit starts the
    log over, so it never holds much more than ``WAL_LIMIT`` pages and one return.
    """
    monkeypatch.setattr(checkpoints, "EVERY_BYTES", 1 << 40)
    monkeypatch.setattr(checkpoints, "WAL_LIMIT", 64)
    path = tmp_path / "records.db"
    store = open_store(f"sqlite:///{path}")
    page = 4096
    largest = 0
    try:
        for result, data in _returns(40, 60_000):  # 15 pages each, 600 in all
            store.archive(result, data)
            largest = max(largest, (tmp_path / "records.db-wal").stat().st_size)
    finally:
        store.close()
    assert largest > 32 * page  # the log did fill up to its limit...
    assert largest < (64 + 2 * 16) * (page + 24) + 32  # ...and never far past it
    with open_store(f"sqlite:///{path}", create=False) as again:
        assert not again.verify().findings


def test_the_thread_ends_with_the_store_and_every_return_is_kept(tmp_path, monkeypatch):
    """Woken after every return, the thread copies while archiving goes on.

    Closing the store stops it; every PDF reads back byte for byte, the chain whole.
    """
    monkeypatch.setattr(checkpoints, "EVERY_BYTES", 1)
    path = tmp_path / "records.db"
    made = _returns(30, 40_000)
    with open_store(f"sqlite:///{path}") as store:
        ids = [store.archive(result, data).id for result, data in made]
        assert len(_checkpoint_threads()) == 1
    assert _checkpoint_threads() == []
    with open_store(f"sqlite:///{path}", create=False) as again:
        assert not again.verify().findings
        for record_id, (_, data) in zip(ids, made, strict=True):
            assert again.record(record_id)[1] == data


@pytest.mark.postgres
@pytest.mark.slow
@pytest.mark.parametrize("store_url", ["postgres"], indirect=True)  # the fixture's PostgreSQL only
def test_postgresql_has_no_checkpoint_thread(store_url):
    assert store_url.startswith("postgresql")
    with open_store(store_url) as store:
        for result, data in _returns(3, 1000):
            store.archive(result, data)
        assert _checkpoint_threads() == []
