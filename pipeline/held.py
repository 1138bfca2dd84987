"""What a library call hands back while work goes on: iterate it, then let it go.

``supforms.generate``, ``send`` and ``ingest`` return an object that holds what it opened
(a store, a mail server, mailboxes); leaving its ``with`` block, or ``close()``, lets them
go, even if it was not iterated to its end.
"""

from __future__ import annotations

from contextlib import ExitStack
from types import TracebackType
from typing import Self

__all__ = ["Held"]


class Held:
    """Resources held by a run under way (an ``ExitStack``), closed with it."""

    def __init__(self, resources: ExitStack) -> None:
        self._resources = resources

    def close(self) -> None:
        self._resources.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()
