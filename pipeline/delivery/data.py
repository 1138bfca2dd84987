"""Read prefill records (CSV, JSON, JSON Lines) and validate them against a form's schema.

Keys are dotted paths (``supervisee.name``, ``participants.0.role``) or nested
objects. Keys starting with ``_`` are about delivery, not the form (``_recipient``)
and are kept aside. Every bad record is reported with its row and field before
anything is generated.
"""

from __future__ import annotations

import csv
import difflib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from supforms.forms.spec import field_specs
from supforms.forms.values import nest
from supforms.schemas.common import FormModel
from supforms.schemas.errors import InvalidRecordError, PipelineError, Problem

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


HINT_UTF8 = (
    'save it as UTF-8 (in Excel: Save As, "CSV UTF-8 (Comma delimited)"; '
    "in LibreOffice: character set Unicode (UTF-8))"
)


def _refused(path: Path, message: str) -> InvalidRecordError:
    """A data file that must be fixed before anything is done with it (exit 2)."""
    return InvalidRecordError(message, (), path=str(path))


def _delimiter(header: str) -> str:
    """The header line's separator: Excel in much of Europe saves CSV with semicolons."""
    counts = {sep: header.count(sep) for sep in (",", ";", "\t")}
    best = max(counts, key=lambda sep: counts[sep])
    return best if counts[best] else ","


def _csv_rows(path: Path, text: str) -> list[dict[str, Any]]:
    lines = text.splitlines()
    if not lines:
        return []
    reader = csv.reader(lines, delimiter=_delimiter(lines[0]))
    header = next(reader)
    seen: set[str] = set()
    for name in header:
        if name in seen:
            raise _refused(path, f"the column {name!r} appears twice: keep one")
        seen.add(name)
    rows = []
    for number, cells in enumerate(reader, start=1):
        if len(cells) > len(header) and any(cells[len(header) :]):
            raise _refused(path, f"row {number} has more cells than the header has columns")
        rows.append(dict(zip(header, cells, strict=False)))
    return rows


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """A JSON object's members; the same key twice would let the second silently win."""
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise ValueError(key)
        result[key] = value
    return result


def _json(path: Path, text: str) -> Any:
    try:
        return json.loads(text, object_pairs_hook=_unique_keys)
    except json.JSONDecodeError as exc:
        raise _refused(path, f"not valid JSON (line {exc.lineno}: {exc.msg})") from exc
    except ValueError as exc:
        raise _refused(path, f"the key {str(exc)!r} appears twice in one record: keep one") from exc


_SPREADSHEET = ' (from a spreadsheet: Save As "CSV UTF-8")'
_MAGIC = {
    b"%PDF": "a PDF",
    b"PK\x03\x04": "a workbook or other zip file",
    b"\xd0\xcf\x11\xe0": "an old Excel workbook",
}


def _not_data(path: Path) -> str | None:
    """What a file no data file is, by its first bytes ("a PDF"), or None."""
    try:
        with path.open("rb") as file:
            start = file.read(8)
    except OSError:
        return None
    return next((kind for magic, kind in _MAGIC.items() if start.startswith(magic)), None)


def _not_a_data_file(path: Path) -> InvalidRecordError:
    found = _not_data(path)
    what = f"this is {found}, not a data file" if found else "unknown data format"
    return _refused(path, f"{what}: use .csv, .json or .jsonl{_SPREADSHEET}")


def load_records(path: Path) -> list[Record]:
    """Every record of a CSV, JSON (object or list) or JSON Lines file, numbered from 1.

    A CSV may be separated by commas or semicolons (as Excel saves it where the
    comma is the decimal mark): the header line says which. A column or key
    named twice is refused, and so is text that is not UTF-8, with a hint.
    """
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".json", ".jsonl", ".ndjson"):
        raise _not_a_data_file(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise PipelineError(f"cannot read data file: {exc.strerror}", path=str(path)) from exc
    except UnicodeDecodeError as exc:
        if _not_data(path):  # a PDF or a workbook named .csv: no encoding makes it one
            raise _not_a_data_file(path) from exc
        raise _refused(path, f"the data file is not UTF-8 text: {HINT_UTF8}") from exc
    try:
        if suffix == ".csv":
            rows: list[Any] = _csv_rows(path, text)
        elif suffix == ".jsonl":
            rows = [_json(path, line) for line in text.splitlines() if line.strip()]
        elif suffix == ".json":
            loaded = _json(path, text)
            rows = loaded if isinstance(loaded, list) else [loaded]
        else:  # .ndjson
            rows = [_json(path, line) for line in text.splitlines() if line.strip()]
    except csv.Error as exc:
        raise PipelineError(f"not valid CSV ({exc})", path=str(path)) from exc
    records = []
    for number, row in enumerate(rows, start=1):
        if not isinstance(row, dict):
            raise PipelineError(f"record {number} is not an object", path=str(path))
        if "_renews" in row:  # a copy is linked to the record it renews by supforms renew only
            raise _refused(path, f"record {number}: _renews is set by supforms renew, not by data")
        records.append(_split(number, row))
    return records


def problems_from(error: ValidationError) -> tuple[Problem, ...]:
    """Pydantic's errors as problems named by the PDF field's dotted path."""
    problems = []
    for item in error.errors(include_url=False):
        field = ".".join(str(part) for part in item["loc"]) or "(record)"
        code = "unknown_field" if item["type"] == "extra_forbidden" else item["type"]
        message = "is not a field of this form" if code == "unknown_field" else item["msg"]
        if code == "string_too_long" and isinstance(item.get("input"), str):
            limit = item.get("ctx", {}).get("max_length")
            message = (
                f"is {len(item['input'].strip())} characters; the form takes at most {limit}, "
                "what its box shows on paper"
            )
        problems.append(Problem(field, code, message))
    return tuple(problems)


def _suggest(model: type[FormModel], problem: Problem) -> str:
    """An unknown field's message, with the form's field nearest its name, if one is near."""
    if problem.code != "unknown_field":
        return problem.message
    names = sorted({spec.path for spec in field_specs(model)})
    near = difflib.get_close_matches(problem.field, names, n=1, cutoff=0.75)
    return f"{problem.message} — did you mean {near[0]}?" if near else problem.message


def validate_records(model: type[FormModel], records: list[Record], source: str) -> list[FormModel]:
    """Each record as a model; all bad records are reported together, naming row and field."""
    valid: list[FormModel] = []
    problems: list[Problem] = []
    for record in records:
        try:
            valid.append(model.model_validate(nest(record.values)))
        except ValidationError as exc:
            problems += [
                Problem(f"row {record.row}: {p.field}", p.code, _suggest(model, p))
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
