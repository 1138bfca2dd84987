"""Print packs: many copies of a form in one print-ready PDF, fields flattened into the page.

Each copy keeps its own document id in every page's footer and QR code, so a
sheet that comes back filled in by hand can be matched to the copy it was. The
pack is tagged like every copy (PDF/UA-1): each copy's structure is a Part of it.
"""

from __future__ import annotations

import io
from contextlib import AbstractContextManager
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pikepdf
from pydantic import ValidationError
from supforms.forms.values import display_values
from supforms.forms.writing.compiled import compiled_form
from supforms.forms.writing.tagging import PackStructure
from supforms.forms.writing.wording import Wording, load_wording
from supforms.pipeline.delivery.data import Record, load_records
from supforms.pipeline.delivery.generate import Issued, check_records, issue_copy
from supforms.pipeline.files import free_name, write_private
from supforms.pipeline.records.opening import store_url
from supforms.pipeline.records.preflight import check_folder, store_errors, writable_store
from supforms.pipeline.records.store import RecordStore
from supforms.schemas.errors import PipelineError
from supforms.schemas.registry import model_for

__all__ = [
    "Pack", "make_pack", "print_copies", "print_pack", "printing_store", "save_pack", "write_pack",
]  # fmt: skip


def print_pack(
    form_id: str,
    records: list[Record] | None,
    count: int,
    *,
    source: str = "",
    wording: Wording | None = None,
    file: str = "",
    duplex: bool = True,
) -> tuple[bytes, list[Issued]]:
    """One PDF holding a flattened copy per record, or ``count`` blank copies.

    ``duplex``: each copy starts on a new sheet, a blank page after a copy of an odd
    number of pages, so a printer printing both sides never puts one person's form on
    the back of another's.
    """
    form = compiled_form(form_id, wording=wording)
    plan = (
        list(zip(check_records(form_id, records, source, wording), records, strict=True))
        if records is not None
        else [(None, None)] * count
    )
    pack = pikepdf.new()
    structure = PackStructure(pack)
    issued: list[Issued] = []
    sources: list[pikepdf.Pdf] = []  # qpdf reads copied streams when saving: keep them open
    for number, (record, row) in enumerate(plan):
        identity, data, values = issue_copy(form, record, flatten=True)
        sources.append(pikepdf.open(io.BytesIO(data)))
        if duplex and number and len(pack.pages) % 2:
            _blank_page(pack)  # the copy before ended on a front: its back stays empty
        first = len(pack.pages)
        pack.pages.extend(sources[-1].pages)
        structure.append(sources[-1], first)
        issued.append(
            Issued(
                document_id=identity.document_id,
                form=form_id,
                version=form.version,
                file=file,
                recipient=(row.meta.get("recipient") if row else None) or "",
                issued_at=identity.issued_at.isoformat(timespec="seconds"),
                sha256="",
                bytes=len(data),
                row=row.row if row else None,
                prefill=values,
            )
        )
    structure.finish()
    title = f"{form.title}: print pack of {len(plan)}"
    with pack.open_metadata(set_pikepdf_as_editor=False) as meta:
        meta["dc:title"] = title
        meta["pdfuaid:part"] = "1"  # PDF/UA-1
    pack.docinfo["/Title"] = title
    pack.docinfo["/Producer"] = "supforms"
    pack.docinfo["/CreationDate"] = datetime.now(UTC).strftime("D:%Y%m%d%H%M%SZ")
    out = io.BytesIO()
    pack.save(out, deterministic_id=True, fix_metadata_version=False)
    for opened in sources:
        opened.close()
    return out.getvalue(), issued


def _blank_page(pack: pikepdf.Pdf) -> None:
    """An empty page the size of the last one: nothing on it, so nothing to tag.

    It has no content stream at all (the key is optional): an empty one, compressed
    when the pack is saved, is a stream mutool calls cut short.
    """
    page = pikepdf.Dictionary(
        Type=pikepdf.Name.Page,
        MediaBox=pikepdf.Array(pack.pages[-1].mediabox),
        Resources=pikepdf.Dictionary(),
    )
    pack.pages.append(pikepdf.Page(page))


@dataclass(frozen=True)
class Pack:
    """A print pack made in memory: its file-to-be, its bytes and its copies."""

    target: Path
    pdf: bytes
    issued: list[Issued]


