"""A signature's verdict, as the ingest result carries it: no PDF library needed to hold one.

Reading a verdict back from a stored result (``records show``, reminders) must not
load pikepdf; ``signatures`` and ``digital`` make verdicts, this module only holds them.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from dataclasses import field as dc_field
from typing import Any, Literal

__all__ = ["Box", "SignatureKind", "SignatureVerdict"]

SignatureKind = Literal["digital", "drawn", "typed", "none"]
Box = tuple[int, tuple[float, float, float, float]]
"""A page index and a rectangle on it."""

_DIGITAL_ONLY = ("intact", "trusted", "certification", "modified_after_signing")


@dataclass(frozen=True)
class SignatureVerdict:
    """One signature: a block of the form, or a digital signature elsewhere in the file.

    ``field`` is the PDF field holding it (a block's own path when it is not
    digital); ``block`` the form's signature block it covers, ``None`` for none.
    ``certification`` is a certifying signature's DocMDP permission (``no_changes``,
    ``fill_forms``, ``annotate``); ``None`` for an ordinary (approval) signature.
    """

    field: str
    kind: SignatureKind
    block: str | None = None
    signer: str | None = None
    signed_at: str | None = None
    intact: bool | None = None
    trusted: bool | None = None
    certification: str | None = None
    modified_after_signing: bool | None = None
    changes: tuple[str, ...] = dc_field(default_factory=tuple)

    @property
    def is_broken(self) -> bool:
        """A digital signature that no longer matches, or a document edited after signing."""
        return self.kind == "digital" and (not self.intact or bool(self.modified_after_signing))

    def as_json(self) -> dict[str, Any]:
        # By hand: ``asdict`` deep-copies every value, and a batch asks this of every block.
        data = {f.name: getattr(self, f.name) for f in _FIELDS}
        data["changes"] = list(self.changes)
        if self.kind != "digital":
            for key in _DIGITAL_ONLY:
                data.pop(key)
        return data


_FIELDS = fields(SignatureVerdict)
