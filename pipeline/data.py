"""Read prefill records (CSV, JSON, JSON Lines) and validate them against a form's schema.

Keys are dotted paths (``supervisee.name``, ``participants.0.role``) or nested
objects. Keys starting with ``_`` are about delivery, not the form (``_recipient``)
and are kept aside. Every bad record is reported with its row and field before
anything is generated.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from forms.values import nest
from schemas.common import FormModel
from schemas.errors import InvalidRecordError, PipelineError, Problem

__all__ = ["Record", "load_records", "problems_from", "validate_records"]


@dataclass(frozen=True)
class Record:
    """One row of prefill data: where it came from, the form values and the delivery keys."""

    row: int
    values: dict[str, Any]
    meta: dict[str, str]


def _split(row: int, raw: dict[str, Any]) -> Record:
    meta = {k[1:]: str(v) for k, v in raw.items() if k.startswith("_") and v not in (None, "")}
    values = {k: v for k, v in raw.items() if not k.startswith("_") and v not in (None, "")}
    return Record(row, values, meta)


def load_records(path: Path) -> list[Record]:
    """Every record of a CSV, JSON (object or list) or JSON Lines file, numbered from 1."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise PipelineError(f"cannot read data file: {exc.strerror}", path=str(path)) from exc
    except UnicodeDecodeError as exc:
        raise PipelineError("data file is not UTF-8 text", path=str(path)) from exc
    suffix = path.suffix.lower()
    try:
        if suffix == ".csv":
            rows: list[Any] = list(csv.DictReader(text.splitlines()))
        elif suffix in (".jsonl", ".ndjson"):
            rows = [json.loads(line) for line in text.splitlines() if line.strip()]
        elif suffix == ".json":
            loaded = json.loads(text)
            rows = loaded if isinstance(loaded, list) else [loaded]
        else:
            raise PipelineError("unknown data format: use .csv, .json or .jsonl", path=str(path))
    except json.JSONDecodeError as exc:
        raise PipelineError(
            f"not valid JSON (line {exc.lineno}: {exc.msg})", path=str(path)
        ) from exc
    except csv.Error as exc:
        raise PipelineError(f"not valid CSV ({exc})", path=str(path)) from exc
    records = []
    for number, row in enumerate(rows, start=1):
        if not isinstance(row, dict):
            raise PipelineError(f"record {number} is not an object", path=str(path))
        records.append(_split(number, row))
    return records


def problems_from(error: ValidationError) -> tuple[Problem, ...]:
    """Pydantic's errors as problems named by the PDF field's dotted path."""
    problems = []
    for item in error.errors(include_url=False):
        field = ".".join(str(part) for part in item["loc"]) or "(record)"
        code = "unknown_field" if item["type"] == "extra_forbidden" else item["type"]
        message = "is not a field of this form" if code == "unknown_field" else item["msg"]
        problems.append(Problem(field, code, message))
    return tuple(problems)


def validate_records(model: type[FormModel], records: list[Record], source: str) -> list[FormModel]:
    """Each record as a model; all bad records are reported together, naming row and field."""
    valid: list[FormModel] = []
    problems: list[Problem] = []
    for record in records:
        try:
            valid.append(model.model_validate(nest(record.values)))
        except ValidationError as exc:
            problems += [
                Problem(f"row {record.row}: {p.field}", p.code, p.message)
                for p in problems_from(exc)
            ]
        except ValueError as exc:
            problems.append(Problem(f"row {record.row}", "bad_key", str(exc)))
    if problems:
        raise InvalidRecordError(
            f"{len(problems)} problem(s) in the data; nothing was generated",
            tuple(problems),
            path=source,
        )
    return valid
