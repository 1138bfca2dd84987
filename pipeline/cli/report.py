"""An ingest result told for a person: what support staff read in ``supforms inspect``."""

from __future__ import annotations

from typing import Any

from supforms.forms.values import dotted
from supforms.pipeline.records.actions import session_lines
from supforms.pipeline.result import IngestResult
from supforms.pipeline.text import printable

__all__ = ["describe_result", "signature_lines"]


def describe_result(result: dict[str, Any]) -> str:
    source = result["source"]
    lines = [
        f"File:        {source['filename']} ({source['bytes']:,} bytes,"
        f" sha256 {source['sha256'][:16]}…)",
        f"Status:      {result['status']}",
    ]
    if result.get("form"):
        lines += [
            f"Form:        {result['form']} version {result['version']}"
            f" (identified by {result.get('identified_by')})",
            f"Document id: {result.get('document_id') or 'unknown'}",
        ]
    if result.get("recovered_from"):
        lines.append(f"Read from:   {result['recovered_from']}")
    problems: dict[str, list[str]] = {}
    for problem in result["problems"]:
        problems.setdefault(problem["field"], []).append(f"{problem['code']}: {problem['message']}")
    for message in problems.pop("(file)", []):
        lines.append(f"File problem: {message}")
    if result.get("data") is not None:
        lines.append("Fields:")
        values = dotted(
            {k: v for k, v in result["data"].items() if k not in ("form_id", "schema_version")}
        )
        for path, value in values.items():
            shown = "" if value is None else str(value).replace("\n", " ⏎ ")
            lines.append(f"  {path:<40} {shown}")
            lines += [f"  {'':<40} ! {m}" for m in problems.pop(path, [])]
        for path, messages in problems.items():
            lines += [f"  {path:<40} ! {m}" for m in messages]
        lines += session_lines(result.get("form"), result["data"])  # and where each came from
    if result["signatures"]:
        lines.append("Signatures:")
        for sig in result["signatures"]:
            detail = ""
            if sig["kind"] == "digital":
                detail = f" in field {printable(sig['field'])}; {_digital(sig)}"
            elif sig.get("signer"):
                detail = f" ({printable(sig['signer'])})"
            block = printable(sig.get("block") or "(no signature block)")
            lines.append(f"  {block:<40} {sig['kind']}{detail}")
    # Every line through the one escaping function: a name, a file name, a signer, a
    # problem's message quoting what it found, none reaches the terminal raw.
    return "\n".join(printable(line) for line in lines)


def _digital(sig: dict[str, Any]) -> str:
    """A digital signature's verdict in a few words."""
    text = (
        f"by {printable(sig.get('signer') or 'unknown')} at {sig.get('signed_at') or '?'};"
        f" intact: {'yes' if sig.get('intact') else 'NO'};"
        f" trusted: {'yes' if sig.get('trusted') else 'no'};"
    )
    if sig.get("certification"):
        text += f" certifies the document ({sig['certification']});"
    changes = ", ".join(sig.get("changes") or ())
    return text + f" changed after signing: {printable(changes) if changes else 'no'}"


def signature_lines(result: dict[str, Any]) -> list[str]:
    """One line per digital signature of a result, for ``ingest -v``."""
    name = printable(result["source"]["filename"])
    return [
        f"{name}: signature in field {printable(sig['field'])} on "
        f"{printable(sig.get('block') or 'no signature block')}: {_digital(sig)}"
        for sig in result.get("signatures", ())  # a skipped entry has none
        if sig["kind"] == "digital"
    ]


def problem_line(result: IngestResult, origin: str | None = None) -> str:
    """One line for an input that needs a person: its file, status and first problem.

    ``origin`` names the file the user gave, when it is not the one read (the email a
    PDF came attached to).
    """
    first = result.problems[0] if result.problems else None
    reason = f"{first.field}: {first.message}" if first else ""
    more = len(result.problems) - 1
    name = origin or result.file or result.filename
    return f"{printable(name)}: {result.status}: {printable(reason)}" + (
        f" (+{more} more)" if more > 0 else ""
    )
