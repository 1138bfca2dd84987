"""The verdict on one input, typed from the worker to the store: ``IngestResult``.

It travels as this object through the workers, the batch, archiving and
transcription; it becomes JSON (contract 5) only at the edges: the
result files, stdout, and the records store's column (``as_json``, ``from_json``).
Which outcomes need a person is decided here, once (``needs_person``).
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import UTC, datetime
from typing import Any, Literal

from supforms.forms.reading.verdicts import SignatureVerdict
from supforms.schemas.errors import Problem

__all__ = ["NEEDS_ACTION", "IngestResult", "Status", "needs_person"]

Status = Literal["complete", "incomplete", "invalid", "rejected", "duplicate", "scanned", "skipped"]

NEEDS_ACTION: frozenset[str] = frozenset({"rejected", "invalid", "incomplete", "skipped"})
"""The statuses that leave an input to a person (contract 7: exit 3)."""


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


@dataclass
class IngestResult:
    """One input's verdict, in the shape of the ingest JSON."""

    filename: str
    sha256: str
    size: int
    status: Status = "rejected"
    form: str | None = None
    version: str | None = None
    document_id: str | None = None
    identified_by: str | None = None
    recovered_from: str | None = None
    data: dict[str, Any] | None = None
    signatures: list[SignatureVerdict] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    ingested_at: str = field(default_factory=_now)
    record_id: int | None = None
    """The record it is archived as (or, for a duplicate, the first one)."""
    quarantined: str | None = None
    """Where a rejected input's bytes were kept, under the batch's output folder."""
    transcribed: dict[str, str] | None = None
    """Who keyed a scan's values in, and when."""
    file: str | None = None
    """A skipped entry's path, as found."""

    def problem(self, field: str, code: str, message: str) -> None:
        self.problems.append(Problem(field, code, message))

    def as_json(self) -> dict[str, Any]:
        """The ingest JSON (contract 5)."""
        result: dict[str, Any] = {
            "form": self.form,
            "version": self.version,
            "document_id": self.document_id,
            "status": self.status,
            "source": {"filename": self.filename, "sha256": self.sha256, "bytes": self.size},
        }
        if self.file is not None:
            result["file"] = self.file
        if self.status not in ("rejected", "skipped"):
            result["data"] = self.data
        result["signatures"] = [s.as_json() for s in self.signatures]
        result["problems"] = [
            {"field": p.field, "code": p.code, "message": p.message} for p in self.problems
        ]
        if self.status != "skipped":
            result["identified_by"] = self.identified_by
            result["recovered_from"] = self.recovered_from
            result["ingested_at"] = self.ingested_at
        for key in ("record_id", "quarantined", "transcribed"):
            if getattr(self, key) is not None:
                result[key] = getattr(self, key)
        return result

    @classmethod
    def from_json(cls, result: dict[str, Any]) -> IngestResult:
        """An ingest JSON (a result file, the store's column) read back."""
        known = {f.name for f in fields(SignatureVerdict)}
        source = result.get("source") or {}
        return cls(
            filename=str(source.get("filename", "")),
            sha256=str(source.get("sha256", "")),
            size=int(source.get("bytes", 0)),
            status=result["status"],
            form=result.get("form"),
            version=result.get("version"),
            document_id=result.get("document_id"),
            identified_by=result.get("identified_by"),
            recovered_from=result.get("recovered_from"),
            data=result.get("data"),
            signatures=[
                SignatureVerdict(
                    **{
                        **{k: v for k, v in s.items() if k in known},
                        "changes": tuple(s.get("changes") or ()),
                    }
                )
                for s in result.get("signatures") or ()
            ],
            problems=[
                Problem(p["field"], p["code"], p["message"]) for p in result.get("problems") or ()
            ],
            ingested_at=str(result.get("ingested_at") or ""),
            record_id=result.get("record_id"),
            quarantined=result.get("quarantined"),
            transcribed=result.get("transcribed"),
            file=result.get("file"),
        )


def needs_person(result: IngestResult) -> bool:
    """Whether an input is left to a person: refused, wrong, missing something, or skipped.

    A scan with pages missing, unreadable or of another document counts too.
    """
    return result.status in NEEDS_ACTION or (result.status == "scanned" and bool(result.problems))
