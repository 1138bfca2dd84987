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
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType
from typing import NoReturn

import click

__all__ = ["Interrupt", "exit_interrupted", "interruptible"]

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


def exit_interrupted(
    interrupt: Interrupt, done: int, left: int, nouns: str, again: str = AGAIN
) -> NoReturn:
    """One line on what an interrupted command did and how to go on; exit 130 or 143.

    ``nouns`` names what was counted ("inputs"); ``again`` says how to do the rest.
    """
    name = signal.Signals(interrupt.exit_code - 128).name
    click.echo(
        f"supforms: interrupted ({name}): {done} {nouns} done, {left} left; {again}.", err=True
    )
    sys.exit(interrupt.exit_code)
