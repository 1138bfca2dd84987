"""What a library call hands back while work goes on: iterate it, then let it go.

``supforms.generate``, ``send`` and ``ingest`` return an object that holds what it opened
(a store, a mail server, mailboxes); leaving its ``with`` block, or ``close()``, lets them
go, even if it was not iterated to its end. ``stop()`` ends it early but whole: what
is in hand is finished and handed on, then iteration ends (the CLI calls it on Ctrl-C).
"""

from __future__ import annotations

from contextlib import ExitStack
from types import TracebackType
from typing import Self

__all__ = ["Held", "Stop"]


class Stop:
    """A request to end a run early, read between one item and the next.

    ``Held.stop`` sets it, from a signal handler: only a flag, never a lock.
    """

    def __init__(self) -> None:
        self.requested = False


class Held:
    """Resources held by a run under way (an ``ExitStack``), closed with it."""

    def __init__(self, resources: ExitStack, stop: Stop | None = None) -> None:
        self._resources = resources
        self._stop = stop or Stop()

    def stop(self) -> None:
        """Take no more work: what is in hand is finished and handed on. Signal-safe."""
        self._stop.requested = True

    @property
    def stopped(self) -> bool:
        """Whether ``stop()`` was called."""
        return self._stop.requested

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
