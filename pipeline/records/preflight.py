"""Before anything is generated or sent: can the results be kept?

A copy that went out but could not be registered is a copy nobody can match a
return to, so the output folder and the records store are tried first, for
real (a file made and removed, a row written and rolled back), and a store that
fails later stops a batch before its next email.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from supforms.pipeline.records.faults import store_errors
from supforms.pipeline.records.opening import open_store
from supforms.pipeline.records.store import RecordStore
from supforms.pipeline.records.tables import deliveries, issued
from supforms.schemas.errors import PipelineError

__all__ = ["check_folder", "check_store", "store_errors", "writable_store"]


def check_folder(folder: Path) -> None:
    """Make ``folder`` if need be and prove a file can be written in it."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError as exc:
        raise PipelineError(
            f"output folder is not writable: {exc.strerror}", path=str(folder)
        ) from exc


def check_store(store: RecordStore) -> None:
    """Write an issued copy and a delivery, and roll back: the store is reachable and writable."""
    probe = {
        "document_id": "preflight-probe",
        "form": "probe",
        "version": "0",
        "file": "",
        "issued_at": datetime.now(UTC),
        "prefill": "{}",
    }
    with store_errors("checking it can be written"), store.engine.connect() as connection:
        transaction = connection.begin()
        try:
            connection.execute(issued.insert().values(**probe))
            # Every message sent is kept as it goes (supforms.pipeline.records.deliveries).
            connection.execute(
                deliveries.insert().values(
                    document_id=probe["document_id"],
                    recipient="",
                    status="sending",
                    reminder=0,
                    at=probe["issued_at"],
                )
            )
        finally:
            transaction.rollback()


@contextmanager
def writable_store(url: str, *, create: bool = True) -> Iterator[RecordStore]:
    """The store at ``url``, opened and proven writable, closed afterwards.

    Without ``create`` a missing store is a ``StoreError`` (``open_store``): for a
    command that acts on what the store holds (remind, renew), a new one holds nothing.
    """
    with open_store(url, create=create) as store:
        check_store(store)
        yield store
