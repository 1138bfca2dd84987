"""A send rehearsed: every check the real run makes of the folder and the store, nothing made.

``send --dry-run`` means everything but sending (issue 26): the roster, the form's
fields and values are checked as a send checks them (``sending``); here the
output folder and the store are, without making either: a store that does not
exist yet is one the real send would make, and a folder likewise.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from supforms.pipeline.delivery.batches import check_batch
from supforms.pipeline.records.opening import open_store, store_url
from supforms.pipeline.records.preflight import check_store
from supforms.pipeline.records.store import RecordStore
from supforms.schemas.errors import PipelineError

__all__ = ["opened", "rehearse"]


def _sqlite_path(url: str) -> Path | None:
    """The file of a SQLite store URL (None: not a SQLite file)."""
    for prefix in ("sqlite:///", "sqlite+pysqlite:///"):
        if url.startswith(prefix):
            name = url[len(prefix) :].split("?", 1)[0]
            return Path(name) if name and name != ":memory:" else None
    return None


@contextmanager
def opened(store: str | None) -> Iterator[RecordStore | None]:
    """The store a send would use, if it exists (None: the send would make it), closed after."""
    url = store_url(store)
    path = _sqlite_path(url)
    if path is not None and not path.exists():
        yield None
        return
    with open_store(url) as registry:
        yield registry


def _check_writable(folder: Path) -> None:
    """``folder``, or the nearest folder above it that exists, takes a new file."""
    here = folder
    while not here.exists() and here != here.parent:
        here = here.parent
    if not here.is_dir() or not os.access(here, os.W_OK | os.X_OK):
        raise PipelineError("output folder is not writable", path=str(folder))


def rehearse(form: str, out: Path, store: str | None, *, resume: bool, new_batch: bool) -> None:
    """Raise what a real send of ``form`` into ``out`` would raise before its first copy."""
    _check_writable(out)
    with opened(store) as registry:
        if registry is not None:
            check_store(registry)
        check_batch(out, form, registry, resume=resume, new_batch=new_batch)
