"""``supforms.verify``: the store held to its audit chain, as one call."""

from __future__ import annotations

from supforms.pipeline.records.opening import open_store, store_url
from supforms.pipeline.records.proof import Verification
from supforms.pipeline.records.store import RecordStore

__all__ = ["verify"]


def verify(
    store: str | RecordStore | None = None, *, expect_head: str | None = None
) -> Verification:
    """Re-hash every stored PDF and check every record and audit line; every finding, named.

    Args:
        store: a store URL (default: ``SUPFORMS_STORE``, else ``sqlite:///output/records.db``)
            or an open ``RecordStore``.
        expect_head: a head hash noted earlier (``supforms records head``): a finding if
            anything up to it was rewritten.

    Returns:
        The verification: ``findings`` (empty when the store is as recorded), counts, head.
    """
    if isinstance(store, RecordStore):
        return store.verify(expect_head)
    with open_store(store_url(store)) as opened:
        return opened.verify(expect_head)
