"""Ctrl-C and SIGTERM as a normal end of a long command (contract 18).

A command that works through many inputs runs inside ``interruptible()``: the
first SIGINT or SIGTERM tells its run to stop (``Interrupt.attach``), and the
run ends as a finished one does, having reported what it decided. The command
then says how far it got (``exit_interrupted``) and exits 130 (SIGINT) or 143
(SIGTERM). The handler is the CLI's: the library installs none, it only offers
``stop()``.
"""

from __future__ import annotations

import signal
import sys
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from types import FrameType
from typing import NoReturn, TypeVar

import click

__all__ = ["Interrupt", "exit_interrupted", "interruptible", "until_stopped"]

T = TypeVar("T")

AGAIN = "run the same command again: what is done is not done twice"


class Interrupt:
    """Which signal ended the command (None: none), and the run to tell."""

    def __init__(self) -> None:
        self.signum: int | None = None
        self._stop: Callable[[], None] | None = None

    def attach(self, stop: Callable[[], None]) -> None:
        """From now on a signal calls ``stop`` (at once, if one came already)."""
        self._stop = stop
        if self.signum is not None:
            stop()

    def handle(self, signum: int, frame: FrameType | None) -> None:
        if self.signum is None:
            self.signum = signum
        if self._stop is None:
            raise KeyboardInterrupt  # nothing under way yet: the command ends here
        self._stop()

    @property
    def exit_code(self) -> int:
        return 128 + (self.signum or signal.SIGINT)


@contextmanager
def interruptible() -> Iterator[Interrupt]:
    """SIGINT and SIGTERM stop the attached run instead of raising, while in the block."""
    interrupt = Interrupt()
    previous = {
        number: signal.signal(number, interrupt.handle)
        for number in (signal.SIGINT, signal.SIGTERM)
    }
    try:
        yield interrupt
    except KeyboardInterrupt:
        click.echo(f"supforms: interrupted before anything was done; {AGAIN}.", err=True)
        sys.exit(interrupt.exit_code)
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)


def until_stopped(items: Iterable[T], interrupt: Interrupt) -> Iterator[T]:
    """``items`` until a signal comes: the item in hand is finished and given, then no more.

    For a library generator that does one whole thing per item (a reminder sent
    and logged, a renewal issued and registered): the signal only marks the stop,
    so the item under way when it came ends as it would have; the generator is
    then closed, which ends its ``with`` blocks (store, transport) as usual.
    """
    stopped = False

    def stop() -> None:
        nonlocal stopped
        stopped = True

    interrupt.attach(stop)
    iterator = iter(items)
    try:
        for item in iterator:
            yield item
            if stopped:
                return
    finally:
        close = getattr(iterator, "close", None)
        if close is not None:
            close()


def exit_interrupted(
    interrupt: Interrupt, done: int, left: int | None, nouns: str, again: str = AGAIN
) -> NoReturn:
    """One line on what an interrupted command did and how to go on; exit 130 or 143.

    ``nouns`` names what was counted ("inputs"); ``left`` how many were not
    reached (None: not known before they are found); ``again`` how to do the rest.
    """
    name = signal.Signals(interrupt.exit_code - 128).name
    counted = f"{done} {nouns} done" + ("" if left is None else f", {left} left")
    click.echo(f"supforms: interrupted ({name}): {counted}; {again}.", err=True)
    sys.exit(interrupt.exit_code)
