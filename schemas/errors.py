"""The one exception tree of supforms.

It lives in the bottom layer so that every layer can raise it. Subclasses carry
data (the path, the problems) as well as a message, so callers can act on them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

__all__ = [
    "ExtractionError",
    "InvalidRecordError",
    "LayoutError",
    "PipelineError",
    "Problem",
    "SettingError",
    "StoreError",
    "UnknownFormError",
    "WriteError",
]


@dataclass(frozen=True)
class Problem:
    """One thing wrong with one value: which field, a stable code, and words for a person."""

    field: str
    code: str
    message: str


class PipelineError(Exception):
    """Root of every error supforms raises on purpose.

    ``exit_code`` is what the command line exits with (contract 7):
    1, supforms could not do its job; 2, the input must be fixed first.
    """

    exit_code: ClassVar[int] = 1

    def __init__(self, message: str, *, path: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.path = path

    def __str__(self) -> str:
        return f"{self.path}: {self.message}" if self.path else self.message


class UnknownFormError(PipelineError):
    """No form id in the PDF, or one that is not registered."""

    exit_code = 2


class LayoutError(PipelineError):
    """Content does not fit, a field is placed twice or not at all, or a template is wrong."""


class ExtractionError(PipelineError):
    """Not a PDF, encrypted, or without the fields we expect."""


class InvalidRecordError(PipelineError):
    """A record does not satisfy its form's schema; ``problems`` names each field."""

    exit_code = 2

    def __init__(
        self, message: str, problems: tuple[Problem, ...], *, path: str | None = None
    ) -> None:
        super().__init__(message, path=path)
        self.problems = problems

    def __str__(self) -> str:
        where = f"{self.path}: " if self.path else ""
        details = "; ".join(f"{p.field}: {p.message}" for p in self.problems)
        return f"{where}{self.message}: {details}" if details else f"{where}{self.message}"


class StoreError(PipelineError):
    """The records store is unreachable or inconsistent."""


class WriteError(PipelineError):
    """A file could not be written whole (disk full, size limit, a link in the way).

    Nothing is left under its name, and nothing may be reported as written.
    """


class SettingError(InvalidRecordError):
    """A setting (an option, a config value) that must be fixed before anything is done."""

    def __init__(self, message: str) -> None:
        super().__init__(message, ())