def write_pack(
    form_id: str,
    records: list[Record] | None,
    count: int,
    *,
    target: Path,
    source: str = "",
    wording: Wording | None = None,
    store: RecordStore | None = None,
    replace: bool = True,
    duplex: bool = True,
) -> list[Issued]:
    """Write a print pack (``print_pack``) to ``target``; with a ``store``, register its copies."""
    pdf, issued = print_pack(
        form_id, records, count, source=source, wording=wording, file=target.name, duplex=duplex
    )
    save_pack(Pack(target, pdf, issued), store, replace=replace)
    return issued


def save_pack(pack: Pack, store: RecordStore | None, *, replace: bool = False) -> None:
    """Write ``pack`` whole; with a ``store``, then register its copies as issued.

    Whole, or ``WriteError``: nothing left, nothing registered. Paper copies, blank
    ones too, are issued: a scan of one is matched by its id.
    """
    write_private(pack.target, pack.pdf, replace=replace)
    if store is not None:
        with store_errors("registering the copies"):
            store.register([asdict(copy) for copy in pack.issued])


def make_pack(
    form_id: str,
    *,
    data: Path | None = None,
    count: int = 1,
    target: Path | None = None,
    config: Path | None = None,
    duplex: bool = True,
) -> Pack:
    """The pack ``print_copies`` writes, made in memory, neither written nor registered.

    One prefilled copy per record of ``data``, else ``count`` blank copies; the pack
    goes to ``output/print/FORM-pack-N.pdf`` (``-2``, ``-3``… if that is taken) unless
    a ``target`` is given.
    """
    records = load_records(data) if data else None
    if target is None:
        default = Path("output/print") / f"{form_id}-pack-{len(records or []) or count}.pdf"
        target = free_name(default)
    check_folder(target.parent)
    pdf, issued = print_pack(
        form_id, records, count, source=str(data or ""), wording=load_wording(config),
        file=target.name, duplex=duplex,
    )  # fmt: skip
    return Pack(target, pdf, issued)


def print_copies(
    form_id: str,
    *,
    data: Path | None = None,
    count: int = 1,
    target: Path | None = None,
    store: str | None = None,
    config: Path | None = None,
    duplex: bool = True,
) -> tuple[Path, list[Issued]]:
    """A print pack of ``form_id`` written to ``target``, every copy registered as issued.

    As ``make_pack`` makes it, then ``save_pack``: no pack is ever replaced, its
    copies stay issued, and a ``target`` that exists is refused. The store is
    opened first, so a store that cannot be used stops the command before any work.
    Returns the pack's path and its copies.
    """
    with printing_store(store) as registry:
        pack = make_pack(
            form_id, data=data, count=count, target=target, config=config, duplex=duplex
        )
        save_pack(pack, registry)
    return pack.target, pack.issued


def printing_store(store: str | None) -> AbstractContextManager[RecordStore]:
    """The store print packs are registered in (``--store``, else as every command finds it)."""
    return writable_store(store_url(store))


def reprint(result: dict[str, Any], issued_at: datetime | None = None) -> bytes:
    """A print copy of a stored return: its values as returned, each whole, flattened.

    What a viewer shows of a long answer is what its box holds; this copy carries
    every value whole, on continuation pages after the page a box overflows, with
    the return's own document id (``issued_at``: when that copy was issued, if
    known). Signatures are not drawn: the original (``records show --pdf``) holds them.

    Raises:
        PipelineError: the record is not a form's, or a value has letters the form
            cannot print (each named).
    """
    form_id, version = result.get("form"), result.get("version")
    if not form_id or not result.get("data"):
        raise PipelineError("the record holds no form's values to print (it was rejected)")
    try:
        model = model_for(str(form_id), str(version))
        record = model.model_validate(result["data"])
    except (KeyError, ValidationError) as exc:
        raise PipelineError(f"the record's values are not a {form_id} {version}: {exc}") from exc
    form = compiled_form(str(form_id), str(version))
    for path, value in display_values(record).items():
        if isinstance(value, str) and not form.field_font.covers(value):
            letters = form.field_font.missing_named(value)
            raise PipelineError(f"{path}: the form cannot print {letters}")
    _, pdf, _ = issue_copy(
        form, record, issued_at=issued_at, document_id=result.get("document_id"), flatten=True
    )
    return pdf
